"""Issue #10 item 2: mutation limits per role, counted in Neo4j so that every app
process shares them (docs/security.md)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx

from app.main import create_app
from app.settings import Settings
from graph.db import Database
from tests.conftest import bearer, error_codes, gql

REGISTER = 'mutation($id: ID!) { registerDistributor(input: {id: $id, name: "n"}) { id } }'
FREEZE = 'mutation { freezeDistributor(id: "rl-nobody", reason: "r") { id } }'
WITHDRAW = """
mutation($id: ID!, $key: String!) {
  requestWithdrawal(input: {distributorId: $id, amount: "1.00", idempotencyKey: $key}) { id }
}
"""


@asynccontextmanager
async def app_client(
    settings: Settings, *, database: Database | None = None, **changes: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app of its own (with its own driver unless `database` is given),
    on the test Neo4j, with the default limits unless `changes` say otherwise."""
    own = Settings(
        neo4j_uri=settings.neo4j_uri,
        env="test",
        settle_interval_seconds=0,
        fraud_scan_interval_seconds=0,
        **changes,
    )
    db = database or own.open_database()
    app = create_app(own, database=db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield client
    if database is None:
        await db.close()


async def test_a_service_registers_150_people_in_a_minute(
    settings: Settings, db: Database, uid: str
) -> None:
    """With the default limits, as in production: SERVICE has none."""
    service = bearer("shop-backend", "SERVICE")
    async with app_client(settings, database=db) as client:

        async def register(n: int) -> list[str]:
            body = await gql(client, REGISTER, {"id": f"{uid}-{n}"}, headers=service)
            return error_codes(body)

        outcomes = []
        for start in range(0, 160, 20):
            outcomes += await asyncio.gather(*(register(n) for n in range(start, start + 20)))
    assert [[]] * 160 == outcomes


async def test_a_distributor_is_limited_by_default(
    settings: Settings, db: Database, uid: str
) -> None:
    person = bearer(uid, "DISTRIBUTOR")
    async with app_client(settings, database=db) as client:
        codes = [
            error_codes(
                await gql(client, WITHDRAW, {"id": uid, "key": f"{uid}-{n}"}, headers=person)
            )
            for n in range(31)
        ]
    # Its own withdrawals are allowed (it has no balance: refused on the merits) 30 times.
    assert all("RATE_LIMITED" not in c for c in codes[:30]), codes
    assert ["RATE_LIMITED"] == codes[30]


async def test_the_limit_holds_across_two_app_processes(settings: Settings) -> None:
    """Two apps, each with its own driver (as two worker processes would have), share
    one allowance per token: the counter lives in Neo4j."""
    token = bearer("rl-analyst", "ANALYST")
    async with AsyncExitStack() as stack:
        first, second = [
            await stack.enter_async_context(app_client(settings, mutation_rate_limit_analyst=3))
            for _ in range(2)
        ]
        codes = [error_codes(await gql(c, FREEZE, headers=token)) for c in (first, second, first)]
        assert [["NOT_FOUND"]] * 3 == codes
        refused = await gql(second, FREEZE, headers=token)
        assert ["RATE_LIMITED"] == error_codes(refused)
        assert float(refused["errors"][0]["extensions"]["retryAfterSeconds"]) > 0
        # Another token of the same role has its own allowance.
        other = bearer("rl-analyst", "ANALYST")
        assert ["NOT_FOUND"] == error_codes(await gql(first, FREEZE, headers=other))


async def test_concurrent_calls_never_exceed_the_limit(settings: Settings) -> None:
    """The counter is locked before it is read: 20 calls at once, exactly 5 allowed."""
    token = bearer("rl-burst", "ANALYST")
    async with app_client(settings, mutation_rate_limit_analyst=5) as client:
        bodies = await asyncio.gather(*(gql(client, FREEZE, headers=token) for _ in range(20)))
    codes = sorted(code for body in bodies for code in error_codes(body))
    assert ["NOT_FOUND"] * 5 + ["RATE_LIMITED"] * 15 == codes


async def test_a_role_of_its_own_overrides_the_old_single_limit(settings: Settings) -> None:
    """`REFERRAL_MUTATION_RATE_LIMIT` still limits every role that has no setting of its
    own; `..._SERVICE=0` lifts it for SERVICE."""
    admin, service = bearer("rl-admin2", "ADMIN"), bearer("rl-service2", "SERVICE")
    async with app_client(settings, mutation_rate_limit=2, mutation_rate_limit_service=0) as client:
        admin_codes = [error_codes(await gql(client, FREEZE, headers=admin)) for _ in range(3)]
        bind = 'mutation { bindSponsor(distributorId: "rl-x", sponsorId: "rl-y") { id } }'
        service_codes = [error_codes(await gql(client, bind, headers=service)) for _ in range(5)]
    assert ["RATE_LIMITED"] == admin_codes[2]
    assert all("RATE_LIMITED" not in c for c in service_codes), service_codes
