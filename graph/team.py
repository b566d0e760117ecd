"""Team views: upline (nearest first), downline pages, team metrics, balances.

All of them are bounded by `depth` ≤ 3. Downline pages and windowed metrics seek the
`(depth, path)` index over the descendant path range of the root (see `rules.tree`);
level counts come from the counters maintained on every distributor.
"""

from __future__ import annotations

from datetime import datetime

from graph.db import Database
from graph.models import Balance, Distributor, DownlineEdge, DownlinePage, TeamMetrics, UplineEntry
from graph.records import distributor_from_node
from graph.rules.pagination import DownlineCursor, decode_cursor, encode_cursor
from graph.rules.tree import descendant_range, node_key

UPLINE = """
MATCH p = (a:Distributor)-[:REFERRED*1..3]->(:Distributor {id: $id})
WHERE length(p) <= $depth
OPTIONAL MATCH (s:Distributor)-[:REFERRED]->(a)
RETURN length(p) AS level, a, s.id AS sponsorId
ORDER BY level
"""

DOWNLINE_PAGE = """
UNWIND $levels AS lv
CALL (lv) {
  MATCH (m:Distributor)
  WHERE m.depth = $baseDepth + lv.level AND m.path > lv.after AND m.path < $hi
  RETURN m ORDER BY m.path LIMIT $limit
}
OPTIONAL MATCH (s:Distributor)-[:REFERRED]->(m)
RETURN lv.level AS level, m, s.id AS sponsorId
ORDER BY level, m.path
LIMIT $limit
"""

TEAM_ACTIVITY = """
UNWIND $levels AS level
MATCH (m:Distributor)
WHERE m.depth = $baseDepth + level AND m.path > $lo AND m.path < $hi
WITH m,
     ($since IS NULL OR m.joinedAt >= $since) AND ($until IS NULL OR m.joinedAt < $until) AS isNew
OPTIONAL MATCH (m)-[:PLACED]->(o:Order)
WHERE ($since IS NULL OR o.paidAt >= $since) AND ($until IS NULL OR o.paidAt < $until)
WITH m, isNew, sum(o.amount - o.refunded) AS net,
     count(CASE WHEN o.amount > o.refunded THEN 1 END) AS liveOrders
RETURN count(CASE WHEN isNew THEN 1 END) AS newMembers,
       count(CASE WHEN liveOrders > 0 THEN 1 END) AS activeMembers,
       sum(net) AS teamSales
"""

OWN_SALES = """
MATCH (:Distributor {id: $id})-[:PLACED]->(o:Order)
WHERE ($since IS NULL OR o.paidAt >= $since) AND ($until IS NULL OR o.paidAt < $until)
RETURN sum(o.amount - o.refunded) AS ownSales
"""

BALANCE = """
MATCH (e:LedgerEntry {distributorId: $id})
RETURN e.account AS account, sum(e.amount) AS total
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
    first: int,
    after: str | None,
) -> DownlinePage:
    """One keyset page of the downline, ordered by level, then by branch (path)."""
    root_key = node_key(root.id)
    levels = [level] if level is not None else list(range(1, depth + 1))
    lo, hi = descendant_range(root.path)
    bounds = [{"level": n, "after": lo} for n in levels]
    if after is not None:
        cursor = decode_cursor(after, root_key=root_key)
        bounds = [
            {"level": n, "after": cursor.path if n == cursor.level else lo}
            for n in levels
            if n >= cursor.level
        ]
    records = (
        await db.read(DOWNLINE_PAGE, levels=bounds, baseDepth=root.depth, hi=hi, limit=first + 1)
        if bounds
        else []
    )
    edges = [
        DownlineEdge(
            cursor=encode_cursor(
                DownlineCursor(root_key=root_key, level=record["level"], path=record["m"]["path"])
            ),
            level=record["level"],
            distributor=distributor_from_node(record["m"], sponsor_id=record["sponsorId"]),
        )
        for record in records
    ]
    page = edges[:first]
    return DownlinePage(
        total_count=sum(root.level_counts[n - 1] for n in levels),
        edges=page,
        has_next_page=len(edges) > first,
        end_cursor=page[-1].cursor if page else None,
    )


async def metrics(
    db: Database,
    *,
    root: Distributor,
    depth: int,
    since: datetime | None,
    until: datetime | None,
) -> TeamMetrics:
    """SPEC §3.4 for `root` over `depth` levels and the window [since, until)."""
    level_counts = list(root.level_counts[:depth])
    lo, hi = descendant_range(root.path)
    window = {"since": since, "until": until}
    activity = (
        await db.read(
            TEAM_ACTIVITY,
            levels=list(range(1, depth + 1)),
            baseDepth=root.depth,
            lo=lo,
            hi=hi,
            **window,
        )
    )[0]
    own = (await db.read(OWN_SALES, id=root.id, **window))[0]
    return TeamMetrics(
        level_counts=level_counts,
        team_size=sum(level_counts),
        new_members=activity["newMembers"],
        active_members=activity["activeMembers"],
        team_sales_fen=activity["teamSales"] or 0,
        own_sales_fen=own["ownSales"] or 0,
    )


async def balance(db: Database, *, distributor_id: str) -> Balance:
    """Each balance is the sum of the distributor's ledger entries in that account."""
    totals = {r["account"]: r["total"] for r in await db.read(BALANCE, id=distributor_id)}
    return Balance(
        pending_fen=totals.get("pending", 0),
        available_fen=totals.get("available", 0),
        withdrawn_fen=totals.get("withdrawn", 0),
    )
