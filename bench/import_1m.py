"""Benchmark: the initial bulk load of SPEC §7 (≥ 50,000 distributors/s) through the
offline importer (`devtools.offline_import`), against the online path's figure.

Starts its own Neo4j (a scratch home under var/, its own port), generates a power-law
network (`devtools.demo.generate`), imports it offline (CSV files, Neo4j's importer, start,
migrations with every index populated), checks the graph (counts, a sample of uplines
and counters against the generator's), then stops that Neo4j. Nothing else is touched.

    python bench/import_1m.py [--size 1000000] [--port 7693] [--heap 2g] [--pagecache 2g]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import time

from app.settings import ROOT, Settings
from devtools import neo4j_server
from devtools.demo import generate
from devtools.offline_import import import_network

COUNTS = """
MATCH (d:Distributor) WITH count(d) AS nodes
MATCH ()-[r:REFERRED]->() RETURN nodes, count(r) AS edges
"""
ONE = """
MATCH (d:Distributor {id: $id}) OPTIONAL MATCH (s:Distributor)-[:REFERRED]->(d)
RETURN s.id AS sponsor, d.path AS path, d.down1 AS down1, d.down2 AS down2, d.down3 AS down3
"""


async def main(size: int, port: int, heap: str, pagecache: str) -> None:
    home = ROOT / "var" / "neo4j-import-bench"
    shutil.rmtree(home, ignore_errors=True)
    settings = Settings(neo4j_uri=f"bolt://127.0.0.1:{port}", env="test")
    config = neo4j_server.ServerConfig(
        home=home,
        user=settings.neo4j_user,
        password=settings.neo4j_password,
        port=port,
        heap=heap,
        pagecache=pagecache,
    )
    began = time.monotonic()
    rows = generate(size=size, prefix="imp", seed=23)
    generated = time.monotonic() - began
    db = settings.open_database()
    try:
        report = await import_network(config=config, database=db, rows=rows)
        found = (await db.read(COUNTS))[0]
        expected_edges = sum(1 for p in rows if p.sponsor_id is not None)
        sample = random.Random(5).sample(rows, 1000)
        mismatches = 0
        for p in sample:
            got = (await db.read(ONE, id=p.id))[0]
            want = (p.sponsor_id, p.path, *p.counts)
            mismatches += want != (
                got["sponsor"],
                got["path"],
                got["down1"],
                got["down2"],
                got["down3"],
            )
    finally:
        await db.close()
        neo4j_server.stop(config=config)
    print(f"Neo4j heap {heap}, page cache {pagecache}; {size:,} distributors (seed 23)")
    print(f"generate (Python, not timed below): {generated:.1f} s")
    print("| phase | seconds |")
    print("|---|---:|")
    print(f"| write the CSV files | {report.csv_seconds:.1f} |")
    print(f"| Neo4j's importer (JVM start included) | {report.import_seconds:.1f} |")
    print(f"| start Neo4j on the new store | {report.start_seconds:.1f} |")
    print(f"| migrations: constraints and indexes populated | {report.index_seconds:.1f} |")
    print(f"| **all** | **{report.seconds:.1f}** |")
    print(f"rate: **{report.rate:,.0f} distributors/s**")
    print(f"checks: {found['nodes']:,} nodes (expected {size:,}), {found['edges']:,} edges "
          f"(expected {expected_edges:,}), {mismatches} of 1,000 sampled rows differ")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--port", type=int, default=7693)
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--pagecache", default="2g")
    args = parser.parse_args()
    asyncio.run(main(args.size, args.port, args.heap, args.pagecache))
