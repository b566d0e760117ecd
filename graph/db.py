"""One driver per process, wrapped: reads routed to readers, writes in one transaction.

Every query of the application goes through `Database`, which translates an
unreachable database into `Unavailable` and counts queries (tests use the count to
prove that DataLoaders batch).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, LiteralString, TypeVar

from neo4j import AsyncDriver, AsyncGraphDatabase, AsyncManagedTransaction, Record, RoutingControl
from neo4j.exceptions import (
    ConnectionAcquisitionTimeoutError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graph.errors import Unavailable

T = TypeVar("T")
# Failures a client can retry: the database is down, or busy beyond the retry window.
RETRYABLE = (ServiceUnavailable, SessionExpired, ConnectionAcquisitionTimeoutError, TransientError)
Work = Callable[[AsyncManagedTransaction], Awaitable[T]]


def create_driver(
    *, uri: str, user: str, password: str, retry_seconds: float = 15.0
) -> AsyncDriver:
    """The process's only driver; `neo4j://` URIs route reads to followers of a cluster.

    Transient failures are retried for `retry_seconds`; past that the caller gets
    `UNAVAILABLE` and may retry itself.
    """
    return AsyncGraphDatabase.driver(
        uri,
        auth=(user, password),
        connection_acquisition_timeout=60.0,
        connection_timeout=min(5.0, retry_seconds + 0.5),
        max_transaction_retry_time=retry_seconds,
        notifications_min_severity="OFF",
    )


class Database:
    """Reads and writes against one Neo4j database."""

    def __init__(self, driver: AsyncDriver, *, name: str = "neo4j") -> None:
        self.driver = driver
        self.name = name
        self.queries = 0

    async def read(self, query: LiteralString, **params: Any) -> list[Record]:
        """One read query, routed to a reader, causally after this driver's writes."""
        self.queries += 1
        try:
            result = await self.driver.execute_query(
                query, params, routing_=RoutingControl.READ, database_=self.name
            )
        except RETRYABLE as exc:
            raise Unavailable() from exc
        return list(result.records)

    async def write(self, work: Work[T]) -> T:
        """Run `work` in one managed write transaction (retried on transient errors)."""
        self.queries += 1
        try:
            async with self.driver.session(
                database=self.name,
                bookmark_manager=self.driver.execute_query_bookmark_manager,
            ) as session:
                return await session.execute_write(work)
        except RETRYABLE as exc:
            raise Unavailable() from exc

    async def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            await self.driver.execute_query("RETURN 1", database_=self.name)
        except Exception:
            return False
        return True


async def fetch(tx: AsyncManagedTransaction, query: LiteralString, **params: Any) -> list[Record]:
    """Run one statement inside a transaction and collect its records."""
    result = await tx.run(query, params)
    return [record async for record in result]
