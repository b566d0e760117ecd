"""Where the HTTP GraphQL path spends its time: upline(3) one call at a time.

Loads a small network under a fresh prefix into the Neo4j at NEO4J_URI, then times
`upline(depth: 3)` sequentially (concurrency 1) as a bare driver call of the product's
Cypher, as the product call `graph.tree.team.upline`, and through the FastAPI app (httpx
ASGI transport), and prints cProfile's top functions of the HTTP calls. (An earlier
version also tried strawberry's `ParserCache` and `ValidationCache` here as an experiment;
the product's schema now caches both, docs/decisions.md.) Deletes what it loaded.

    NEO4J_URI=bolt://127.0.0.1:7691 python -m bench.scale.api_overhead [--calls 300]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import random
import time
import uuid
from typing import Any

from app.settings import Settings
from bench.scale.dataset import side_network
from bench.scale.ops_neo4j import BareOps, HttpOps, Neo4jOps
from bench.scale.workload import Measured
from graph.migrations import migrate
from graph.tree import bulk


async def main(calls: int) -> None:
    db = Settings().open_database()
    await migrate(db)
    prefix = "ao" + uuid.uuid4().hex[:6]
    rows = side_network(prefix, 5_000, fanout=5)
    await bulk.load_network(db, rows=rows)
    rng = random.Random(1)
    ids = [rng.choice(rows).id for _ in range(calls)]
    neo = Neo4jOps(db)
    http = HttpOps(db, neo.roots)
    try:
        for ops in (BareOps(db, neo.roots), neo, http):
            m = await _timed(ops, ids)
            print(f"{m.system}: p50 {m.pct(0.5):.2f} ms, p99 {m.pct(0.99):.2f} ms", flush=True)
        for ops in (http,):
            profiler = cProfile.Profile()
            profiler.enable()
            for i in ids:
                await ops.upline(i)
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
            stats.print_stats(r"validat|parse|_prepare_operation|execute_query|handle_http_post")
            print(f"\n{ops.name}, cProfile of {len(ids)} calls:\n{out.getvalue()}")
    finally:
        await http.close()
        await bulk.delete_by_prefix(db, prefix=prefix + "-")
        await db.driver.close()


async def _timed(ops: Any, ids: list[str]) -> Measured:
    for i in ids[:50]:
        await ops.upline(i)
    samples = []
    started = time.perf_counter()
    for i in ids:
        t0 = time.perf_counter()
        await ops.upline(i)
        samples.append((time.perf_counter() - t0) * 1000)
    return Measured("upline(3)", ops.name, 1, samples, time.perf_counter() - started)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=300)
    asyncio.run(main(parser.parse_args().calls))
