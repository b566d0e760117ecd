"""Daily commission roll-ups in Neo4j (`domain.money.commission_days`):
`(:CommissionDay {key, beneficiaryId, day, bucket, pending, settled, cancelled})`.

Kept in the write transaction of every change they summarise: an order's new (PENDING)
commissions (`graph.money.orders.WRITE`), a settlement (`graph.money.settlement`) and a
refund (`graph.money.refunds`). Writers touch them in key order, after any team roll-up
of theirs. A commission keeps its `bucket` (its buyer's, `graph.tree.team_days`), so a
settlement or a refund finds its roll-up without reading the buyer. Team metrics read
them (`graph.tree.team.COMMISSIONS_BY_STATUS`). Migration 0022 builds them for a store
that predates them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from domain.money.commission_days import CommissionDayDelta

_merge: LiteralString = """
MERGE (d:CommissionDay {key: key})
  ON CREATE SET d.beneficiaryId = id, d.day = day, d.bucket = bucket,
    d.pending = 0, d.settled = 0, d.cancelled = 0
"""

# Inside `graph.money.orders.WRITE`: each new commission (PENDING, its whole amount) to
# its beneficiary's roll-up of the payment day, in the buyer's bucket.
ORDER_COMMISSION_DAYS: LiteralString = (
    """
UNWIND $orders AS row
MATCH (b:Distributor {id: row.buyerId})
WITH row, row.paidAtMs / 86400000 AS day, coalesce(b.joinedAt.epochMillis, 0) % 32 AS bucket
UNWIND row.commissions AS c
WITH c.beneficiaryId AS id, day, bucket, sum(c.amount) AS amount
WITH id, day, bucket, amount, id + '|' + toString(day) + '|' + toString(bucket) AS key
ORDER BY key
"""
    + _merge
    + """
SET d.pending = d.pending + amount
"""
)

# Settlements and refunds: `$deltas` are `CommissionDayDelta` rows, in key order.
APPLY: LiteralString = (
    """
UNWIND $deltas AS x
WITH x, x.key AS key, x.beneficiaryId AS id, x.day AS day, x.bucket AS bucket
"""
    + _merge
    + """
SET d.pending = d.pending + x.pending, d.settled = d.settled + x.settled,
    d.cancelled = d.cancelled + x.cancelled
"""
)

# Migration 0022: every commission's bucket (its buyer's), then every roll-up from the
# commissions themselves. Idempotent: the roll-ups start from none.
SET_BUCKETS: LiteralString = """
MATCH (c:Commission) WHERE c.bucket IS NULL
CALL (c) {
  OPTIONAL MATCH (o:Order {id: c.orderId})
  OPTIONAL MATCH (b:Distributor {id: o.buyerId})
  SET c.bucket = coalesce(b.joinedAt.epochMillis, 0) % 32
} IN TRANSACTIONS OF 10000 ROWS
"""
DROP_ALL: LiteralString = """
MATCH (d:CommissionDay)
CALL (d) { DELETE d } IN TRANSACTIONS OF 10000 ROWS
"""
BUILD_DAYS: LiteralString = (
    """
MATCH (c:Commission) WHERE c.paidAt IS NOT NULL AND c.beneficiaryId IS NOT NULL
WITH c.beneficiaryId AS id, c.paidAt.epochMillis / 86400000 AS day, c.bucket AS bucket,
     sum(CASE c.status WHEN 'PENDING' THEN c.amount ELSE 0 END) AS pending,
     sum(CASE c.status WHEN 'SETTLED' THEN c.amount ELSE 0 END) AS settled,
     sum(CASE c.status WHEN 'CANCELLED' THEN c.original ELSE 0 END) AS cancelled
CALL (id, day, bucket, pending, settled, cancelled) {
  WITH id, day, bucket, pending, settled, cancelled,
       id + '|' + toString(day) + '|' + toString(bucket) AS key
"""
    + _merge
    + """
  SET d.pending = pending, d.settled = settled, d.cancelled = cancelled
} IN TRANSACTIONS OF 1000 ROWS
"""
)
BUILD: tuple[LiteralString, ...] = (SET_BUCKETS, DROP_ALL, BUILD_DAYS)


async def apply(tx: AsyncManagedTransaction, *, deltas: Sequence[CommissionDayDelta]) -> None:
    """Add `deltas` (`domain.money.commission_days.day_deltas`) to their roll-ups."""
    if deltas:
        rows = [
            {
                "key": d.key,
                "beneficiaryId": d.beneficiary_id,
                "day": d.day,
                "bucket": d.bucket,
                "pending": d.pending,
                "settled": d.settled,
                "cancelled": d.cancelled,
            }
            for d in deltas
        ]
        await (await tx.run(APPLY, deltas=rows)).consume()
