"""Issue #10 item 7: a query cost limit, a request-body limit and an execution timeout,
each refused early (or stopped) with a code."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from neo4j import AsyncManagedTransaction

from app.main import create_app
from app.settings import Settings
from domain.errors import Timeout
from graph.db import Database, fetch, request_deadline
from tests.conftest import bearer, error_codes, gql

DOWNLINE = "downline(first: 100) { edges { node { id INNER } } }"


def three_deep() -> str:
    inner = DOWNLINE.replace(" INNER", "")
    for _ in range(2):
        inner = DOWNLINE.replace("INNER", inner)
    return inner


# The example: 30 aliases, each three downline(first: 100) deep (it ran 30 s).
EXPENSIVE = (
    "{ " + " ".join(f'a{i}: distributor(id: "x{i}") {{ {three_deep()} }}' for i in range(30)) + " }"
)
# Forever, unless something stops it: ten billion rows counted on the server.
SLOW = "UNWIND range(1, 10000000000) AS x WITH x WHERE x = -1 RETURN count(x) AS n"


@asynccontextmanager
async def app_client(db: Database, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        Settings(env="test", settle_interval_seconds=0, fraud_scan_interval_seconds=0, **settings),
        database=db,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        headers=bearer("cost-admin", "ADMIN"),
    ) as client:
        yield client


async def test_a_costly_query_is_refused_before_it_runs(
    client: httpx.AsyncClient, db: Database
) -> None:
    """Also the second time, when the verdict comes from the validation cache."""
    for _ in range(2):
        before = db.queries
        started = time.monotonic()
        body = await gql(client, EXPENSIVE)
        assert ["BAD_USER_INPUT"] == error_codes(body)
        assert db.queries == before, "a refused query must not reach the database"
        assert time.monotonic() - started < 2
        extensions = body["errors"][0]["extensions"]
        assert int(extensions["cost"]) > int(extensions["maxCost"]) == 20_000
        assert "cost" in body["errors"][0]["message"]


async def test_nested_pages_multiply_and_variables_count_as_full_pages(
    client: httpx.AsyncClient,
) -> None:
    inner = DOWNLINE.replace("INNER", DOWNLINE.replace(" INNER", ""))
    two_deep = '{ distributor(id: "x") { ' + inner + " } }"
    assert ["BAD_USER_INPUT"] == error_codes(await gql(client, two_deep))  # 100 × 100 rows
    small = two_deep.replace("first: 100", "first: 10")
    assert "errors" not in await gql(client, small)
    by_variable = (
        'query($n: Int) { distributor(id: "x") { downline(first: $n) { edges { node { '
        "downline(first: $n) { edges { node { id } } } } } } } }"
    )
    body = await gql(client, by_variable, {"n": 5})
    assert ["BAD_USER_INPUT"] == error_codes(body)


async def test_an_ordinary_page_is_within_the_limit(client: httpx.AsyncClient) -> None:
    query = (
        '{ distributor(id: "x") { name teamMetrics { teamSize levelCounts { level count } } '
        "downline(first: 100) { totalCount edges { cursor level node { id name phone rank "
        "status joinedAt sponsor { id name } } } pageInfo { hasNextPage endCursor } } } "
        "leaderboard(metric: SALES, first: 100) { rank value distributor { id name } } }"
    )
    assert "errors" not in await gql(client, query)


async def test_the_cost_limit_is_a_setting(db: Database) -> None:
    async with app_client(db, max_query_cost=5) as small:
        body = await gql(small, '{ distributor(id: "x") { downline(first: 3) { totalCount } } }')
        assert "errors" not in body
        body = await gql(
            small, '{ distributor(id: "x") { downline(first: 3) { edges { cursor } } } }'
        )
        assert ["BAD_USER_INPUT"] == error_codes(body)
        assert "5" == body["errors"][0]["extensions"]["maxCost"]


async def test_a_body_above_the_limit_is_refused_with_413(db: Database) -> None:
    async with app_client(db, max_body_bytes=4096) as limited:
        padding = " " * 5000
        response = await limited.post(
            "/graphql",
            content=('{"query": "{ __typename }"' + padding + "}").encode(),
            headers={"content-type": "application/json"},
        )
        assert 413 == response.status_code
        assert ["BAD_USER_INPUT"] == error_codes(response.json())
        assert "4096" == response.json()["errors"][0]["extensions"]["maxBytes"]

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
            yield b'{"query": "{ __typename }"'
            for _ in range(10):
                yield b" " * 1000
            yield b"}"

        streamed = await limited.post(
            "/graphql", content=chunks(), headers={"content-type": "application/json"}
        )
        assert 413 == streamed.status_code and ["BAD_USER_INPUT"] == error_codes(streamed.json())
        fits = await limited.post("/graphql", json={"query": "{ __typename }" + " " * 3000})
        assert {"data": {"__typename": "Query"}} == fits.json()


async def test_a_24_mb_document_is_refused_by_default(client: httpx.AsyncClient) -> None:
    document = "{ __typename " + "#" * (24 * 1024 * 1024) + "\n}"
    response = await client.post("/graphql", json={"query": document})
    assert 413 == response.status_code and ["BAD_USER_INPUT"] == error_codes(response.json())


async def test_the_transaction_timeout_follows_the_request_deadline(db: Database) -> None:
    """Neo4j itself stops a read and a write transaction once the request's budget is
    spent (no cancellation from Python needed): TIMEOUT, in about that time."""

    async def slow_write(tx: AsyncManagedTransaction) -> object:
        return await fetch(tx, SLOW)

    for run in (lambda: db.read(SLOW), lambda: db.write(slow_write)):
        token = request_deadline.set(time.monotonic() + 0.5)
        started = time.monotonic()
        try:
            with pytest.raises(Timeout):
                await run()
        finally:
            request_deadline.reset(token)
        assert time.monotonic() - started < 5


async def running(db: Database, text: str) -> list[str]:
    records = await db.read(
        "SHOW TRANSACTIONS YIELD currentQuery, status WHERE currentQuery CONTAINS $text "
        "RETURN currentQuery",
        text=text,
    )
    return [r["currentQuery"] for r in records]


async def test_a_request_past_its_timeout_answers_timeout_and_its_query_stops(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from resolvers.money import withdrawals as money

    marker = "timeout-probe-" + str(time.monotonic_ns())

    async def slow(ctx: Any, **kwargs: object) -> list[object]:
        await ctx.db.read(SLOW.replace("AS n", f"AS n, '{marker}' AS marker"))
        return []

    monkeypatch.setattr(money, "top", slow)
    async with app_client(db, request_timeout_seconds=1) as timed:
        started = time.monotonic()
        body = await gql(timed, "{ leaderboard(metric: SALES) { rank } }")
        elapsed = time.monotonic() - started
    assert ["TIMEOUT"] == error_codes(body)
    assert elapsed < 3
    for _ in range(30):  # the server lets go of it (terminated, or the connection closed)
        if not await running(db, marker):
            break
        await asyncio.sleep(0.1)
    assert [] == await running(db, marker)
