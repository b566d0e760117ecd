"""Registration and binding (SPEC §3.1, §10), each one transaction.

`register` locks the sponsor; `bind` and `reassign` also take the tree lock, because
they move a whole subtree and must see every concurrent bind (crossing binds A→B and
B→A serialize there, and the second one finds the cycle).

A sponsor may be named by its invite code instead of its id: the code's owner is found
(one index seek), locked, and its code checked again under the lock, so a rotation
that commits first turns the old code into NOT_FOUND and one that commits later waits
for this binding. Every other rule is the same as for a sponsor id, and so is the
cost: the seek and the lock are one statement, in place of the sponsor's lock by id.
The edge keeps the code and the channel it came through (`REFERRED {at, inviteCode,
channel}`); the mutation's audit event names the code, and rotations record which
code belonged to whom (`inviteCodeRotated`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from domain.errors import (
    AlreadyBound,
    BadUserInput,
    Conflict,
    NotFound,
    ReferralCycle,
    SelfReferral,
    SponsorInactive,
)
from domain.fraud.identifiers import Identifier
from domain.models import Actor, BindMode, DistributionMode, Distributor, Status
from domain.tree.binding import check_bind_allowed
from domain.tree.paths import is_in_subtree
from domain.tree.ranks import rank_at_registration
from graph import audit
from graph.db import Database, fetch
from graph.fraud.alerts import check_registration
from graph.fraud.identifiers import link_distributor
from graph.locks import lock_code_owner, lock_distributor, lock_tree
from graph.tree.distributors import require
from graph.tree.register_at_once import (
    CREATE_MEMBER,
    NewMember,
    member_parameters,
    register_at_once,
)
from graph.tree.structure import attach, detach, move_under
from graph.values import to_datetime

# The new member is also counted in its ancestors' team roll-ups of the day (`$days`,
# `graph.tree.team_days.JOIN_DAYS`) in the same statement: no round trip of its own.
CREATE_DISTRIBUTOR = CREATE_MEMBER + " RETURN d {.*} AS d"

FIND = """
MATCH (d:Distributor {id: $id})
OPTIONAL MATCH (s:Distributor)-[r:REFERRED]->(d)
RETURN d {.*} AS d, s.id AS sponsorId, r.inviteCode AS inviteCode
"""


async def register(
    db: Database,
    *,
    distributor_id: str,
    name: str,
    sponsor_id: str | None,
    phone: str | None,
    now: datetime,
    distribution_mode: DistributionMode,
    team_leader_recruits: int,
    identifiers: Sequence[Identifier] = (),
    hot_identifier_limit: int = 50,
    phone_hash: str | None = None,
    real_name: str | None = None,
    payment_account: str | None = None,
    invite_code: str | None = None,
    channel: str | None = None,
) -> Distributor:
    """Create a distributor, bound to `sponsor_id` (or the owner of `invite_code`) if
    given; a replay returns it as is (adding any identifiers it carries). The common
    case (a sponsor id, no identifiers) is tried at once first
    (`graph.tree.register_at_once`). A new one
    that shares an identifier with its sponsor or a known ring raises a fraud alert in
    the same transaction. One that may recruit at once gets its own invite code.

    `phone`, `real_name` and `payment_account` arrive sealed (`access.pii`), and
    `phone_hash` is the phone's keyed hash, for lookups: no plain PII reaches Neo4j.
    `invite_code` arrives in canonical form (`domain.tree.invites.normalise_code`)."""
    if sponsor_id == distributor_id:
        raise SelfReferral(distributor_id)
    member = NewMember(
        id=distributor_id,
        name=name,
        phone=phone,
        phone_hash=phone_hash,
        real_name=real_name,
        payment_account=payment_account,
    )
    if sponsor_id is not None and invite_code is None and not identifiers:
        made = await register_at_once(
            db,
            member=member,
            sponsor_id=sponsor_id,
            now=now,
            distribution_mode=distribution_mode,
            team_leader_recruits=team_leader_recruits,
            channel=channel,
        )
        if made is not None:
            return made

    async def work(tx: AsyncManagedTransaction) -> None:
        wanted, sponsor = sponsor_id, None
        if invite_code is not None:
            sponsor = await _lock_code_owner(
                tx, code=invite_code, distributor_id=distributor_id, sponsor_id=sponsor_id
            )
            wanted = sponsor["id"]
        elif sponsor_id is not None:
            locked = await lock_distributor(tx, distributor_id=sponsor_id)
            sponsor = locked[0] if locked else None
        existing = await fetch(tx, FIND, id=distributor_id)
        if existing:
            _check_replay(distributor_id, existing[0]["sponsorId"], wanted)
            await link_distributor(
                tx, distributor_id=distributor_id, identifiers=identifiers, now=now
            )
            return
        if wanted is not None and sponsor is None:
            raise NotFound("Sponsor", wanted)
        if sponsor is not None:
            _check_active(sponsor)
        rank = rank_at_registration(distribution_mode)
        created = await fetch(
            tx,
            CREATE_DISTRIBUTOR,
            **member_parameters(member, rank=rank, now=now, sponsor=sponsor),
        )
        if sponsor is not None:
            await attach(
                tx,
                recruit=dict(created[0]["d"]),
                sponsor=sponsor,
                at=now,
                team_leader_recruits=team_leader_recruits,
                channel=channel,
                invite_code=invite_code,
            )
        if identifiers:
            await link_distributor(
                tx, distributor_id=distributor_id, identifiers=identifiers, now=now
            )
            await check_registration(
                tx,
                distributor_id=distributor_id,
                sponsor_id=wanted,
                hot_limit=hot_identifier_limit,
                now=now,
            )

    try:
        await db.write(work)
    except ConstraintError:
        # A concurrent registration of the same id won (or, once in 10^12, a fresh
        # invite code collided); replaying decides as above, with a new code.
        await db.write(work)
    return await require(db, distributor_id=distributor_id)


async def bind(
    db: Database,
    *,
    distributor_id: str,
    sponsor_id: str | None = None,
    invite_code: str | None = None,
    channel: str | None = None,
    now: datetime,
    bind_mode: BindMode,
    bind_window: timedelta,
    team_leader_recruits: int,
) -> Distributor:
    """Bind an unbound distributor (with its downline) to a sponsor, named by its id or
    by its invite code (exactly one of the two)."""
    if (sponsor_id is None) == (invite_code is None):
        raise BadUserInput("Name the sponsor by sponsorId or by inviteCode, one of the two.")
    if sponsor_id == distributor_id:
        raise SelfReferral(distributor_id)

    async def work(tx: AsyncManagedTransaction) -> None:
        await lock_tree(tx)
        recruit, current = await _locked(tx, "Distributor", distributor_id)
        wanted, sponsor = sponsor_id, None
        if invite_code is not None:
            sponsor = await _lock_code_owner(
                tx, code=invite_code, distributor_id=distributor_id, sponsor_id=None
            )
            wanted = sponsor["id"]
        if current == wanted:
            return
        if current is not None:
            raise AlreadyBound(
                f"Distributor {distributor_id!r} is already bound to sponsor {current!r}; "
                "a binding is permanent (an admin can reassign)."
            )
        if sponsor is None:
            assert wanted is not None
            sponsor, _ = await _locked(tx, "Sponsor", wanted)
        _check_new_sponsor(recruit, sponsor)
        check_bind_allowed(
            mode=bind_mode, joined_at=to_datetime(recruit["joinedAt"]), now=now, window=bind_window
        )
        await move_under(
            tx,
            recruit=recruit,
            sponsor=sponsor,
            at=now,
            team_leader_recruits=team_leader_recruits,
            channel=channel,
            invite_code=invite_code,
        )

    await db.write(work)
    return await require(db, distributor_id=distributor_id)


async def reassign(
    db: Database,
    *,
    distributor_id: str,
    sponsor_id: str,
    reason: str,
    actor: Actor,
    now: datetime,
    team_leader_recruits: int,
) -> Distributor:
    """Admin move of a distributor (and its downline) to another sponsor, audited."""
    if sponsor_id == distributor_id:
        raise SelfReferral(distributor_id)

    async def work(tx: AsyncManagedTransaction) -> None:
        await lock_tree(tx)
        recruit, current = await _locked(tx, "Distributor", distributor_id)
        sponsor, _ = await _locked(tx, "Sponsor", sponsor_id)
        if current != sponsor_id:
            _check_new_sponsor(recruit, sponsor)
            if current is not None:
                old_sponsor, _ = await _locked(tx, "Sponsor", current)
                await detach(
                    tx,
                    recruit=recruit,
                    sponsor=old_sponsor,
                    team_leader_recruits=team_leader_recruits,
                )
            await move_under(
                tx,
                recruit=recruit,
                sponsor=sponsor,
                at=now,
                team_leader_recruits=team_leader_recruits,
            )
        await audit.record(
            tx,
            actor=actor,
            operation="reassignSponsor",
            arguments={
                "distributorId": distributor_id,
                "fromSponsorId": current,
                "toSponsorId": sponsor_id,
                "reason": reason,
            },
        )

    await db.write(work)
    return await require(db, distributor_id=distributor_id)


async def _lock_code_owner(
    tx: AsyncManagedTransaction, *, code: str, distributor_id: str, sponsor_id: str | None
) -> dict[str, Any]:
    """Lock and return the sponsor `code` names: its current owner, or, for a replay of
    a binding made with it (which holds even after a rotation), the sponsor it bound.
    NOT_FOUND for a code nobody holds (also one rotated away while we waited for the
    lock); BAD_USER_INPUT when `sponsor_id` names someone else; SELF_REFERRAL for one's
    own code."""
    locked = await lock_code_owner(tx, code=code)
    if locked is None or locked[0].get("inviteCode") != code:
        existing = await fetch(tx, FIND, id=distributor_id)
        if not existing or existing[0]["inviteCode"] != code:
            raise NotFound("Invite code", code)
        locked = await lock_distributor(tx, distributor_id=existing[0]["sponsorId"])
        if locked is None:
            raise NotFound("Invite code", code)
    owner = locked[0]
    if sponsor_id is not None and sponsor_id != owner["id"]:
        raise BadUserInput(
            f"sponsorId {sponsor_id!r} and inviteCode {code!r} name different sponsors; "
            "give one of them, or both for the same sponsor."
        )
    if owner["id"] == distributor_id:
        raise SelfReferral(distributor_id)
    return owner


def _check_replay(distributor_id: str, existing: str | None, requested: str | None) -> None:
    if existing == requested:
        return
    if existing is None:
        raise Conflict(
            f"Distributor {distributor_id!r} is already registered without a sponsor; "
            "use bindSponsor or bindByInviteCode to bind it."
        )
    raise AlreadyBound(
        f"Distributor {distributor_id!r} is already registered under sponsor {existing!r}."
    )


def _check_active(sponsor: dict[str, Any]) -> None:
    if sponsor["status"] != Status.ACTIVE.value:
        raise SponsorInactive(sponsor["id"], sponsor["status"])


def _check_new_sponsor(recruit: dict[str, Any], sponsor: dict[str, Any]) -> None:
    """A bind or move target must be active and must not sit in the recruit's own downline."""
    _check_active(sponsor)
    if is_in_subtree(path=sponsor["path"], root_path=recruit["path"]):
        raise ReferralCycle(recruit["id"], sponsor["id"])


async def _locked(
    tx: AsyncManagedTransaction, kind: str, distributor_id: str
) -> tuple[dict[str, Any], str | None]:
    locked = await lock_distributor(tx, distributor_id=distributor_id)
    if locked is None:
        raise NotFound(kind, distributor_id)
    return locked
