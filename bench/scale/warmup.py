"""Rounds of team-metrics calls on a store the scale benchmark kept, to see Neo4j warm up.

Runs --warm calls one after another, then --rounds rounds of --calls calls of the
benchmark's team metrics (largest team, 30 days) with --concurrency callers, and prints
each round's p50 and p99 (as the benchmark takes them: `Measured.pct`, so p99 of 100
calls is the slowest), its slowest calls (with when they started in the round), and the
JVM's collections during the round. Keep a store first (`python -m bench.scale --size
100000 ... --keep`); restart its Neo4j to see a cold JVM.

    python -m bench.scale.warmup [--port 7697] [--warm 5] [--rounds 4] [--calls 100]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time

from bench.scale import neo4j_side
from bench.scale.dataset import END
from bench.scale.ops_neo4j import Neo4jOps
from bench.scale.workload import WINDOW, Measured
from graph.db import Database

GC_COUNTERS = """
CALL dbms.queryJmx('java.lang:type=GarbageCollector,*') YIELD name, attributes
RETURN name, attributes.CollectionCount.value AS count, attributes.CollectionTime.value AS ms
"""


async def collections(db: Database) -> dict[str, tuple[int, int]]:
    rows = await db.read(GC_COUNTERS)
    return {r["name"].split("name=")[-1]: (r["count"], r["ms"]) for r in rows}


async def one_round(neo: Neo4jOps, args: argparse.Namespace) -> tuple[Measured, list[float]]:
    """The round's calls measured as the benchmark measures them, and when each started
    (seconds into the round, in the order of `samples`)."""
    samples: list[float] = []
    starts: list[float] = []
    taken = 0
    began = time.perf_counter()

    async def caller() -> None:
        nonlocal taken
        while taken < args.calls:
            taken += 1
            started = time.perf_counter()
            await neo.metrics(args.root, END - WINDOW, END)
            samples.append((time.perf_counter() - started) * 1000)
            starts.append(started - began)

    await asyncio.gather(*(caller() for _ in range(args.concurrency)))
    seconds = time.perf_counter() - began
    return Measured("team metrics", neo.name, args.concurrency, samples, seconds), starts


async def main(args: argparse.Namespace) -> None:
    server = neo4j_side.config(port=args.port, heap=args.heap, pagecache=args.pagecache)
    db = neo4j_side.open_db(server)
    neo = Neo4jOps(db)
    try:
        for _ in range(args.warm):
            await neo.metrics(args.root, END - WINDOW, END)
        gc.collect()
        gc.freeze()
        for number in range(args.rounds):
            before = await collections(db)
            measured, starts = await one_round(neo, args)
            after = await collections(db)
            calls = sorted(zip(measured.samples, starts, strict=True))
            slowest = ", ".join(f"{ms:.0f} ms at {t:.2f} s" for ms, t in calls[-4:])
            jvm = {
                k: f"{after[k][0] - before[k][0]} in {after[k][1] - before[k][1]} ms" for k in after
            }
            print(
                f"round {number}: p50 {measured.pct(0.5):.1f} ms,"
                f" p99 {measured.pct(0.99):.1f} ms; slowest {slowest}; JVM collections {jvm}",
                flush=True,
            )
    finally:
        await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=7697)
    parser.add_argument("--heap", default="1g")
    parser.add_argument("--pagecache", default="2g")
    parser.add_argument("--root", default="sc-0000002", help="the largest team's root")
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    asyncio.run(main(parser.parse_args()))
