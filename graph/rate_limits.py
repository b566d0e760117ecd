"""Mutation counters in Neo4j, shared by every app process (docs/decisions.md).

`(:RateCounter {id: <token key>, at: [slot], n: [count], expiresAt})`: the calls of one
token per slot of the window. Counting is one small write transaction: lock the
counter, read its slots, let the caller's rule decide (`access.rate_limit.admit`),
write them back if the call is allowed (refused calls are not counted). Counters idle
for a whole window are swept now and then by the calls themselves.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import LiteralString, Protocol, TypeVar

from neo4j import AsyncManagedTransaction

from graph.db import Database, fetch


class Verdict(Protocol):
    """What a rule says of one call: allowed or not, and the slots to keep."""

    @property
    def allowed(self) -> bool: ...
    @property
    def at(self) -> Sequence[int]: ...
    @property
    def counts(self) -> Sequence[int]: ...


V = TypeVar("V", bound=Verdict)

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


async def count(
    db: Database,
    *,
    key: str,
    decide: Callable[[list[int], list[int]], V],
    now: float,
    expires_at: float,
) -> V:
    """Count one call of `key` at `now` (epoch seconds): `decide` gets the stored slots
    and counts (locked) and says whether the call is allowed; its slots are stored if
    so, with `expires_at`, after which the counter may be swept."""

    async def work(tx: AsyncManagedTransaction) -> V:
        stored = (await fetch(tx, LOCK_AND_READ, id=key))[0]
        verdict = decide(list(stored["at"]), list(stored["n"]))
        if verdict.allowed:
            await fetch(
                tx,
                WRITE,
                id=key,
                at=list(verdict.at),
                n=list(verdict.counts),
                expiresAt=expires_at,
            )
        return verdict

    verdict = await db.write(work)
    if random.randrange(SWEEP_ONE_IN) == 0:
        await db.write(lambda tx: fetch(tx, SWEEP, now=now))
    return verdict
