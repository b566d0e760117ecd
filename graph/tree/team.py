"""Team views: upline (nearest first), downline pages, team metrics.

All of them are bounded by `depth` ≤ 3. Downline pages and windowed metrics seek the
`(depth, path)` index over the descendant path range of the root (see `rules.tree`);
level counts come from the counters maintained on every distributor.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import LiteralString

from neo4j import Record

from domain.inputs import window_bounds
from domain.models import (
    CommissionStatus,
    CommissionTotal,
    Distributor,
    DownlineMember,
    TeamMetrics,
    UplineEntry,
)
from domain.pagination import (
    ListKey,
    Page,
    Position,
    Row,
    Window,
)
from domain.tree.paths import SEPARATOR, descendant_range
from graph.db import Database
from graph.pagination import paginate
from graph.tree.records import distributor_from_node, fields

UPLINE = (
    """
MATCH p = (a:Distributor)-[:REFERRED*1..3]->(:Distributor {id: $id})
WHERE length(p) <= $depth
OPTIONAL MATCH (s:Distributor)-[:REFERRED]->(a)
RETURN length(p) AS level, """
    + fields("a")
    + """ AS a, s.id AS sponsorId
ORDER BY level
"""
)

# The downline's order: by level, then by branch (path). A position is (level, the
# member's path below the root), so it stays valid when the root's subtree is moved.
DOWNLINE = ListKey(kind="downline", sort="level, path", shape=(int, str))


def _level_page(order: LiteralString) -> LiteralString:
    """One level of the root's subtree, [lo, hi) from the root, read from the (depth,
    path) index in `order`. The cursor's bounds are clamped into the subtree's range
    here, so a position can choose where to start, never which subtree to read."""
    return (
        """
WITH CASE WHEN $after > $lo THEN $after ELSE $lo END AS lower,
     CASE WHEN $before < $hi THEN $before ELSE $hi END AS upper
MATCH (m:Distributor)
USING INDEX m:Distributor(depth, path, joinedAt)
WHERE m.depth = $depth AND m.path > lower AND m.path < upper AND m.joinedAt IS NOT NULL
WITH m ORDER BY m.depth """
        + order
        + ", m.path "
        + order
        + """ LIMIT $limit
OPTIONAL MATCH (s:Distributor)-[:REFERRED]->(m)
RETURN """
        + fields("m")
        + """ AS m, s.id AS sponsorId
"""
    )


DOWNLINE_LEVEL_PAGE = _level_page("ASC")
DOWNLINE_LEVEL_PAGE_BACKWARDS = _level_page("DESC")

# One seek per level of the ancestor stamps a1..a3 (see migration 0005). Each reads only
# index entries: a level's new members, or its orders with their net amount and buyer.
NEW_MEMBERS_AT: dict[int, LiteralString] = {
    1: "MATCH (m:Distributor) WHERE m.a1 = $id AND m.joinedAt >= $since AND m.joinedAt < $until "
    "RETURN count(m) AS n",
    2: "MATCH (m:Distributor) WHERE m.a2 = $id AND m.joinedAt >= $since AND m.joinedAt < $until "
    "RETURN count(m) AS n",
    3: "MATCH (m:Distributor) WHERE m.a3 = $id AND m.joinedAt >= $since AND m.joinedAt < $until "
    "RETURN count(m) AS n",
}

ORDERS_AT: dict[int, LiteralString] = {
    1: "MATCH (o:Order) WHERE o.a1 = $id AND o.paidAt >= $since AND o.paidAt < $until "
    "AND o.net IS NOT NULL AND o.buyerId IS NOT NULL RETURN o.buyerId AS buyer, o.net AS net",
    2: "MATCH (o:Order) WHERE o.a2 = $id AND o.paidAt >= $since AND o.paidAt < $until "
    "AND o.net IS NOT NULL AND o.buyerId IS NOT NULL RETURN o.buyerId AS buyer, o.net AS net",
    3: "MATCH (o:Order) WHERE o.a3 = $id AND o.paidAt >= $since AND o.paidAt < $until "
    "AND o.net IS NOT NULL AND o.buyerId IS NOT NULL RETURN o.buyerId AS buyer, o.net AS net",
}


def new_members_query(depth: int) -> LiteralString:
    """Members of levels 1..depth who joined in the window."""
    joined: LiteralString = " UNION ALL ".join(NEW_MEMBERS_AT[k] for k in range(1, depth + 1))
    return "CALL () { " + joined + " } RETURN sum(n) AS newMembers"


def level_orders_query(level: int) -> LiteralString:
    """Active members and net sales of one level. Levels hold different people, so the
    distinct buyers of each level add up to the team's active members."""
    return (
        "CALL () { "
        + ORDERS_AT[level]
        + " } RETURN count(DISTINCT CASE WHEN net > 0 THEN buyer END) AS activeMembers, "
        "coalesce(sum(net), 0) AS teamSales"
    )


OWN_SALES = """
MATCH (o:Order)
WHERE o.buyerId = $id AND o.paidAt >= $since AND o.paidAt < $until
RETURN coalesce(sum(o.amount - o.refunded), 0) AS ownSales
"""

# Index-only: every property read is in `commission_beneficiary_totals`.
COMMISSIONS_BY_STATUS = """
MATCH (c:Commission)
USING INDEX c:Commission(beneficiaryId, paidAt, status, amount, original)
WHERE c.beneficiaryId = $id AND c.paidAt >= $since AND c.paidAt < $until
  AND c.status IS NOT NULL AND c.amount IS NOT NULL AND c.original IS NOT NULL
WITH c.status AS status, c.original AS original, c.amount AS amount
RETURN status, sum(CASE status WHEN 'CANCELLED' THEN original ELSE amount END) AS amount
"""


async def upline(db: Database, *, distributor_id: str, depth: int) -> list[UplineEntry]:
    """The sponsors above `distributor_id`, level 1 (the sponsor) first, up to `depth`."""
    records = await db.read(UPLINE, id=distributor_id, depth=depth)
    return [
        UplineEntry(
            level=record["level"],
            distributor=distributor_from_node(record["a"], sponsor_id=record["sponsorId"]),
        )
        for record in records
    ]


async def downline(
    db: Database,
    *,
    root: Distributor,
    depth: int,
    level: int | None,
    window: Window,
) -> Page[DownlineMember]:
    """One keyset page of the downline, ordered by level, then by branch (path).

    Each level is one seek of the (depth, path) index that reads rows already in order
    (either way), so a page costs O(page) however far the cursor is; the next level is
    only read when the current one cannot fill the page.
    """
    levels = [level] if level is not None else list(range(1, depth + 1))
    lo, hi = descendant_range(root.path)

    async def fetch(
        forward: bool, boundary: Position | None, limit: int
    ) -> list[Row[DownlineMember]]:
        rows: list[Row[DownlineMember]] = []
        for n in levels if forward else levels[::-1]:
            after, before = lo, hi
            if boundary is not None:
                at_level, below = int(boundary[0]), str(boundary[1])
                if (n < at_level) if forward else (n > at_level):
                    continue
                if n == at_level:
                    at = root.path + SEPARATOR + below
                    after, before = (at, hi) if forward else (lo, at)
            records = await db.read(
                DOWNLINE_LEVEL_PAGE if forward else DOWNLINE_LEVEL_PAGE_BACKWARDS,
                depth=root.depth + n,
                lo=lo,
                hi=hi,
                after=after,
                before=before,
                limit=limit - len(rows),
            )
            rows += [_row(root, n, record) for record in records]
            if len(rows) >= limit:
                break
        return rows

    total = sum(root.level_counts[n - 1] for n in levels)
    return await paginate(window, fetch=fetch, total=total)


def _row(root: Distributor, level: int, record: Record) -> Row[DownlineMember]:
    member = distributor_from_node(record["m"], sponsor_id=record["sponsorId"])
    below = member.path[len(root.path) + len(SEPARATOR) :]
    return Row(node=DownlineMember(level=level, distributor=member), position=(level, below))


async def metrics(
    db: Database,
    *,
    root: Distributor,
    depth: int,
    since: datetime | None,
    until: datetime | None,
) -> TeamMetrics:
    """SPEC §3.4 for `root` over `depth` levels and the window [since, until).

    Level counts come from the maintained counters; everything windowed seeks the
    ancestor-stamp indexes, so the cost follows what happened in the window (members
    who joined, orders paid), not the size of the team.
    """
    level_counts = list(root.level_counts[:depth])
    window = window_bounds(since, until)
    windowed = since is not None or until is not None
    # Independent reads, sent at once: the slowest one sets the time.
    new_members, own, commissions, *levels = await asyncio.gather(
        db.read(new_members_query(depth), id=root.id, **window) if windowed else _none(),
        db.read(OWN_SALES, id=root.id, **window),
        db.read(COMMISSIONS_BY_STATUS, id=root.id, **window),
        *(db.read(level_orders_query(k), id=root.id, **window) for k in range(1, depth + 1)),
    )
    by_status = {r["status"]: r["amount"] for r in commissions}
    return TeamMetrics(
        level_counts=level_counts,
        team_size=sum(level_counts),
        new_members=new_members[0]["newMembers"] if windowed else sum(level_counts),
        active_members=sum(level[0]["activeMembers"] for level in levels),
        team_sales_fen=sum(level[0]["teamSales"] for level in levels),
        own_sales_fen=own[0]["ownSales"],
        commissions=[
            CommissionTotal(status=status, amount_fen=by_status.get(status.value, 0))
            for status in CommissionStatus
        ],
    )


async def _none() -> list[Record]:
    return []
