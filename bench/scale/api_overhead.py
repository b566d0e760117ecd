"""Where the HTTP GraphQL path spends its time: upline(3) layer by layer.

Loads a small network under a fresh prefix into the Neo4j at NEO4J_URI, then times
`upline(depth: 3)` (and with `--downline` a downline page of 50) at `--concurrency` C
through each layer of the stack:

- "bare driver": the product's Cypher with `driver.execute_query`, not parsed;
- "product call": `graph.tree.team.upline`;
- "graphql-core": graphql-core executing strawberry's schema on a document parsed and
  validated once (what a compiled plan per query text would leave);
- "strawberry": `schema.execute` (its parse and validation caches, extensions);
- "HTTP in process": the FastAPI app over httpx's ASGI transport (no socket);
- "HTTP socket, N workers" (`--socket-workers N`): `referral serve --workers N` on a
  free 127.0.0.1 port, over real sockets with keep-alive.

Then, unless `--no-profile`, prints cProfile's top functions of the in-process HTTP
calls. Deletes what it loaded and stops the server it started.

    NEO4J_URI=bolt://127.0.0.1:7691 python -m bench.scale.api_overhead \\
        [--calls 500] [--concurrency 4] [--socket-workers 2] [--downline] [--no-profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from graphql import execute, parse, validate

from access.roles import Role
from access.tokens import issue
from app.settings import ROOT, Settings
from bench.scale.dataset import side_network
from bench.scale.ops_neo4j import DOWNLINE_GQL, UPLINE_GQL, BareOps, HttpOps, Neo4jOps, Row
from bench.scale.workload import Measured
from domain.models import Actor
from domain.pagination import CursorCodec
from graph.db import Database
from graph.migrations import migrate
from graph.tree import bulk
from resolvers.context import Context
from schema.schema import build_schema

Op = Callable[[str], Awaitable[Row]]


class SchemaOps:
    """The GraphQL schema executed without HTTP: strawberry's `execute`, or graphql-core
    on strawberry's schema with the document parsed and validated once."""

    def __init__(self, db: Database, settings: Settings, *, core: bool) -> None:
        self.db, self.settings, self.core = db, settings, core
        self.schema = build_schema(max_cost=settings.max_query_cost)
        self.name = "graphql-core, plan cached" if core else "strawberry execute"
        self.documents: dict[str, Any] = {}

    def context(self) -> Context:
        return Context(
            db=self.db,
            policy=self.settings.policy,
            actor=Actor(subject="bench", role=Role.ADMIN.value),
            request_id=uuid.uuid4().hex,
            keyring=self.settings.keyring,
        )

    async def run(self, query: str, variables: dict[str, Any]) -> Any:
        if self.core:
            document = self.documents.get(query)
            if document is None:
                document = parse(query)
                assert not validate(self.schema._schema, document)
                self.documents[query] = document
            result = execute(
                self.schema._schema,
                document,
                context_value=self.context(),
                variable_values=variables,
            )
            if not isinstance(result, dict) and hasattr(result, "__await__"):
                result = await result
        else:
            result = await self.schema.execute(
                query, variable_values=variables, context_value=self.context()
            )
        if result.errors:
            raise RuntimeError(str(result.errors)[:300])
        return result.data["distributor"]

    async def upline(self, distributor_id: str) -> Row:
        found = await self.run(UPLINE_GQL, {"id": distributor_id})
        return tuple((e["level"], e["distributor"]["id"]) for e in found["upline"])

    async def downline(self, root_id: str, after: Any) -> Row:
        found = await self.run(DOWNLINE_GQL, {"id": root_id, "after": None})
        return tuple((e["level"], e["node"]["id"]) for e in found["downline"]["edges"])


class SocketServer:
    """`referral serve --workers N` on a free loopback port, with this process's settings."""

    def __init__(self, workers: int) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.workers = workers
        env = {
            **os.environ,
            "REFERRAL_SETTLE_INTERVAL_SECONDS": "0",
            "REFERRAL_FRAUD_SCAN_INTERVAL_SECONDS": "0",
            "REFERRAL_MUTATION_RATE_LIMIT": "0",
        }
        command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1"]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port), "--workers", str(workers)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    async def ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as client:
            while time.monotonic() < deadline:
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        await asyncio.sleep(3.0)  # the other workers finish starting
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.5)
        raise RuntimeError("referral serve did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


class SocketHttpOps(HttpOps):
    """`HttpOps` against a real server over sockets."""

    def __init__(self, db: Database, url: str, workers: int, concurrency: int) -> None:
        settings = Settings()
        self.name = f"HTTP socket, {workers} workers"
        self.roots = {}
        self.codec = CursorCodec(settings.cursor_secret.encode())
        token = issue(
            config=settings.token_config,
            subject="bench",
            role=Role.ADMIN,
            ttl=timedelta(hours=4),
            now=datetime.now(UTC),
        )
        self.client = httpx.AsyncClient(
            base_url=url,
            headers={"Authorization": f"Bearer {token}"},
            limits=httpx.Limits(max_keepalive_connections=concurrency, max_connections=concurrency),
        )


async def main(args: argparse.Namespace) -> None:
    settings = Settings()
    db = settings.open_database()
    await migrate(db)
    prefix = "ao" + uuid.uuid4().hex[:6]
    rows = side_network(prefix, 5_000, fanout=5)
    await bulk.load_network(db, rows=rows)
    rng = random.Random(1)
    ids = [rng.choice(rows).id for _ in range(args.calls)]
    neo = Neo4jOps(db)
    http = HttpOps(db, neo.roots)
    layers: list[Any] = [
        BareOps(db, neo.roots),
        neo,
        SchemaOps(db, settings, core=True),
        SchemaOps(db, settings, core=False),
        http,
    ]
    server = None
    if args.socket_workers:
        server = SocketServer(args.socket_workers)
    print(f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    try:
        if server is not None:
            await server.ready()
            layers.append(SocketHttpOps(db, server.url, server.workers, args.concurrency))
        for ops in layers:
            m = await _timed(ops.upline, ids, args.concurrency, "upline(3)", ops.name)
            print(_line(m), flush=True)
        if args.downline:
            root = rows[0].id
            for ops in layers:
                if isinstance(ops, BareOps):
                    await neo.root(root)
                m = await _timed(
                    lambda r, ops=ops: ops.downline(r, None),
                    [root] * len(ids),
                    args.concurrency,
                    "downline page",
                    ops.name,
                )
                print(_line(m), flush=True)
        if not args.no_profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for i in ids:
                await http.upline(i)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).sort_stats("tottime")
            stats.print_stats(35)
            print(f"\n{http.name}, cProfile of {len(ids)} calls:\n{out.getvalue()}")
    finally:
        print(f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        for ops in layers:
            if isinstance(ops, HttpOps):
                await ops.close()
        if server is not None:
            server.stop()
        await bulk.delete_by_prefix(db, prefix=prefix + "-")
        await db.close()


def _line(m: Measured) -> str:
    return (
        f"{m.op} / {m.system} (c{m.concurrency}): p50 {m.pct(0.5):.2f} ms, "
        f"p99 {m.pct(0.99):.2f} ms, {m.throughput:,.0f}/s, "
        f"{m.queries:.2f} CPU ms/call in this process"
    )


async def _timed(op: Op, ids: list[str], concurrency: int, name: str, system: str) -> Measured:
    for i in ids[:50]:
        await op(i)
    samples: list[float] = []
    queue = list(reversed(ids))
    cpu = time.process_time()

    async def worker() -> None:
        while queue:
            i = queue.pop()
            t0 = time.perf_counter()
            await op(i)
            samples.append((time.perf_counter() - t0) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    m = Measured(name, system, concurrency, samples, time.perf_counter() - started)
    m.queries = (time.process_time() - cpu) * 1000 / len(ids)  # this process's CPU ms/call
    return m


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--socket-workers", type=int, default=0)
    parser.add_argument("--downline", action="store_true")
    parser.add_argument("--no-profile", action="store_true")
    asyncio.run(main(parser.parse_args()))
