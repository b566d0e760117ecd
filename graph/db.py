"""One driver per process, wrapped: reads routed to readers, writes in one transaction.

Every query of the application goes through `Database`, which translates an
unreachable database into `Unavailable` and counts queries (tests use the count to
prove that DataLoaders batch).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, LiteralString, TypeVar

from neo4j import READ_ACCESS, AsyncDriver, AsyncGraphDatabase, AsyncManagedTransaction, Record
from neo4j.exceptions import (
    ConnectionAcquisitionTimeoutError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from domain.errors import Unavailable

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

    def __init__(
        self, driver: AsyncDriver, *, name: str = "neo4j", retry_seconds: float = 15.0
    ) -> None:
        self.driver = driver
        self.name = name
        self.retry_seconds = retry_seconds
        self.queries = 0
        # Told each query's kind ("read", "write") and seconds: the app's metrics.
        self.on_query: Callable[[str, float], None] | None = None

    async def read(self, query: LiteralString, **params: Any) -> list[Record]:
        """One read query, routed to a reader, causally after this driver's writes.

        An auto-commit query (RUN and PULL in one round trip) instead of a managed
        transaction, whose COMMIT costs a second round trip: a quarter of a short read's
        time here (docs/benchmarks.md). Retried on the same failures for as long.
        """
        self.queries += 1
        started = time.monotonic()
        try:
            return await self._read(query, params)
        finally:
            if self.on_query is not None:
                self.on_query("read", time.monotonic() - started)

    async def _read(self, query: LiteralString, params: dict[str, Any]) -> list[Record]:
        deadline = time.monotonic() + self.retry_seconds
        pause = 0.25
        while True:
            try:
                async with self.driver.session(
                    database=self.name,
                    default_access_mode=READ_ACCESS,
                    bookmark_manager=self.driver.execute_query_bookmark_manager,
                ) as session:
                    result = await session.run(query, params)
                    return [record async for record in result]
            except RETRYABLE as exc:
                if time.monotonic() + pause > deadline:
                    raise Unavailable() from exc
            await asyncio.sleep(pause)
            pause = min(2 * pause, 2.0)

    async def write(self, work: Work[T]) -> T:
        """Run `work` in one managed write transaction (retried on transient errors)."""
        self.queries += 1
        started = time.monotonic()
        try:
            async with self.driver.session(
                database=self.name,
                bookmark_manager=self.driver.execute_query_bookmark_manager,
            ) as session:
                return await session.execute_write(work)
        except RETRYABLE as exc:
            raise Unavailable() from exc
        finally:
            if self.on_query is not None:
                self.on_query("write", time.monotonic() - started)

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
