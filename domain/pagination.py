"""Opaque keyset cursors for downline pages.

A cursor names the last row of a page by its position (level, path) and the root it
belongs to, so the next page continues after that row however many rows were inserted
meanwhile, and a cursor from another distributor's downline is refused.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from domain.errors import BadUserInput


@dataclass(frozen=True, slots=True)
class DownlineCursor:
    root_key: str
    level: int
    path: str


def encode_cursor(cursor: DownlineCursor) -> str:
    raw = json.dumps([cursor.root_key, cursor.level, cursor.path], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str, *, root_key: str) -> DownlineCursor:
    """Parse `text`; BAD_USER_INPUT if it is malformed or from another downline."""
    try:
        padded = text + "=" * (-len(text) % 4)
        root, level, path = json.loads(base64.urlsafe_b64decode(padded.encode()))
        cursor = DownlineCursor(root_key=str(root), level=int(level), path=str(path))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadUserInput("after is not a cursor returned by this downline.") from None
    if cursor.root_key != root_key:
        raise BadUserInput("after is a cursor from a different distributor's downline.")
    return cursor


def encode_keyset(*values: int | str) -> str:
    """An opaque cursor for the last row of a page, from its sort key."""
    raw = json.dumps(list(values), separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_keyset(text: str) -> tuple[int, str]:
    """The (number, id) sort key of an `encode_keyset` cursor; BAD_USER_INPUT otherwise."""
    try:
        padded = text + "=" * (-len(text) % 4)
        number, key = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(number, int) or not isinstance(key, str):
            raise ValueError(text)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadUserInput("after is not a cursor returned by this list.") from None
    return number, key
