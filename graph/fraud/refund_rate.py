"""Refund rates over 90 days (`Distributor.refundRate90d`, the HIGH_REFUND_RATE signal).

The orders counted are those that credited the distributor a commission
(`domain.fraud.refunds`): found by the `(beneficiaryId, paidAt)` index of commissions,
then each commission's order through its `PAYS` edge. One query for many distributors.
"""

from __future__ import annotations

from datetime import datetime

from domain.fraud.refunds import REFUND_RATE_WINDOW
from domain.models import RefundRate
from graph.db import Database

RATES = """
UNWIND $ids AS id
CALL (id) {
  MATCH (c:Commission)
  WHERE c.beneficiaryId = id AND c.paidAt >= $since
  MATCH (o:Order)-[:PAYS]->(c)
  WITH DISTINCT o
  RETURN count(o) AS orders, count(CASE WHEN o.refunded > 0 THEN 1 END) AS refundedOrders,
         coalesce(sum(o.amount), 0) AS amount, coalesce(sum(o.refunded), 0) AS refunded
}
RETURN id, orders, refundedOrders, amount, refunded
"""

# The evidence: the refunded ones, most refunded first.
REFUNDED_ORDERS = """
MATCH (c:Commission)
WHERE c.beneficiaryId = $id AND c.paidAt >= $since
MATCH (o:Order)-[:PAYS]->(c)
WHERE o.refunded > 0
WITH DISTINCT o
RETURN o.id AS orderId, o.buyerId AS buyer, o.amount AS amount, o.refunded AS refunded
ORDER BY refunded DESC, orderId
LIMIT $cap
"""


def window_start(now: datetime) -> datetime:
    return now - REFUND_RATE_WINDOW


async def rates(db: Database, *, ids: list[str], now: datetime) -> list[RefundRate]:
    """The 90-day refund record of each of `ids`, in the same order (zeros for none)."""
    records = await db.read(RATES, ids=ids, since=window_start(now))
    found = {
        r["id"]: RefundRate(
            orders=r["orders"],
            refunded_orders=r["refundedOrders"],
            amount_fen=r["amount"],
            refunded_fen=r["refunded"],
        )
        for r in records
    }
    empty = RefundRate(orders=0, refunded_orders=0, amount_fen=0, refunded_fen=0)
    return [found.get(distributor_id, empty) for distributor_id in ids]


async def refunded_orders(
    db: Database, *, distributor_id: str, now: datetime, cap: int
) -> list[tuple[str, str, int, int]]:
    """(order id, buyer id, amount, refunded) of the refunded orders counted, ≤ `cap`."""
    records = await db.read(REFUNDED_ORDERS, id=distributor_id, since=window_start(now), cap=cap)
    return [(r["orderId"], r["buyer"], r["amount"], r["refunded"]) for r in records]
