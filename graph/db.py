"""One driver per process, wrapped: reads routed to readers, writes in one transaction.

Every query of the application goes through `Database`, which translates an
unreachable database into `Unavailable` and counts queries (tests use the count to
prove that DataLoaders batch). Auto-commit statements to one server (`bolt://`) go over
the process's own Bolt connections (`graph.bolt`), which cost a fifth of the driver's
Python time per statement; managed transactions always use the driver.

Outages answer fast (issue #10, docs/decisions.md): connections time out after
`connect_timeout`, and a circuit breaker (`graph.breaker`) turns a database that has
refused every connection for a second into an immediate `Unavailable` until a probe
gets through. Deadlocks and other transient errors are still retried for
`retry_seconds`. Work done for a request is time-boxed: the HTTP edge sets a deadline
(`request_deadline`) and every transaction carries the time left as its Neo4j
transaction timeout, so the server stops the work when the request gives up.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, LiteralString, TypeVar

from neo4j import (
    READ_ACCESS,
    WRITE_ACCESS,
    AsyncDriver,
    AsyncGraphDatabase,
    AsyncManagedTransaction,
    Query,
    Record,
    unit_of_work,
)
from neo4j.exceptions import (
    ClientError,
    ConnectionAcquisitionTimeoutError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from domain.errors import RequestTimeout, Unavailable
from graph.bolt.connection import NoAnswer
from graph.bolt.packstream import Unsupported
from graph.bolt.pool import DirectPool, direct_pool
from graph.breaker import Breaker

T = TypeVar("T")
# The database cannot be reached (down, restarting, a leader switch): counted by the breaker.
UNREACHABLE = (ServiceUnavailable, SessionExpired)
# Failures a client can retry: unreachable, no free connection, or busy (deadlocks).
RETRYABLE = (*UNREACHABLE, ConnectionAcquisitionTimeoutError, TransientError)
Work = Callable[[AsyncManagedTransaction], Awaitable[T]]
# When the current request gives up (time.monotonic()); None outside requests, e.g. for
# the scheduler's settlement runs and scans, which are not time-boxed.
request_deadline: ContextVar[float | None] = ContextVar("request_deadline", default=None)
TIMED_OUT = "Neo.ClientError.Transaction.TransactionTimedOut"
HANDSHAKE_SECONDS = 4.0
POOL_WAIT_SECONDS = 60.0  # the driver's own default wait for a pooled connection
# Retries wait a random time up to a pause that doubles from 0.1 s to this ("full
# jitter"): callers that collided (a deadlock) spread out instead of colliding again.
MAX_PAUSE_SECONDS = 1.0


def create_driver(
    *,
    uri: str,
    user: str,
    password: str,
    retry_seconds: float = 15.0,
    connect_timeout: float = 1.0,
) -> AsyncDriver:
    """The process's only driver; `neo4j://` URIs route reads to followers of a cluster.

    A new connection must be open within `connect_timeout` (TCP and TLS) and past the
    Bolt handshake and authentication within `HANDSHAKE_SECONDS` more: the driver's
    acquisition timeout bounds both, and the wait for a pooled connection (which
    `Database` retries). A freshly started server took over 2 s to authenticate its
    first connection here, hence the margin. `Database` retries
    itself, so the driver's own retry of managed transactions is for the commands that
    use the driver directly (migrations, loads).
    """
    return AsyncGraphDatabase.driver(
        uri,
        auth=(user, password),
        connection_acquisition_timeout=connect_timeout + HANDSHAKE_SECONDS,
        connection_timeout=connect_timeout,
        max_transaction_retry_time=retry_seconds,
        notifications_min_severity="OFF",
    )


def create_direct(
    *, uri: str, user: str, password: str, connect_timeout: float = 1.0
) -> DirectPool | None:
    """The process's own Bolt connections for auto-commit statements (`graph.bolt`), when
    `uri` names one server (`bolt://`); None otherwise (the driver carries everything).
    Same timeouts as the driver's connections."""
    return direct_pool(
        uri=uri,
        user=user,
        password=password,
        connect_timeout=connect_timeout,
        handshake_timeout=HANDSHAKE_SECONDS,
    )


def _time_left() -> float | None:
    """Seconds left of the current request's budget; Timeout when none is left."""
    deadline = request_deadline.get()
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left <= 0.001:
        raise RequestTimeout()
    return left


class Database:
    """Reads and writes against one Neo4j database."""

    def __init__(
        self,
        driver: AsyncDriver,
        *,
        direct: DirectPool | None = None,
        name: str = "neo4j",
        retry_seconds: float = 15.0,
        breaker: Breaker | None = None,
    ) -> None:
        self.driver = driver
        self.direct = direct
        self.name = name
        self.retry_seconds = retry_seconds
        self.breaker = breaker or Breaker()
        self.queries = 0
        # Told each query's kind ("read", "write") and seconds: the app's metrics.
        self.on_query: Callable[[str, float], None] | None = None

    async def read(self, query: LiteralString, **params: Any) -> list[Record]:
        """One read query, routed to a reader, causally after this driver's writes.

        An auto-commit query (RUN and PULL in one round trip) instead of a managed
        transaction, whose COMMIT costs a second round trip: a quarter of a short read's
        time here (docs/benchmarks.md). Retried on the same failures for as long.
        """
        return await self._counted("read", lambda left: self._auto_commit(query, params, left))

    async def write_at_once(self, query: LiteralString, **params: Any) -> list[Record]:
        """One write statement as an auto-commit transaction: RUN, PULL and the commit in
        one round trip, where a managed transaction needs a second for COMMIT. Only for a
        statement that is a whole business operation by itself and safe to run again
        (a retry after a lost answer must see its own first attempt and do nothing)."""
        return await self._counted(
            "write", lambda left: self._auto_commit(query, params, left, access=WRITE_ACCESS)
        )

    async def write(self, work: Work[T]) -> T:
        """Run `work` in one managed write transaction, retried on transient errors
        (deadlocks) for `retry_seconds` and on connection failures until the breaker
        opens. `work` may run more than once: it must be idempotent."""
        return await self._counted("write", lambda left: self._managed_write(work, left))

    async def _counted(self, kind: str, attempt: Callable[[float | None], Awaitable[T]]) -> T:
        """`attempt` retried (`_retried`), counted and timed for `on_query` as `kind`."""
        self.queries += 1
        started = time.monotonic()
        try:
            return await self._retried(attempt)
        finally:
            if self.on_query is not None:
                self.on_query(kind, time.monotonic() - started)

    async def _retried(self, attempt: Callable[[float | None], Awaitable[T]]) -> T:
        """Call `attempt(seconds left of the request, or None)` until it answers: retried on
        transient errors for `retry_seconds` and on connection failures until the breaker
        opens; an error the database answered with goes to the caller (TIMEOUT as such),
        and so does a statement still unanswered past the request's deadline (TIMEOUT:
        one slow statement does not count against the breaker)."""
        retry_until = time.monotonic() + self.retry_seconds
        pause = 0.1
        while True:
            if not self.breaker.allow():
                raise Unavailable()
            started = time.monotonic()
            left = _time_left()
            try:
                result = await attempt(left)
                self.breaker.succeeded()
                return result
            except ClientError as exc:  # the database answered: it is reachable
                self.breaker.succeeded()
                _raise_timeout(exc)
                raise
            except NoAnswer as exc:  # the request's time ran out on a slow statement
                raise RequestTimeout() from exc
            except RETRYABLE as exc:
                pause = await self._wait_to_retry(exc, started, retry_until, pause)

    async def _auto_commit(
        self,
        query: LiteralString,
        params: dict[str, Any],
        left: float | None,
        *,
        access: str = READ_ACCESS,
    ) -> list[Record]:
        """One auto-commit query (`access`: routed to a reader or the leader), over the
        direct connections when there are some; through the driver when not, or when a
        value is one they do not carry (`Unsupported`: the statement is safe to repeat)."""
        if self.direct is not None:
            try:
                return await self.direct.run(
                    query, params, database=self.name, write=access == WRITE_ACCESS, timeout=left
                )
            except Unsupported:
                pass
        async with self.driver.session(
            database=self.name,
            default_access_mode=access,
            bookmark_manager=self.driver.execute_query_bookmark_manager,
        ) as session:
            statement = query if left is None else Query(query, timeout=left)
            result = await session.run(statement, params)
            return [record async for record in result]

    async def _managed_write(self, work: Work[T], left: float | None) -> T:
        """One attempt of a managed write transaction: the driver's own retry would wait
        out an outage, so it is off (`_retried` retries)."""
        async with self.driver.session(
            database=self.name,
            bookmark_manager=self.driver.execute_query_bookmark_manager,
            max_transaction_retry_time=0,
        ) as session:
            return await session.execute_write(unit_of_work(timeout=left)(work))

    async def _wait_to_retry(
        self, exc: Exception, started: float, retry_until: float, pause: float
    ) -> float:
        """After a failed attempt (begun at `started`), sleep and return the next pause;
        `Unavailable` when the breaker has opened or the retry window is spent. Waiting
        for a free pooled connection (a busy process, not a sick database) may go on for
        `POOL_WAIT_SECONDS` from the first attempt (a request's own deadline comes
        first: TIMEOUT)."""
        if isinstance(exc, UNREACHABLE):
            self.breaker.failed(since=started)
        if isinstance(exc, ConnectionAcquisitionTimeoutError):
            retry_until += POOL_WAIT_SECONDS - self.retry_seconds
        if not self.breaker.allow() or time.monotonic() + pause > retry_until:
            raise Unavailable() from exc
        await asyncio.sleep(random.uniform(0.0, pause))
        return min(2 * pause, MAX_PAUSE_SECONDS)

    async def close(self) -> None:
        """Close the direct connections and the driver (at the end of the process)."""
        if self.direct is not None:
            await self.direct.close()
        await self.driver.close()

    async def ping(self, *, timeout: float = 5.0) -> bool:
        """True when the database answers a trivial query within `timeout` seconds;
        the answer also closes or feeds the breaker."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(timeout):
                async with self.driver.session(
                    database=self.name, default_access_mode=READ_ACCESS
                ) as session:
                    await (await session.run("RETURN 1")).consume()
        except Exception:
            self.breaker.failed(since=started)
            return False
        self.breaker.succeeded()
        return True


def _raise_timeout(exc: ClientError) -> None:
    """A transaction the server stopped at its timeout is the request's TIMEOUT."""
    if (exc.code or "").startswith(TIMED_OUT):
        raise RequestTimeout() from exc


async def fetch(tx: AsyncManagedTransaction, query: LiteralString, **params: Any) -> list[Record]:
    """Run one statement inside a transaction and collect its records."""
    result = await tx.run(query, params)
    return [record async for record in result]
