"""SPEC §11 over HTTP: CORS, the SDL download, automatic persisted queries (APQ)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from access.roles import Role
from app.main import create_app
from app.settings import Settings
from graph.db import Database
from schema.schema import export_sdl
from tests.conftest import bearer, error_codes

SHOP = "http://shop.example.test:5173"


def persisted(query: str) -> dict[str, object]:
    return {
        "persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}
    }


async def test_cors_preflight_for_an_allowed_origin_only(settings: Settings, db: Database) -> None:
    app = create_app(
        settings.model_copy(update={"cors_origins": f"{SHOP}, https://b.test"}), database=db
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        ok = await c.options(
            "/graphql",
            headers={
                "Origin": SHOP,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert ok.status_code in (200, 204), ok.text
        assert ok.headers["access-control-allow-origin"] == SHOP
        allowed = ok.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed and "content-type" in allowed
        assert "POST" in ok.headers["access-control-allow-methods"]

        other = await c.options(
            "/graphql",
            headers={"Origin": "https://evil.test", "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in other.headers

        simple = await c.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Origin": SHOP}
        )
        assert simple.headers["access-control-allow-origin"] == SHOP
        evil = await c.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Origin": "https://evil.test"}
        )
        assert "access-control-allow-origin" not in evil.headers


async def test_no_cors_by_default(anonymous: httpx.AsyncClient) -> None:
    preflight = await anonymous.options(
        "/graphql", headers={"Origin": SHOP, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_origins_are_validated() -> None:
    with pytest.raises(ValueError, match="cors_origins"):
        Settings(env="test", cors_origins="*")
    with pytest.raises(ValueError, match="cors_origins"):
        Settings(env="test", cors_origins="shop.example.com/")


async def test_sdl_download(anonymous: httpx.AsyncClient, settings: Settings, db: Database) -> None:
    response = await anonymous.get("/graphql/schema.graphql")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/graphql")
    assert response.text == export_sdl()
    production = create_app(settings.model_copy(update={"env": "production"}), database=db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=production), base_url="http://t"
    ) as c:
        assert (await c.get("/graphql/schema.graphql")).text == export_sdl()


@pytest.fixture
async def two_apps(
    settings: Settings, db: Database
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two app instances, each with its own driver and LRU, over the one Neo4j."""
    first, second = settings.open_database(), settings.open_database()
    headers = bearer("apq-admin", Role.ADMIN)
    async with (
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(settings, database=first)),
            base_url="http://a",
            headers=headers,
        ) as a,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(settings, database=second)),
            base_url="http://b",
            headers=headers,
        ) as b,
    ):
        yield a, b
    await first.close()
    await second.close()


async def test_apq_registers_on_one_process_and_runs_by_hash_on_another(
    two_apps: tuple[httpx.AsyncClient, httpx.AsyncClient], uid: str
) -> None:
    a, b = two_apps
    query = f'query Apq {{ distributor(id: "{uid}-nobody") {{ id }} }}'
    ext = persisted(query)

    for client in (a, b):
        missing = await client.post("/graphql", json={"extensions": ext})
        assert missing.status_code == 200
        assert error_codes(missing.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    zh = await a.post("/graphql", json={"extensions": ext}, headers={"Accept-Language": "zh-CN"})
    assert error_codes(zh.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert "持久化" in zh.json()["errors"][0]["message"]

    registered = await a.post("/graphql", json={"query": query, "extensions": ext})
    assert registered.json() == {"data": {"distributor": None}}

    by_hash = await b.post("/graphql", json={"extensions": ext})
    assert by_hash.json() == {"data": {"distributor": None}}
    by_get = await b.get("/graphql", params={"extensions": json.dumps(ext), "operationName": "Apq"})
    assert by_get.status_code == 200, by_get.text
    assert by_get.json() == {"data": {"distributor": None}}


async def test_apq_refuses_a_hash_that_does_not_match(client: httpx.AsyncClient, uid: str) -> None:
    query = f'{{ distributor(id: "{uid}") {{ id }} }}'
    wrong = persisted(query + " ")
    response = await client.post("/graphql", json={"query": query, "extensions": wrong})
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]
    response = await client.post(
        "/graphql", json={"extensions": {"persistedQuery": {"version": 2, "sha256Hash": "x"}}}
    )
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]
    # The mismatching text was not registered under the hash it claimed.
    again = await client.post("/graphql", json={"extensions": wrong})
    assert error_codes(again.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_apq_does_not_store_an_invalid_query(client: httpx.AsyncClient, uid: str) -> None:
    query = f"{{ nosuchfield{uid} }}"
    ext = persisted(query)
    first = await client.post("/graphql", json={"query": query, "extensions": ext})
    assert error_codes(first.json()) == ["BAD_USER_INPUT"]
    later = await client.post("/graphql", json={"extensions": ext})
    assert error_codes(later.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_mutations_stay_post_only(client: httpx.AsyncClient, uid: str) -> None:
    response = await client.get(
        "/graphql",
        params={"query": f'mutation {{ approveDistributor(id: "{uid}") {{ id }} }}'},
    )
    assert response.status_code >= 400
    assert response.status_code < 500
