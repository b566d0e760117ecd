"""`python -m bench.scale`: generate, load Neo4j and PostgreSQL, run the workload, report.

Starts its own Neo4j (fresh store in var/neo4j-bench, Bolt on 127.0.0.1:--bolt-port) and
its own PostgreSQL 15 (fresh cluster in var/pg-bench, 127.0.0.1:--pg-port; installed
from Debian's packages if missing), and stops both at the end, also on failure or
Ctrl-C. Data files are cached in var/scale/; the report, results.json and the plot go to
bench/results/scale-<size>-<time>/.

    python -m bench.scale --size 100000            # make bench-small
    python -m bench.scale --size 1000000           # make bench
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import shlex
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from app.settings import ROOT
from bench.fraud_1m import facts as neo4j_facts
from bench.scale import dataset, neo4j_side, pg_load, plot, report
from bench.scale.ops_neo4j import BareOps, HttpOps, Neo4jOps
from bench.scale.ops_pg import PgOps
from bench.scale.pg_server import DATA, PgServer, ensure_installed
from bench.scale.profile import write_profile
from bench.scale.runner import run_all
from bench.scale.workload import make_plan


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().split()[1]
        memory = f"{int(mem) / 2**20:.0f} GiB"
    except OSError:
        memory = "?"
    return (
        f"{os.cpu_count()} cores ({model}), {memory} RAM, {platform.system()} {platform.release()}"
    )


def client_gc_pauses() -> list[float]:
    """Move everything loaded so far (the dataset, kept for the cross-checks) out of the
    garbage collector's reach, and from now on note how long each full collection takes.

    The benchmark's own process holds millions of objects a server process never holds;
    a full collection over three million took 0.5-0.65 s here, a pause of every system's
    calls in flight that would show as their p99. Frozen, they are not traversed again;
    the list returned fills with the full collections (milliseconds) that still happen."""
    gc.collect()
    gc.freeze()
    pauses: list[float] = []
    began = [0.0]

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        elif info["generation"] == 2:
            pauses.append((time.perf_counter() - began[0]) * 1000)

    gc.callbacks.append(note)
    return pauses


async def main(args: argparse.Namespace) -> None:
    started_at = datetime.now(UTC)
    load_before = os.getloadavg()
    data = dataset.generate(
        size=args.size,
        seed=args.seed,
        orders=args.orders if args.orders >= 0 else 3 * args.size,
        links=args.links if args.links >= 0 else 2 * args.size,
        root=ROOT / "var" / "scale",
    )
    print(f"dataset {data.folder}: teams {data.meta['teams'][:3]}", flush=True)
    network = dataset.read_network(data)
    server = neo4j_side.config(
        port=args.bolt_port, heap=args.heap, pagecache=args.pagecache, home=Path(args.neo4j_home)
    )
    pg = PgServer(ensure_installed(), data=Path(args.pg_data), port=args.pg_port)
    db = None
    pg_workers: dict[str, list[PgOps]] = {}
    http = None
    try:
        print(f"starting Neo4j on {server.uri} (heap {args.heap}, page cache {args.pagecache})")
        neo4j_start = neo4j_side.start_fresh(server)
        db = neo4j_side.open_db(server)
        print("loading Neo4j", flush=True)
        neo_loads, sweep = await neo4j_side.load(db, data, network, sweep_rows=args.sweep_rows)
        print(f"starting PostgreSQL on 127.0.0.1:{args.pg_port}", flush=True)
        pg.start_fresh()
        print("loading PostgreSQL", flush=True)
        pg_loads = await asyncio.to_thread(pg_load.load, pg.dsn, data, network)

        root = data.meta["teams"][0]["id"]
        plan = make_plan(network, root, reads=args.reads, writes=args.writes, seed=args.seed)
        neo = Neo4jOps(db)
        bare = BareOps(db, neo.roots)
        http = HttpOps(db, neo.roots)
        for design in ("adj", "clo"):
            pg_workers[design] = [
                await PgOps.connect(pg.dsn, design) for _ in range(args.concurrency)
            ]
        print(f"workload, concurrency {args.concurrency}", flush=True)
        pauses = client_gc_pauses()
        measured, checks = await run_all(
            plan,
            neo=neo,
            bare=bare,
            http=http,
            pg=pg_workers,
            concurrency=args.concurrency,
            metrics_calls=args.metrics_calls,
            scan_runs=args.scan_runs,
            budget_s=args.budget,
        )
        facts: dict[str, Any] = {
            "size": args.size,
            "orders": data.meta["orders"],
            "links": data.meta["links"],
            "seed": args.seed,
            "command": shlex.join(["python", "-m", "bench.scale", *sys.argv[1:]]),
            "date": f"{started_at:%Y-%m-%d %H:%M} UTC",
            "machine": machine(),
            "load average at start (1/5/15 min)": " / ".join(f"{x:.2f}" for x in load_before),
            "load average at end": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
            "neo4j": await neo4j_facts(db),
            "neo4j start-up s": f"{neo4j_start:.1f}",
            "neo4j store on disk": f"{neo4j_side.store_size(server) / 2**30:.2f} GiB",
            "neo4j nodes by label": ", ".join(
                f"{label} {n:,}" for label, n in (await neo4j_side.nodes_by_label(db)).items()
            ),
            "postgresql": f"{pg.version()} (shared_buffers 1GB, work_mem 64MB, fsync and "
            "synchronous_commit on)",
            "postgresql database size": f"{pg_load.database_size(pg.dsn) / 2**30:.2f} GiB",
            "psycopg": metadata.version("psycopg"),
            "concurrency": args.concurrency,
            "HTTP path": "FastAPI app in process through httpx.ASGITransport (no socket)",
            "largest team": f"{root}: {data.meta['teams'][0]['levels']} within 3 levels",
            "network": f"{data.meta['unbound']:,} unbound, max depth {data.meta['max_depth']}, "
            f"max direct recruits {data.meta['max_fanout']:,}, "
            f"{len(data.meta['planted_rings'])} planted rings",
            "client: full GC collections during the workload (ms each)": ", ".join(
                f"{ms:.0f}" for ms in pauses
            )
            or "none",
            "wall time s": f"{time.perf_counter() - args.t0:.0f}",
        }
        folder = ROOT / "bench" / "results" / f"scale-{args.size}-{started_at:%Y%m%dT%H%M}"
        path = report.write(
            folder,
            facts=facts,
            loads={"Neo4j (product paths)": neo_loads, "PostgreSQL (COPY)": pg_loads},
            sweep=sweep,
            measured=measured,
            checks=checks,
        )
        plot.draw(json.loads((folder / "results.json").read_text()), folder / "latency.png")
        profiled = await write_profile(db, pg.dsn, plan, neo.roots[root], buyer=plan.orders[0][1])
        (folder / "profile.md").write_text(profiled)
        print(f"\nreport: {path}\nplot: {folder / 'latency.png'}")
        print(path.read_text())
        if not all(c.equal for c in checks):
            raise SystemExit("a cross-check failed (see the report)")
    finally:
        if http is not None:
            await http.close()
        for workers in pg_workers.values():
            for w in workers:
                await w.close()
        if db is not None:
            await db.close()
        if not args.keep:
            print("stopping Neo4j and PostgreSQL", flush=True)
            neo4j_side.neo4j_server.stop(config=server)
            pg.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=1_000_000, help="distributors")
    parser.add_argument("--orders", type=int, default=-1, help="orders (default 3 × size)")
    parser.add_argument("--links", type=int, default=-1, help="identifier links (2 × size)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--reads", type=int, default=1000, help="calls of upline, downline")
    parser.add_argument("--writes", type=int, default=300, help="orders split, referrals")
    parser.add_argument("--metrics-calls", type=int, default=200)
    parser.add_argument("--scan-runs", type=int, default=3)
    parser.add_argument("--budget", type=float, default=180, help="seconds per op and system")
    parser.add_argument("--sweep-rows", type=int, default=50_000, help="0: no batch sweep")
    # Not 7689: tests/api/test_crash_recovery.py takes any Bolt server there for its own.
    parser.add_argument("--bolt-port", type=int, default=7697)
    parser.add_argument("--pg-port", type=int, default=55432)
    parser.add_argument("--neo4j-home", default=str(neo4j_side.HOME))
    parser.add_argument("--pg-data", default=str(DATA))
    parser.add_argument("--heap", default="2g")
    parser.add_argument("--pagecache", default="4g")
    parser.add_argument("--keep", action="store_true", help="leave both servers running")
    arguments = parser.parse_args()
    arguments.t0 = time.perf_counter()
    asyncio.run(main(arguments))
