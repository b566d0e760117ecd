"""The one Relay connection of every paginated list (SPEC §11), and its builder.

Every list a client pages with a cursor is a `Connection` of `Edge`s: `totalCount`,
`edges { cursor node }` and `pageInfo { hasNextPage hasPreviousPage startCursor
endCursor }`, paged with `first`/`after` forwards or `last`/`before` backwards. Each list
names its connection by subclassing, e.g. `class LedgerConnection(Connection[Edge[…]])`;
an edge with fields of its own (a downline member's `level`) subclasses `Edge`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry

from domain import pagination

N = TypeVar("N")
E = TypeVar("E")
M = TypeVar("M")
C = TypeVar("C", bound="Connection[Any]")

ARGUMENTS = (
    "Relay connection: `first`/`after` page forwards, `last`/`before` backwards "
    "(0..100 rows; not both directions at once)."
)


@strawberry.type(description="Where a page lies in its list (Relay).")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None

    @classmethod
    def of(cls, found: pagination.Connection[Any]) -> PageInfo:
        return cls(
            has_next_page=found.has_next_page,
            has_previous_page=found.has_previous_page,
            start_cursor=found.start_cursor,
            end_cursor=found.end_cursor,
        )


@strawberry.type
class Edge(Generic[N]):
    cursor: str = strawberry.field(
        description="Opaque and signed; valid only as after/before of this same list."
    )
    node: N


@strawberry.type
class Connection(Generic[E]):
    total_count: int = strawberry.field(description="Rows in the whole list, not the page.")
    edges: list[E]
    page_info: PageInfo


def connection(cls: type[C], found: pagination.Connection[M], edge: Callable[[str, M], Any]) -> C:
    """`cls` (a named connection) of `found`, each edge made by `edge(cursor, node)`."""
    return cls(
        total_count=found.total_count,
        edges=[edge(e.cursor, e.node) for e in found.edges],
        page_info=PageInfo.of(found),
    )


async def connection_async(
    cls: type[C], found: pagination.Connection[M], edge: Callable[[str, M], Awaitable[Any]]
) -> C:
    """`connection` for edges that must await something (a permission check)."""
    return cls(
        total_count=found.total_count,
        edges=[await edge(e.cursor, e.node) for e in found.edges],
        page_info=PageInfo.of(found),
    )


def page_args(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> pagination.PageArgs:
    return pagination.PageArgs(first=first, after=after, last=last, before=before)
