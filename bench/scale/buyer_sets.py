"""What one order writes when its team already has many buyers that day.

`python -m bench.scale.buyer_sets [--buyers 13000] [--probe 300] [--bolt-port 8300]`
starts its own Neo4j (var/neo4j-bench-buyers, fresh, stopped at the end), loads a root
with `buyers + probe` direct recruits, records one order of each of `buyers` of them on
one day (batches of 500), then `probe` single orders of the others that same day: each
adds a new buyer to the root's roll-ups of that day. Printed: the longest buyer set of
that day, the single orders' p50 and p90, and the bytes the server process wrote per
order (`/proc/<pid>/io`, its transaction log: no checkpoint runs in so short a time).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.settings import ROOT
from bench.scale import neo4j_side
from devtools import neo4j_server
from domain.models import NewOrder, OrderItem
from domain.tree.paths import layout
from graph.migrations import migrate
from graph.money import orders
from graph.tree import bulk

HOME = ROOT / "var" / "neo4j-bench-buyers"
DAY = datetime(2030, 3, 1, tzinfo=UTC)
JOINED_MS = 1_700_000_000_000
LONGEST = """
MATCH (t:TeamDay {ancestorId: 'bs-root', level: 1}) WHERE t.day = $day
RETURN count(t) AS sets, max(size(t.buyers)) AS longest
"""


def written_bytes(home: Path) -> int:
    """Bytes written so far by the Java process serving `home`."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            if "java" in command and str(home) in command:
                for line in Path(f"/proc/{pid}/io").read_text().splitlines():
                    if line.startswith("write_bytes:"):
                        return int(line.split()[1])
        except OSError:
            continue
    raise SystemExit(f"no server process found for {home}")


def order(order_id: str, buyer: str, paid: datetime) -> NewOrder:
    return NewOrder(order_id, buyer, 1_000, paid, (OrderItem(amount_fen=1_000),))


async def run(buyers: int, probe: int, port: int) -> None:
    server = neo4j_side.config(port=port, heap="1g", pagecache="1g", home=HOME)
    neo4j_side.start_fresh(server)
    db = neo4j_side.open_db(server)
    try:
        await migrate(db)
        rows = [("bs-root", "根", None, JOINED_MS)] + [
            (f"bs-{i:06d}", "人", "bs-root", JOINED_MS + 1 + i * 37) for i in range(buyers + probe)
        ]
        await bulk.load_network(db, rows=layout(rows, team_leader_recruits=10))
        made = [order(f"bs-o{i}", f"bs-{i:06d}", DAY + timedelta(seconds=i)) for i in range(buyers)]
        for start in range(0, len(made), 500):
            await orders.record(
                db, orders=made[start : start + 500], policy=neo4j_side.POLICY, now=DAY
            )
        sets = (await db.read(LONGEST, day=int(DAY.timestamp()) // 86_400))[0]
        print(f"the root's level-1 roll-ups that day: {sets['sets']}, longest {sets['longest']}")
        before = written_bytes(HOME)
        samples = []
        for k in range(probe):
            paid = DAY + timedelta(hours=5, seconds=k)
            started = time.perf_counter()
            new = order(f"bs-p{k}", f"bs-{buyers + k:06d}", paid)
            await orders.record(db, orders=[new], policy=neo4j_side.POLICY, now=DAY)
            samples.append((time.perf_counter() - started) * 1000)
        per_order = (written_bytes(HOME) - before) / probe / 1024
        samples.sort()
        print(
            f"{probe} single orders of new buyers that day: p50 {samples[probe // 2]:.2f} ms, "
            f"p90 {samples[int(probe * 0.9)]:.2f} ms; the server wrote {per_order:.1f} KiB "
            "per order"
        )
    finally:
        await db.close()
        neo4j_server.stop(config=server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=13_000)
    parser.add_argument("--probe", type=int, default=300)
    parser.add_argument("--bolt-port", type=int, default=8300)
    args = parser.parse_args()
    asyncio.run(run(args.buyers, args.probe, args.bolt_port))


if __name__ == "__main__":
    main()
