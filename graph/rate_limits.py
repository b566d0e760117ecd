"""Mutation counters in Neo4j, shared by every app process (docs/decisions.md).

`(:RateCounter {id: "<token key>:<bucket>", n, expiresAt})`: the calls of one token in
one fixed bucket of the window. Counting is one small write transaction: lock the
counter, read it and the previous bucket's, add one if the sliding estimate allows
(`graph.rules.rate_limit`). Refused calls are not counted. Expired counters are swept
now and then by the calls themselves.
"""

from __future__ import annotations

import random
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.db import Database, fetch
from graph.rules.rate_limit import allowed, retry_after, window_at

# Count one call unless the sliding window is full; returns the counts before it. The
# write lock is taken first (`SET c._lock`), so concurrent calls read the count in turn.
COUNT: LiteralString = """
MERGE (c:RateCounter {id: $id})
  ON CREATE SET c.n = 0, c.expiresAt = $expiresAt
SET c._lock = true
WITH c, c.n AS current
OPTIONAL MATCH (p:RateCounter {id: $previousId})
WITH c, current, coalesce(p.n, 0) AS previous
WITH c, current, previous, previous * $weight + current < $limit AS allowed
SET c.n = CASE WHEN allowed THEN current + 1 ELSE current END
REMOVE c._lock
RETURN current, previous
"""

# Up to 1,000 counters of buckets that have left every window.
SWEEP: LiteralString = """
MATCH (c:RateCounter) WHERE c.expiresAt < $now
WITH c LIMIT 1000
DELETE c
"""

SWEEP_ONE_IN = 200


async def count(db: Database, *, key: str, limit: int, window: float, now: float) -> float | None:
    """Count one mutation of `key` at `now` (epoch seconds); None if it is allowed,
    else the seconds to wait."""
    at = window_at(now, window)

    async def work(tx: AsyncManagedTransaction) -> tuple[int, int]:
        records = await fetch(
            tx,
            COUNT,
            id=f"{key}:{at.bucket}",
            previousId=f"{key}:{at.bucket - 1}",
            expiresAt=(at.bucket + 2) * window,
            weight=at.previous_weight,
            limit=limit,
        )
        return int(records[0]["current"]), int(records[0]["previous"])

    current, previous = await db.write(work)
    if random.randrange(SWEEP_ONE_IN) == 0:
        await db.write(lambda tx: fetch(tx, SWEEP, now=now))
    if allowed(previous=previous, current=current, weight=at.previous_weight, limit=limit):
        return None
    return retry_after(previous=previous, current=current, limit=limit, at=at, seconds=window)
