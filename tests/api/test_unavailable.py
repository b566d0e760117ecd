"""With Neo4j unreachable the API answers UNAVAILABLE fast and /readyz says so within
about a second (issue #10 item 12): a closed port (a stopped database: the first
answer in about 1.2 s), and a server that accepts connections but never speaks Bolt (a
hung database: the first answer once the handshake times out, 5 s); after the first,
the circuit breaker answers at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from tests.conftest import bearer, error_codes, gql

QUERY = '{ distributor(id: "x") { id } }'
MUTATION = 'mutation { registerDistributor(input: {id: "x", name: "n"}) { id } }'


async def _client(uri: str) -> AsyncIterator[httpx.AsyncClient]:
    """An app with the default outage settings on a Neo4j that is not there."""
    settings = Settings(
        neo4j_uri=uri, env="test", settle_interval_seconds=0, fraud_scan_interval_seconds=0
    )
    db = settings.open_database()
    app = create_app(settings, database=db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        headers=bearer("test-admin", "ADMIN"),
    ) as c:
        yield c
    await db.close()


async def _hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        await reader.read()
    finally:
        writer.close()


@pytest.fixture(params=["refused", "hung"])
async def unreachable(request: pytest.FixtureRequest) -> AsyncIterator[httpx.AsyncClient]:
    """`refused`: nothing listens on port 9. `hung`: a server that accepts connections
    and never answers the Bolt handshake."""
    if request.param == "refused":
        async for c in _client("bolt://127.0.0.1:9"):
            yield c
        return
    server = await asyncio.start_server(_hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async for c in _client(f"bolt://127.0.0.1:{port}"):
        yield c
    server.close()


async def timed(request: object) -> tuple[float, object]:
    started = time.monotonic()
    result = await request  # type: ignore[misc]
    return time.monotonic() - started, result


async def test_queries_answer_unavailable_fast(
    unreachable: httpx.AsyncClient, request: pytest.FixtureRequest
) -> None:
    client = unreachable
    first, body = await timed(gql(client, QUERY))
    assert ["UNAVAILABLE"] == error_codes(body)  # type: ignore[arg-type]
    # About 1.2 s and 5 s on a quiet machine; the margin is for a busy one (load 20 here).
    assert first < (4.0 if "refused" in request.node.name else 10.0), first
    # The outage is known now: the next answers come at once, mutations too.
    for query in (MUTATION, QUERY):
        seconds, body = await timed(gql(client, query))
        assert ["UNAVAILABLE"] == error_codes(body)  # type: ignore[arg-type]
        assert seconds < 1.5, seconds  # 0.02 s on a quiet machine


async def test_readyz_fails_within_a_second_while_healthz_stays_up(
    unreachable: httpx.AsyncClient,
) -> None:
    client = unreachable
    seconds, response = await timed(client.get("/readyz"))
    assert isinstance(response, httpx.Response)
    assert 503 == response.status_code and seconds < 2.0, seconds  # 1.0 s at most, quiet
    assert ["UNAVAILABLE"] == error_codes(response.json())
    assert 200 == (await client.get("/healthz")).status_code
