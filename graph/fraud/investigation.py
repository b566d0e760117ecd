"""Investigation queries for analysts (SPEC §3.2, §3.8): deeper than `team_depth`, up to
20 levels, so a pyramid can be seen whole. They never affect money.
"""

from __future__ import annotations

from domain.models import Distributor, UplineEntry
from domain.tree.paths import descendant_range
from graph.db import Database
from graph.tree.records import distributor_from_node, fields

INVESTIGATION_CAP = 20

# The same seeks as `graph.tree.team.UPLINE` (ancestors by path prefix), 20 deep.
CHAIN_ABOVE = (
    """
MATCH (d:Distributor {id: $id})
UNWIND range(1, CASE WHEN d.depth < $depth THEN d.depth ELSE $depth END) AS level
MATCH (a:Distributor {path: left(d.path, size(d.path) - 12 * level)})
RETURN level, """
    + fields("a")
    + """ AS a, a.a1 AS sponsorId
ORDER BY level
"""
)

LEVEL_SIZES = """
UNWIND range(1, $depth) AS level
CALL (level) {
  MATCH (m:Distributor)
  USING INDEX m:Distributor(depth, path, joinedAt)
  WHERE m.depth = $baseDepth + level AND m.path > $lo AND m.path < $hi
    AND m.joinedAt IS NOT NULL
  RETURN count(m) AS size
}
RETURN level, size
ORDER BY level
"""

HEAVIEST = (
    """
MATCH (d:Distributor)
WHERE d.teamSize > 0
WITH d ORDER BY d.teamSize DESC, d.id LIMIT $first
OPTIONAL MATCH (s:Distributor)-[:REFERRED]->(d)
RETURN """
    + fields("d")
    + """ AS d, s.id AS sponsorId
"""
)


async def chain_above(db: Database, *, distributor_id: str, depth: int) -> list[UplineEntry]:
    """Everyone above, nearest first, up to `depth` (≤ 20) levels."""
    records = await db.read(CHAIN_ABOVE, id=distributor_id, depth=depth)
    return [
        UplineEntry(
            level=r["level"], distributor=distributor_from_node(r["a"], sponsor_id=r["sponsorId"])
        )
        for r in records
    ]


async def level_sizes(db: Database, *, root: Distributor, depth: int) -> list[int]:
    """How many distributors stand exactly 1..depth (≤ 20) levels below `root`."""
    lo, hi = descendant_range(root.path)
    records = await db.read(LEVEL_SIZES, depth=depth, baseDepth=root.depth, lo=lo, hi=hi)
    return [r["size"] for r in records]


async def heaviest(db: Database, *, first: int) -> list[Distributor]:
    """The distributors with the largest teams within three levels."""
    records = await db.read(HEAVIEST, first=first)
    return [distributor_from_node(r["d"], sponsor_id=r["sponsorId"]) for r in records]
