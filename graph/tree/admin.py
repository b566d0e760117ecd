"""Admin and analyst actions on one distributor: approval to distribute, freezing."""

from __future__ import annotations

from neo4j import AsyncManagedTransaction

from domain.errors import NotFound
from domain.events import NewEvent, TeamEventKind
from domain.models import Actor, Distributor, Rank, Status
from domain.tree.invites import new_code
from graph import audit, events
from graph.db import Database, fetch
from graph.locks import lock_distributor
from graph.tree.distributors import require
from graph.tree.invites import SET_CODE, with_fresh_codes
from graph.tree.structure import set_tally

SET_RANK = "MATCH (d:Distributor {id: $id}) SET d.rank = $rank"
# Set by hand, the status is the analyst's own: no ring unfreeze releases it later.
SET_STATUS = "MATCH (d:Distributor {id: $id}) SET d.status = $status, d.frozenByRing = null"


async def approve(
    db: Database, *, distributor_id: str, actor: Actor, team_leader_recruits: int
) -> Distributor:
    """APPROVAL mode: MEMBER becomes DISTRIBUTOR, with its invite code; the sponsor's
    tally may promote it."""

    async def work(tx: AsyncManagedTransaction) -> None:
        locked = await lock_distributor(tx, distributor_id=distributor_id)
        if locked is None:
            raise NotFound("Distributor", distributor_id)
        member, sponsor_id = locked
        if member["rank"] == Rank.MEMBER.value:
            await tx.run(SET_RANK, id=distributor_id, rank=Rank.DISTRIBUTOR.value)
            changed = NewEvent(kind=TeamEventKind.RANK_CHANGED.value, distributor_id=distributor_id)
            await events.append(tx, events=[changed])
            if member.get("inviteCode") is None:
                await tx.run(SET_CODE, id=distributor_id, code=new_code())
            sponsor = await lock_distributor(tx, distributor_id=sponsor_id) if sponsor_id else None
            if sponsor is not None:
                await set_tally(tx, sponsor=sponsor[0], change=1, threshold=team_leader_recruits)
        await audit.record(
            tx, actor=actor, operation="approveDistributor", arguments={"id": distributor_id}
        )

    await with_fresh_codes(lambda: db.write(work))
    return await require(db, distributor_id=distributor_id)


async def set_status(
    db: Database, *, distributor_id: str, status: Status, reason: str, actor: Actor
) -> Distributor:
    """Freeze or unfreeze one distributor, with the reason in the audit trail."""

    async def work(tx: AsyncManagedTransaction) -> None:
        if await lock_distributor(tx, distributor_id=distributor_id) is None:
            raise NotFound("Distributor", distributor_id)
        await tx.run(SET_STATUS, id=distributor_id, status=status.value)
        operation = "freezeDistributor" if status is Status.FROZEN else "unfreezeDistributor"
        await audit.record(
            tx, actor=actor, operation=operation, arguments={"id": distributor_id, "reason": reason}
        )

    await db.write(work)
    return await require(db, distributor_id=distributor_id)


# A ring freeze marks whom it froze (`frozenByRing`); unfreezing the ring releases only
# those, so members frozen for another reason (by hand, or by another ring) stay frozen.
FREEZE_RING = """
MATCH (:FraudRing {id: $ringId})-[:INCLUDES]->(d:Distributor)
WITH d, d.status = 'ACTIVE' AS mine
SET d.status = 'FROZEN', d.frozenByRing = CASE WHEN mine THEN $ringId ELSE d.frozenByRing END
RETURN d.id AS id, mine ORDER BY id
"""

UNFREEZE_RING = """
MATCH (:FraudRing {id: $ringId})-[:INCLUDES]->(d:Distributor)
WITH d, d.frozenByRing = $ringId AS mine
SET d.status = CASE WHEN mine THEN 'ACTIVE' ELSE d.status END,
    d.frozenByRing = CASE WHEN mine THEN null ELSE d.frozenByRing END
RETURN d.id AS id, mine ORDER BY id
"""


async def set_ring_status(
    db: Database, *, ring_id: str, status: Status, reason: str, actor: Actor
) -> list[str]:
    """Freeze every member of a ring, or release those this ring froze, in one
    transaction, audited with the members it changed. Returns all members' ids."""
    frozen = status is Status.FROZEN

    async def work(tx: AsyncManagedTransaction) -> list[str]:
        rows = await fetch(tx, FREEZE_RING if frozen else UNFREEZE_RING, ringId=ring_id)
        if not rows:
            raise NotFound("Fraud ring", ring_id)
        await audit.record(
            tx,
            actor=actor,
            operation="freezeFraudRing" if frozen else "unfreezeFraudRing",
            arguments={
                "ringId": ring_id,
                "changed": [r["id"] for r in rows if r["mine"]],
                "reason": reason,
            },
        )
        return [r["id"] for r in rows]

    return await db.write(work)
