"""Benchmark: recording paid orders with their commission splits on 100,000 distributors.

Loads a power-law network (preferential attachment, `devtools.demo.generate`) through the
product's bulk path under a private id prefix, then, against `graph.money.orders.record`:
  - throughput: --orders random orders in batches of 500 (commission_levels 2, the
    default, and 3), then batches of 100 / 500 / 1000 (half as many orders each);
  - latency: --runs single orders (a batch of one) one after another, warm: p50/p95/p99
    of the whole call, and of its write transaction alone (the rest is the read-back);
  - checks: the Commission nodes written equal the split computed here from the same
    network and rule set, the ledger's pending entries add up to them, and
    `graph.money.ledger.reconcile` finds no mismatch for a sample of beneficiaries.
Buyers are random distributors (about 2 % of them unbound: no commission), amounts
1.00-999.99 in whole fen, one commissionable line each, paidAt within the last 30 days.
Settlement is global (it settles every commission due, whoever's it is), so the bench
never settles, and records with a freeze period of 100 years: a settlement run by anyone
else sharing the database (a test, the in-app scheduler) leaves its commissions alone,
and they leave that run alone. The freeze period only sets `dueAt`; the work of a split
is the same. Everything written is deleted at the end unless --keep. Uses NEO4J_URI
(default bolt://127.0.0.1:7687).

    python bench/orders_100k.py [--size 100000] [--orders 20000] [--runs 500] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata
from typing import Any, TypeVar

from neo4j import AsyncDriver

from app.settings import Settings, default_policy
from devtools.demo import generate
from domain.models import NewOrder, OrderItem, Policy, Rank, Status
from domain.money.commission import DEFAULT_RULES, Candidate, RuleSet, beneficiary_ids, split
from domain.money.rulesets import from_json
from domain.tree.paths import Placement
from graph.db import Database, Work
from graph.migrations import migrate
from graph.money import ledger, orders
from graph.tree import bulk

T = TypeVar("T")
WINDOW_S = 30 * 86_400
BATCH = 500
SWEEP = (100, 500, 1000)
RECONCILE_SAMPLE = 100
FREEZE_DAYS = 36_500  # see the docstring: out of reach of anyone's settlement run

RULE_SET = "MATCH (r:RuleSet {version: $version}) RETURN r.rules AS rules"
ACTIVE = "MATCH (r:RuleSet {active: true}) RETURN r.version AS version"
COMMISSIONS = """
MATCH (c:Commission) WHERE c.id STARTS WITH $prefix
RETURN count(c) AS n, sum(c.amount) AS fen,
       sum(CASE c.status WHEN 'PENDING' THEN c.amount ELSE 0 END) AS pendingFen
"""
EARNED = """
MATCH (e:LedgerEntry) WHERE e.distributorId STARTS WITH $prefix
RETURN count(CASE e.kind WHEN 'COMMISSION_PENDING' THEN 1 END) AS earned,
       sum(CASE e.kind WHEN 'COMMISSION_PENDING' THEN e.amount ELSE 0 END) AS earnedFen,
       sum(CASE e.account WHEN 'pending' THEN e.amount ELSE 0 END) AS pendingFen,
       sum(e.amount) AS allFen
"""
# What this script writes besides the distributors (batches of 10,000). Commissions and
# orders go before the ledger entries, so an entry written meanwhile (say, by a settlement
# run) cannot outlive its commission. `bulk.delete_by_prefix` then removes the rest.
CLEANUP = (
    "MATCH (c:Commission) WHERE c.id STARTS WITH $prefix "
    "CALL (c) { DETACH DELETE c } IN TRANSACTIONS OF 10000 ROWS",
    "MATCH (o:Order) WHERE o.id STARTS WITH $prefix "
    "CALL (o) { DETACH DELETE o } IN TRANSACTIONS OF 10000 ROWS",
    "MATCH (e:LedgerEntry) WHERE e.distributorId STARTS WITH $prefix "
    "CALL (e) { DELETE e } IN TRANSACTIONS OF 10000 ROWS",
)


class TimedDatabase(Database):
    """A `Database` that adds up the time spent in write transactions and in reads."""

    def __init__(self, driver: AsyncDriver, *, name: str) -> None:
        super().__init__(driver, name=name)
        self.write_s = 0.0
        self.read_s = 0.0

    async def write(self, work: Work[T]) -> T:
        started = time.perf_counter()
        try:
            return await super().write(work)
        finally:
            self.write_s += time.perf_counter() - started

    async def read(self, query: Any, **params: Any) -> Any:
        started = time.perf_counter()
        try:
            return await super().read(query, **params)
        finally:
            self.read_s += time.perf_counter() - started


@dataclass(frozen=True)
class Recorded:
    """What the checks need of an order once recorded."""

    order: NewOrder
    levels: int
    rule_set_version: int


@dataclass(frozen=True)
class Throughput:
    name: str
    orders: int
    seconds: float
    write_s: float
    batch_ms: list[float]

    @property
    def rate(self) -> float:
        return self.orders / self.seconds


def percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


class Orders:
    """Random paid orders by random buyers of the network, with fresh ids."""

    def __init__(self, prefix: str, buyers: list[str], seed: int = 3) -> None:
        self.prefix = prefix
        self.buyers = buyers
        self.rng = random.Random(seed)
        self.n = 0

    def take(self, count: int) -> list[NewOrder]:
        now = datetime.now(UTC)
        batch = []
        for _ in range(count):
            self.n += 1
            amount = self.rng.randint(100, 99_999)
            batch.append(
                NewOrder(
                    id=f"{self.prefix}-o{self.n:08d}",
                    buyer_id=self.rng.choice(self.buyers),
                    amount_fen=amount,
                    paid_at=now - timedelta(seconds=self.rng.uniform(60, WINDOW_S)),
                    items=(OrderItem(amount_fen=amount),),
                )
            )
        return batch


async def record_batches(
    db: TimedDatabase,
    source: Orders,
    *,
    name: str,
    total: int,
    batch: int,
    policy: Policy,
    into: list[Recorded],
) -> Throughput:
    """Record `total` orders in batches of `batch`, one call (one transaction) each."""
    warm = source.take(1)
    result = await orders.record(db, orders=warm, policy=policy, now=datetime.now(UTC))
    into.append(Recorded(warm[0], policy.commission_levels, result[0].rule_set_version))
    samples: list[float] = []
    write_before = db.write_s
    started = time.perf_counter()
    done = 0
    while done < total:
        chunk = source.take(min(batch, total - done))
        t0 = time.perf_counter()
        result = await orders.record(db, orders=chunk, policy=policy, now=datetime.now(UTC))
        samples.append((time.perf_counter() - t0) * 1000)
        into += [
            Recorded(o, policy.commission_levels, r.rule_set_version)
            for o, r in zip(chunk, result, strict=True)
        ]
        done += len(chunk)
    seconds = time.perf_counter() - started
    return Throughput(name, done, seconds, db.write_s - write_before, samples)


async def single_orders(
    db: TimedDatabase, source: Orders, *, runs: int, policy: Policy, into: list[Recorded]
) -> tuple[list[float], list[float]]:
    """Whole-call and write-transaction latencies (ms) of `runs` single-order records."""
    total_ms: list[float] = []
    write_ms: list[float] = []
    for run in range(-20, runs):  # 20 warm-up calls first
        chunk = source.take(1)
        write_before = db.write_s
        t0 = time.perf_counter()
        result = await orders.record(db, orders=chunk, policy=policy, now=datetime.now(UTC))
        if run >= 0:
            total_ms.append((time.perf_counter() - t0) * 1000)
            write_ms.append((db.write_s - write_before) * 1000)
        into.append(Recorded(chunk[0], policy.commission_levels, result[0].rule_set_version))
    return total_ms, write_ms


async def rule_sets(db: Database, versions: set[int]) -> dict[int, RuleSet]:
    found = {0: DEFAULT_RULES}
    for version in versions - {0}:
        records = await db.read(RULE_SET, version=version)
        found[version] = from_json(version, records[0]["rules"])
    return found


def expected_splits(
    recorded: list[Recorded], network: dict[str, Placement], rules: dict[int, RuleSet]
) -> tuple[int, int, set[str]]:
    """Commissions (count, fen) and beneficiaries as split here, independently of the DB.

    Everyone in the network is ACTIVE and ranked by `layout`; the monthly sales that a
    tier bonus needs are taken as 0 (the default rule set has no tiers).
    """
    count = fen = 0
    beneficiaries: set[str] = set()
    for r in recorded:
        upline: list[str] = []
        sponsor = network[r.order.buyer_id].sponsor_id
        while sponsor is not None and len(upline) < 3:
            upline.append(sponsor)
            sponsor = network[sponsor].sponsor_id
        chain = [
            Candidate(level=level, distributor_id=who, rank=network[who].rank, status=Status.ACTIVE)
            for level, who in enumerate(
                beneficiary_ids(
                    buyer_id=r.order.buyer_id,
                    upline_ids=upline,
                    levels=r.levels,
                    self_purchase=False,
                ),
                start=1,
            )
        ]
        for share in split(items=r.order.items, chain=chain, rules=rules[r.rule_set_version]):
            if share.forfeit is None and share.amount_fen > 0:
                count += 1
                fen += share.amount_fen
                beneficiaries.add(share.distributor_id)
    return count, fen, beneficiaries


async def facts(db: Database) -> str:
    kernel = (await db.read("CALL dbms.components() YIELD name, versions, edition RETURN *"))[0]
    rust = "with neo4j-rust-ext" if _installed("neo4j-rust-ext") else "without neo4j-rust-ext"
    return (
        f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}; "
        f"Python {platform.python_version()}; Neo4j {kernel['versions'][0]} {kernel['edition']}; "
        f"neo4j driver {metadata.version('neo4j')} {rust}"
    )


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


async def cleanup(db: Database, prefix: str) -> None:
    async with db.driver.session(database=db.name) as session:
        for statement in CLEANUP:
            await (await session.run(statement, prefix=prefix)).consume()
    await bulk.delete_by_prefix(db, prefix=prefix)


async def main(size: int, total: int, runs: int, keep: bool) -> None:
    opened = Settings().open_database()
    db = TimedDatabase(opened.driver, name=opened.name)
    await migrate(db)
    print(await facts(db))
    prefix = "bo-" + uuid.uuid4().hex[:6]
    try:
        await run(db, prefix=prefix, size=size, total=total, runs=runs)
    finally:
        if keep:
            print(f"\nkept everything under the prefix {prefix}-")
        else:
            started = time.perf_counter()
            await cleanup(db, prefix + "-")
            print(f"\ncleaned up {prefix}- in {time.perf_counter() - started:.1f} s")
        await db.close()


async def run(db: TimedDatabase, *, prefix: str, size: int, total: int, runs: int) -> None:
    rows = generate(size=size, prefix=prefix, seed=17)
    started = time.perf_counter()
    await bulk.load_network(db, rows=rows, batch_size=10_000)
    load_s = time.perf_counter() - started
    print(
        f"loaded {len(rows):,} distributors ({prefix}-) in {load_s:.1f} s "
        f"({len(rows) / load_s:,.0f}/s)"
    )
    network = {p.id: p for p in rows}
    bound = sum(p.sponsor_id is not None for p in rows)
    leaders = sum(p.rank is Rank.TEAM_LEADER for p in rows)
    print(f"{bound:,} bound, {leaders:,} team leaders; max depth {max(p.depth for p in rows)}")
    active = await db.read(ACTIVE)
    print(f"active rule set at start: {active[0]['version'] if active else 0} (0 = defaults)")

    source = Orders(prefix, [p.id for p in rows])
    two = default_policy(commission_levels=2, freeze_days=FREEZE_DAYS)
    three = default_policy(commission_levels=3, freeze_days=FREEZE_DAYS)
    recorded: list[Recorded] = []
    cases = [(BATCH, two, total), (BATCH, three, total)]
    cases += [(batch, two, total // 2) for batch in SWEEP]
    results = [
        await record_batches(
            db,
            source,
            name=f"batches of {batch}, commission_levels {policy.commission_levels}",
            total=count,
            batch=batch,
            policy=policy,
            into=recorded,
        )
        for batch, policy, count in cases
    ]
    total_ms, write_ms = await single_orders(db, source, runs=runs, policy=two, into=recorded)

    print(f"\n{len(recorded):,} orders recorded in all (warm-up calls included)")
    print(
        "| recording | orders | seconds | orders/s | write tx share | batch p50 ms | batch p99 ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for t in results:
        print(
            f"| {t.name} | {t.orders:,} | {t.seconds:.1f} | **{t.rate:,.0f}** | "
            f"{t.write_s / t.seconds:.0%} | {statistics.median(t.batch_ms):.0f} | "
            f"{percentile(t.batch_ms, 0.99):.0f} |"
        )
    print(f"\none order (a batch of one), commission_levels 2; {runs} runs, warm")
    print("| measure | p50 ms | p95 ms | p99 ms |\n|---|---:|---:|---:|")
    for name, samples in (
        ("orders.record, whole call", total_ms),
        ("its write transaction", write_ms),
    ):
        print(
            f"| {name} | {percentile(samples, 0.50):.1f} | {percentile(samples, 0.95):.1f} | "
            f"{percentile(samples, 0.99):.1f} |"
        )

    await verify(db, prefix=prefix, recorded=recorded, network=network)


async def verify(
    db: TimedDatabase,
    *,
    prefix: str,
    recorded: list[Recorded],
    network: dict[str, Placement],
) -> None:
    """The database against the split computed here, and the ledger against itself."""
    versions = {r.rule_set_version for r in recorded}
    rules = await rule_sets(db, versions)
    count, fen, beneficiaries = expected_splits(recorded, network, rules)
    stored = (await db.read(COMMISSIONS, prefix=prefix + "-"))[0]
    entries = (await db.read(EARNED, prefix=prefix + "-"))[0]
    sample = random.Random(9).sample(
        sorted(beneficiaries), min(RECONCILE_SAMPLE, len(beneficiaries))
    )
    started = time.perf_counter()
    mismatched: list[str] = []
    for start in range(0, len(sample), 100):
        mismatched += await ledger.reconcile(db, distributor_ids=sample[start : start + 100])
    reconcile_s = time.perf_counter() - started
    # reconcile reads at read-committed isolation, not from one snapshot: a write that
    # commits while it runs can show as a mismatch once. Only a repeated one counts.
    persistent = await ledger.reconcile(db, distributor_ids=mismatched) if mismatched else []

    print(f"\nchecks over {len(recorded):,} orders (rule set versions used: {sorted(versions)})")
    print("| check | expected | found | ok |\n|---|---:|---:|:-:|")
    rows = [
        ("Commission nodes", count, stored["n"]),
        ("their amounts, fen", fen, stored["fen"]),
        ("COMMISSION_PENDING entries", count, entries["earned"]),
        ("their amounts, fen", fen, entries["earnedFen"]),
        ("all entries, all accounts, fen", fen, entries["allFen"]),
        (
            "`pending` account = PENDING commissions, fen",
            stored["pendingFen"],
            entries["pendingFen"],
        ),
        (
            f"reconcile, {len(sample)} beneficiaries "
            f"({reconcile_s * 1000 / len(sample):.0f} ms each): mismatches",
            0,
            len(mismatched),
        ),
        ("the same mismatches re-checked", 0, len(persistent)),
    ]
    for name, want, got in rows:
        print(f"| {name} | {want:,} | {got:,} | {'yes' if want == got else '**NO**'} |")
    if mismatched:
        print(f"reconcile mismatches: {', '.join(mismatched[:10])}")
    if any(want != got for _, want, got in rows[:6]) or persistent:
        raise SystemExit("a check failed")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000, help="distributors to load")
    parser.add_argument("--orders", type=int, default=20_000, help="orders per throughput run")
    parser.add_argument("--runs", type=int, default=500, help="single-order records timed")
    parser.add_argument(
        "--keep", action="store_true", help="leave network and orders in the database"
    )
    args = parser.parse_args()
    asyncio.run(main(args.size, args.orders, args.runs, args.keep))
