"""Keyset pages in Neo4j, one way for every list: the Cypher of a page and its flags.

A list is a MATCH … WHERE that selects its rows (the root and the filters, always from
the server, never from a cursor) and a sort key. `keyset_queries` writes the four reads
a list needs: the first page forwards, a page after a position, the last page backwards
and a page before a position. A position only picks where to start inside the rows the
list's own WHERE selects, so no cursor can reach a row outside the list. No SKIP: a page
costs the same wherever it starts, and rows inserted between two pages never make one
repeat or vanish.

`paginate` runs one of them and finds `hasPreviousPage`/`hasNextPage` exactly: the side
the page was read towards by reading one row more, the other side by one row read the
other way from the page's first row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, LiteralString, TypeVar

from domain.pagination import Page, Position, Row, Window
from graph.db import Database

T = TypeVar("T")
Fetch = Callable[[bool, Position | None, int], Awaitable[list[Row[T]]]]
# A read from a boundary that also says whether any row lies the other way from it, in
# the same round trip: (the rows, whether there is one beyond the boundary).
FetchBeside = Callable[[bool, Position, int], Awaitable[tuple[list[Row[T]], bool]]]

# A position's time value is the instant in nanoseconds since the epoch; read back as a
# DateTime in UTC. (Every writer stamps times with the UTC clock, docs/decisions.md.)
NANOS: LiteralString = "{0}.epochSeconds * 1000000000 + {0}.nanosecond"
FROM_NANOS: LiteralString = (
    "datetime({epochSeconds: {0} / 1000000000, nanosecond: {0} % 1000000000})"
)


@dataclass(frozen=True, slots=True)
class SortKey:
    """One part of a list's order. `expression` orders and compares rows; `position`
    reads the value a cursor keeps; `value` turns that value back into something
    comparable with `expression` ({0} stands for it)."""

    expression: LiteralString
    descending: bool = False
    position: LiteralString = "{0}"
    value: LiteralString = "{0}"


def time_key(expression: LiteralString, *, descending: bool) -> SortKey:
    """A DateTime property, ordered as stored (an index can serve the order)."""
    return SortKey(
        expression, descending, position=NANOS.replace("{0}", expression), value=FROM_NANOS
    )


def instant_key(expression: LiteralString, *, descending: bool) -> SortKey:
    """A DateTime property ordered by its instant alone, whatever zone it was stored in."""
    instant = NANOS.replace("{0}", expression)
    return SortKey(instant, descending)


@dataclass(frozen=True, slots=True)
class KeysetQueries:
    first: LiteralString  # forwards from the start
    after: LiteralString  # forwards after $boundary
    last: LiteralString  # backwards from the end
    before: LiteralString  # backwards before $boundary


def _direction(key: SortKey, *, reverse: bool) -> LiteralString:
    return "DESC" if key.descending != reverse else "ASC"


def _beyond(keys: Sequence[SortKey], *, reverse: bool, at: int = 0) -> LiteralString:
    """Rows strictly past `$boundary` in the list's order (`reverse`: strictly before it).

    Written as `k1 >= v1 AND (k1 > v1 OR …)`, so the first key can seek an index."""
    key = keys[at]
    value = key.value.replace("{0}", "$boundary[" + str(at) + "]")
    strict: LiteralString = ">" if key.descending == reverse else "<"
    if at == len(keys) - 1:
        return key.expression + " " + strict + " " + value
    rest = _beyond(keys, reverse=reverse, at=at + 1)
    expression = key.expression
    return (
        expression + " " + strict + "= " + value
        + " AND (" + expression + " " + strict + " " + value + " OR " + rest + ")"
    )  # fmt: skip


def keyset_queries(
    *,
    match: LiteralString,
    variable: LiteralString,
    keys: Sequence[SortKey],
    projection: LiteralString,
) -> KeysetQueries:
    """The four reads of a list. `match` is its `MATCH … WHERE …` (it must end in a
    WHERE condition); each read returns `row` (the projection of `variable`) and
    `position`."""
    positions: LiteralString = ", ".join(k.position.replace("{0}", k.expression) for k in keys)

    def read(*, reverse: bool, bounded: bool) -> LiteralString:
        order: LiteralString = ", ".join(
            k.expression + " " + _direction(k, reverse=reverse) for k in keys
        )
        bound: LiteralString = " AND (" + _beyond(keys, reverse=reverse) + ")" if bounded else ""
        return (
            match
            + bound
            + "\nWITH "
            + variable
            + " ORDER BY "
            + order
            + " LIMIT $limit\nRETURN "
            + projection
            + " AS row, ["
            + positions
            + "] AS position"
        )

    return KeysetQueries(
        first=read(reverse=False, bounded=False),
        after=read(reverse=False, bounded=True),
        last=read(reverse=True, bounded=False),
        before=read(reverse=True, bounded=True),
    )


def fetcher(
    db: Database,
    queries: KeysetQueries,
    parse: Callable[[Any], T],
    **params: Any,
) -> Fetch[T]:
    """Reads `limit` rows of a list from a boundary, in one direction (nearest first)."""

    async def fetch(forward: bool, boundary: Position | None, limit: int) -> list[Row[T]]:
        if forward:
            query = queries.first if boundary is None else queries.after
        else:
            query = queries.last if boundary is None else queries.before
        records = await db.read(
            query, boundary=None if boundary is None else list(boundary), limit=limit, **params
        )
        return [Row(node=parse(r["row"]), position=tuple(r["position"])) for r in records]

    return fetch


async def count(db: Database, query: LiteralString, **params: Any) -> int:
    """The `n` a counting query returns: a list's totalCount."""
    records = await db.read(query, **params)
    n: int = records[0]["n"]
    return n


async def paginate(
    window: Window,
    *,
    fetch: Fetch[T],
    total: Awaitable[int] | int,
    fetch_beside: FetchBeside[T] | None = None,
) -> Page[T]:
    """One page of `window` in list order, with `totalCount` and both flags exact.

    From a boundary, the other side is read at the same time as the page: a row beyond
    the boundary is also beyond the page's nearest row (the page starts right past the
    boundary), so the flag costs no round trip of its own (none at all with
    `fetch_beside`, which reads both in one query); only when there is none (the
    boundary may be the list's first row, or gone) is the row next to the page asked."""
    toward = page_limit(window)
    if window.boundary is not None and fetch_beside is not None:
        (found, beyond_boundary), count = await asyncio.gather(
            fetch_beside(window.forward, window.boundary, toward), _counted(total)
        )
    else:
        other_side = None
        if window.boundary is not None:
            other_side = fetch(not window.forward, window.boundary, 1)
        found, count, beside = await asyncio.gather(
            fetch(window.forward, window.boundary, toward), _counted(total), _read(other_side)
        )
        beyond_boundary = bool(beside)
    rows = found[: window.size]
    more = len(found) > window.size
    # The other side: nothing before the start (or past the end); else a row read the
    # other way from the boundary or from the page's nearest row, or, for an empty page,
    # any row at all.
    beyond = False
    if window.boundary is not None:
        if not rows:
            beyond = count > 0
        elif beyond_boundary:
            beyond = True
        else:
            beyond = bool(await fetch(not window.forward, rows[0].position, 1))
    if not window.forward:
        rows.reverse()
    return Page(
        rows=rows,
        total_count=count,
        has_next_page=more if window.forward else beyond,
        has_previous_page=beyond if window.forward else more,
    )


def page_limit(window: Window) -> int:
    """How many rows `paginate` first reads toward the page: one more than it shows, to
    know whether there are more (one for an empty page)."""
    return window.size + 1 if window.size else 1


async def _counted(total: Awaitable[int] | int) -> int:
    return total if isinstance(total, int) else await total


async def _read(rows: Awaitable[list[Row[T]]] | None) -> list[Row[T]]:
    return [] if rows is None else await rows
