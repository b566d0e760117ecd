"""Keyset pagination, one way for every list (SPEC §4, §11): windows, pages, cursors.

A client asks for a `Window` with Relay's arguments: `first`/`after` page forwards,
`last`/`before` backwards. The storage layer answers with a `Page` of rows, each with its
`Position` (the row's sort key, the same whichever way one pages), and `Connection`
turns that into edges whose cursors the client hands back.

A cursor is `base64url(version ‖ tag ‖ position)`: the position as JSON, and an
HMAC-SHA256 tag over the list it belongs to and the position, keyed by the server's
cursor secret. The list (`ListKey`: kind, sort, and every root id and filter that
selects its rows) is not in the cursor; it is recomputed from the request, so a cursor
of another list, root or filter fails its tag exactly like a forged or truncated one,
and the error says nothing about what the cursor held.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from domain.errors import BadCursor, BadUserInput
from domain.inputs import MAX_PAGE_SIZE

T = TypeVar("T")
Value = int | str
Position = tuple[Value, ...]
Scope = str | int | bool | None

VERSION = 1
TAG_BYTES = 32  # the whole HMAC-SHA256 tag
MAX_STRING = 256  # the longest string a position holds (ids are <= 64, paths < 40)
MAX_CURSOR_CHARS = 1500  # what MAX_STRING characters of UTF-8 and a number can take
INT64 = (-(2**63), 2**63 - 1)
BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
MIXED = (
    "Page forwards with first/after or backwards with last/before; "
    "give at most one of first and last, and do not mix the two directions."
)


@dataclass(frozen=True, slots=True)
class ListKey:
    """Which list a cursor belongs to: its kind and order, the shape of its positions,
    and the root and filters that select its rows (all part of the tag)."""

    kind: str
    sort: str
    shape: tuple[type[int] | type[str], ...]
    scope: tuple[tuple[str, Scope], ...] = ()

    def bound(self, **scope: Scope) -> ListKey:
        """This kind of list for one root and set of filters."""
        return ListKey(self.kind, self.sort, self.shape, tuple(sorted(scope.items())))

    def binding(self) -> bytes:
        """Canonical bytes of the list (JSON never holds a raw newline)."""
        names = [t.__name__ for t in self.shape]
        scope = [[name, value] for name, value in self.scope]
        return json.dumps([VERSION, self.kind, self.sort, names, scope]).encode()


@dataclass(frozen=True, slots=True)
class PageArgs:
    """Relay's four arguments, as the client gave them."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


@dataclass(frozen=True, slots=True)
class Window:
    """`size` rows strictly after (`forward`) or before `boundary`; from the start
    (or the end, backwards) when there is no boundary."""

    forward: bool
    size: int
    boundary: Position | None = None


@dataclass(frozen=True, slots=True)
class Row(Generic[T]):
    node: T
    position: Position


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list, rows in list order, as the storage layer returns it."""

    rows: list[Row[T]]
    total_count: int
    has_next_page: bool
    has_previous_page: bool


class Edge(Generic[T]):
    """A row of a page and its cursor, signed the first time it is asked for: most
    queries select no cursor at all, and signing one costs more than showing its row."""

    __slots__ = ("_cursor", "_position", "_signer", "node")

    def __init__(self, node: T, *, position: Position, signer: hmac.HMAC) -> None:
        self.node = node
        self._position, self._signer = position, signer
        self._cursor: str | None = None

    @property
    def cursor(self) -> str:
        if self._cursor is None:
            self._cursor = signed(self._signer, self._position)
        return self._cursor


@dataclass(frozen=True, slots=True)
class Connection(Generic[T]):
    """A page with its cursors: what a Relay connection shows."""

    edges: list[Edge[T]]
    total_count: int
    has_next_page: bool
    has_previous_page: bool

    @property
    def start_cursor(self) -> str | None:
        return self.edges[0].cursor if self.edges else None

    @property
    def end_cursor(self) -> str | None:
        return self.edges[-1].cursor if self.edges else None


class CursorCodec:
    """Signs positions into cursors and checks them, for one server secret."""

    def __init__(self, secret: bytes) -> None:
        # A key of its own, so the secret could never sign anything else by accident.
        self._key = hmac.new(secret, b"referral pagination cursor", hashlib.sha256).digest()

    def signer(self, key: ListKey) -> hmac.HMAC:
        """The tag's HMAC with list `key`'s binding already in it: a page copies it per
        cursor instead of keying a new HMAC and encoding the binding for every row."""
        return hmac.new(self._key, key.binding() + b"\n", hashlib.sha256)

    def _tag(self, key: ListKey, payload: bytes) -> bytes:
        mac = self.signer(key)
        mac.update(payload)
        return mac.digest()

    def encode(self, key: ListKey, position: Position) -> str:
        return signed(self.signer(key), position)

    def decode(self, key: ListKey, text: str, *, argument: str) -> Position:
        """The position `text` was issued for in list `key`; BAD_USER_INPUT otherwise."""
        raw = _unbase64(text)
        if raw is None or len(raw) <= 1 + TAG_BYTES or raw[0] != VERSION:
            raise BadCursor(argument)
        tag, payload = raw[1 : 1 + TAG_BYTES], raw[1 + TAG_BYTES :]
        if not hmac.compare_digest(tag, self._tag(key, payload)):
            raise BadCursor(argument)
        try:
            values = json.loads(payload)
        except ValueError:
            raise BadCursor(argument) from None
        position = _checked(values, key.shape)
        if position is None:
            raise BadCursor(argument)
        return position

    def bind(self, key: ListKey) -> ListCursors:
        return ListCursors(self, key)


# json.dumps with these options would build this encoder again for every cursor.
_PAYLOAD = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def signed(signer: hmac.HMAC, position: Position) -> str:
    """The cursor of `position` in the list `signer` was made for (`CursorCodec.signer`)."""
    payload = _PAYLOAD.encode(list(position)).encode()
    mac = signer.copy()
    mac.update(payload)
    raw = bytes([VERSION]) + mac.digest() + payload
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unbase64(text: str) -> bytes | None:
    if len(text) > MAX_CURSOR_CHARS or not BASE64URL.fullmatch(text):
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    # One spelling per cursor: refuse the variants base64 would also accept.
    return raw if base64.urlsafe_b64encode(raw).decode().rstrip("=") == text else None


def _checked(values: object, shape: Sequence[type[int] | type[str]]) -> Position | None:
    """`values` as a position of `shape` (exact types, ints within 64 bits), or None."""
    if not isinstance(values, list) or len(values) != len(shape):
        return None
    for value, kind in zip(values, shape, strict=True):
        if type(value) is not kind:  # `bool` is an `int` to isinstance
            return None
        if isinstance(value, int) and not INT64[0] <= value <= INT64[1]:
            return None
        if isinstance(value, str) and len(value) > MAX_STRING:
            return None
    return tuple(values)


@dataclass(frozen=True, slots=True)
class ListCursors:
    """The codec bound to one list: reads its window, writes its cursors."""

    codec: CursorCodec
    key: ListKey

    def window(self, args: PageArgs, *, default_size: int) -> Window:
        """Relay's arguments as a window; BAD_USER_INPUT when they contradict each other,
        a size is outside 0..100, or a cursor is not one of this list's."""
        first, after, last, before = args.first, args.after, args.last, args.before
        backward = last is not None or before is not None
        if (first is not None and last is not None) or (after is not None and before is not None):
            raise BadUserInput(MIXED)
        if backward and (first is not None or after is not None):
            raise BadUserInput(MIXED)
        name, size = ("last", last) if backward else ("first", first)
        size = default_size if size is None else size
        if not 0 <= size <= MAX_PAGE_SIZE:
            raise BadUserInput(f"{name} must be between 0 and {MAX_PAGE_SIZE}, got {size}.")
        cursor, argument = (before, "before") if backward else (after, "after")
        boundary = None
        if cursor is not None:
            boundary = self.codec.decode(self.key, cursor, argument=argument)
        return Window(forward=not backward, size=size, boundary=boundary)

    def cursor(self, position: Position) -> str:
        return self.codec.encode(self.key, position)

    def connection(self, page: Page[T]) -> Connection[T]:
        signer = self.codec.signer(self.key)
        return Connection(
            edges=[Edge(r.node, position=r.position, signer=signer) for r in page.rows],
            total_count=page.total_count,
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
        )
