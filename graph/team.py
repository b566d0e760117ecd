"""Team views: upline (nearest first), downline pages, team metrics, balances.

All of them are bounded by `depth` ≤ 3. Downline pages and windowed metrics seek the
`(depth, path)` index over the descendant path range of the root (see `rules.tree`);
level counts come from the counters maintained on every distributor.
"""

from __future__ import annotations

from datetime import datetime
from typing import LiteralString

from neo4j import Record

from graph.db import Database
from graph.models import Balance, Distributor, DownlineEdge, DownlinePage, TeamMetrics, UplineEntry
from graph.records import distributor_from_node, fields
from graph.rules.pagination import DownlineCursor, decode_cursor, encode_cursor
from graph.rules.tree import descendant_range, node_key

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

DOWNLINE_LEVEL_PAGE = (
    """
MATCH (m:Distributor)
USING INDEX m:Distributor(depth, path, joinedAt)
WHERE m.depth = $depth AND m.path > $after AND m.path < $hi AND m.joinedAt IS NOT NULL
WITH m ORDER BY m.depth, m.path LIMIT $limit
OPTIONAL MATCH (s:Distributor)-[:REFERRED]->(m)
RETURN """
    + fields("m")
    + """ AS m, s.id AS sponsorId
"""
)

TEAM_SEEK: LiteralString = """
UNWIND $levels AS level
MATCH (m:Distributor)
USING INDEX m:Distributor(depth, path, joinedAt)
WHERE m.depth = $baseDepth + level AND m.path > $lo AND m.path < $hi AND m.joinedAt IS NOT NULL
"""

NEW_MEMBERS = (
    TEAM_SEEK
    + """
RETURN count(CASE WHEN ($since IS NULL OR m.joinedAt >= $since)
                   AND ($until IS NULL OR m.joinedAt < $until) THEN 1 END) AS newMembers
"""
)

TEAM_ORDERS = (
    TEAM_SEEK
    + """
WITH m WHERE COUNT { (m)-[:PLACED]->() } > 0
MATCH (m)-[:PLACED]->(o:Order)
WHERE ($since IS NULL OR o.paidAt >= $since) AND ($until IS NULL OR o.paidAt < $until)
RETURN count(DISTINCT CASE WHEN o.amount > o.refunded THEN m END) AS activeMembers,
       sum(o.amount - o.refunded) AS teamSales
"""
)

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
    """One keyset page of the downline, ordered by level, then by branch (path).

    Each level is one seek of the (depth, path) index that reads rows already in order,
    so a page costs O(page) however far the cursor is; the next level is only read
    when the current one cannot fill the page.
    """
    root_key = node_key(root.id)
    levels = [level] if level is not None else list(range(1, depth + 1))
    lo, hi = descendant_range(root.path)
    start = {n: lo for n in levels}
    if after is not None:
        cursor = decode_cursor(after, root_key=root_key)
        start = {n: cursor.path if n == cursor.level else lo for n in levels if n >= cursor.level}
    edges: list[DownlineEdge] = []
    for n, after_path in start.items():
        records = await db.read(
            DOWNLINE_LEVEL_PAGE,
            depth=root.depth + n,
            after=after_path,
            hi=hi,
            limit=first + 1 - len(edges),
        )
        edges += [_edge(root_key, n, record) for record in records]
        if len(edges) > first:
            break
    page = edges[:first]
    return DownlinePage(
        total_count=sum(root.level_counts[n - 1] for n in levels),
        edges=page,
        has_next_page=len(edges) > first,
        end_cursor=page[-1].cursor if page else None,
    )


def _edge(root_key: str, level: int, record: Record) -> DownlineEdge:
    member = distributor_from_node(record["m"], sponsor_id=record["sponsorId"])
    return DownlineEdge(
        cursor=encode_cursor(DownlineCursor(root_key=root_key, level=level, path=member.path)),
        level=level,
        distributor=member,
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
    team = {"levels": list(range(1, depth + 1)), "baseDepth": root.depth, "lo": lo, "hi": hi}
    new_members = sum(level_counts)
    if since is not None or until is not None:
        new_members = (await db.read(NEW_MEMBERS, **team, **window))[0]["newMembers"]
    activity = (await db.read(TEAM_ORDERS, **team, **window))[0]
    own = (await db.read(OWN_SALES, id=root.id, **window))[0]
    return TeamMetrics(
        level_counts=level_counts,
        team_size=sum(level_counts),
        new_members=new_members,
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
