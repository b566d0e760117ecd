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
    found: strawberry.Private[pagination.Connection[Any]]
    has_next_page: bool
    has_previous_page: bool

    @strawberry.field
    def start_cursor(self) -> str | None:
        return self.found.start_cursor

    @strawberry.field
    def end_cursor(self) -> str | None:
        return self.found.end_cursor

    @classmethod
    def of(cls, found: pagination.Connection[Any]) -> PageInfo:
        return cls(
            found=found,
            has_next_page=found.has_next_page,
            has_previous_page=found.has_previous_page,
        )


def _issued_cursor(root: strawberry.Parent[Any]) -> str:
    cursor: str = root.issued.cursor
    return cursor


@strawberry.type
class Edge(Generic[N]):
    """`issued`: the page's edge, whose cursor is signed only if a client selects it."""

    issued: strawberry.Private[pagination.Edge[Any]]
    cursor: str = strawberry.field(
        resolver=_issued_cursor,
        description="Opaque and signed; valid only as after/before of this same list.",
    )
    node: N


@strawberry.type
class Connection(Generic[E]):
    total_count: int = strawberry.field(description="Rows in the whole list, not the page.")
    edges: list[E]
    page_info: PageInfo


def connection(
    cls: type[C], found: pagination.Connection[M], edge: Callable[[pagination.Edge[M], M], Any]
) -> C:
    """`cls` (a named connection) of `found`, each edge made by `edge(issued, node)`
    (`issued`: the page's edge, for the GraphQL edge's cursor)."""
    return cls(
        total_count=found.total_count,
        edges=[edge(e, e.node) for e in found.edges],
        page_info=PageInfo.of(found),
    )


async def connection_async(
    cls: type[C],
    found: pagination.Connection[M],
    edge: Callable[[pagination.Edge[M], M], Awaitable[Any]],
) -> C:
    """`connection` for edges that must await something (a permission check)."""
    return cls(
        total_count=found.total_count,
        edges=[await edge(e, e.node) for e in found.edges],
        page_info=PageInfo.of(found),
    )


def page_args(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> pagination.PageArgs:
    return pagination.PageArgs(first=first, after=after, last=last, before=before)
