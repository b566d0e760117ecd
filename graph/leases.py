"""Leases of the scheduler's jobs, shared by every app process (docs/decisions.md).

`(:JobLease {name, holder, expiresAt, takes})`: one node per job. A process may run the
job when it holds the lease; taking it is one small write transaction that locks the
node (MERGE on the `job_lease_name` constraint, then a write lock) before reading it, so
of processes taking it at once exactly one wins. A lease held by another process is
free again once `expiresAt` (epoch seconds) has passed, so a dead holder's job is taken
over; the holder renews it each time it runs the job, and hands it back on shutdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from neo4j import AsyncManagedTransaction, Record

from graph.db import Database, fetch

# The lease, created if new, locked before it is read (as in graph/rate_limits.py);
# taken when free, expired or already ours, and counted (`takes`) when taken.
TAKE: LiteralString = """
MERGE (l:JobLease {name: $name})
SET l._lock = true
REMOVE l._lock
WITH l, (l.holder IS NULL OR l.holder = $holder OR l.expiresAt < $now) AS taken
SET l.holder = CASE WHEN taken THEN $holder ELSE l.holder END,
    l.expiresAt = CASE WHEN taken THEN $expiresAt ELSE l.expiresAt END,
    l.takes = CASE WHEN taken THEN coalesce(l.takes, 0) + 1 ELSE coalesce(l.takes, 0) END
RETURN taken, l.holder AS holder, l.expiresAt AS expiresAt, l.takes AS takes
"""

# Handed back: free at once for the next taker (only by its holder).
RELEASE: LiteralString = """
MATCH (l:JobLease {name: $name}) WHERE l.holder = $holder
SET l.holder = null, l.expiresAt = 0.0
"""

READ: LiteralString = """
MATCH (l:JobLease {name: $name})
RETURN true AS taken, l.holder AS holder, l.expiresAt AS expiresAt, l.takes AS takes
"""


@dataclass(frozen=True)
class Lease:
    """A lease as it stands: whether the caller holds it now, its holder and expiry."""

    taken: bool
    holder: str | None
    expires_at: float
    takes: int


def _lease(record: Record) -> Lease:
    return Lease(
        taken=bool(record["taken"]),
        holder=record["holder"],
        expires_at=float(record["expiresAt"] or 0.0),
        takes=int(record["takes"] or 0),
    )


async def take(db: Database, *, name: str, holder: str, now: float, ttl: float) -> Lease:
    """Take (or renew) lease `name` for `holder` until `now + ttl`, unless another
    holder's lease is still valid; `taken` says which."""

    async def work(tx: AsyncManagedTransaction) -> Lease:
        rows = await fetch(tx, TAKE, name=name, holder=holder, now=now, expiresAt=now + ttl)
        return _lease(rows[0])

    return await db.write(work)


async def release(db: Database, *, name: str, holder: str) -> None:
    """Hand lease `name` back if `holder` holds it (a clean shutdown)."""
    await db.write(lambda tx: fetch(tx, RELEASE, name=name, holder=holder))


async def read(db: Database, *, name: str) -> Lease | None:
    """The lease as stored (`taken` is always true here), None if never taken."""
    rows = await db.read(READ, name=name)
    return _lease(rows[0]) if rows else None
