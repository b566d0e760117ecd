"""Refunds (SPEC §3.5): idempotent by refund id, commissions reduced in proportion.

One transaction locks the order, records `(:Refund)`, lowers every live commission to
`floor(original × remaining / paid)` and writes the matching ledger entries: taken from
`pending` while the commission is frozen (a full refund cancels it), or as a `CLAWBACK`
from `available` once it is settled (the balance may go below zero). The order's team
roll-ups (`graph.tree.team_days`) follow in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from domain.errors import BadUserInput, Conflict, NotFound
from domain.models import CommissionStatus, Order
from domain.money.commission import remaining_commission
from domain.money.commission_days import CommissionChange, CommissionState, day_deltas
from domain.money.fen import format_fen
from domain.money.ledger import Entry, commission_reduced
from graph.db import Database, fetch
from graph.money import commission_days
from graph.money.ledger import write_entries
from graph.money.orders import get_many
from graph.tree.team_days import refund_days

LOCK_ORDER = """
MATCH (o:Order {id: $id})
SET o._lock = true
REMOVE o._lock
RETURN o.amount AS amount, o.refunded AS refunded
"""

FIND_REFUND = "MATCH (r:Refund {id: $id}) RETURN r.orderId AS orderId, r.amount AS amount"

LIVE_COMMISSIONS = """
MATCH (:Order {id: $id})-[:PAYS]->(c:Commission)
WHERE c.status IN ['PENDING', 'SETTLED']
RETURN c.id AS id, c.level AS level, c.beneficiaryId AS beneficiaryId, c.status AS status,
       c.original AS original, c.amount AS amount,
       c.paidAt.epochMillis / 86400000 AS day, c.bucket AS bucket
"""

APPLY = """
MATCH (o:Order {id: $orderId})
SET o.refunded = $refunded, o.net = o.amount - $refunded
CREATE (o)-[:REFUNDED_BY]->(:Refund {id: $refundId, orderId: $orderId, amount: $amount, at: $now})
WITH o
UNWIND $commissions AS change
MATCH (c:Commission {id: change.id})
SET c.amount = change.amount, c.status = change.status
"""


async def refund(
    db: Database, *, order_id: str, refund_id: str, amount_fen: int, now: datetime
) -> Order:
    """Refund `amount_fen` of `order_id`; replaying `refund_id` changes nothing."""

    async def work(tx: AsyncManagedTransaction) -> None:
        locked = await fetch(tx, LOCK_ORDER, id=order_id)
        if not locked:
            raise NotFound("Order", order_id)
        previous = await fetch(tx, FIND_REFUND, id=refund_id)
        if previous:
            if (previous[0]["orderId"], previous[0]["amount"]) != (order_id, amount_fen):
                raise Conflict(
                    f"Refund {refund_id!r} was already recorded for another order or amount."
                )
            return
        paid, refunded = locked[0]["amount"], locked[0]["refunded"]
        if amount_fen > paid - refunded:
            raise BadUserInput(
                f"A refund of {format_fen(amount_fen)} exceeds the "
                f"{format_fen(paid - refunded)} that remains of order {order_id!r}."
            )
        remaining = paid - refunded - amount_fen
        changes: list[dict[str, object]] = []
        moved: list[CommissionChange] = []
        entries: list[Entry] = []
        for c in await fetch(tx, LIVE_COMMISSIONS, id=order_id):
            target = remaining_commission(
                original_fen=c["original"], paid_fen=paid, remaining_fen=remaining
            )
            settled = c["status"] == CommissionStatus.SETTLED.value
            status = (
                CommissionStatus.CANCELLED.value if remaining == 0 and not settled else c["status"]
            )
            changes.append({"id": c["id"], "amount": target, "status": status})
            moved.append(
                CommissionChange(
                    beneficiary_id=c["beneficiaryId"],
                    day=c["day"],
                    bucket=c["bucket"],
                    before=CommissionState(
                        CommissionStatus(c["status"]), c["amount"], c["original"]
                    ),
                    after=CommissionState(CommissionStatus(status), target, c["original"]),
                )
            )
            entries += commission_reduced(
                refund_id=refund_id,
                level=c["level"],
                beneficiary_id=c["beneficiaryId"],
                settled=settled,
                full=remaining == 0,
                fen=c["amount"] - target,
            )
        await tx.run(
            APPLY,
            orderId=order_id,
            refundId=refund_id,
            amount=amount_fen,
            refunded=refunded + amount_fen,
            now=now,
            commissions=changes,
        )
        await refund_days(tx, order_id=order_id, amount_fen=amount_fen)
        await commission_days.apply(tx, deltas=day_deltas(moved))
        await write_entries(tx, entries=entries, at=now)

    try:
        await db.write(work)
    except ConstraintError:
        await db.write(work)  # the refund id was taken concurrently; decide as a replay
    return (await get_many(db, ids=[order_id]))[0]
