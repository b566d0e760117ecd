"""The event log of the subscriptions (SPEC §11): `(:Event {id, written, kind, at, …})`.

Appended in the business write's own transaction, last, so an event exists exactly when
its write committed. No counter orders them (a lock every write shares would stall all
writes behind one slow or orphaned transaction): each event carries `written`, the
database's statement clock, and pollers re-read a window of `domain.events.LAG_SECONDS`
behind the newest event they saw, dropping the ids they already delivered, so a
transaction that commits up to that long after its append is still heard. Events are
pruned after `domain.events.RETENTION_SECONDS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from neo4j import AsyncManagedTransaction

from domain.events import Event, NewEvent
from graph.db import Database

# The distributor's position is read here, at the end of the transaction, so a recruit
# is placed where the registration or bind put it.
APPEND = """
UNWIND range(0, size($events) - 1) AS i
WITH i, $events[i] AS e
OPTIONAL MATCH (d:Distributor {id: e.distributorId})
CREATE (:Event {
  id: randomUUID(), n: i, written: datetime(), kind: e.kind, at: coalesce(e.at, datetime()),
  distributorId: e.distributorId, path: d.path, depth: d.depth, amount: e.amount,
  alertId: e.alertId, reasons: e.reasons, evidence: e.evidence
})
"""

NOW = "RETURN datetime().epochSeconds * 1000000 + datetime().microsecond AS us"

SINCE = """
MATCH (e:Event) WHERE e.written >= $from
WITH e ORDER BY e.written, e.n LIMIT $limit
RETURN e {.id, .kind, .distributorId, .path, .depth, .amount, .alertId, .reasons, .evidence,
          atUs: e.at.epochSeconds * 1000000 + e.at.microsecond,
          writtenUs: e.written.epochSeconds * 1000000 + e.written.microsecond} AS e
"""

PRUNE = """
MATCH (e:Event) WHERE e.written < $before
WITH e LIMIT $limit
DELETE e
RETURN count(*) AS pruned
"""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def append(tx: AsyncManagedTransaction, *, events: Sequence[NewEvent]) -> None:
    """Append `events` inside the business write `tx` (call it last in the transaction)."""
    if events:
        await tx.run(APPEND, events=[e.as_row() for e in events])


async def database_now(db: Database) -> datetime:
    """The database's clock, which `written` is stamped with."""
    records = await db.read(NOW)
    return EPOCH + timedelta(microseconds=records[0]["us"])


def _event(e: Any) -> Event:
    return Event(
        id=e["id"],
        written=EPOCH + timedelta(microseconds=e["writtenUs"]),
        kind=e["kind"],
        at=EPOCH + timedelta(microseconds=e["atUs"]),
        distributor_id=e["distributorId"],
        path=e["path"],
        depth=e["depth"],
        amount_fen=e["amount"],
        alert_id=e["alertId"],
        reasons=tuple(e["reasons"] or ()),
        evidence=tuple(e["evidence"] or ()),
    )


async def since(db: Database, *, written_from: datetime, limit: int) -> list[Event]:
    """Events written at or after `written_from`, oldest first, at most `limit`."""
    found = await db.read(SINCE, limit=limit, **{"from": written_from})
    return [_event(r["e"]) for r in found]


async def prune(db: Database, *, before: datetime, limit: int = 10_000) -> int:
    """Delete up to `limit` events older than `before`; how many went."""

    async def work(tx: AsyncManagedTransaction) -> int:
        result = await tx.run(PRUNE, before=before, limit=limit)
        record = await result.single()
        return int(record["pruned"]) if record else 0

    return await db.write(work)
