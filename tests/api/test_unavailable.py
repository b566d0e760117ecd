"""With Neo4j unreachable the API answers UNAVAILABLE and /readyz says so."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from graph.db import Database, create_driver
from tests.conftest import bearer, error_codes, gql


@pytest.fixture
async def dead_client() -> AsyncIterator[httpx.AsyncClient]:
    db = Database(
        create_driver(uri="bolt://127.0.0.1:9", user="neo4j", password="x", retry_seconds=0.5),
        retry_seconds=0.5,
    )
    app = create_app(Settings(env="test"), database=db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        headers=bearer("test-admin", "ADMIN"),
    ) as c:
        yield c
    await db.driver.close()


async def test_queries_answer_unavailable(dead_client: httpx.AsyncClient) -> None:
    body = await gql(dead_client, '{ distributor(id: "x") { id } }')
    assert error_codes(body) == ["UNAVAILABLE"]
    body = await gql(
        dead_client, 'mutation { registerDistributor(input: {id: "x", name: "n"}) { id } }'
    )
    assert error_codes(body) == ["UNAVAILABLE"]


async def test_readyz_fails_while_healthz_stays_up(dead_client: httpx.AsyncClient) -> None:
    assert (await dead_client.get("/readyz")).status_code == 503
    assert (await dead_client.get("/healthz")).status_code == 200
