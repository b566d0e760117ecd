"""The event log of the subscriptions (SPEC §11): `(:Event {seq, kind, at, …})`.

Appended in the business write's own transaction, so an event exists exactly when its
write committed. `seq` comes from one counter node, `(:EventCounter {id: 'events'})`,
whose write lock is held until commit: sequence numbers are therefore taken in commit
order, and a poller that reads `seq > last` never skips an event committed later with a
smaller number. The price is that appending transactions serialize on the counter from
the append to their commit; every caller appends last, just before it commits.
Events are pruned after `domain.events.RETENTION_SECONDS`.
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
MERGE (c:EventCounter {id: 'events'}) ON CREATE SET c.seq = 0
SET c._lock = true
REMOVE c._lock
WITH c, c.seq AS base
SET c.seq = base + size($events)
WITH base
UNWIND range(0, size($events) - 1) AS i
WITH base + i + 1 AS seq, $events[i] AS e
OPTIONAL MATCH (d:Distributor {id: e.distributorId})
CREATE (:Event {
  seq: seq, kind: e.kind, at: coalesce(e.at, datetime()), distributorId: e.distributorId,
  path: d.path, depth: d.depth, amount: e.amount, alertId: e.alertId,
  reasons: e.reasons, evidence: e.evidence
})
"""

LATEST = "OPTIONAL MATCH (c:EventCounter {id: 'events'}) RETURN coalesce(c.seq, 0) AS seq"

SINCE = """
MATCH (e:Event) WHERE e.seq > $after
WITH e ORDER BY e.seq LIMIT $limit
RETURN e {.seq, .kind, .distributorId, .path, .depth, .amount, .alertId, .reasons,
          .evidence, atUs: e.at.epochSeconds * 1000000 + e.at.microsecond} AS e
"""

PRUNE = """
MATCH (e:Event) WHERE e.at < $before
WITH e LIMIT $limit
DELETE e
RETURN count(*) AS pruned
"""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def append(tx: AsyncManagedTransaction, *, events: Sequence[NewEvent]) -> None:
    """Append `events` inside the business write `tx` (call it last in the transaction)."""
    if events:
        await tx.run(APPEND, events=[e.as_row() for e in events])


async def latest(db: Database) -> int:
    """The sequence number of the newest event (0 before the first)."""
    records = await db.read(LATEST)
    return int(records[0]["seq"])


def _event(e: Any) -> Event:
    return Event(
        seq=e["seq"],
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


async def since(db: Database, *, after: int, limit: int) -> list[Event]:
    """Events with `seq > after`, oldest first, at most `limit`."""
    return [_event(r["e"]) for r in await db.read(SINCE, after=after, limit=limit)]


async def prune(db: Database, *, before: datetime, limit: int = 10_000) -> int:
    """Delete up to `limit` events older than `before`; how many went."""

    async def work(tx: AsyncManagedTransaction) -> int:
        result = await tx.run(PRUNE, before=before, limit=limit)
        record = await result.single()
        return int(record["pruned"]) if record else 0

    return await db.write(work)
