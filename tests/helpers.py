"""Test helpers that build data through the product's own graph functions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from app.settings import default_policy
from domain.fraud.identifiers import Identifier, IdentifierKind, identify
from domain.models import (
    CommissionStatus,
    DistributionMode,
    Distributor,
    NewOrder,
    Order,
    OrderItem,
    Policy,
)
from domain.money.commission_days import CommissionState, commission_day_key
from domain.tree.team_days import (
    BUCKETS,
    OLDER_SPAN,
    bucket_of,
    day_key,
    day_of,
    older_counts,
    previous_day,
)
from graph.db import Database
from graph.money import ledger, orders
from graph.tree import registration

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

COUNTER_TRUTH = """
UNWIND $ids AS id
MATCH (x:Distributor {id: id})
RETURN id, [x.down1, x.down2, x.down3] AS stored, x.teamSize AS teamSize,
       [k IN [1, 2, 3] | COUNT { MATCH (x)-[:REFERRED*1..3]->(m) WHERE m.depth = x.depth + k }]
         AS walkedByDepth,
       [COUNT { (x)-[:REFERRED]->() }, COUNT { (x)-[:REFERRED]->()-[:REFERRED]->() },
        COUNT { (x)-[:REFERRED]->()-[:REFERRED]->()-[:REFERRED]->() }] AS walked
"""

BROKEN_PATHS = """
MATCH (s:Distributor)-[:REFERRED]->(d:Distributor)
WHERE (d.id IN $ids OR s.id IN $ids)
  AND NOT (d.path STARTS WITH s.path + '/' AND size(d.path) = size(s.path) + 12
           AND d.depth = s.depth + 1)
RETURN count(*) AS n
"""


BROKEN_STAMPS = """
MATCH (m:Distributor) WHERE m.id IN $ids
OPTIONAL MATCH (s1:Distributor)-[:REFERRED]->(m)
OPTIONAL MATCH (s2:Distributor)-[:REFERRED]->(s1)
OPTIONAL MATCH (s3:Distributor)-[:REFERRED]->(s2)
WITH m, [coalesce(s1.id, ''), coalesce(s2.id, ''), coalesce(s3.id, '')] AS walked
WHERE [coalesce(m.a1, ''), coalesce(m.a2, ''), coalesce(m.a3, '')] <> walked
   OR EXISTS { MATCH (m)-[:PLACED]->(o:Order)
               WHERE [coalesce(o.a1, ''), coalesce(o.a2, ''), coalesce(o.a3, '')] <> walked }
RETURN m.id AS id
"""


# The team roll-ups (graph/tree/team_days.py) recomputed by walking REFERRED edges.
TEAM_DAYS_WALKED = """
UNWIND $ids AS id
MATCH p = (x:Distributor {id: id})-[:REFERRED*1..3]->(m:Distributor)
CALL (m) {
  OPTIONAL MATCH (m)-[:PLACED]->(o:Order)
  RETURN collect(CASE WHEN o IS NOT NULL THEN [o.net, o.paidAt.epochMillis] END) AS orders
}
RETURN id, length(p) AS level, m.id AS member, m.joinedAt.epochMillis AS joinedMs, orders
"""
TEAM_DAYS_STORED = """
MATCH (t:TeamDay) WHERE t.ancestorId IN $ids
RETURN t.key AS key, t.ancestorId AS id, t.level AS level, t.day AS day,
       t.bucket AS bucket, t.sales AS sales, t.joined AS joined,
       coalesce(t.buyers, []) AS buyers, coalesce(t.prevs, []) AS prevs, t.older AS older
"""
TEAM_DAY_TOTALS_STORED = """
MATCH (s:TeamDayTotal) WHERE s.ancestorId IN $ids
RETURN s.key AS key, s.ancestorId AS id, s.level AS level, s.day AS day, s.sales AS sales,
       s.joined AS joined, s.older AS older
"""
LIVE_DAYS_STORED = """
UNWIND $ids AS id
MATCH (b:Distributor {id: id})
OPTIONAL MATCH (b)-[:PLACED]->(o:Order)
RETURN id, b.liveDays AS stored,
       collect(DISTINCT CASE WHEN o.net > 0 THEN o.paidAt.epochMillis END) AS paidMs
"""


async def assert_team_days_consistent(db: Database, ids: Sequence[str]) -> None:
    """Each stored daily roll-up of these ancestors equals a walk of the tree and the
    orders (roll-ups left with nothing in them may stay), each buyer's previous live day
    and the counts of them by age (`older`) included, and each of these people's live days
    are the days of their orders with something paid."""
    rows = await db.read(TEAM_DAYS_WALKED, ids=list(ids))
    people = sorted({*ids, *(r["member"] for r in rows)})
    live: dict[str, set[int]] = {}
    for r in await db.read(LIVE_DAYS_STORED, ids=people):
        live[r["id"]] = {day_of(ms) for ms in r["paidMs"]}
        assert set(r["stored"] or []) == live[r["id"]], f"{r['id']}: live days"
        assert len(r["stored"] or []) == len(live[r["id"]]), f"{r['id']}: a live day twice"
    walked: dict[str, tuple[int, int, dict[str, int]]] = {}

    def add(key: str, sales: int, joined: int, buyer: str | None, day: int) -> None:
        old_sales, old_joined, buyers = walked.get(key, (0, 0, {}))
        if buyer is not None:
            buyers = buyers | {buyer: previous_day(live[buyer], day)}
        walked[key] = (old_sales + sales, old_joined + joined, buyers)

    for r in rows:
        bucket = bucket_of(r["joinedMs"])
        joined_day = day_of(r["joinedMs"])
        add(day_key(r["id"], r["level"], joined_day, bucket), 0, 1, None, joined_day)
        for net, paid_ms in r["orders"]:
            day = day_of(paid_ms)
            key = day_key(r["id"], r["level"], day, bucket)
            add(key, net, 0, r["member"] if net > 0 else None, day)
    stored_rows = await db.read(TEAM_DAYS_STORED, ids=list(ids))
    stored = {
        r["key"]: (r["sales"], r["joined"], dict(zip(r["buyers"], r["prevs"], strict=True)))
        for r in stored_rows
    }
    for r in stored_rows:
        assert len(r["buyers"]) == len(set(r["buyers"])), f"{r['key']}: a buyer twice"
        assert r["key"] == day_key(r["id"], r["level"], r["day"], r["bucket"])
        if r["prevs"] or r["older"] is not None:  # counted whenever there are entries
            assert r["older"] == older_counts(r["day"], r["prevs"]), f"{r['key']}: older"
    empty: tuple[int, int, dict[str, int]] = (0, 0, {})
    assert {k: v for k, v in stored.items() if v != empty} == {
        k: v for k, v in walked.items() if v != empty
    }
    for s in await db.read(TEAM_DAY_TOTALS_STORED, ids=list(ids)):
        assert s["key"] == f"{s['id']}|{s['level']}|{s['day']}"
        buckets = [
            r
            for r in stored_rows
            if (r["id"], r["level"], r["day"]) == (s["id"], s["level"], s["day"])
        ]
        assert len(buckets) == BUCKETS, f"{s['key']}: a total of {len(buckets)} buckets"
        olders = [older_counts(r["day"], r["prevs"]) for r in buckets]
        assert (s["sales"], s["joined"], s["older"]) == (
            sum(r["sales"] for r in buckets),
            sum(r["joined"] for r in buckets),
            [sum(o[i] for o in olders) for i in range(OLDER_SPAN)],
        ), f"{s['key']}: the total is not its buckets' sums"


async def register(
    db: Database,
    distributor_id: str,
    sponsor_id: str | None = None,
    *,
    now: datetime = NOW,
    mode: DistributionMode = DistributionMode.EVERYONE,
    threshold: int = 10,
    identifiers: Sequence[Identifier] = (),
    hot_limit: int = 50,
) -> Distributor:
    return await registration.register(
        db,
        distributor_id=distributor_id,
        name=f"name {distributor_id}",
        sponsor_id=sponsor_id,
        phone=None,
        now=now,
        distribution_mode=mode,
        team_leader_recruits=threshold,
        identifiers=identifiers,
        hot_identifier_limit=hot_limit,
    )


def ident(kind: IdentifierKind, value: str) -> Identifier:
    """An identifier keyed with the default (test) secret."""
    return identify(kind, value, secret=default_policy().identifier_secret)


async def chain(db: Database, prefix: str, length: int) -> list[str]:
    """prefix-0 -> prefix-1 -> ... ; returns the ids, root first."""
    ids = [f"{prefix}-{i}" for i in range(length)]
    for i, distributor_id in enumerate(ids):
        await register(db, distributor_id, ids[i - 1] if i else None)
    return ids


async def assert_tree_consistent(db: Database, ids: list[str]) -> None:
    """Stored level counters, ancestor stamps and team roll-ups equal a walk of the
    REFERRED edges, and depths agree."""
    for record in await db.read(COUNTER_TRUTH, ids=ids):
        assert record["walked"] == record["stored"], record["id"]
        assert sum(record["stored"]) == record["teamSize"], record["id"]
        assert record["walkedByDepth"] == record["stored"], record["id"]
    broken = await db.read(BROKEN_PATHS, ids=ids)
    assert broken[0]["n"] == 0, "a recruit's path or depth does not follow its sponsor's"
    stamps = [r["id"] for r in await db.read(BROKEN_STAMPS, ids=ids)]
    assert [] == stamps, "ancestor stamps (a1..a3) disagree with the REFERRED edges"
    await assert_team_days_consistent(db, ids)


async def record_order(
    db: Database,
    order_id: str,
    buyer_id: str,
    amount_fen: int,
    *,
    paid_at: datetime = NOW,
    policy: Policy | None = None,
    items: Sequence[OrderItem] | None = None,
    identifiers: Sequence[Identifier] = (),
) -> Order:
    """Record one order through the product's own path (a batch of one)."""
    order = NewOrder(
        id=order_id,
        buyer_id=buyer_id,
        amount_fen=amount_fen,
        paid_at=paid_at,
        items=tuple(items) if items else (OrderItem(amount_fen=amount_fen),),
        identifiers=tuple(i.key for i in identifiers),
    )
    recorded = await orders.record(
        db, orders=[order], policy=policy or default_policy(), now=paid_at
    )
    return recorded[0]


async def assert_ledger_consistent(db: Database, ids: Sequence[str]) -> None:
    """Every balance equals its entries, the entries equal the commissions and
    withdrawals they come from (`graph.money.ledger.reconcile`), every withdrawal record
    equals its own entries (`graph.money.ledger.withdrawal_mismatches`), and the daily
    commission roll-ups equal the commissions."""
    assert [] == await ledger.reconcile(db, distributor_ids=ids)
    mismatches = await ledger.withdrawal_mismatches(db, distributor_ids=ids)
    assert [] == [m.describe() for m in mismatches]
    await assert_commission_days_consistent(db, ids)


COMMISSIONS_WALKED = """
UNWIND $ids AS id
MATCH (c:Commission {beneficiaryId: id})
OPTIONAL MATCH (o:Order {id: c.orderId})
OPTIONAL MATCH (b:Distributor {id: o.buyerId})
RETURN id, c.paidAt.epochMillis AS paidMs, coalesce(b.joinedAt.epochMillis, 0) AS joinedMs,
       c.bucket AS bucket, c.status AS status, c.amount AS amount, c.original AS original
"""
COMMISSION_DAYS_STORED = """
UNWIND $ids AS id
MATCH (d:CommissionDay {beneficiaryId: id})
RETURN d.key AS key, d.day AS day, d.bucket AS bucket,
       [d.pending, d.settled, d.cancelled] AS sums
"""


async def assert_commission_days_consistent(db: Database, ids: Sequence[str]) -> None:
    """Each daily commission roll-up of these beneficiaries equals their commissions
    (roll-ups left at zero may stay), and each commission keeps its buyer's bucket."""
    walked: dict[str, list[int]] = {}
    for r in await db.read(COMMISSIONS_WALKED, ids=list(ids)):
        assert r["bucket"] == bucket_of(r["joinedMs"]), f"{r['id']}: a commission's bucket"
        key = commission_day_key(r["id"], day_of(r["paidMs"]), r["bucket"])
        counted = CommissionState(
            CommissionStatus(r["status"]), r["amount"], r["original"]
        ).counted()
        walked[key] = [a + b for a, b in zip(walked.get(key, [0, 0, 0]), counted, strict=True)]
    stored = {r["key"]: r["sums"] for r in await db.read(COMMISSION_DAYS_STORED, ids=list(ids))}
    zero = [0, 0, 0]
    assert {k: v for k, v in stored.items() if v != zero} == {
        k: v for k, v in walked.items() if v != zero
    }
