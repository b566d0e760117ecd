"""One Bolt 5 connection to one Neo4j server: auto-commit statements, nothing else.

An `asyncio.Protocol`: a statement is one write (RUN and PULL pipelined) and one
future, answered when the server's last message arrives; records are decoded as their
chunks come in. The driver, by contrast, wraps every socket read and write in a task
with a timeout (seven tasks and about twenty turns of the event loop for `RETURN 1`,
docs/benchmarks.md): the Python side of a short read, not Neo4j, was what a request
spent most of its time on.

Failures arrive as the driver's own exceptions, so callers catch what they always
caught: a server's FAILURE as the driver hydrates it (`ConstraintError`,
`TransientError`, `ClientError`...), a lost or refused connection as
`ServiceUnavailable`. A statement that outlives its wait is `NoAnswer`: slowness of its
own (the server stops a transaction at its timeout only when its monitor next looks,
every two seconds by default), not a sign the server is gone.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Any

from neo4j.exceptions import Neo4jError, ServiceUnavailable

from graph.bolt.packstream import Structure, Unsupported, pack, unpack

HANDSHAKE = bytes.fromhex("6060B017") + bytes.fromhex("00030405") + bytes(12)  # 5.4 … 5.1
USER_AGENT = "referral-platform/1"
HELLO, LOGON, RUN, PULL, RESET = 0x01, 0x6A, 0x10, 0x3F, 0x0F
SUCCESS, RECORD, IGNORED, FAILURE = 0x70, 0x71, 0x7E, 0x7F
MAX_CHUNK = 0xFFFF
_SIZE = struct.Struct(">H")
PULL_ALL = Structure(PULL, [{"n": -1}])


class NoAnswer(Exception):
    """The server said nothing for a request's whole wait; its connection was closed."""


class Reply:
    """What the server answered to the messages of one request."""

    __slots__ = ("records", "summaries", "unsupported")

    def __init__(self) -> None:
        self.summaries: list[Structure] = []
        self.records: list[list[Any]] = []
        self.unsupported: Unsupported | None = None


class Connection(asyncio.Protocol):
    """A connection that carries one request at a time (the pool sees to it)."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._incoming = bytearray()
        self._message = bytearray()
        self._version: asyncio.Future[bytes] | None = None
        self._waiter: asyncio.Future[Reply] | None = None
        self._reply = Reply()
        self._expected = 0

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self._incoming += data
        if self._version is None:
            self._read_messages()
        elif len(self._incoming) >= 4:  # the handshake's answer: the version chosen
            self._version.set_result(bytes(self._incoming[:4]))
            del self._incoming[:4]
            self._version = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        lost = ServiceUnavailable(f"connection to Neo4j lost: {exc or 'closed by the server'}")
        for waiter in (self._version, self._waiter):
            if waiter is not None and not waiter.done():
                waiter.set_exception(lost)

    # requests

    async def open(self, *, user: str, password: str) -> None:
        """The handshake (Bolt 5.1 to 5.4), HELLO and LOGON; `AuthError` if refused."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        self._version = loop.create_future()
        self.transport.write(HANDSHAKE)
        version = await self._version
        if version[3] != 5:
            self.close()
            raise ServiceUnavailable(f"Neo4j offered no Bolt 5 version ({version.hex()})")
        hello = {"user_agent": USER_AGENT, "bolt_agent": {"product": USER_AGENT}}
        logon = {"scheme": "basic", "principal": user, "credentials": password}
        reply = await self.request(
            [Structure(HELLO, [hello]), Structure(LOGON, [logon])], timeout=None
        )
        _raise_failure(reply)

    async def run(
        self, query: str, params: dict[str, Any], extra: dict[str, Any], timeout: float | None
    ) -> tuple[list[str], list[list[Any]]]:
        """One auto-commit statement: its keys and its records' values."""
        reply = await self.request([Structure(RUN, [query, params, extra]), PULL_ALL], timeout)
        if any(s.tag != SUCCESS for s in reply.summaries):
            await self._reset(timeout)
            _raise_failure(reply)
        if reply.unsupported is not None:
            raise reply.unsupported
        return reply.summaries[0].fields[0].get("fields", []), reply.records

    async def request(self, messages: list[Structure], timeout: float | None) -> Reply:
        """Send `messages` at once and wait for a summary to each; on `timeout` seconds
        of silence the connection is closed (`NoAnswer`). A caller that stops
        waiting (cancelled) closes it too: the rest of the answer would otherwise reach
        the next request, and the server stops the statement of a closed connection."""
        if self.closed or self.transport is None:
            raise ServiceUnavailable("connection to Neo4j closed")
        out = bytearray()
        for message in messages:
            _chunk(message, out)
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        self._reply = Reply()
        self._expected = len(messages)
        self.transport.write(out)
        timer = None if timeout is None else loop.call_later(timeout, self._silent, timeout)
        try:
            reply: Reply = await waiter
            return reply
        except BaseException:
            self.close()
            raise
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    # internals

    async def _reset(self, timeout: float | None) -> None:
        """Make the connection usable again after a FAILURE. The server may close it
        right after the answer (as it can after ending a timed-out transaction), or not
        answer the RESET: the failure it answered is still the statement's answer, and
        the closed connection leaves the pool (`closed`)."""
        if self.closed:
            return
        try:
            await self.request([Structure(RESET, [])], timeout)
        except (ServiceUnavailable, NoAnswer):
            self.close()

    def _silent(self, timeout: float) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(NoAnswer(f"no answer in {timeout:.1f} s"))
        self.close()

    def _read_messages(self) -> None:
        """Take every whole chunk from `_incoming`; a zero-size chunk ends a message (or,
        alone, is the server's keep-alive)."""
        incoming, at = self._incoming, 0
        while len(incoming) - at >= 2:
            (size,) = _SIZE.unpack_from(incoming, at)
            if len(incoming) - at - 2 < size:
                break
            at += 2
            if size:
                self._message += incoming[at : at + size]
                at += size
            elif self._message:
                message, self._message = self._message, bytearray()
                self._received(message)
        del incoming[:at]

    def _received(self, data: bytearray) -> None:
        reply = self._reply
        if data[1] == RECORD:
            if reply.unsupported is None:
                try:
                    reply.records.append(unpack(data).fields[0])
                except Unsupported as exc:
                    reply.unsupported = exc
            return
        reply.summaries.append(unpack(data))
        waiter = self._waiter
        if len(reply.summaries) == self._expected and waiter is not None and not waiter.done():
            waiter.set_result(reply)


def _chunk(message: Structure, out: bytearray) -> None:
    """`message` encoded and cut into chunks, ended by a zero-size chunk."""
    body = bytearray()
    pack(message, body)
    for start in range(0, len(body), MAX_CHUNK):
        piece = body[start : start + MAX_CHUNK]
        out += _SIZE.pack(len(piece))
        out += piece
    out += b"\x00\x00"


def _raise_failure(reply: Reply) -> None:
    """The server's first FAILURE as the driver's exception for its code."""
    for summary in reply.summaries:
        if summary.tag == FAILURE:
            metadata = summary.fields[0]
            raise Neo4jError._hydrate_neo4j(
                code=metadata.get("code"), message=metadata.get("message")
            )
        if summary.tag == IGNORED:
            raise ServiceUnavailable("Neo4j ignored the request")
