"""Group commit of single orders against one transaction per order, at concurrency C.

Loads a small network under a fresh prefix into the Neo4j at NEO4J_URI, then records
--calls single orders (a random buyer, one line) with C concurrent callers, two ways,
interleaved in rounds so both see the same machine: each through its own
`graph.money.orders.record` transaction ("alone"), and through
`graph.money.group_commit.OrderGroups` (concurrent orders share a transaction).
Prints p50 / p99 / orders per second of each, and checks that every order's
commissions are the same both ways. Deletes what it loaded.

    NEO4J_URI=bolt://127.0.0.1:7691 python -m bench.scale.group_commit \\
        [--calls 400] [--concurrency 4] [--linger-ms 2] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from app.settings import Settings
from bench.scale.dataset import side_network
from bench.scale.neo4j_side import POLICY
from bench.scale.workload import Measured
from domain.models import NewOrder, Order, OrderItem
from graph.migrations import migrate
from graph.money import orders
from graph.money.group_commit import OrderGroups
from graph.tree import bulk

Record = Callable[[NewOrder], Awaitable[Order]]


async def main(args: argparse.Namespace) -> None:
    db = Settings().open_database()
    await migrate(db)
    prefix = "gc" + uuid.uuid4().hex[:6]
    rows = side_network(prefix, 5_000, fanout=5)
    await bulk.load_network(db, rows=rows)
    rng = random.Random(7)
    groups = OrderGroups(db, linger=args.linger_ms / 1000)

    async def alone(order: NewOrder) -> Order:
        return (await orders.record(db, orders=[order], policy=POLICY, now=datetime.now(UTC)))[0]

    async def grouped(order: NewOrder) -> Order:
        return await groups.record(order, policy=POLICY, now=datetime.now(UTC))

    def new_orders(tag: str, n: int) -> list[NewOrder]:
        now = datetime.now(UTC)
        made = []
        for i in range(n):
            amount = rng.randrange(100, 99_999)
            buyer = rng.choice(rows[1:]).id
            made.append(NewOrder(f"{prefix}-{tag}-{i}", buyer, amount, now, (OrderItem(amount),)))
        return made

    print(f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    results: dict[str, list[Measured]] = {"alone": [], "grouped": []}
    splits: dict[str, dict[int, tuple[tuple[int, str, int], ...]]] = {"alone": {}, "grouped": {}}
    try:
        await _timed(alone, new_orders("warm-a", 50), args.concurrency, "alone")
        await _timed(grouped, new_orders("warm-g", 50), args.concurrency, "grouped")
        for r in range(args.rounds):
            for name, record in (("alone", alone), ("grouped", grouped)):
                batch = new_orders(f"{name}-{r}", args.calls)
                m, answers = await _timed(record, batch, args.concurrency, name)
                results[name].append(m)
                for i, o in enumerate(answers):
                    splits[name][r * args.calls + i] = tuple(
                        (c.level, c.beneficiary_id, c.amount_fen) for c in o.commissions
                    )
                print(
                    f"round {r} {name} (c{args.concurrency}): p50 {m.pct(0.5):.1f} ms, "
                    f"p99 {m.pct(0.99):.1f} ms, {m.throughput:,.0f} orders/s",
                    flush=True,
                )
        print(f"transactions of several orders: {groups.groups}")
    finally:
        print(f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        await bulk.delete_by_prefix(db, prefix=prefix + "-")
        await db.driver.execute_query(
            "MATCH (o:Order) WHERE o.id STARTS WITH $p "
            "OPTIONAL MATCH (c:Commission {orderId: o.id}) DETACH DELETE o, c",
            p=prefix + "-",
            database_=db.name,
        )
        await db.close()
    for name, ms in results.items():
        samples = [s for m in ms for s in m.samples]
        seconds = sum(m.seconds for m in ms)
        both = Measured("order", name, args.concurrency, samples, seconds)
        print(
            f"{name}: {len(samples)} orders, p50 {both.pct(0.5):.1f} ms, "
            f"p99 {both.pct(0.99):.1f} ms, {both.throughput:,.0f} orders/s"
        )


async def _timed(
    record: Record, batch: list[NewOrder], concurrency: int, name: str
) -> tuple[Measured, list[Order]]:
    samples: list[float] = []
    answers: list[Order | None] = [None] * len(batch)
    queue = list(range(len(batch)))[::-1]

    async def worker() -> None:
        while queue:
            i = queue.pop()
            t0 = time.perf_counter()
            answers[i] = await record(batch[i])
            samples.append((time.perf_counter() - t0) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    m = Measured("order", name, concurrency, samples, time.perf_counter() - started)
    return m, [a for a in answers if a is not None]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--linger-ms", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=2)
    asyncio.run(main(parser.parse_args()))
