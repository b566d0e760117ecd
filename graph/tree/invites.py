"""Invite codes in the graph (SPEC §10): look-ups, issuing, rotating.

`Distributor.inviteCode` is unique (migration 0010), so finding a code's owner is one
seek of that constraint's index. A code is written in three places only: at
registration when the newcomer may recruit at once (`graph.tree.registration`), at
approval (`graph.tree.admin`), and here, on first read for a distributor that may
recruit but has none yet (promoted by its own spending, bulk-loaded, or older than
the migration), and on rotation. Each writer holds the distributor's lock, and a rare
collision with another code (the constraint refuses it) is retried with a fresh one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from domain.errors import Conflict, NotFound
from domain.models import Actor, Distributor, Rank
from domain.tree.invites import new_code
from graph import audit
from graph.db import Database, fetch
from graph.locks import lock_distributor
from graph.tree.distributors import require
from graph.tree.records import distributor_from_node, fields

T = TypeVar("T")
ATTEMPTS = 5  # fresh codes tried after a collision (each has odds of about n / 10^12)

BY_CODE = (
    """
MATCH (d:Distributor {inviteCode: $code})
OPTIONAL MATCH (s:Distributor)-[:REFERRED]->(d)
RETURN """
    + fields("d")
    + """ AS d, s.id AS sponsorId
"""
)

# Callers hold the distributor's lock (taken before its rank and code were read).
SET_CODE = "MATCH (d:Distributor {id: $id}) SET d.inviteCode = $code"

# Lazy issue, many at once in id order (one lock order, no deadlock between batches):
# after the lock, the rank and code read are the latest committed.
ISSUE_MISSING = """
UNWIND $rows AS row
MATCH (d:Distributor {id: row.id})
SET d._lock = true
REMOVE d._lock
WITH d, row
WHERE d.rank <> 'MEMBER'
SET d.inviteCode = coalesce(d.inviteCode, row.code)
RETURN d.id AS id, d.inviteCode AS code
"""


async def by_code(db: Database, *, code: str) -> Distributor | None:
    """The distributor whose current code is `code` (canonical form), if any."""
    records = await db.read(BY_CODE, code=code)
    if not records:
        return None
    return distributor_from_node(records[0]["d"], sponsor_id=records[0]["sponsorId"])


async def issue_missing(db: Database, *, ids: list[str]) -> dict[str, str]:
    """Give each distributor of `ids` that may recruit and has no code one; return the
    codes of all of them that have one now (MEMBERs and unknown ids are left out)."""
    rows = [{"id": distributor_id} for distributor_id in sorted(set(ids))]

    async def work(tx: AsyncManagedTransaction) -> dict[str, str]:
        fresh = [{"id": row["id"], "code": new_code()} for row in rows]
        records = await fetch(tx, ISSUE_MISSING, rows=fresh)
        return {r["id"]: r["code"] for r in records}

    return await with_fresh_codes(lambda: db.write(work))


async def rotate(db: Database, *, distributor_id: str, actor: Actor) -> Distributor:
    """A new code for `distributor_id`; the old one finds nobody from the commit on.
    Audited with both codes. A MEMBER that may not recruit yet has none to rotate."""

    async def work(tx: AsyncManagedTransaction) -> None:
        locked = await lock_distributor(tx, distributor_id=distributor_id)
        if locked is None:
            raise NotFound("Distributor", distributor_id)
        distributor = locked[0]
        if distributor["rank"] == Rank.MEMBER.value:
            raise Conflict(
                f"Distributor {distributor_id!r} has no invite code to rotate: a MEMBER "
                "gets one once it may recruit (approved, or past its spend threshold)."
            )
        code = new_code()
        await tx.run(SET_CODE, id=distributor_id, code=code)
        await audit.record(
            tx,
            actor=actor,
            operation="inviteCodeRotated",
            arguments={
                "distributorId": distributor_id,
                "fromCode": distributor.get("inviteCode"),
                "toCode": code,
            },
        )

    await with_fresh_codes(lambda: db.write(work))
    return await require(db, distributor_id=distributor_id)


async def with_fresh_codes(write: Callable[[], Awaitable[T]]) -> T:
    """Run `write` again (it draws new codes each time) while a code collides."""
    for _ in range(ATTEMPTS - 1):
        try:
            return await write()
        except ConstraintError:
            continue
    return await write()
