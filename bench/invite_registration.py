"""Benchmark: registering by invite code costs no more than registering by sponsorId.

Starts a Neo4j of its own on 127.0.0.1 (`--port`, default 7897; data in
var/neo4j-bench-invite, wiped first), bulk-loads a background network (`--background`
distributors, power-law, every one of them given an invite code, so the code index
holds that many), picks 200 sponsors, then registers `--n` newcomers by sponsorId and
`--n` by the sponsor's invite code, interleaved (pair k: one of each under the same
sponsor, which goes first alternating), warm (a warm-up of 200 of each first), through
  - the product call: `resolvers.tree.registration.register` with a request context
    (input checks, code normalising, the one write transaction and the read-back), and
  - HTTP: the `registerDistributor` mutation through the in-process ASGI app (SERVICE
    token), which adds parsing, validation, the audit event and serialising.
Prints p50/p99/mean in milliseconds for each, the ratios, the machine's load average
before and after, and versions; stops its Neo4j at the end. Bounded: 4 × (n + 200)
registrations, and `make bench-invite` wraps it in a timeout.

    python -m bench.invite_registration [--n 2000] [--background 100000] [--port 7897]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shutil
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from importlib import metadata

import httpx

from access.roles import Role
from access.tokens import issue
from app.main import create_app
from app.settings import ROOT, Settings
from devtools import neo4j_server
from devtools.demo import generate
from domain.models import Actor
from graph.db import Database
from graph.migrations import migrate
from graph.tree import bulk, invites
from resolvers.context import Context
from resolvers.tree import registration

SPONSORS = 200
WARMUP = 200
MUTATION = """
mutation($input: RegisterDistributorInput!) { registerDistributor(input: $input) { id } }
"""

Call = Callable[[str, str, str], Awaitable[object]]  # (new id, sponsor id, its code)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def summary(samples: list[float]) -> str:
    return (
        f"p50 {statistics.median(samples):6.2f} ms   p99 {percentile(samples, 0.99):6.2f} ms   "
        f"mean {statistics.fmean(samples):6.2f} ms"
    )


async def paired(
    n: int, sponsors: list[tuple[str, str]], prefix: str, by_id: Call, by_code: Call
) -> tuple[list[float], list[float]]:
    """n pairs; pair k registers one newcomer each way under the same sponsor."""
    times: dict[str, list[float]] = {"id": [], "code": []}
    for k in range(n):
        sponsor, code = sponsors[k % len(sponsors)]
        order = ("id", "code") if k % 2 == 0 else ("code", "id")
        for way in order:
            call = by_id if way == "id" else by_code
            started = time.perf_counter()
            await call(f"{prefix}-{way}-{k}", sponsor, code)
            times[way].append((time.perf_counter() - started) * 1000)
    return times["id"], times["code"]


async def run(settings: Settings, *, n: int, background: int) -> None:
    db = settings.open_database()
    try:
        await measure(db, settings, n=n, background=background)
    finally:
        await db.close()


async def measure(db: Database, settings: Settings, *, n: int, background: int) -> None:
    await migrate(db)
    rows = generate(size=background, prefix="bg", seed=17)
    started = time.perf_counter()
    await bulk.load_network(db, rows=rows, batch_size=10_000)
    ids = [p.id for p in rows]
    for i in range(0, len(ids), 10_000):
        await invites.issue_missing(db, ids=ids[i : i + 10_000])
    seconds = time.perf_counter() - started
    print(f"background: {len(rows):,} distributors with codes in {seconds:.1f} s")
    rng = random.Random(3)
    chosen = sorted(rng.sample(ids, SPONSORS))
    codes = await invites.issue_missing(db, ids=chosen)
    sponsors = [(s, codes[s]) for s in chosen]

    policy = settings.policy
    ctx = Context(
        db=db,
        policy=policy,
        actor=Actor(subject="bench", role="SERVICE"),
        request_id="bench",
        keyring=settings.keyring,
    )

    async def product_by_id(new: str, sponsor: str, code: str) -> object:
        return await registration.register(
            ctx, distributor_id=new, name="新人", sponsor_id=sponsor, phone=None
        )

    async def product_by_code(new: str, sponsor: str, code: str) -> object:
        return await registration.register(
            ctx, distributor_id=new, name="新人", sponsor_id=None, phone=None,
            invite_code=code, channel="poster",
        )  # fmt: skip

    app = create_app(settings, database=db)
    token = issue(
        config=settings.token_config,
        subject="bench",
        role=Role.SERVICE,
        ttl=timedelta(hours=2),
        now=datetime.now(UTC),
    )
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://bench",
        headers={"Authorization": f"Bearer {token}"},
    )

    async def post(given: dict[str, object]) -> object:
        response = await client.post(
            "/graphql", json={"query": MUTATION, "variables": {"input": given}}
        )
        body = response.json()
        assert "errors" not in body, body
        return body

    async def http_by_id(new: str, sponsor: str, code: str) -> object:
        return await post({"id": new, "name": "新人", "sponsorId": sponsor})

    async def http_by_code(new: str, sponsor: str, code: str) -> object:
        return await post({"id": new, "name": "新人", "inviteCode": code, "channel": "poster"})

    async with client:
        for layer, by_id, by_code in (
            ("product call", product_by_id, product_by_code),
            ("HTTP GraphQL", http_by_id, http_by_code),
        ):
            tag = layer.split()[0].lower()
            await paired(WARMUP, sponsors, f"warm-{tag}", by_id, by_code)
            id_ms, code_ms = await paired(n, sponsors, f"new-{tag}", by_id, by_code)
            print(f"{layer}, {n} each:")
            print(f"  by sponsorId   {summary(id_ms)}")
            print(f"  by inviteCode  {summary(code_ms)}")
            print(
                f"  ratio code/id  p50 {statistics.median(code_ms) / statistics.median(id_ms):.2f}"
                f"   p99 {percentile(code_ms, 0.99) / percentile(id_ms, 0.99):.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--background", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=7897)
    args = parser.parse_args()
    home = ROOT / "var" / "neo4j-bench-invite"
    config = neo4j_server.ServerConfig(home=home, port=args.port, heap="1g", pagecache="512m")
    if neo4j_server.status(config=config).running:
        raise SystemExit(f"a Neo4j already runs on {config.uri}; stop it first")
    shutil.rmtree(home / "data", ignore_errors=True)
    print(f"date {datetime.now(UTC).isoformat(timespec='seconds')}  host {platform.node()}")
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; Python "
        f"{platform.python_version()}, neo4j driver {metadata.version('neo4j')}"
    )
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    neo4j_server.start(config=config)
    settings = Settings(
        neo4j_uri=config.uri,
        env="test",
        settle_interval_seconds=0,
        fraud_scan_interval_seconds=0,
        mutation_rate_limit=1_000_000,
    )
    try:
        asyncio.run(run(settings, n=args.n, background=args.background))
    finally:
        neo4j_server.stop(config=config)
        print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
