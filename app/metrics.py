"""Prometheus metrics (`GET /metrics`) and W3C trace context (SPEC §11).

Metrics live in the process's default registry: GraphQL operations by name and outcome
(`ok` or the first error's code), their latency, Neo4j query time by kind (the
`Database`'s read and write, through its `on_query` hook), and scheduler runs by job
and outcome. Operation names come from clients, so a label is at most 64 characters of
a GraphQL name and at most `MAX_OPERATIONS` distinct names are kept (then `other`).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

REQUESTS = Counter(
    "referral_graphql_requests",
    "GraphQL operations answered, by operation name and outcome (ok or an error code).",
    ["operation", "outcome"],
)
LATENCY = Histogram(
    "referral_graphql_request_seconds",
    "Time to execute one GraphQL operation, by operation name.",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
NEO4J = Histogram(
    "referral_neo4j_query_seconds",
    "Time of one Neo4j query (read) or transaction (write).",
    ["kind"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
)
SCHEDULER = Counter(
    "referral_scheduler_runs", "Scheduled job runs, by job and outcome.", ["job", "outcome"]
)

NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
MAX_OPERATIONS = 200
_seen: set[str] = set()


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    if not NAME.fullmatch(name):
        return "other"
    if name not in _seen:
        if len(_seen) >= MAX_OPERATIONS:
            return "other"
        _seen.add(name)
    return name


def observe_operation(name: str | None, outcome: str, seconds: float) -> None:
    label = operation_label(name)
    REQUESTS.labels(label, outcome).inc()
    LATENCY.labels(label).observe(seconds)


def observe_neo4j(kind: str, seconds: float) -> None:
    NEO4J.labels(kind).observe(seconds)


SUBSCRIPTIONS = Gauge(
    "referral_subscriptions_open", "Subscriptions open in this process (graphql-transport-ws)."
)


def observe_subscriptions(count: int) -> None:
    SUBSCRIPTIONS.set(count)


def observe_job(job: str, outcome: str) -> None:
    SCHEDULER.labels(job, outcome).inc()


def exposition() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST


TRACEPARENT = re.compile(r"([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})")


@dataclass(frozen=True)
class Trace:
    trace_id: str
    parent_id: str | None  # the caller's span, when a valid traceparent came in
    span_id: str  # this request's span, sent back in `traceparent`
    flags: str

    @property
    def traceparent(self) -> str:
        return f"00-{self.trace_id}-{self.span_id}-{self.flags}"


def trace_from(header: str | None) -> Trace:
    """The caller's trace continued with a new span, or a new trace when the header is
    absent or invalid (W3C Trace Context §3.2: version ff, all-zero ids are invalid)."""
    span = secrets.token_hex(8)
    match = TRACEPARENT.fullmatch((header or "").strip().lower())
    if match:
        version, trace_id, parent_id, flags = match.groups()
        if version != "ff" and set(trace_id) != {"0"} and set(parent_id) != {"0"}:
            return Trace(trace_id, parent_id, span, flags)
    return Trace(secrets.token_hex(16), None, span, "01")
