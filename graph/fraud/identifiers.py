"""Identifier nodes: who uses which device, phone, IP, payment account or address.

`(:Identifier {key, kind})` is keyed by `KIND:hmac` (`rules.identifiers`), so the plain
value is never stored. `(distributor)-[:USES {at}]->(identifier)` links the people who
gave it at registration or on an order; `(order)-[:CARRIES]->(identifier)` keeps what an
order carried (its payment account, its shipping address). All of it is written inside
the registration's or the order's own transaction.

An identifier gets `shared: true` once two distributors use it, and keeps it: the ring
scan (graph/fraud/scan.py) reads those from an index instead of every identifier.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from domain.fraud.identifiers import Identifier

# After the USES edges of a write exist: each identifier not yet `shared` is locked, then
# its users are counted. Of two writes that give the same identifier at once, the one that
# takes the lock second counts the other's edge (committed by then) and marks it; locks
# are taken in key order.
_mark_shared: LiteralString = """
WITH DISTINCT i WHERE i.shared IS NULL
WITH i ORDER BY i.key
SET i._lock = true
REMOVE i._lock
WITH i WHERE COUNT { (i)<-[:USES]-() } >= 2
SET i.shared = true
"""

LINK_DISTRIBUTOR = (
    """
UNWIND $identifiers AS k
MERGE (i:Identifier {key: k.key})
  ON CREATE SET i.kind = k.kind, i.firstSeen = $now
WITH i
MATCH (d:Distributor {id: $id})
MERGE (d)-[u:USES]->(i)
  ON CREATE SET u.at = $now
"""
    + _mark_shared
)

# Orders: a unit subquery of the order batch's write (see graph.money.orders.WRITE).
LINK_ORDERS = (
    """
UNWIND $orders AS row
WITH row WHERE size(row.identifiers) > 0
MATCH (o:Order {id: row.id})
MATCH (b:Distributor {id: row.buyerId})
UNWIND row.identifiers AS k
MERGE (i:Identifier {key: k.key})
  ON CREATE SET i.kind = k.kind, i.firstSeen = $now
MERGE (o)-[:CARRIES]->(i)
MERGE (b)-[u:USES]->(i)
  ON CREATE SET u.at = $now
"""
    + _mark_shared
)


def as_rows(identifiers: Sequence[Identifier]) -> list[dict[str, str]]:
    return [{"key": i.key, "kind": i.kind.value} for i in identifiers]


async def link_distributor(
    tx: AsyncManagedTransaction,
    *,
    distributor_id: str,
    identifiers: Sequence[Identifier],
    now: datetime,
) -> None:
    if identifiers:
        await tx.run(LINK_DISTRIBUTOR, identifiers=as_rows(identifiers), id=distributor_id, now=now)
