"""Leaderboards (SPEC §3.7): SALES, RECRUITS and COMMISSION over a window.

- SALES: net amount (paid − refunded) of the distributor's own orders paid in the window.
- RECRUITS: direct recruits bound to the distributor in the window.
- COMMISSION: commissions earned on orders paid in the window, less refunds (not
  cancelled ones).

Ties go to whoever reached the value first (the latest event that counts, to the
millisecond), then to the smaller id. `rank_of` finds one distributor's place by
counting who is ahead of it, in one aggregation, without returning or sorting the
ranking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import LiteralString

from domain.inputs import window_bounds
from domain.models import LeaderboardEntry, LeaderboardMetric
from graph.db import Database


@dataclass(frozen=True)
class Board:
    """How one metric is aggregated: everyone's values, and one distributor's value."""

    everyone: LiteralString
    one: LiteralString


SALES = Board(
    everyone="""
MATCH (o:Order) WHERE o.paidAt >= $since AND o.paidAt < $until
WITH o.buyerId AS id, sum(o.amount - o.refunded) AS value, max(o.paidAt.epochMillis) AS reachedAt
WHERE value > 0
""",
    one="""
MATCH (o:Order) WHERE o.buyerId = $id AND o.paidAt >= $since AND o.paidAt < $until
WITH $id AS id, sum(o.amount - o.refunded) AS value, max(o.paidAt.epochMillis) AS reachedAt
""",
)

RECRUITS = Board(
    everyone="""
MATCH (s:Distributor)-[r:REFERRED]->(:Distributor) WHERE r.at >= $since AND r.at < $until
WITH s.id AS id, count(r) AS value, max(r.at.epochMillis) AS reachedAt
""",
    one="""
MATCH (:Distributor {id: $id})-[r:REFERRED]->(:Distributor)
WHERE r.at >= $since AND r.at < $until
WITH $id AS id, count(r) AS value, max(r.at.epochMillis) AS reachedAt
""",
)

COMMISSION = Board(
    everyone="""
MATCH (o:Order)-[:PAYS]->(c:Commission)
WHERE o.paidAt >= $since AND o.paidAt < $until AND c.amount > 0
WITH c.beneficiaryId AS id, sum(c.amount) AS value, max(o.paidAt.epochMillis) AS reachedAt
""",
    one="""
MATCH (c:Commission)
WHERE c.beneficiaryId = $id AND c.paidAt >= $since AND c.paidAt < $until AND c.amount > 0
WITH $id AS id, sum(c.amount) AS value, max(c.paidAt.epochMillis) AS reachedAt
""",
)

BOARDS = {
    LeaderboardMetric.SALES: SALES,
    LeaderboardMetric.RECRUITS: RECRUITS,
    LeaderboardMetric.COMMISSION: COMMISSION,
}

TOP: LiteralString = """
RETURN id, value
ORDER BY value DESC, reachedAt, id
LIMIT $limit
"""

MINE: LiteralString = "RETURN value, reachedAt"

AHEAD: LiteralString = """
WITH id, value, reachedAt
WHERE value > $value OR (value = $value AND (reachedAt < $reachedAt
      OR (reachedAt = $reachedAt AND id < $id)))
RETURN count(*) AS ahead
"""


async def top(
    db: Database,
    *,
    metric: LeaderboardMetric,
    since: datetime | None,
    until: datetime | None,
    first: int,
) -> list[LeaderboardEntry]:
    records = await db.read(
        BOARDS[metric].everyone + TOP, limit=first, **window_bounds(since, until)
    )
    return [
        LeaderboardEntry(rank=i, distributor_id=r["id"], value=r["value"])
        for i, r in enumerate(records, start=1)
    ]


async def rank_of(
    db: Database,
    *,
    metric: LeaderboardMetric,
    distributor_id: str,
    since: datetime | None,
    until: datetime | None,
) -> LeaderboardEntry | None:
    """`distributor_id`'s place, or None when it has nothing to show in the window."""
    window = window_bounds(since, until)
    board = BOARDS[metric]
    found = await db.read(board.one + MINE, id=distributor_id, **window)
    if not found or not found[0]["value"]:
        return None
    mine = found[0]
    ahead = await db.read(
        board.everyone + AHEAD,
        id=distributor_id,
        value=mine["value"],
        reachedAt=mine["reachedAt"],
        **window,
    )
    return LeaderboardEntry(
        rank=ahead[0]["ahead"] + 1, distributor_id=distributor_id, value=mine["value"]
    )
