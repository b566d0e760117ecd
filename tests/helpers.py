"""Test helpers that build data through the product's own graph functions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from app.settings import default_policy
from domain.fraud.identifiers import Identifier, IdentifierKind, identify
from domain.models import DistributionMode, Distributor, NewOrder, Order, OrderItem, Policy
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
    """Stored level counters and ancestor stamps equal a walk of the REFERRED edges, and
    depths agree."""
    for record in await db.read(COUNTER_TRUTH, ids=ids):
        assert record["walked"] == record["stored"], record["id"]
        assert sum(record["stored"]) == record["teamSize"], record["id"]
        assert record["walkedByDepth"] == record["stored"], record["id"]
    broken = await db.read(BROKEN_PATHS, ids=ids)
    assert broken[0]["n"] == 0, "a recruit's path or depth does not follow its sponsor's"
    stamps = [r["id"] for r in await db.read(BROKEN_STAMPS, ids=ids)]
    assert [] == stamps, "ancestor stamps (a1..a3) disagree with the REFERRED edges"


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
    withdrawals they come from (`graph.money.ledger.reconcile`), and every withdrawal record
    equals its own entries (`graph.money.ledger.withdrawal_mismatches`)."""
    assert [] == await ledger.reconcile(db, distributor_ids=ids)
    mismatches = await ledger.withdrawal_mismatches(db, distributor_ids=ids)
    assert [] == [m.describe() for m in mismatches]
