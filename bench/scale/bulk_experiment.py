"""Why `graph.tree.bulk.load_network` is far below 50,000 distributors/s: an experiment.

On a throw-away Neo4j store (var/neo4j-exp, Bolt 127.0.0.1:7694, started and stopped
here), loads the same --rows-person network three times under fresh prefixes with the
product's statements (`bulk.CREATE_NODES`, then `bulk.CREATE_EDGES`, batches of 10,000):
  1. with only the `distributor_id` uniqueness constraint (what the edge pass needs);
  2. the same, then the product's other indexes built afterwards (`referral migrate`);
  3. with every index in place (what the product does today).
Prints distributors/s for each node pass, edge pass and index build, and how much of a
pass the server spent executing its statements (the rest is the client and the commit).
A 20,000-person load first warms the JIT and the plan cache.

    python -m bench.scale.bulk_experiment [--rows 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any, LiteralString

from app.settings import ROOT
from bench.scale.dataset import side_network
from bench.scale.neo4j_side import config, open_db, start_fresh
from devtools import neo4j_server
from graph.db import Database
from graph.migrations import migrate
from graph.tree import bulk

ONLY_ID = (
    "CREATE CONSTRAINT distributor_id IF NOT EXISTS FOR (d:Distributor) REQUIRE d.id IS UNIQUE"
)
AWAIT = "CALL db.awaitIndexes(3600)"


SERVER_MS: list[float] = []


async def _pass(db: Database, statement: LiteralString, rows: list[dict[str, Any]]) -> float:
    """Seconds for all batches; each statement's server time goes to SERVER_MS."""
    started = time.perf_counter()
    for start in range(0, len(rows), 10_000):
        batch = rows[start : start + 10_000]

        async def work(tx: Any, batch: list[dict[str, Any]] = batch) -> None:
            summary = await (await tx.run(statement, rows=batch)).consume()
            SERVER_MS.append(
                (summary.result_available_after or 0) + (summary.result_consumed_after or 0)
            )

        await db.write(work)
    return time.perf_counter() - started


async def load(db: Database, prefix: str, rows: int) -> tuple[float, float]:
    placed = side_network(prefix, rows, fanout=20)
    made = [bulk._row(p) for p in placed]
    nodes = await _pass(db, bulk.CREATE_NODES, made)
    edges = await _pass(db, bulk.CREATE_EDGES, [r for r in made if r["sponsorId"]])
    return nodes, edges


def _print(label: str, rows: int, nodes: float, edges: float) -> None:
    total = nodes + edges
    print(f"   statements' server time {sum(SERVER_MS) / 1000:.1f} s of {total:.1f} s")
    print(
        f"{label}: nodes {rows / nodes:,.0f}/s, edges {rows / edges:,.0f}/s, "
        f"together {rows / total:,.0f}/s",
        flush=True,
    )


async def main(rows: int) -> None:
    server = config(port=7694, heap="1g", pagecache="1g", home=ROOT / "var" / "neo4j-exp")
    start_fresh(server)
    db = open_db(server)
    try:
        await db.driver.execute_query(ONLY_ID)
        await db.driver.execute_query(AWAIT)
        await load(db, "x0", 20_000)  # JIT and plan cache warm-up, not counted
        SERVER_MS.clear()
        first = await load(db, "x1", rows)
        _print("1. only the id constraint", rows, *first)
        started = time.perf_counter()
        await migrate(db)
        await db.driver.execute_query(AWAIT)
        built = time.perf_counter() - started
        print(
            f"2. then every other index built: {built:.1f} s for {rows:,} distributors "
            f"(with 1: {rows / (sum(first) + built):,.0f}/s)",
            flush=True,
        )
        SERVER_MS.clear()
        _print("3. every index in place", rows, *await load(db, "x2", rows))
    finally:
        await db.close()
        neo4j_server.stop(config=server)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().rows))
