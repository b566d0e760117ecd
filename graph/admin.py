"""Admin and analyst actions on one distributor: approval to distribute, freezing."""

from __future__ import annotations

from neo4j import AsyncManagedTransaction

from graph import audit
from graph.db import Database, fetch
from graph.distributors import require
from graph.errors import NotFound
from graph.locks import lock_distributor
from graph.models import Actor, Distributor, Rank, Status
from graph.structure import set_tally

SET_RANK = "MATCH (d:Distributor {id: $id}) SET d.rank = $rank"
SET_STATUS = "MATCH (d:Distributor {id: $id}) SET d.status = $status"


async def approve(
    db: Database, *, distributor_id: str, actor: Actor, team_leader_recruits: int
) -> Distributor:
    """APPROVAL mode: MEMBER becomes DISTRIBUTOR; the sponsor's tally may promote it."""

    async def work(tx: AsyncManagedTransaction) -> None:
        locked = await lock_distributor(tx, distributor_id=distributor_id)
        if locked is None:
            raise NotFound("Distributor", distributor_id)
        member, sponsor_id = locked
        if member["rank"] == Rank.MEMBER.value:
            await tx.run(SET_RANK, id=distributor_id, rank=Rank.DISTRIBUTOR.value)
            sponsor = await lock_distributor(tx, distributor_id=sponsor_id) if sponsor_id else None
            if sponsor is not None:
                await set_tally(tx, sponsor=sponsor[0], change=1, threshold=team_leader_recruits)
        await audit.record(
            tx, actor=actor, operation="approveDistributor", arguments={"id": distributor_id}
        )

    await db.write(work)
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


FREEZE_RING = """
MATCH (:FraudRing {id: $ringId})-[:INCLUDES]->(d:Distributor)
SET d.status = $status
RETURN d.id AS id ORDER BY id
"""


async def set_ring_status(
    db: Database, *, ring_id: str, status: Status, reason: str, actor: Actor
) -> list[str]:
    """Freeze (or unfreeze) every member of a ring in one transaction, audited."""

    async def work(tx: AsyncManagedTransaction) -> list[str]:
        members = [
            r["id"] for r in await fetch(tx, FREEZE_RING, ringId=ring_id, status=status.value)
        ]
        if not members:
            raise NotFound("Fraud ring", ring_id)
        operation = "freezeFraudRing" if status is Status.FROZEN else "unfreezeFraudRing"
        await audit.record(
            tx,
            actor=actor,
            operation=operation,
            arguments={"ringId": ring_id, "members": members, "reason": reason},
        )
        return members

    return await db.write(work)
