"""Settlement (SPEC §3.5): PENDING commissions past their freeze period become SETTLED.

`settle(as_of)` moves every commission due by `as_of` from `pending` to `available`,
in batches of one transaction each, and their daily roll-ups with them
(`graph.money.commission_days`). Each batch first locks the orders of its
commissions (refunds lock the same order), then re-reads them, so a refund and a
settlement of one commission never interleave. Commissions of frozen distributors
wait. Running it again finds nothing left to do: it is idempotent.
"""

from __future__ import annotations

from datetime import datetime

from neo4j import AsyncManagedTransaction, Record

from domain.models import CommissionStatus
from domain.money.commission_days import CommissionChange, CommissionState, day_deltas
from domain.money.ledger import Entry, commission_ref, commission_settled
from graph.db import Database, fetch
from graph.money import commission_days
from graph.money.ledger import write_entries

DUE = """
MATCH (c:Commission)
WHERE c.status = 'PENDING' AND c.dueAt <= $asOf
MATCH (d:Distributor {id: c.beneficiaryId})
WHERE d.status = 'ACTIVE'
RETURN c.id AS id, c.orderId AS orderId
ORDER BY c.dueAt, c.id
LIMIT $limit
"""

LOCK_ORDERS = """
UNWIND $ids AS id
MATCH (o:Order {id: id})
SET o._lock = true
REMOVE o._lock
"""

SETTLE = """
UNWIND $ids AS id
MATCH (c:Commission {id: id})
WHERE c.status = 'PENDING' AND c.dueAt <= $asOf
SET c.status = 'SETTLED', c.settledAt = $now
RETURN c.orderId AS orderId, c.level AS level, c.beneficiaryId AS beneficiaryId,
       c.amount AS amount, c.original AS original,
       c.paidAt.epochMillis / 86400000 AS day, c.bucket AS bucket
"""

BATCH = 2_000


async def settle(db: Database, *, as_of: datetime, now: datetime, batch: int = BATCH) -> int:
    """Settle everything due by `as_of`; return how many commissions were settled."""
    total = 0
    while True:
        settled, seen = await db.write(lambda tx: _settle_batch(tx, as_of, now, batch))
        total += settled
        if seen < batch:
            return total


async def _settle_batch(
    tx: AsyncManagedTransaction, as_of: datetime, now: datetime, limit: int
) -> tuple[int, int]:
    due = await fetch(tx, DUE, asOf=as_of, limit=limit)
    if not due:
        return 0, 0
    await tx.run(LOCK_ORDERS, ids=sorted({r["orderId"] for r in due}))
    rows = await fetch(tx, SETTLE, ids=[r["id"] for r in due], asOf=as_of, now=now)
    entries: list[Entry] = []
    for row in rows:
        entries += commission_settled(
            ref=commission_ref(row["orderId"], row["level"]),
            beneficiary_id=row["beneficiaryId"],
            amount_fen=row["amount"],
        )
    await write_entries(tx, entries=entries, at=now)
    await commission_days.apply(tx, deltas=day_deltas(_settled(row) for row in rows))
    return len(rows), len(due)


def _settled(row: Record) -> CommissionChange:
    """A commission `SETTLE` settled, from PENDING to SETTLED at the same amount."""
    amount, original = row["amount"], row["original"]
    return CommissionChange(
        beneficiary_id=row["beneficiaryId"],
        day=row["day"],
        bucket=row["bucket"],
        before=CommissionState(CommissionStatus.PENDING, amount, original),
        after=CommissionState(CommissionStatus.SETTLED, amount, original),
    )
