"""GraphQL limits (SPEC §3.9): depth, tokens, aliases, page size, no batching, the
per-token mutation rate limit, and introspection and GraphiQL off in production."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from graph.db import Database
from tests.conftest import bearer, error_codes, gql

PRODUCTION_SECRETS = {
    "jwt_secret": "p" * 40,
    "pii_keys": "prod:" + base64.b64encode(b"p" * 32).decode(),
    "identifier_secret": "q" * 32,
    "cursor_secret": "r" * 32,
    "neo4j_password": "n" * 16,  # the app uses the `db` fixture's driver, not this
}


async def test_queries_deeper_than_12_are_refused(client: httpx.AsyncClient) -> None:
    """Also the second time, when parsing and validation come from their caches."""
    nested = "sponsor { " * 12 + "id" + " }" * 12
    for _ in range(2):
        body = await gql(client, f'{{ distributor(id: "x") {{ {nested} }} }}')
        assert ["BAD_USER_INPUT"] == error_codes(body)
        assert "depth" in body["errors"][0]["message"]


async def test_more_than_30_aliases_are_refused(client: httpx.AsyncClient) -> None:
    aliases = " ".join(f'a{i}: distributor(id: "x{i}") {{ id }}' for i in range(31))
    for _ in range(2):
        body = await gql(client, f"{{ {aliases} }}")
        assert ["BAD_USER_INPUT"] == error_codes(body)
        assert "aliases" in body["errors"][0]["message"].lower()


async def test_more_than_2000_tokens_are_refused(client: httpx.AsyncClient) -> None:
    fields = " ".join(["id"] * 2100)
    for _ in range(2):
        body = await gql(client, f'{{ distributor(id: "x") {{ {fields} }} }}')
        assert ["BAD_USER_INPUT"] == error_codes(body)
        assert "token" in body["errors"][0]["message"].lower()


@pytest.mark.parametrize(
    "query",
    [
        "{ auditEvents(first: 101) { totalCount } }",
        '{ distributorsByPhone(phone: "13800000000", first: 101) { id } }',
    ],
)
async def test_new_lists_refuse_pages_above_100(client: httpx.AsyncClient, query: str) -> None:
    body = await gql(client, query)
    assert ["BAD_USER_INPUT"] == error_codes(body)


async def test_operation_batches_are_refused(client: httpx.AsyncClient) -> None:
    batch = await client.post("/graphql", json=[{"query": "{ __typename }"}] * 2)
    assert 400 == batch.status_code


async def test_unexpected_errors_carry_the_request_id(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from resolvers.money import withdrawals as money

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(money, "top", broken)
    response = await client.post(
        "/graphql", json={"query": "{ leaderboard(metric: SALES) { rank } }"}
    )
    error = response.json()["errors"][0]
    request_id = response.headers["x-request-id"]
    assert request_id == error["extensions"]["requestId"] and request_id in error["message"]
    assert "secret" not in response.text
    logged = [r for r in caplog.records if r.name == "referral.api" and r.exc_info]
    assert any(request_id in r.getMessage() for r in logged)


@asynccontextmanager
async def _app_client(db: Database, **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app of its own, on the test database, with these settings."""
    app = create_app(
        Settings(settle_interval_seconds=0, fraud_scan_interval_seconds=0, **settings),
        database=db,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def production(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with _app_client(db, env="production", **PRODUCTION_SECRETS) as c:
        yield c


async def test_introspection_is_off_in_production(
    production: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    introspect = "{ __schema { queryType { name } } }"
    assert {"__schema": {"queryType": {"name": "Query"}}} == (await gql(client, introspect))["data"]
    body = await gql(production, introspect)
    assert body.get("data") is None and {"BAD_USER_INPUT"} == set(error_codes(body))
    assert "introspection has been disabled" in body["errors"][0]["message"]


async def test_graphiql_is_off_in_production(production: httpx.AsyncClient) -> None:
    page = await production.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code != 200 or "graphiql" not in page.text.lower()


async def test_production_tokens_are_signed_with_the_production_secret(
    production: httpx.AsyncClient,
) -> None:
    """A token signed with the development secret does not open a production API."""
    body = await gql(production, "{ ruleSets { version } }", headers=bearer("x", "ADMIN"))
    assert ["UNAUTHENTICATED"] == error_codes(body)
    assert "signature" in body["errors"][0]["message"]


@pytest.fixture
async def limited(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with _app_client(
        db, env="test", mutation_rate_limit=3, mutation_rate_window_seconds=60
    ) as c:
        yield c


async def test_mutations_are_rate_limited_per_token(limited: httpx.AsyncClient) -> None:
    mutation = 'mutation { freezeDistributor(id: "rl-nobody", reason: "r") { id } }'
    first = bearer("rl-admin", "ADMIN")
    for _ in range(3):
        assert ["NOT_FOUND"] == error_codes(await gql(limited, mutation, headers=first))
    body = await gql(limited, mutation, headers=first)
    assert ["RATE_LIMITED"] == error_codes(body)
    assert float(body["errors"][0]["extensions"]["retryAfterSeconds"]) > 0
    # Queries are not counted, and another token has its own allowance.
    assert "errors" not in await gql(limited, "{ ruleSets { version } }", headers=first)
    other = bearer("rl-admin", "ADMIN")
    assert ["NOT_FOUND"] == error_codes(await gql(limited, mutation, headers=other))
