"""Changing the shape of the tree: attaching, detaching and moving whole subtrees.

Used by registration (attach a new leaf), `bindSponsor` and `reassignSponsor` (move a
distributor with its whole downline). Callers hold the locks described in `graph.locks`.
A move also moves the team roll-ups of the members whose ancestors change
(`graph.tree.team_days.MOVE_DAYS`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from domain.events import NewEvent, TeamEventKind
from domain.models import Rank
from domain.tree.paths import ancestor_deltas, child_path, descendant_range
from domain.tree.ranks import counts_for_promotion, rank_after_recruits
from graph import events
from graph.locks import lock_descendants
from graph.tree.team_days import move_days

# `channel` and `inviteCode` say how the recruit came (SPEC §10); null ones are not stored.
ADD_EDGE = """
MATCH (s:Distributor {id: $sponsorId}), (d:Distributor {id: $id})
CREATE (s)-[:REFERRED {at: $at, channel: $channel, inviteCode: $inviteCode}]->(d)
"""

REMOVE_EDGE = "MATCH (:Distributor)-[r:REFERRED]->(:Distributor {id: $id}) DELETE r"

SHIFT_ANCESTOR_COUNTERS = """
MATCH p = (a:Distributor)-[:REFERRED*0..2]->(:Distributor {id: $sponsorId})
WITH a, $deltas[length(p)] AS delta
SET a.down1 = a.down1 + delta[0], a.down2 = a.down2 + delta[1], a.down3 = a.down3 + delta[2]
WITH a
SET a.teamSize = a.down1 + a.down2 + a.down3
"""

SET_RECRUIT_TALLY = """
MATCH (s:Distributor {id: $sponsorId})
SET s.qualifiedRecruits = $qualified, s.rank = $rank
"""

REWRITE_DESCENDANT_PATHS = """
MATCH (m:Distributor)
WHERE m.path > $lo AND m.path < $hi
SET m.path = $newPath + substring(m.path, size($oldPath)), m.depth = m.depth + $depthShift
"""

SET_POSITION = "MATCH (d:Distributor {id: $id}) SET d.path = $path, d.depth = $depth"

# The moved distributor and the two levels below it get new ancestors (a1..a3), and so
# do their orders; deeper members keep theirs, which lie inside the moved subtree.
RESTAMP = """
MATCH (m:Distributor)
WHERE (m.path = $path OR (m.path > $lo AND m.path < $hi)) AND m.depth <= $depth + 2
OPTIONAL MATCH (s1:Distributor)-[:REFERRED]->(m)
OPTIONAL MATCH (s2:Distributor)-[:REFERRED]->(s1)
OPTIONAL MATCH (s3:Distributor)-[:REFERRED]->(s2)
SET m.a1 = s1.id, m.a2 = s2.id, m.a3 = s3.id
WITH m
MATCH (m)-[:PLACED]->(o:Order)
SET o.a1 = m.a1, o.a2 = m.a2, o.a3 = m.a3
"""


def ancestors_below(sponsor: dict[str, Any] | None) -> list[str | None]:
    """The a1..a3 stamps of a new recruit of `sponsor` (its sponsor and theirs)."""
    if sponsor is None:
        return [None, None, None]
    return [sponsor["id"], sponsor.get("a1"), sponsor.get("a2")]


def stamp_parameter(ancestors: list[str | None]) -> list[str]:
    """`ancestors_below` as a Cypher parameter: the missing ones (always at the end) left
    out, since `$ancestors[k]` past the end reads null. A list of strings whatever the
    depth: Neo4j keys a cached plan by its parameters' types, and a list holding nulls
    is another type, so a recruit near the top compiled the statement again (200 ms)."""
    return [a for a in ancestors if a is not None]


def subtree_counts(distributor: dict[str, Any]) -> tuple[int, int, int]:
    """Members 0, 1 and 2 levels below a subtree's root (the root itself is the 1)."""
    return 1, distributor["down1"], distributor["down2"]


async def attach(
    tx: AsyncManagedTransaction,
    *,
    recruit: dict[str, Any],
    sponsor: dict[str, Any],
    at: datetime,
    team_leader_recruits: int,
    channel: str | None = None,
    invite_code: str | None = None,
) -> None:
    """Add the REFERRED edge (with the channel and invite code it came through, if any),
    update three ancestors' counters and the sponsor's rank; the new upline's
    subscriptions hear RECRUIT_JOINED (graph/events.py)."""
    await tx.run(
        ADD_EDGE,
        sponsorId=sponsor["id"],
        id=recruit["id"],
        at=at,
        channel=channel,
        inviteCode=invite_code,
    )
    await _shift_counters(tx, sponsor_id=sponsor["id"], counts=subtree_counts(recruit), sign=1)
    if counts_for_promotion(Rank(recruit["rank"])):
        await set_tally(tx, sponsor=sponsor, change=1, threshold=team_leader_recruits)
    joined = NewEvent(kind=TeamEventKind.RECRUIT_JOINED.value, distributor_id=recruit["id"])
    await events.append(tx, events=[joined])


async def detach(
    tx: AsyncManagedTransaction,
    *,
    recruit: dict[str, Any],
    sponsor: dict[str, Any],
    team_leader_recruits: int,
) -> None:
    """The inverse of `attach` (the sponsor keeps a rank it already reached)."""
    await tx.run(REMOVE_EDGE, id=recruit["id"])
    await _shift_counters(tx, sponsor_id=sponsor["id"], counts=subtree_counts(recruit), sign=-1)
    if counts_for_promotion(Rank(recruit["rank"])):
        await set_tally(tx, sponsor=sponsor, change=-1, threshold=team_leader_recruits)


async def move_under(
    tx: AsyncManagedTransaction,
    *,
    recruit: dict[str, Any],
    sponsor: dict[str, Any],
    at: datetime,
    team_leader_recruits: int,
    channel: str | None = None,
    invite_code: str | None = None,
) -> None:
    """Re-root `recruit` and its whole downline below `sponsor` (caller checked cycles)."""
    old_path: str = recruit["path"]
    new_path = child_path(sponsor_path=sponsor["path"], distributor_id=recruit["id"])
    new_depth = sponsor["depth"] + 1
    lo, hi = descendant_range(old_path)
    await lock_descendants(tx, lo=lo, hi=hi)
    await move_days(tx, path=old_path, lo=lo, hi=hi, depth=recruit["depth"], sign=-1)
    await tx.run(
        REWRITE_DESCENDANT_PATHS,
        lo=lo,
        hi=hi,
        oldPath=old_path,
        newPath=new_path,
        depthShift=new_depth - recruit["depth"],
    )
    await tx.run(SET_POSITION, id=recruit["id"], path=new_path, depth=new_depth)
    await attach(
        tx,
        recruit=recruit,
        sponsor=sponsor,
        at=at,
        team_leader_recruits=team_leader_recruits,
        channel=channel,
        invite_code=invite_code,
    )
    new_lo, new_hi = descendant_range(new_path)
    await tx.run(RESTAMP, path=new_path, lo=new_lo, hi=new_hi, depth=new_depth)
    await move_days(tx, path=new_path, lo=new_lo, hi=new_hi, depth=new_depth, sign=1)


async def _shift_counters(
    tx: AsyncManagedTransaction, *, sponsor_id: str, counts: tuple[int, int, int], sign: int
) -> None:
    deltas = [list(row) for row in ancestor_deltas(counts, sign=sign)]
    await tx.run(SHIFT_ANCESTOR_COUNTERS, sponsorId=sponsor_id, deltas=deltas)


def tally_after(
    sponsor: dict[str, Any], *, change: int, threshold: int
) -> tuple[int, Rank, list[NewEvent]]:
    """The sponsor's qualified recruits and rank after one more (or fewer) qualified
    recruit, and the RANK_CHANGED event if it crosses the threshold."""
    qualified = sponsor["qualifiedRecruits"] + change
    rank = rank_after_recruits(
        Rank(sponsor["rank"]), qualified_recruits=qualified, threshold=threshold
    )
    if rank.value == sponsor["rank"]:
        return qualified, rank, []
    changed = NewEvent(kind=TeamEventKind.RANK_CHANGED.value, distributor_id=sponsor["id"])
    return qualified, rank, [changed]


async def set_tally(
    tx: AsyncManagedTransaction, *, sponsor: dict[str, Any], change: int, threshold: int
) -> None:
    """Count one more (or fewer) qualified recruit and promote the sponsor if it crosses."""
    qualified, rank, changed = tally_after(sponsor, change=change, threshold=threshold)
    await tx.run(SET_RECRUIT_TALLY, sponsorId=sponsor["id"], qualified=qualified, rank=rank.value)
    await events.append(tx, events=changed)
