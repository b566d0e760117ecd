"""`referral serve --workers N`: real worker processes on loopback, sharing Neo4j.

The scheduler's jobs run in one process at a time (a lease in Neo4j), and the mutation
rate limit holds across processes (its counters live in Neo4j)."""

from __future__ import annotations

import asyncio
import re

import httpx

from app.scheduler import SETTLE_LEASE
from graph import leases
from graph.db import Database
from tests.app.serving import serve
from tests.conftest import bearer, error_codes, gql

FREEZE = 'mutation { freezeDistributor(id: "wk-nobody", reason: "r") { id } }'


def worker_pids(output: str) -> set[str]:
    return set(re.findall(r"Started server process \[(\d+)\]", output))


async def taken_lease(db: Database) -> leases.Lease:
    """The settlement lease once a worker holds it (its first run may wait on a cold
    worker)."""
    for _ in range(120):
        found = await leases.read(db, name=SETTLE_LEASE)
        if found is not None and found.holder is not None:
            return found
        await asyncio.sleep(0.25)
    raise AssertionError("no worker took the settlement lease in 30 s")


async def test_serve_with_two_workers_runs_the_settlement_in_one_of_them(
    neo4j_uri: str, db: Database
) -> None:
    """Settlement every 0.3 s in two workers: over 3 s the lease is taken about ten
    times (twenty if both ran it), always by the same worker."""
    interval, window = 0.3, 3.0
    async with serve(
        neo4j_uri=neo4j_uri,
        workers=2,
        env={"REFERRAL_SETTLE_INTERVAL_SECONDS": str(interval)},
    ) as served:
        pids = worker_pids(served.output())
        assert 2 == len(pids), served.output()
        before = await taken_lease(db)
        await asyncio.sleep(window)
        after = await leases.read(db, name=SETTLE_LEASE)
    assert after is not None
    assert before.holder == after.holder
    assert after.holder is not None and after.holder.split(":")[1] in pids
    runs = after.takes - before.takes
    assert 1 <= runs <= window / interval + 2, runs
    # Stopped cleanly, the holder handed the lease back.
    assert (await leases.read(db, name=SETTLE_LEASE)).holder is None  # type: ignore[union-attr]


async def test_rate_limit_holds_across_two_servers_of_two_workers(neo4j_uri: str) -> None:
    """Two servers of two workers each (four processes, four drivers); 20 calls of one
    token at once, spread over both: exactly the limit of 5 are allowed."""
    token = bearer("wk-analyst-burst", "ANALYST")
    limit = {"REFERRAL_MUTATION_RATE_LIMIT_ANALYST": "5"}
    async with (
        serve(neo4j_uri=neo4j_uri, workers=2, env=limit) as one,
        serve(neo4j_uri=neo4j_uri, workers=2, env=limit) as two,
    ):
        clients = [httpx.AsyncClient(base_url=s.url, timeout=60) for s in (one, two)]
        try:
            bodies = await asyncio.gather(
                *(gql(clients[n % 2], FREEZE, headers=token) for n in range(20))
            )
        finally:
            for client in clients:
                await client.aclose()
    codes = sorted(code for body in bodies for code in error_codes(body))
    assert ["NOT_FOUND"] * 5 + ["RATE_LIMITED"] * 15 == codes
