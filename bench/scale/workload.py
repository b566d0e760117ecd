"""One workload on every system, timed at a fixed concurrency, answers cross-checked.

Operations (all drawn from the seed, so every system gets the same calls in the same
order): upline(3) of random distributors; the deep investigation (upline and level
sizes 20 deep) of random recruiters; a downline page of 50 of the largest team at a
random keyset position (one in ten the first page); team metrics of the largest team
over the 30 days before the dataset's END; one order's commission split (recording a new
order of a random bound buyer); the full shared-identifier ring scan; inserting a
referral under a random sponsor. Reads warm up on their first calls (untimed), writes
on calls of their own. Each timed call is one sample; throughput is calls over the wall
time with `concurrency` workers. A system may stop early at `budget_s` per operation;
answers are compared on the calls every system completed.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bench.scale.dataset import END
from bench.scale.ops_neo4j import Row
from domain.tree.paths import Placement

Call = Callable[[Any], Awaitable[Row]]
WINDOW = timedelta(days=30)


@dataclass
class Measured:
    op: str
    system: str
    concurrency: int
    samples: list[float]  # ms, one per completed call
    seconds: float
    queries: float = 0.0  # Neo4j queries per call through `graph.db.Database` (0: not counted)

    def pct(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else 0.0

    @property
    def throughput(self) -> float:
        return len(self.samples) / self.seconds if self.seconds else 0.0


@dataclass
class Check:
    op: str
    systems: list[str]
    compared: int
    equal: bool
    detail: str = ""


@dataclass
class Plan:
    """The calls of each operation, as plain arguments."""

    root: str
    upline_ids: list[str]
    cursors: list[tuple[int, str] | None]
    since: datetime
    until: datetime
    orders: list[tuple[str, str, int]]  # (suffix, buyer, amount)
    referrals: list[tuple[str, str]]  # (new id, sponsor)
    deep_ids: list[str] = field(default_factory=list)  # subjects of the deep investigation
    warm_orders: list[tuple[str, str, int]] = field(default_factory=list)
    warm_referrals: list[tuple[str, str]] = field(default_factory=list)


def make_plan(
    network: Sequence[Placement],
    root_id: str,
    *,
    reads: int,
    writes: int,
    seed: int,
    tag: str = "new",
) -> Plan:
    rng = random.Random(seed + 2)
    bound = [p for p in network if p.sponsor_id is not None]
    root = next(p for p in network if p.id == root_id)
    lo, hi = root.path + "/", root.path + "0"
    team = [
        (p.depth - root.depth, p.path)
        for p in network
        if lo < p.path < hi and p.depth - root.depth <= 3
    ]
    cursors = [None if rng.random() < 0.1 else rng.choice(team) for _ in range(reads)]

    def orders(n: int, tag: str) -> list[tuple[str, str, int]]:
        return [
            (f"{tag}{k:05d}", rng.choice(bound).id, rng.randrange(100, 100_000)) for k in range(n)
        ]

    def referrals(n: int, kind: str) -> list[tuple[str, str]]:
        return [(f"{tag}-{kind}{k:05d}", rng.choice(network).id) for k in range(n)]

    # Its own generator, so the other operations draw what they drew before it existed.
    # Subjects are recruiters (an analyst looks at who recruits, not at leaves).
    recruiters = sorted({p.sponsor_id for p in bound if p.sponsor_id is not None})
    deep_rng = random.Random(seed + 3)
    deep_ids = [deep_rng.choice(recruiters) for _ in range(reads)]
    return Plan(
        root=root_id,
        deep_ids=deep_ids,
        upline_ids=[rng.choice(network).id for _ in range(reads)],
        cursors=cursors,
        since=END - WINDOW,
        until=END,
        orders=orders(writes, "w"),
        referrals=referrals(writes, "r"),
        warm_orders=orders(20, "warm"),
        warm_referrals=referrals(20, "warm"),
    )


async def measure(
    op: str,
    system: str,
    workers: Sequence[Any],
    calls: Sequence[Call],
    *,
    warm: Sequence[Call] = (),
    budget_s: float = 600.0,
) -> tuple[Measured, list[Row | None]]:
    """Run `calls` with one task per worker; their answers by index (None if not run)."""
    for call in warm:
        await call(workers[0])
    results: list[Row | None] = [None] * len(calls)
    samples: list[float] = []
    taken = 0
    deadline = time.perf_counter() + budget_s

    async def work(worker: Any) -> None:
        nonlocal taken
        while taken < len(calls) and time.perf_counter() < deadline:
            i = taken
            taken += 1
            started = time.perf_counter()
            results[i] = await calls[i](worker)
            samples.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(work(w) for w in workers))
    seconds = time.perf_counter() - started
    measured = Measured(op, system, len(workers), samples, seconds)
    print(
        f"  {op} / {system}: {len(samples)} calls, p50 {measured.pct(0.5):.1f} ms, "
        f"p99 {measured.pct(0.99):.1f} ms, {measured.throughput:,.0f}/s",
        flush=True,
    )
    return measured, results


def cross_check(op: str, answers: dict[str, list[Row | None]]) -> Check:
    """Equal answers from every system, call by call, where all of them answered."""
    names = list(answers)
    columns = list(answers.values())
    compared = 0
    for i in range(min(len(c) for c in columns)):
        row = [c[i] for c in columns]
        if any(r is None for r in row):
            continue
        compared += 1
        if any(r != row[0] for r in row[1:]):
            detail = "; ".join(f"{n}: {str(r)[:160]}" for n, r in zip(names, row, strict=True))
            return Check(op, names, compared, False, f"call {i}: {detail}")
    return Check(op, names, compared, compared > 0)
