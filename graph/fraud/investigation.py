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

# The subtree's range is the root's path followed by `SEPARATOR` ('/') up to the path
# followed by `AFTER_SEPARATOR` ('0'), as `domain.tree.paths.descendant_range` says
# (checked below), so the sizes need no read of the root first.
LEVEL_SIZES = """
MATCH (d:Distributor {id: $id})
UNWIND range(1, $depth) AS level
CALL (d, level) {
  MATCH (m:Distributor)
  USING INDEX m:Distributor(depth, path, joinedAt)
  WHERE m.depth = d.depth + level AND m.path > d.path + '/' AND m.path < d.path + '0'
    AND m.joinedAt IS NOT NULL
  RETURN count(m) AS size
}
RETURN level, size
ORDER BY level
"""

assert descendant_range("x") == ("x/", "x0"), "LEVEL_SIZES spells out the subtree's range"

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


async def level_sizes(db: Database, *, distributor_id: str, depth: int) -> list[int] | None:
    """How many distributors stand exactly 1..depth (≤ 20) levels below the distributor,
    in one query; None when it does not exist."""
    records = await db.read(LEVEL_SIZES, id=distributor_id, depth=depth)
    return [r["size"] for r in records] if records else None


async def heaviest(db: Database, *, first: int) -> list[Distributor]:
    """The distributors with the largest teams within three levels."""
    records = await db.read(HEAVIEST, first=first)
    return [distributor_from_node(r["d"], sponsor_id=r["sponsorId"]) for r in records]
