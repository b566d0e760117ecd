"""Neo4j's time values and Python's: epoch milliseconds (cheap to hydrate) and DateTime."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from neo4j.time import DateTime as Neo4jDateTime


def epoch_ms(value: datetime) -> int:
    return round(value.timestamp() * 1000)


def from_epoch_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def to_datetime(value: Any) -> datetime:
    if isinstance(value, Neo4jDateTime):
        native: datetime = value.to_native()
        return native
    if isinstance(value, datetime):
        return value
    raise TypeError(f"expected a DateTime, got {type(value).__name__}")
