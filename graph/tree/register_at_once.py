"""The common registration in two round trips instead of nine (docs/decisions.md,
"Registration at once").

A new id under a sponsor named by its id, with no identifiers to link and check, is
written without a managed transaction: one auto-commit read finds the sponsor and
whether the id is taken; the new member is computed here as `registration.register`
computes it; one auto-commit statement locks the sponsor, checks that nothing the
member was computed from changed (the sponsor's status, position, rank and tally, and
that the id is still free) and writes everything the full transaction writes: the
member and its ancestors' roll-ups, the edge, the ancestors' counters, the sponsor's
tally and rank, and the events. When the guard fails nothing is written and None
sends the caller to the full transaction, which decides as for every other
registration (a replay, an unknown or inactive sponsor, a concurrent move). A retry of
the statement after a lost answer finds the id taken and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from neo4j.exceptions import ConstraintError

from domain.events import NewEvent, TeamEventKind
from domain.models import DistributionMode, Distributor, Rank, Status
from domain.tree.invites import may_recruit, new_code
from domain.tree.paths import ancestor_deltas, child_path
from domain.tree.ranks import counts_for_promotion, rank_at_registration
from domain.tree.team_days import joined_days
from graph.db import Database
from graph.events import APPEND
from graph.tree.records import distributor_from_node, fields
from graph.tree.structure import (
    ADD_EDGE,
    SHIFT_ANCESTOR_COUNTERS,
    ancestors_below,
    stamp_parameter,
    tally_after,
)
from graph.tree.team_days import JOIN_DAYS, joined_rows
from graph.values import epoch_ms

# A new member and its ancestors' roll-ups of the day (`$days`), in one statement; the
# full transaction uses it too (`registration.CREATE_DISTRIBUTOR`).
CREATE_MEMBER: LiteralString = (
    """
CREATE (d:Distributor {
  id: $id, name: $name, phone: $phone, phoneHash: $phoneHash, realName: $realName,
  paymentAccount: $paymentAccount, inviteCode: $ownCode, rank: $rank, status: 'ACTIVE',
  joinedAt: $now,
  path: $path, depth: $depth, down1: 0, down2: 0, down3: 0, teamSize: 0, qualifiedRecruits: 0,
  a1: $ancestors[0], a2: $ancestors[1], a3: $ancestors[2]
})
WITH d
CALL () { """
    + JOIN_DAYS
    + """ }
"""
)


@dataclass(frozen=True, slots=True)
class NewMember:
    """Who registers: the id and name, and the PII as it arrives (sealed; the phone also
    as its keyed hash)."""

    id: str
    name: str
    phone: str | None = None
    phone_hash: str | None = None
    real_name: str | None = None
    payment_account: str | None = None


def member_parameters(
    member: NewMember, *, rank: Rank, now: datetime, sponsor: dict[str, Any] | None
) -> dict[str, Any]:
    """`CREATE_MEMBER`'s parameters for a new member of `sponsor` (None: a root)."""
    ancestors = ancestors_below(sponsor)
    return {
        "id": member.id,
        "name": member.name,
        "phone": member.phone,
        "phoneHash": member.phone_hash,
        "realName": member.real_name,
        "paymentAccount": member.payment_account,
        "ownCode": new_code() if may_recruit(rank) else None,
        "rank": rank.value,
        "now": now,
        "path": child_path(
            sponsor_path=sponsor["path"] if sponsor else None, distributor_id=member.id
        ),
        "depth": sponsor["depth"] + 1 if sponsor else 0,
        "ancestors": stamp_parameter(ancestors),
        "days": joined_rows(joined_days([(tuple(ancestors), epoch_ms(now))])),
    }


PREPARE = """
OPTIONAL MATCH (s:Distributor {id: $sponsorId})
OPTIONAL MATCH (x:Distributor {id: $id})
RETURN s {.id, .path, .depth, .status, .rank, .qualifiedRecruits, .a1, .a2} AS sponsor,
       x IS NOT NULL AS taken
"""

# The sponsor is locked before its facts are compared: what the guard reads is the latest
# committed state, and no other registration under it can commit until this one does.
GUARDED_REGISTER: LiteralString = (
    """
MATCH (s:Distributor {id: $sponsorId})
SET s._lock = true
REMOVE s._lock
WITH s
WHERE s.status = 'ACTIVE' AND s.path = $sponsorPath AND s.rank = $sponsorRank
  AND s.qualifiedRecruits = $sponsorQualified
  AND NOT EXISTS { MATCH (:Distributor {id: $id}) }
SET s.qualifiedRecruits = $qualified, s.rank = $sponsorNextRank
"""
    + CREATE_MEMBER
    + " CALL () { "
    + ADD_EDGE
    + " } CALL () { "
    + SHIFT_ANCESTOR_COUNTERS
    + " } CALL () { "
    + APPEND
    + " } RETURN "
    + fields("d")
    + " AS d"
)


async def register_at_once(
    db: Database,
    *,
    member: NewMember,
    sponsor_id: str,
    now: datetime,
    distribution_mode: DistributionMode,
    team_leader_recruits: int,
    channel: str | None,
) -> Distributor | None:
    """`member`, new under `sponsor_id`, or None (nothing written) when the full
    transaction must decide."""
    found = (await db.read(PREPARE, id=member.id, sponsorId=sponsor_id))[0]
    sponsor = found["sponsor"]
    if found["taken"] or sponsor is None or sponsor["status"] != Status.ACTIVE.value:
        return None
    rank = rank_at_registration(distribution_mode)
    qualified, sponsor_rank = sponsor["qualifiedRecruits"], Rank(sponsor["rank"])
    changed: list[NewEvent] = []
    if counts_for_promotion(rank):
        qualified, sponsor_rank, changed = tally_after(
            sponsor, change=1, threshold=team_leader_recruits
        )
    joined = NewEvent(kind=TeamEventKind.RECRUIT_JOINED.value, distributor_id=member.id)
    try:
        written = await db.write_at_once(
            GUARDED_REGISTER,
            **member_parameters(member, rank=rank, now=now, sponsor=sponsor),
            sponsorId=sponsor_id,
            sponsorPath=sponsor["path"],
            sponsorRank=sponsor["rank"],
            sponsorQualified=sponsor["qualifiedRecruits"],
            at=now,
            channel=channel,
            inviteCode=None,
            deltas=[list(row) for row in ancestor_deltas((1, 0, 0))],
            qualified=qualified,
            sponsorNextRank=sponsor_rank.value,
            events=[e.as_row() for e in [*changed, joined]],
        )
    except ConstraintError:  # a concurrent registration of the id (or its code) won
        return None
    if not written:
        return None
    return distributor_from_node(written[0]["d"], sponsor_id=sponsor_id)
