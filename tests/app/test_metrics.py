"""`GET /metrics` (Prometheus) and W3C `traceparent` (SPEC §11)."""

from __future__ import annotations

import asyncio
import re

import httpx
from prometheus_client.parser import text_string_to_metric_families

from app.metrics import trace_from
from app.scheduler import run_periodically
from tests.conftest import error_codes, gql


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


async def test_metrics_count_operations_by_name_and_outcome(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, uid: str
) -> None:
    ok_key = ("referral_graphql_requests_total", (("operation", "MetricsOk"), ("outcome", "ok")))
    denied_key = (
        "referral_graphql_requests_total",
        (("operation", "MetricsDenied"), ("outcome", "UNAUTHENTICATED")),
    )
    before = await scrape(anonymous)
    body = await gql(client, f'query MetricsOk {{ distributor(id: "{uid}") {{ id }} }}')
    assert body == {"data": {"distributor": None}}
    denied = await gql(anonymous, f'query MetricsDenied {{ distributor(id: "{uid}") {{ id }} }}')
    assert error_codes(denied) == ["UNAUTHENTICATED"]
    after = await scrape(anonymous)
    assert after[ok_key] == before.get(ok_key, 0) + 1
    assert after[denied_key] == before.get(denied_key, 0) + 1
    count = ("referral_graphql_request_seconds_count", (("operation", "MetricsOk"),))
    assert after[count] == before.get(count, 0) + 1
    reads = ("referral_neo4j_query_seconds_count", (("kind", "read"),))
    assert after[reads] > before.get(reads, 0)


async def test_scheduler_runs_are_counted(anonymous: httpx.AsyncClient) -> None:
    stop = asyncio.Event()
    runs = 0

    async def job() -> int:
        nonlocal runs
        runs += 1
        if runs == 2:
            stop.set()
            raise RuntimeError("second run fails")
        return 0

    key_ok = ("referral_scheduler_runs_total", (("job", "metrics-test"), ("outcome", "ok")))
    key_err = ("referral_scheduler_runs_total", (("job", "metrics-test"), ("outcome", "error")))
    before = await scrape(anonymous)
    await run_periodically("metrics-test", job, interval=0.01, stop=stop)
    after = await scrape(anonymous)
    assert after[key_ok] == before.get(key_ok, 0) + 1
    assert after[key_err] == before.get(key_err, 0) + 1


async def test_traceparent_is_continued_with_a_new_span(anonymous: httpx.AsyncClient) -> None:
    incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    response = await anonymous.get("/healthz", headers={"traceparent": incoming})
    version, trace_id, span, flags = response.headers["traceparent"].split("-")
    assert (version, trace_id, flags) == ("00", "4bf92f3577b34da6a3ce929d0e0e4736", "01")
    assert re.fullmatch(r"[0-9a-f]{16}", span) and span != "00f067aa0ba902b7"
    assert response.headers["x-request-id"] == trace_id

    fresh = await anonymous.get("/healthz")
    assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-01", fresh.headers["traceparent"])
    assert fresh.headers["x-request-id"] == fresh.headers["traceparent"].split("-")[1]

    given = await anonymous.get(
        "/healthz", headers={"traceparent": incoming, "x-request-id": "my-request-0001"}
    )
    assert given.headers["x-request-id"] == "my-request-0001"
    assert given.headers["traceparent"].split("-")[1] == "4bf92f3577b34da6a3ce929d0e0e4736"


def test_invalid_traceparents_start_a_new_trace() -> None:
    for bad in (
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "garbage",
    ):
        trace = trace_from(bad)
        assert trace.parent_id is None
        assert trace.trace_id != "4bf92f3577b34da6a3ce929d0e0e4736"
