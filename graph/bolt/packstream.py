"""PackStream, the value encoding of Bolt: Python values to bytes and back.

Only what this application sends and reads: null, booleans, integers, floats, strings,
bytes, lists, maps; Python's dates, date-times and durations as parameters; and the
temporal structures read back, hydrated by the driver's own functions so a value read
here is the value the driver would return. Anything else
(a node, a relationship, a point) raises `Unsupported`: `graph.db` then runs the query
through the driver instead (every statement it sends this way is safe to run again).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from neo4j._codec.hydration.bolt.v1 import temporal as hydrate_v1
from neo4j._codec.hydration.bolt.v2 import temporal as hydrate_v2

try:  # the driver's Rust extension (a dependency): decodes a page of rows about 4× faster
    from neo4j._codec.packstream import Structure as _RUST_STRUCTURE
    from neo4j._rust.codec.packstream.v1 import (  # type: ignore[import-not-found]
        unpack as _rust_unpack,
    )
except ImportError:  # pragma: no cover - the extension is in requirements.lock
    _RUST_STRUCTURE = _rust_unpack = None

_INT8 = struct.Struct(">b")
_INT16 = struct.Struct(">h")
_INT32 = struct.Struct(">i")
_INT64 = struct.Struct(">q")
_UINT8 = struct.Struct(">B")
_UINT16 = struct.Struct(">H")
_UINT32 = struct.Struct(">I")
_FLOAT = struct.Struct(">d")


class Unsupported(Exception):
    """A value this encoding does not carry (the driver does)."""


class Structure:
    """A PackStream structure: a tag byte and its fields (Bolt's messages are these)."""

    __slots__ = ("fields", "tag")

    def __init__(self, tag: int, fields: list[Any]) -> None:
        self.tag = tag
        self.fields = fields


def pack(value: Any, out: bytearray) -> None:
    """Append `value`'s encoding to `out`."""
    if value is None:
        out.append(0xC0)
    elif value is True:
        out.append(0xC3)
    elif value is False:
        out.append(0xC2)
    elif isinstance(value, int):
        _pack_int(value, out)
    elif isinstance(value, float):
        out.append(0xC1)
        out += _FLOAT.pack(value)
    elif isinstance(value, str):
        data = value.encode()
        _pack_header(len(data), 0x80, 0xD0, out)
        out += data
    elif isinstance(value, list | tuple):
        _pack_header(len(value), 0x90, 0xD4, out)
        for item in value:
            pack(item, out)
    elif isinstance(value, Mapping):
        _pack_header(len(value), 0xA0, 0xD8, out)
        for key, item in value.items():
            if not isinstance(key, str):
                raise Unsupported(f"map key {key!r}")
            pack(key, out)
            pack(item, out)
    elif isinstance(value, bytes | bytearray):
        _pack_bytes(bytes(value), out)
    elif isinstance(value, datetime | date | timedelta):
        pack(_temporal(value), out)
    elif isinstance(value, Structure):
        out.append(0xB0 + len(value.fields))
        out.append(value.tag)
        for item in value.fields:
            pack(item, out)
    else:
        raise Unsupported(type(value).__name__)


def _temporal(value: datetime | date | timedelta) -> Structure:
    """A Python temporal parameter as Bolt 5's structure: an aware date-time as UTC seconds
    with its offset (DateTime), a naive one as LocalDateTime, a date as days since the
    epoch, a timedelta as a Duration of days, seconds and nanoseconds."""
    if isinstance(value, timedelta):
        return Structure(0x45, [0, value.days, value.seconds, value.microseconds * 1000])
    if isinstance(value, datetime):
        offset = value.utcoffset()
        since = value - (EPOCH if offset is None else EPOCH.replace(tzinfo=UTC))
        seconds, nanos = since.days * 86400 + since.seconds, since.microseconds * 1000
        if offset is None:
            return Structure(0x64, [seconds, nanos])
        return Structure(0x49, [seconds, nanos, offset.days * 86400 + offset.seconds])
    return Structure(0x44, [(value - EPOCH.date()).days])


EPOCH = datetime(1970, 1, 1)


def _pack_int(value: int, out: bytearray) -> None:
    if -0x10 <= value < 0x80:
        out += _INT8.pack(value)
    elif -0x80 <= value < 0x80:
        out.append(0xC8)
        out += _INT8.pack(value)
    elif -0x8000 <= value < 0x8000:
        out.append(0xC9)
        out += _INT16.pack(value)
    elif -0x80000000 <= value < 0x80000000:
        out.append(0xCA)
        out += _INT32.pack(value)
    elif -0x8000000000000000 <= value < 0x8000000000000000:
        out.append(0xCB)
        out += _INT64.pack(value)
    else:
        raise Unsupported("an integer beyond 64 bits")


def _pack_header(size: int, tiny: int, sized: int, out: bytearray) -> None:
    """A string, list or map header: `tiny + size` below 16, else a sized marker."""
    if size < 0x10:
        out.append(tiny + size)
    elif size < 0x100:
        out.append(sized)
        out.append(size)
    elif size < 0x10000:
        out.append(sized + 1)
        out += _UINT16.pack(size)
    else:
        out.append(sized + 2)
        out += _UINT32.pack(size)


def _pack_bytes(data: bytes, out: bytearray) -> None:
    if len(data) < 0x100:
        out.append(0xCC)
        out.append(len(data))
    elif len(data) < 0x10000:
        out.append(0xCD)
        out += _UINT16.pack(len(data))
    else:
        out.append(0xCE)
        out += _UINT32.pack(len(data))
    out += data


def unpack(data: bytearray) -> Any:
    """The one value encoded in `data` (a whole message's bytes): through the driver's
    Rust decoder when it is installed, else `unpack_in_python`; both give the same values
    (tests/graph/test_bolt.py holds them to it)."""
    if _rust_unpack is None:
        return unpack_in_python(data)
    value, _ = _rust_unpack(data, 0, _RUST_HOOKS)
    return value


def unpack_in_python(data: bytes | bytearray) -> Any:
    """`unpack` in pure Python."""
    value, _ = _unpack(data, 0)
    return value


def _unpack(data: bytes | bytearray, at: int) -> tuple[Any, int]:
    marker = data[at]
    at += 1
    if marker < 0x80:
        return marker, at
    if marker >= 0xF0:
        return marker - 0x100, at
    high = marker & 0xF0
    if high == 0x80:
        end = at + (marker & 0x0F)
        return data[at:end].decode(), end
    if high == 0x90:
        return _unpack_list(data, at, marker & 0x0F)
    if high == 0xA0:
        return _unpack_map(data, at, marker & 0x0F)
    if high == 0xB0:
        return _unpack_structure(data, at, marker & 0x0F)
    if marker == 0xC0:
        return None, at
    if marker == 0xC3:
        return True, at
    if marker == 0xC2:
        return False, at
    if marker == 0xC1:
        return _FLOAT.unpack_from(data, at)[0], at + 8
    if marker == 0xC8:
        return _INT8.unpack_from(data, at)[0], at + 1
    if marker == 0xC9:
        return _INT16.unpack_from(data, at)[0], at + 2
    if marker == 0xCA:
        return _INT32.unpack_from(data, at)[0], at + 4
    if marker == 0xCB:
        return _INT64.unpack_from(data, at)[0], at + 8
    size, at = _size(data, at, marker)
    if 0xCC <= marker <= 0xCE:
        return bytes(data[at : at + size]), at + size
    if 0xD0 <= marker <= 0xD2:
        return data[at : at + size].decode(), at + size
    if 0xD4 <= marker <= 0xD6:
        return _unpack_list(data, at, size)
    if 0xD8 <= marker <= 0xDA:
        return _unpack_map(data, at, size)
    raise Unsupported(f"marker 0x{marker:02X}")


def _size(data: bytes | bytearray, at: int, marker: int) -> tuple[int, int]:
    """The size after a sized marker (8, 16 or 32 bits, by the marker's low bits)."""
    width = marker & 0x03
    if width == 0:
        return _UINT8.unpack_from(data, at)[0], at + 1
    if width == 1:
        return _UINT16.unpack_from(data, at)[0], at + 2
    return _UINT32.unpack_from(data, at)[0], at + 4


def _unpack_list(data: bytes | bytearray, at: int, size: int) -> tuple[list[Any], int]:
    items = []
    for _ in range(size):
        item, at = _unpack(data, at)
        items.append(item)
    return items, at


def _unpack_map(data: bytes | bytearray, at: int, size: int) -> tuple[dict[str, Any], int]:
    items = {}
    for _ in range(size):
        key, at = _unpack(data, at)
        items[key], at = _unpack(data, at)
    return items, at


def _unpack_structure(data: bytes | bytearray, at: int, size: int) -> tuple[Any, int]:
    tag = data[at]
    fields, at = _unpack_list(data, at + 1, size)
    return _structure(tag, fields), at


def _structure(tag: int, fields: list[Any]) -> Any:
    """A decoded structure: a temporal value hydrated, a message kept, anything else
    `Unsupported`."""
    hydrate = HYDRATORS.get(tag)
    if hydrate is not None:
        return hydrate(*fields)
    if tag in MESSAGES:
        return Structure(tag, fields)
    raise Unsupported(f"structure 0x{tag:02X}")


def _from_rust(decoded: Any) -> Any:
    """The Rust decoder hands every structure here (its tag as one byte)."""
    return _structure(decoded.tag[0], decoded.fields)


# Bolt's messages from the server (SUCCESS, RECORD, IGNORED, FAILURE): kept as structures.
MESSAGES = frozenset({0x70, 0x71, 0x7E, 0x7F})
# Temporal values of Bolt 5 (date, times, UTC date-times, duration), as the driver's.
HYDRATORS: dict[int, Callable[..., Any]] = {
    0x44: hydrate_v1.hydrate_date,
    0x54: hydrate_v1.hydrate_time,
    0x74: hydrate_v1.hydrate_time,
    0x49: hydrate_v2.hydrate_datetime,
    0x69: hydrate_v2.hydrate_datetime,
    0x64: hydrate_v1.hydrate_datetime,
    0x45: hydrate_v1.hydrate_duration,
}
_RUST_HOOKS = {_RUST_STRUCTURE: _from_rust}  # the driver's key for "any structure"
