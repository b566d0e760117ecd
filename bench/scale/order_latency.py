"""Where one order's commission split spends its time, one call at a time.

Loads a small network under a fresh prefix into the Neo4j at NEO4J_URI, records --calls
single orders through `graph.money.orders.record` (warm), and splits each call into: the
statements inside the managed transaction (PREPARE read, split in Python, WRITE), the
commit (the rest of `Database.write`), and what `record` does outside the transaction.
Then PROFILEs the WRITE statement of one more order in a transaction that is rolled back.
Deletes what it loaded.

    NEO4J_URI=bolt://127.0.0.1:7691 python -m bench.scale.order_latency [--calls 300]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
import uuid
from datetime import UTC, datetime
from typing import Any, TypeVar

from app.settings import Settings
from bench.scale.dataset import side_network
from bench.scale.neo4j_side import POLICY
from bench.scale.profile import _operators, _total_hits
from bench.scale.workload import Measured
from domain.models import NewOrder, OrderItem
from graph.db import Database, Work
from graph.migrations import migrate
from graph.money import orders
from graph.tree import bulk

T = TypeVar("T")


class SplitDatabase(Database):
    """Times each write transaction's work apart from the whole `write` call."""

    def __init__(self, db: Database) -> None:
        super().__init__(db.driver, name=db.name)
        self.work_ms = 0.0
        self.write_ms = 0.0

    async def write(self, work: Work[T]) -> T:
        async def timed(tx: Any) -> T:
            started = time.perf_counter()
            try:
                return await work(tx)
            finally:
                self.work_ms = (time.perf_counter() - started) * 1000

        started = time.perf_counter()
        try:
            return await super().write(timed)
        finally:
            self.write_ms = (time.perf_counter() - started) * 1000


async def main(calls: int) -> None:
    base = Settings().open_database()
    await migrate(base)
    db = SplitDatabase(base)
    prefix = "ol" + uuid.uuid4().hex[:6]
    rows = side_network(prefix, 5_000, fanout=5)
    await bulk.load_network(db, rows=rows)
    rng = random.Random(2)
    whole, work, commit = [], [], []
    try:
        for n in range(calls + 30):
            amount = rng.randrange(100, 100_000)
            now = datetime.now(UTC)
            order = NewOrder(
                f"{prefix}-o{n}",
                rng.choice(rows[1:]).id,
                amount,
                now,
                (OrderItem(amount_fen=amount),),
            )
            started = time.perf_counter()
            await orders.record(db, orders=[order], policy=POLICY, now=now)
            if n >= 30:
                whole.append((time.perf_counter() - started) * 1000)
                work.append(db.work_ms)
                commit.append(db.write_ms - db.work_ms)
        for name, samples in (
            ("orders.record, whole call", whole),
            ("inside the transaction (PREPARE, split, WRITE)", work),
            ("commit and session (write minus work)", commit),
        ):
            m = Measured("split", name, 1, samples, 1.0)
            print(f"{name}: p50 {m.pct(0.5):.2f} ms, p95 {m.pct(0.95):.2f}, p99 {m.pct(0.99):.2f}")
        await _profile_write(base, prefix, rows[7].id)
    finally:
        await bulk.delete_by_prefix(db, prefix=prefix + "-")
        await base.close()


async def _profile_write(db: Database, prefix: str, buyer: str) -> None:
    """PROFILE the WRITE statement of one order (its transaction is rolled back)."""
    captured: dict[str, Any] = {}
    real_run = orders.AsyncManagedTransaction.run

    async def run(self: Any, query: Any, parameters: Any = None, **kw: Any) -> Any:
        if query is orders.WRITE:
            captured.update(kw)
            raise _Captured
        return await real_run(self, query, parameters, **kw)

    orders.AsyncManagedTransaction.run = run  # type: ignore[method-assign]
    now = datetime.now(UTC)
    try:
        order = NewOrder(f"{prefix}-profiled", buyer, 9_900, now, (OrderItem(amount_fen=9_900),))
        await orders.record(db, orders=[order], policy=POLICY, now=now)
    except _Captured:
        pass
    finally:
        orders.AsyncManagedTransaction.run = real_run  # type: ignore[method-assign]
    async with db.driver.session(database=db.name) as session:
        tx = await session.begin_transaction()
        result = await tx.run("PROFILE " + orders.WRITE, captured)
        summary = await result.consume()
        await tx.rollback()
    plan = summary.profile or {}
    print(f"\nPROFILE of orders.WRITE for one order: total db hits {_total_hits(plan):,}")
    print("\n".join(_operators(plan)))


class _Captured(Exception):
    """Stops `record` at its WRITE, once the parameters are known."""


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=300)
    asyncio.run(main(parser.parse_args().calls))
