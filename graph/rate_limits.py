"""Mutation counters in Neo4j, shared by every app process (docs/decisions.md).

`(:RateCounter {id: <token key>, at: [slot], n: [count], expiresAt})`: the calls of one
token per slot of the window (`graph.rules.rate_limit`). Counting is one small write
transaction: lock the counter, read its slots, decide in Python, write them back if the
call is allowed (refused calls are not counted). Counters idle for a whole window are
swept now and then by the calls themselves.
"""

from __future__ import annotations

import random
from typing import LiteralString

from neo4j import AsyncManagedTransaction

from graph.db import Database, fetch
from graph.rules.rate_limit import Admission, admit

# The counter, created if new, with its write lock taken before it is read (a write,
# `SET c._lock`, undone at once; the lock stays until the transaction ends), so
# concurrent calls with one token read and write it in turn.
LOCK_AND_READ: LiteralString = """
MERGE (c:RateCounter {id: $id})
  ON CREATE SET c.at = [], c.n = []
SET c._lock = true
REMOVE c._lock
RETURN c.at AS at, c.n AS n
"""

WRITE: LiteralString = """
MATCH (c:RateCounter {id: $id})
SET c.at = $at, c.n = $n, c.expiresAt = $expiresAt
"""

# Up to 1,000 counters whose calls have all left the window.
SWEEP: LiteralString = """
MATCH (c:RateCounter) WHERE c.expiresAt < $now
WITH c LIMIT 1000
DELETE c
"""

SWEEP_ONE_IN = 200


async def count(db: Database, *, key: str, limit: int, window: float, now: float) -> float | None:
    """Count one mutation of `key` at `now` (epoch seconds); None if it is allowed,
    else the seconds to wait."""

    async def work(tx: AsyncManagedTransaction) -> Admission:
        stored = (await fetch(tx, LOCK_AND_READ, id=key))[0]
        verdict = admit(at=stored["at"], counts=stored["n"], now=now, window=window, limit=limit)
        if verdict.allowed:
            await fetch(
                tx,
                WRITE,
                id=key,
                at=list(verdict.at),
                n=list(verdict.counts),
                expiresAt=now + window,
            )
        return verdict

    verdict = await db.write(work)
    if random.randrange(SWEEP_ONE_IN) == 0:
        await db.write(lambda tx: fetch(tx, SWEEP, now=now))
    return None if verdict.allowed else verdict.retry_after
