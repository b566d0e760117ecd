"""Where one order's commission split spends its time, at concurrency C.

Loads a small network under a fresh prefix into the Neo4j at NEO4J_URI and records
single orders the way `graph.money.orders.record` records them in the common case:
PREPARE as an auto-commit read and the split in Python (`orders.plan_guarded_write`),
then `GUARDED_WRITE` as one auto-commit statement (commit included).

After 60 orders of warm-up, and --curve rounds of --calls orders of random members
(each printed: how the server warms up), two rounds over the same --calls buyers, no
two sharing an ancestor: each buyer's first order of the UTC day (their live day and
their ancestors' roll-ups of the day are entered), then a second order of theirs that
day. Each round prints its calls per second and the p50 / p99 of the plan, the write
and the whole; with --server-pid (the Neo4j JVM's process id) also the server's CPU
milliseconds per call, read from /proc. Then an empty auto-commit write, the floor of
any write here; with --parts, first orders of the day of other buyers written by the
guard alone and then by one part more of the write each time (`orders.WRITE_PARTS`):
what each part adds. Ends with the PROFILE of one more first order's `GUARDED_WRITE`,
rolled back. Deletes what it loaded.

    NEO4J_URI=bolt://127.0.0.1:7691 python -m bench.scale.order_latency \\
        [--calls 400] [--concurrency 4] [--server-pid PID] [--parts] [--curve 0]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import LiteralString

from app.settings import Settings
from bench.scale.dataset import side_network
from bench.scale.neo4j_side import POLICY
from bench.scale.profile import order_write_profile
from bench.scale.workload import Measured
from domain.models import NewOrder, OrderItem
from domain.tree.paths import Placement
from graph.db import Database
from graph.migrations import migrate
from graph.money import orders
from graph.tree import bulk

PROBE_WRITE = "CREATE (p:OrderLatencyProbe {id: $id}) RETURN p.id AS id"
PROBE_DELETE = "MATCH (p:OrderLatencyProbe) DELETE p"


@dataclass
class Round:
    """One round's samples (ms) and the server CPU seconds it used."""

    name: str
    plan: list[float] = field(default_factory=list)
    write: list[float] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu_s: float | None = None

    def line(self) -> str:
        whole = (
            [p + w for p, w in zip(self.plan, self.write, strict=True)] if self.plan else self.write
        )
        parts = [f"{self.name}: {len(whole) / self.seconds:,.0f} calls/s"]
        for label, samples in (("plan", self.plan), ("write", self.write), ("whole", whole)):
            if samples:
                m = Measured("split", label, 1, samples, self.seconds)
                parts.append(f"{label} p50 {m.pct(0.5):.2f} / p99 {m.pct(0.99):.2f} ms")
        if self.server_cpu_s is not None:
            parts.append(f"server CPU {self.server_cpu_s / len(whole) * 1000:.2f} ms per call")
        return "; ".join(parts)


def apart(rows: list[Placement]) -> list[str]:
    """Members with three ancestors, no two sharing one (so no two orders touch the same
    roll-up, as for random buyers of a large network), deepest first."""
    taken: set[str] = set()
    found: list[str] = []
    for row in sorted(rows, key=lambda r: -r.depth):
        ancestors = {a for a in row.ancestors if a is not None}
        if len(ancestors) == 3 and not ancestors & taken:
            taken |= ancestors
            found.append(row.id)
    return found


def server_cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of process `pid` so far (from /proc), or None."""
    if pid is None:
        return None
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def timed_round(
    name: str, jobs: list[Callable[[Round], Awaitable[None]]], concurrency: int, pid: int | None
) -> Round:
    """Run `jobs` with `concurrency` callers, timing the whole and the server's CPU."""
    found = Round(name)
    queue = iter(jobs)

    async def caller() -> None:
        for job in queue:
            await job(found)

    cpu_before = server_cpu_seconds(pid)
    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    found.seconds = time.perf_counter() - started
    cpu_after = server_cpu_seconds(pid)
    if cpu_before is not None and cpu_after is not None:
        found.server_cpu_s = cpu_after - cpu_before
    return found


def order_job(
    db: Database, order_id: str, buyer: str, write: LiteralString = orders.GUARDED_WRITE
) -> Callable[[Round], Awaitable[None]]:
    """Record one order as `orders.record`'s common case, timing its two steps; with
    `write`, that statement in place of `GUARDED_WRITE` (a part of it)."""

    async def job(into: Round) -> None:
        now = datetime.now(UTC)
        new = NewOrder(order_id, buyer, 10_000, now, (OrderItem(amount_fen=10_000),))
        started = time.perf_counter()
        planned = await orders.plan_guarded_write(db, orders=[new], policy=POLICY, now=now)
        assert planned is not None, f"{buyer}: not the common case"
        planned_at = time.perf_counter()
        written = await db.write_at_once(write, **planned.params)
        assert written, f"{order_id}: the guard refused"
        into.plan.append((planned_at - started) * 1000)
        into.write.append((time.perf_counter() - planned_at) * 1000)

    return job


def probe_job(db: Database, probe_id: str) -> Callable[[Round], Awaitable[None]]:
    """One empty auto-commit write (a node created), timed."""

    async def job(into: Round) -> None:
        started = time.perf_counter()
        await db.write_at_once(PROBE_WRITE, id=probe_id)
        into.write.append((time.perf_counter() - started) * 1000)

    return job


async def by_parts(
    db: Database, prefix: str, buyers: list[str], concurrency: int, pid: int | None
) -> None:
    """First orders of the day of other buyers, written by the guard and the first k
    parts of `orders.WRITE` (k = 0 … all): what each part adds."""
    size = len(buyers) // (len(orders.WRITE_PARTS) + 1)
    for k in range(len(orders.WRITE_PARTS) + 1):
        write = orders.guarded(orders.subqueries([q for _, q in orders.WRITE_PARTS[:k]]))
        name = "the guard" if k == 0 else f"+ {orders.WRITE_PARTS[k - 1][0]}"
        group = buyers[k * size : (k + 1) * size]
        await timed_round("warm-up", [order_job(db, f"{prefix}-k{k}w", group[0], write)], 1, pid)
        jobs = [order_job(db, f"{prefix}-k{k}-{n}", b, write) for n, b in enumerate(group[1:])]
        print((await timed_round(name, jobs, concurrency, pid)).line(), flush=True)


async def main(calls: int, concurrency: int, pid: int | None, parts: bool, curve: int) -> None:
    db = Settings().open_database()
    await migrate(db)
    prefix = "ol" + uuid.uuid4().hex[:6]
    wanted = (calls + 1) * (len(orders.WRITE_PARTS) + 2 if parts else 1)
    rows = side_network(prefix, 200 * wanted, fanout=5)
    await bulk.load_network(db, rows=rows)
    buyers = apart(rows)[:wanted]
    assert len(buyers) == wanted, "too few members apart: a larger network is needed"
    try:
        warm = [order_job(db, f"{prefix}-w{n}", rows[1 + n % 50].id) for n in range(60)]
        await timed_round("warm-up", warm, concurrency, pid)
        pick = random.Random(7)
        for k in range(curve):  # the server warming up: --calls orders of random members
            jobs = [
                order_job(db, f"{prefix}-c{k}-{n}", pick.choice(rows[1:]).id) for n in range(calls)
            ]
            print((await timed_round(f"warming, round {k + 1}", jobs, concurrency, pid)).line())
        for tag, name in (("a", "first order of the day"), ("b", "second order that day")):
            jobs = [
                order_job(db, f"{prefix}-{tag}{n}", b) for n, b in enumerate(buyers[1 : calls + 1])
            ]
            print((await timed_round(name, jobs, concurrency, pid)).line(), flush=True)
        probes = [probe_job(db, f"{prefix}-p{n}") for n in range(calls)]
        print((await timed_round("empty write", probes, concurrency, pid)).line())
        if parts:
            await by_parts(db, prefix, buyers[calls + 1 :], concurrency, pid)
        name = "orders.GUARDED_WRITE, a first order of the day (rolled back)"
        print("\n" + "\n".join(await order_write_profile(db, buyers[0], name)))
    finally:
        await db.write_at_once(PROBE_DELETE)
        await bulk.delete_by_prefix(db, prefix=prefix + "-")
        await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=400, help="buyers, each ordering twice")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--server-pid", type=int, default=None, help="the Neo4j JVM's pid")
    parser.add_argument("--parts", action="store_true", help="also the write part by part")
    parser.add_argument("--curve", type=int, default=0, help="warming rounds to print first")
    a = parser.parse_args()
    asyncio.run(main(a.calls, a.concurrency, a.server_pid, a.parts, a.curve))
