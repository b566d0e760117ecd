"""Team views: upline (nearest first), downline pages, team metrics.

All of them are bounded by `depth` ≤ 3. Downline pages and windowed metrics seek the
`(depth, path)` index over the descendant path range of the root (see `rules.tree`);
level counts come from the counters maintained on every distributor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, LiteralString

from neo4j import Record

from domain.inputs import window_bounds
from domain.models import (
    ChannelCount,
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
from domain.tree.paths import PATH_STEP, SEPARATOR, descendant_range
from domain.tree.team_days import at_ms, split_window
from graph.db import Database
from graph.pagination import page_limit, paginate
from graph.tree.records import distributor_from_node, fields
from graph.tree.team_days import LEVEL_WINDOWS
from graph.values import epoch_ms

# One seek of the distributor, then one unique-index seek per ancestor: an ancestor's
# path is a prefix of the distributor's (`domain.tree.paths`: fixed-width keys), so no
# edge is expanded. Each ancestor's sponsor is its own `a1` stamp (kept by every move).
# 12 is `PATH_STEP` (checked below: the query text must stay a literal).
UPLINE = (
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

assert PATH_STEP == 12, "UPLINE's Cypher spells out the path step"

# The downline's order: by level, then by branch (path). A position is (level, the
# member's path below the root), so it stays valid when the root's subtree is moved.
DOWNLINE = ListKey(kind="downline", sort="level, path", shape=(int, str))


def levels_below(
    order: LiteralString,
    *,
    levels: LiteralString = "$levels",
    limit: LiteralString = "$limit",
    carry: LiteralString = "",
) -> LiteralString:
    """A page across the levels below the root `d`, in one query: `$levels` are the levels
    to read, in reading order, as `{i, n, after, before}` (`i` the reading position, `n`
    the level below the root, `after` and `before` a position's path below the root, or
    null). Each level is a seek of the (depth, path) index over the root's subtree
    (`d.path + '/'` to `d.path + '0'`, `descendant_range`), in `order`, of at most
    `$limit` rows; the rows of the levels are then merged in reading order and cut to
    `$limit`, as `lv` and `m`. A position is appended to the root's own path, so a
    cursor can choose where to start, never which subtree to read. `levels` and `limit`
    name other parameters (or a literal limit) for a second page in the same query;
    `carry` lists more variables the rows keep (", beside")."""
    return (
        """
UNWIND """
        + levels
        + """ AS lv
CALL (d, lv) {
  WITH CASE WHEN lv.after IS NULL THEN d.path + '/' ELSE d.path + '/' + lv.after END
         AS lower,
       CASE WHEN lv.before IS NULL THEN d.path + '0' ELSE d.path + '/' + lv.before END
         AS upper
  MATCH (m:Distributor)
  USING INDEX m:Distributor(depth, path, joinedAt)
  WHERE m.depth = d.depth + lv.n AND m.path > lower AND m.path < upper
    AND m.joinedAt IS NOT NULL
  WITH m ORDER BY m.depth """
        + order
        + ", m.path "
        + order
        + " LIMIT "
        + limit
        + """
  RETURN m
}
WITH lv, m"""
        + carry
        + " ORDER BY lv.i, m.path "
        + order
        + " LIMIT "
        + limit
        + "\n"
    )


def beside(order: LiteralString) -> LiteralString:
    """Whether the root `d` has a member on the other side of a page's boundary, read in
    `order` (the page's opposite) from the levels `$besideLevels`, as `beside`."""
    return (
        "CALL (d) {"
        + levels_below(order, levels="$besideLevels", limit="1")
        + "  RETURN count(m) > 0 AS beside\n}\n"
    )


assert descendant_range("x") == ("x/", "x0"), "levels_below spells out the subtree's range"
assert SEPARATOR == "/", "levels_below spells out the separator"


def _page(order: LiteralString, *, opposite: LiteralString | None = None) -> LiteralString:
    """`levels_below` of the root `$root`; a member's sponsor is its `a1` stamp. With
    `opposite`, each row also says whether the other side of the boundary has a member
    (`beside`)."""
    return (
        "MATCH (d:Distributor {id: $root})\n"
        + (beside(opposite) if opposite else "")
        + levels_below(order, carry=", beside" if opposite else "")
        + "RETURN lv.n AS level, "
        + fields("m")
        + " AS m, m.a1 AS sponsorId"
        + (", beside" if opposite else "")
        + "\n"
    )


DOWNLINE_PAGE = _page("ASC")
DOWNLINE_PAGE_BACKWARDS = _page("DESC")
# A page from a boundary and whether a member lies the other way from it, in one query.
DOWNLINE_PAGE_BESIDE = _page("ASC", opposite="DESC")
DOWNLINE_PAGE_BACKWARDS_BESIDE = _page("DESC", opposite="ASC")

OWN_SALES = """
MATCH (o:Order)
WHERE o.buyerId = $id AND o.paidAt >= $since AND o.paidAt < $until
RETURN coalesce(sum(o.amount - o.refunded), 0) AS ownSales
"""

# Level-1 recruits by the channel on their REFERRED edge, bound in the window: one
# expansion of the root's outgoing edges (only when a client asks for `byChannel`).
BY_CHANNEL = """
MATCH (:Distributor {id: $id})-[r:REFERRED]->(:Distributor)
WHERE r.at >= $since AND r.at < $until
RETURN r.channel AS channel, count(*) AS n
ORDER BY n DESC, channel
"""

# A beneficiary's commissions per status over [since, until): the whole days from the
# daily commission roll-ups (kept by `graph.money.commission_days`), read from their
# index alone (`commission_day_totals`, which holds the three sums), the partial days at
# the two ends from the commission index alone (`commission_beneficiary_totals`).
_commission_edge: LiteralString = """
MATCH (c:Commission)
USING INDEX c:Commission(beneficiaryId, paidAt, status, amount, original)
WHERE c.beneficiaryId = $id AND c.paidAt >= {from} AND c.paidAt < {to}
  AND c.status IS NOT NULL AND c.amount IS NOT NULL AND c.original IS NOT NULL
RETURN c.status AS status, c.amount AS amount, c.original AS original
"""
COMMISSIONS_BY_STATUS: LiteralString = (
    """
CALL () {
  OPTIONAL MATCH (d:CommissionDay)
  USING INDEX d:CommissionDay(beneficiaryId, day, pending, settled, cancelled)
  WHERE d.beneficiaryId = $id AND d.day >= $firstDay AND d.day < $endDay
    AND d.pending IS NOT NULL AND d.settled IS NOT NULL AND d.cancelled IS NOT NULL
  RETURN coalesce(sum(d.pending), 0) AS pending, coalesce(sum(d.settled), 0) AS settled,
         coalesce(sum(d.cancelled), 0) AS cancelled
}
CALL () {
  CALL () {
"""
    + _commission_edge.replace("{from}", "$since").replace("{to}", "$headUntil")
    + """
    UNION ALL
"""
    + _commission_edge.replace("{from}", "$tailSince").replace("{to}", "$until")
    + """
  }
  RETURN coalesce(sum(CASE status WHEN 'PENDING' THEN amount END), 0) AS edgePending,
         coalesce(sum(CASE status WHEN 'SETTLED' THEN amount END), 0) AS edgeSettled,
         coalesce(sum(CASE status WHEN 'CANCELLED' THEN original END), 0) AS edgeCancelled
}
RETURN pending + edgePending AS PENDING, settled + edgeSettled AS SETTLED,
       cancelled + edgeCancelled AS CANCELLED
"""
)

_LEVEL_COLUMNS: tuple[LiteralString, ...] = ("teamSales", "newMembers", "activeMembers")
_LEVEL_NUMBERS: tuple[LiteralString, ...] = ("1", "2", "3")


def _renamed(
    query: LiteralString, columns: tuple[LiteralString, ...], suffix: LiteralString
) -> LiteralString:
    """`query` (one row) as a subquery whose `columns` are returned with `suffix`."""
    renamed: list[LiteralString] = [column + " AS " + column + suffix for column in columns]
    return "CALL () {\nCALL () {\n" + query + "}\nRETURN " + ", ".join(renamed) + "\n}\n"


def _metrics(depth: int) -> LiteralString:
    """Team metrics of `depth` levels in one read: the root's own sales, its commissions
    per status, and each level's window (`teamSales1`, `newMembers1`, … per level)."""
    parts: list[LiteralString] = [
        _renamed(OWN_SALES, ("ownSales",), ""),
        _renamed(COMMISSIONS_BY_STATUS, ("PENDING", "SETTLED", "CANCELLED"), ""),
    ]
    for k in range(1, depth + 1):
        parts.append(_renamed(LEVEL_WINDOWS[k], _LEVEL_COLUMNS, _LEVEL_NUMBERS[k - 1]))
    return "".join(parts) + "RETURN *"


# One statement, not five sent at once: one round trip, one plan, and no four of them
# queued behind other calls' on a busy server (docs/decisions.md, "Team metrics in one
# statement").
METRICS: dict[int, LiteralString] = {depth: _metrics(depth) for depth in (1, 2, 3)}


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


@dataclass(frozen=True, slots=True)
class FirstRead:
    """A downline page's own read, made already with its root (`graph.tree.prefetch`):
    its rows and, when the page starts from a boundary, whether a member lies the other
    way from it (`beside`; None without a boundary)."""

    rows: list[Row[DownlineMember]]
    beside: bool | None


async def downline(
    db: Database,
    *,
    root: Distributor,
    depth: int,
    level: int | None,
    window: Window,
    first_read: FirstRead | None = None,
) -> Page[DownlineMember]:
    """One keyset page of the downline, ordered by level, then by branch (path).

    One query (`DOWNLINE_PAGE`, or from a boundary `DOWNLINE_PAGE_BESIDE`, which also
    reads whether a member lies the other way): each level is a seek of the (depth, path)
    index that reads at most a page of rows already in order (either way), so a page
    costs O(page × levels) however far the cursor is. `first_read`: that read, made
    already with the root; no query is then sent unless the page's flags need the row
    next to it.
    """
    levels = levels_read(depth=depth, level=level)
    first = first_read

    def prefetched(forward: bool, boundary: Position | None, limit: int) -> FirstRead | None:
        nonlocal first
        if first is None or (forward, boundary, limit) != (
            window.forward,
            window.boundary,
            page_limit(window),
        ):
            return None
        found, first = first, None
        return found

    async def fetch(
        forward: bool, boundary: Position | None, limit: int
    ) -> list[Row[DownlineMember]]:
        found = prefetched(forward, boundary, limit)
        if found is not None:
            return found.rows
        reading = levels_reading(levels, forward=forward, boundary=boundary)
        if not reading:
            return []
        records = await db.read(
            DOWNLINE_PAGE if forward else DOWNLINE_PAGE_BACKWARDS,
            root=root.id,
            levels=reading,
            limit=limit,
        )
        return [member_row(root, record) for record in records]

    async def fetch_beside(
        forward: bool, boundary: Position, limit: int
    ) -> tuple[list[Row[DownlineMember]], bool]:
        found = prefetched(forward, boundary, limit)
        if found is not None and found.beside is not None:
            return found.rows, found.beside
        reading = levels_reading(levels, forward=forward, boundary=boundary)
        if not reading:
            return [], False
        records = await db.read(
            DOWNLINE_PAGE_BESIDE if forward else DOWNLINE_PAGE_BACKWARDS_BESIDE,
            root=root.id,
            levels=reading,
            besideLevels=levels_reading(levels, forward=not forward, boundary=boundary),
            limit=limit,
        )
        rows = [member_row(root, record) for record in records]
        return rows, bool(records) and bool(records[0]["beside"])

    total = sum(root.level_counts[n - 1] for n in levels)
    return await paginate(window, fetch=fetch, total=total, fetch_beside=fetch_beside)


def levels_read(*, depth: int, level: int | None) -> list[int]:
    """The levels below the root a downline page reads: the one asked, or 1 to depth."""
    return [level] if level is not None else list(range(1, depth + 1))


def levels_reading(
    levels: list[int], *, forward: bool, boundary: Position | None
) -> list[dict[str, object]]:
    """`levels_below`'s `$levels`: the levels a read from `boundary` needs, in reading
    order, each with the paths below the root it starts after or stops before."""
    reading: list[dict[str, object]] = []
    for n in levels if forward else levels[::-1]:
        after: str | None = None
        before: str | None = None
        if boundary is not None:
            at_level, below = int(boundary[0]), str(boundary[1])
            if (n < at_level) if forward else (n > at_level):
                continue
            if n == at_level:
                after, before = (below, None) if forward else (None, below)
        reading.append({"i": len(reading), "n": n, "after": after, "before": before})
    return reading


def member_row(root: Distributor, record: Record | dict[str, Any]) -> Row[DownlineMember]:
    """A downline row (`level`, `m`, `sponsorId`) with its position below `root`."""
    level = record["level"]
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

    Level counts come from the maintained counters; new members, active members and
    team sales from the daily roll-ups (`graph.tree.team_days`), and the commissions
    from theirs (`graph.money.commission_days`), for the window's whole days, and from
    the indexes for the partial days at its ends, so the cost follows the number of
    days, not the team's orders. All of it is one statement (`METRICS`).
    """
    level_counts = list(root.level_counts[:depth])
    window = window_bounds(since, until)
    windowed = since is not None or until is not None
    split = split_window(epoch_ms(window["since"]), epoch_ms(window["until"]))
    days = {
        "firstDay": split.first_day,
        "endDay": split.end_day,
        "headUntil": at_ms(split.head_until_ms),
        "tailSince": at_ms(split.tail_since_ms),
    }
    (found,) = await db.read(METRICS[depth], id=root.id, **window, **days)
    levels = _LEVEL_NUMBERS[:depth]
    return TeamMetrics(
        level_counts=level_counts,
        team_size=sum(level_counts),
        new_members=sum(found["newMembers" + k] for k in levels) if windowed else sum(level_counts),
        active_members=sum(found["activeMembers" + k] for k in levels),
        team_sales_fen=sum(found["teamSales" + k] for k in levels),
        own_sales_fen=found["ownSales"],
        commissions=[
            CommissionTotal(status=status, amount_fen=found[status.value])
            for status in CommissionStatus
        ],
    )


async def by_channel(
    db: Database, *, root: Distributor, since: datetime | None, until: datetime | None
) -> list[ChannelCount]:
    """`root`'s level-1 recruits bound in [since, until), counted by channel, most first
    (recruits bound without a channel count under None, listed after equal counts)."""
    records = await db.read(BY_CHANNEL, id=root.id, **window_bounds(since, until))
    return [ChannelCount(channel=r["channel"], count=r["n"]) for r in records]
