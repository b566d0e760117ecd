"""Shared fixtures: a real Neo4j, chosen as SPEC §6 says.

`NEO4J_URI` if set; else a testcontainer where a Docker engine answers; else the local
launcher (`devtools.neo4j_server`) on its own port and data directory, started once per test
session and stopped at the end if this session started it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from access.roles import Role
from access.tokens import issue
from app.main import create_app
from app.settings import ROOT, Settings
from devtools import neo4j_server
from graph.db import Database
from graph.migrations import migrate

TEST_BOLT_PORT = int(os.environ.get("REFERRAL_TEST_BOLT_PORT", "7688"))

# Property tests check values, not speed. Hypothesis measures wall-clock time: a 200 ms
# deadline per example, and a health check that fails when generating the examples is
# slow. On a 2-core machine shared by several test runs both failed at random on
# CPU-bound properties whose code was right (a brute-force count took more than 200 ms),
# so every run uses a profile without them; a property that hangs is still stopped by its
# own max_examples. HYPOTHESIS_PROFILE=strict restores hypothesis's defaults.
hypothesis_settings.register_profile(
    "referral", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile("strict")
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "referral"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that reaches the shared Neo4j (`neo4j_uri`, directly or through
    `settings`, `db`, `transport`, `client` or `anonymous`) with `neo4j`, so that
    `make test-fast` (`-m "not neo4j"`) runs the rest without a database. Tests that
    start a Neo4j of their own carry the marker in their module."""
    for item in items:
        if "neo4j_uri" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.neo4j)


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def server_config(
    *, home: Path, port: int, heap: str = "1g", pagecache: str = "256m"
) -> neo4j_server.ServerConfig:
    """A launcher of the tests' own: the credentials are the (test) settings' ones, so
    every `Settings(env="test")` connects to it and nothing else does."""
    settings = Settings(env="test")
    return neo4j_server.ServerConfig(
        home=home,
        user=settings.neo4j_user,
        password=settings.neo4j_password,
        port=port,
        heap=heap,
        pagecache=pagecache,
    )


@pytest.fixture(scope="session")
def neo4j_uri() -> Iterator[str]:
    if uri := os.environ.get("NEO4J_URI"):
        yield uri
        return
    if _docker_answers():
        from testcontainers.neo4j import Neo4jContainer

        image = Neo4jContainer("neo4j:5.26-community", password="referral-test")
        image.with_env("NEO4J_internal_cypher_use__parameter__size", "false")  # as the launcher
        with image as container:
            os.environ["NEO4J_PASSWORD"] = "referral-test"
            yield container.get_connection_url()
        return
    config = server_config(home=ROOT / "var" / "neo4j-test", port=TEST_BOLT_PORT)
    started = neo4j_server.start(config=config)
    yield f"bolt://127.0.0.1:{TEST_BOLT_PORT}"
    if not started.already_running:
        neo4j_server.stop(config=config)


@pytest.fixture(scope="session")
def settings(neo4j_uri: str) -> Settings:
    return Settings(
        neo4j_uri=neo4j_uri,
        env="test",
        settle_interval_seconds=0,
        fraud_scan_interval_seconds=0,
        mutation_rate_limit=0,  # no limit for any role: tests of limits make their own app
    )


def token_for(
    subject: str, role: Role | str, *, settings: Settings | None = None, ttl_hours: float = 2
) -> str:
    """A bearer token signed with the (test) settings' key."""
    return issue(
        config=(settings or Settings(env="test")).token_config,
        subject=subject,
        role=Role(role),
        ttl=timedelta(hours=ttl_hours),
        now=datetime.now(UTC),
    )


def bearer(subject: str, role: Role | str) -> dict[str, str]:
    """The Authorization header of a fresh token for `subject` as `role`."""
    return {"Authorization": f"Bearer {token_for(subject, role)}"}


@pytest.fixture(scope="session")
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = settings.open_database()
    await migrate(database)
    # Tests expect the platform's default rates unless they activate a rule set themselves.
    await database.driver.execute_query(
        "MATCH (r:RuleSet {active: true}) SET r.active = false", database_=database.name
    )
    yield database
    await database.close()


@pytest.fixture(autouse=True)
def closed_breaker(request: pytest.FixtureRequest) -> None:
    """Each test that uses the shared `db` starts with its outage breaker closed, as a new
    process would: a test that opened it (a failure of its own) fails alone, and the
    tests after it are not answered UNAVAILABLE for it."""
    if "db" in request.fixturenames:
        database: Database = request.getfixturevalue("db")
        database.breaker.succeeded()


@pytest.fixture(scope="session")
def transport(settings: Settings, db: Database) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=create_app(settings, database=db))


@pytest.fixture(scope="session")
async def client(transport: httpx.ASGITransport) -> AsyncIterator[httpx.AsyncClient]:
    """The API as an ADMIN: tests of behaviour, not of access, post through this."""
    headers = bearer("test-admin", Role.ADMIN)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as c:
        yield c


@pytest.fixture(scope="session")
async def anonymous(transport: httpx.ASGITransport) -> AsyncIterator[httpx.AsyncClient]:
    """The API without a token."""
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def uid() -> str:
    """A fresh id prefix, so every test makes its own data."""
    return "t" + uuid.uuid4().hex[:12]


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST one GraphQL operation (`headers` replace the client's, e.g. another token);
    the HTTP status must never be a 5xx."""
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code < 500, response.text
    body: dict[str, Any] = response.json()
    return body


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
