"""A pool of direct Bolt connections to one server, for auto-commit statements.

`graph.db.Database` sends its auto-commit reads and writes here when the URI names one
server (`bolt://host:port`, no TLS): there is nothing to route and, on one server, a
committed write is visible to every later statement, so no bookmarks are needed.
Managed transactions, clusters (`neo4j://`) and TLS stay with the driver.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from neo4j import Record
from neo4j.exceptions import ConnectionAcquisitionTimeoutError, ServiceUnavailable

from graph.bolt.connection import Connection

DEFAULT_PORT = 7687
POOL_SIZE = 100  # the driver's default
KEEP_IDLE = 16  # connections kept open when idle; more are closed on release
# How long past its transaction timeout a statement's answer is awaited: the server's own
# timeout error, the better answer, comes when its transaction monitor next looks.
ANSWER_GRACE_SECONDS = 1.0


class DirectPool:
    """Connections to the server at `host:port`, opened on demand, up to `size`."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        user: str,
        password: str,
        connect_timeout: float,
        handshake_timeout: float,
        size: int = POOL_SIZE,
    ) -> None:
        self.host, self.port = host, port
        self._user, self._password = user, password
        self._connect_timeout = connect_timeout
        self._handshake_timeout = handshake_timeout
        self._idle: list[Connection] = []
        self._slots = asyncio.Semaphore(size)
        self._wait = connect_timeout + handshake_timeout

    async def run(
        self,
        query: str,
        params: dict[str, Any],
        *,
        database: str,
        write: bool,
        timeout: float | None,
    ) -> list[Record]:
        """One auto-commit statement; `timeout` seconds is its transaction timeout (and,
        `ANSWER_GRACE_SECONDS` later, the end of the wait for an answer: `NoAnswer`)."""
        extra: dict[str, Any] = {"db": database, "notifications_minimum_severity": "OFF"}
        if not write:
            extra["mode"] = "r"
        if timeout is not None:
            extra["tx_timeout"] = max(1, int(timeout * 1000))
        connection = await self._acquire()
        try:
            keys, rows = await connection.run(
                query, params, extra, None if timeout is None else timeout + ANSWER_GRACE_SECONDS
            )
        finally:
            self._release(connection)
        return [Record(zip(keys, row, strict=True)) for row in rows]  # type: ignore[no-untyped-call]

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    async def _acquire(self) -> Connection:
        if self._slots.locked():
            try:
                async with asyncio.timeout(self._wait):
                    await self._slots.acquire()
            except TimeoutError as exc:
                raise ConnectionAcquisitionTimeoutError("no free Bolt connection") from exc
        else:
            await self._slots.acquire()
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed:
                return connection
        try:
            return await self._open()
        except BaseException:
            self._slots.release()
            raise

    def _release(self, connection: Connection) -> None:
        if not connection.closed and len(self._idle) < KEEP_IDLE:
            self._idle.append(connection)
        else:
            connection.close()
        self._slots.release()

    async def _open(self) -> Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._connect_timeout):
                _, connection = await loop.create_connection(Connection, self.host, self.port)
        except (OSError, TimeoutError) as exc:
            raise ServiceUnavailable(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        try:
            async with asyncio.timeout(self._handshake_timeout):
                await connection.open(user=self._user, password=self._password)
        except TimeoutError as exc:
            connection.close()
            raise ServiceUnavailable("Neo4j did not finish the Bolt handshake") from exc
        except BaseException:
            connection.close()
            raise
        return connection


def direct_pool(
    *, uri: str, user: str, password: str, connect_timeout: float, handshake_timeout: float
) -> DirectPool | None:
    """A pool for `bolt://host[:port]` (one server, no TLS); None for any other URI."""
    parts = urlsplit(uri)
    if parts.scheme != "bolt" or not parts.hostname:
        return None
    return DirectPool(
        host=parts.hostname,
        port=parts.port or DEFAULT_PORT,
        user=user,
        password=password,
        connect_timeout=connect_timeout,
        handshake_timeout=handshake_timeout,
    )
