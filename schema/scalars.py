"""The DateTime (ISO-8601 with offset), Money ("12.34", CNY in fen) and Decimal scalars."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

from domain.errors import BadUserInput
from domain.money.fen import format_fen, parse_money

Money = NewType("Money", int)
# A decimal number as a string: rates in percent ("15.00"), a leaderboard's value ("12.34"
# or a count, "7"). Output only; no float ever carries it.
Decimal = NewType("Decimal", str)
# Neo4j (and Java's ZoneOffset) hold offsets up to ±18:00; Python accepts up to ±23:59.
MAX_OFFSET = timedelta(hours=18)


def parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise BadUserInput("DateTime must be an ISO-8601 string with an offset.")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadUserInput(
            f"DateTime must be ISO-8601 with an offset, like 2026-01-31T08:00:00+08:00 "
            f"(got {value[:40]!r})."
        ) from None
    offset = parsed.utcoffset()
    if offset is None:
        raise BadUserInput(f"DateTime {value[:40]!r} needs an offset, like +08:00 or Z.")
    if abs(offset) > MAX_OFFSET:
        raise BadUserInput(
            f"DateTime {value[:40]!r} has an offset beyond ±18:00, which no time zone uses."
        )
    try:
        parsed.astimezone(UTC)
    except OverflowError:
        raise BadUserInput(
            f"DateTime {value[:40]!r} lies outside the years 0001-9999 once taken to UTC."
        ) from None
    return parsed


def serialize_datetime(value: datetime) -> str:
    return value.isoformat()


def serialize_money(value: int) -> str:
    return format_fen(value)


def parse_money_value(value: object) -> Money:
    return Money(parse_money(value))  # type: ignore[arg-type]


SCALARS: dict[object, ScalarDefinition] = {
    datetime: strawberry.scalar(
        name="DateTime",
        description="ISO-8601 date and time with an offset, e.g. 2026-01-31T08:00:00+08:00.",
        serialize=serialize_datetime,
        parse_value=parse_datetime,
    ),
    Decimal: strawberry.scalar(
        name="Decimal",
        description='A decimal number as a string, e.g. "15.00" (a rate in percent) or "7"; '
        "exact, never a float.",
        serialize=str,
        parse_value=str,
    ),
    Money: strawberry.scalar(
        name="Money",
        description='CNY as a decimal string with exactly two places, e.g. "12.34".',
        serialize=serialize_money,
        parse_value=parse_money_value,
    ),
}
