"""One round trip for a distributor and the field asked of it (issue 12, the HTTP path).

`distributor(id) { upline(depth) { … } }` used to cost two queries: the distributor's
load, then its upline; `distributor(id) { downline(…) { … } }` the load, then the page.
When the root field's selection asks for only one of them, the API reads both here in
one statement, with the same projections and order as
`graph.tree.distributors.GET_MANY` and `graph.tree.team.UPLINE` (ancestors by path
prefix, one seek each; 12 is `PATH_STEP`) or `graph.tree.team.levels_below`; the
resolvers still apply every access rule to what comes back, as if it had been read in
two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from domain.models import Distributor, UplineEntry
from domain.pagination import Window
from graph.db import Database
from graph.pagination import page_limit
from graph.tree.records import distributor_from_node, fields
from graph.tree.team import (
    FirstRead,
    beside,
    levels_below,
    levels_read,
    levels_reading,
    member_row,
)

DISTRIBUTOR_WITH_UPLINE = (
    """
MATCH (d:Distributor {id: $id})
OPTIONAL MATCH (s:Distributor)-[:REFERRED]->(d)
CALL (d) {
  UNWIND range(1, CASE WHEN d.depth < $depth THEN d.depth ELSE $depth END) AS level
  MATCH (a:Distributor {path: left(d.path, size(d.path) - 12 * level)})
  WITH level, a ORDER BY level
  RETURN collect({level: level, a: """
    + fields("a")
    + """, sponsorId: a.a1}) AS upline
}
RETURN """
    + fields("d")
    + """ AS d, s.id AS sponsorId, upline
"""
)


@dataclass(frozen=True)
class WithUpline:
    distributor: Distributor
    upline: list[UplineEntry]  # level 1 (the sponsor) first, up to the depth asked


async def distributor_with_upline(
    db: Database, *, distributor_id: str, depth: int
) -> WithUpline | None:
    """The distributor and its upline to `depth` (≤ 3) in one query; None if unknown."""
    records = await db.read(DISTRIBUTOR_WITH_UPLINE, id=distributor_id, depth=depth)
    if not records:
        return None
    record = records[0]
    return WithUpline(
        distributor=distributor_from_node(record["d"], sponsor_id=record["sponsorId"]),
        upline=[
            UplineEntry(
                level=entry["level"],
                distributor=distributor_from_node(entry["a"], sponsor_id=entry["sponsorId"]),
            )
            for entry in record["upline"]
        ],
    )


def _with_downline(order: LiteralString, *, opposite: LiteralString | None) -> LiteralString:
    """The root and its page in `order`; with `opposite` (a page from a boundary), also
    whether a member lies the other way from the boundary (`team.beside`)."""
    return (
        """
MATCH (d:Distributor {id: $id})
OPTIONAL MATCH (s:Distributor)-[:REFERRED]->(d)
"""
        + (beside(opposite) if opposite else "")
        + "CALL (d) {"
        + levels_below(order)
        + "  RETURN collect({level: lv.n, m: "
        + fields("m")
        + """, sponsorId: m.a1}) AS page
}
RETURN """
        + fields("d")
        + " AS d, s.id AS sponsorId, page, "
        + ("beside" if opposite else "null AS beside")
        + "\n"
    )


DISTRIBUTOR_WITH_DOWNLINE = _with_downline("ASC", opposite=None)
DISTRIBUTOR_WITH_DOWNLINE_BACKWARDS = _with_downline("DESC", opposite=None)
DISTRIBUTOR_WITH_DOWNLINE_BESIDE = _with_downline("ASC", opposite="DESC")
DISTRIBUTOR_WITH_DOWNLINE_BACKWARDS_BESIDE = _with_downline("DESC", opposite="ASC")


@dataclass(frozen=True)
class WithDownline:
    distributor: Distributor
    first_read: FirstRead  # `graph.tree.team.downline`'s first read


async def distributor_with_downline(
    db: Database, *, distributor_id: str, depth: int, level: int | None, window: Window
) -> WithDownline | None:
    """The distributor and the first read of its downline page in `window` (depth ≤ 3,
    `level` checked) in one query; None if unknown."""
    levels = levels_read(depth=depth, level=level)
    reading = levels_reading(levels, forward=window.forward, boundary=window.boundary)
    if window.boundary is None:
        query = DISTRIBUTOR_WITH_DOWNLINE if window.forward else DISTRIBUTOR_WITH_DOWNLINE_BACKWARDS
        other: list[dict[str, object]] = []
    else:
        query = (
            DISTRIBUTOR_WITH_DOWNLINE_BESIDE
            if window.forward
            else DISTRIBUTOR_WITH_DOWNLINE_BACKWARDS_BESIDE
        )
        other = levels_reading(levels, forward=not window.forward, boundary=window.boundary)
    records = await db.read(
        query, id=distributor_id, levels=reading, besideLevels=other, limit=page_limit(window)
    )
    if not records:
        return None
    record = records[0]
    root = distributor_from_node(record["d"], sponsor_id=record["sponsorId"])
    rows = [member_row(root, entry) for entry in record["page"]]
    return WithDownline(distributor=root, first_read=FirstRead(rows, record["beside"]))
