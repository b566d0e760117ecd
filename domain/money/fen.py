"""Money as integer fen, and its decimal-string form ("12.34", CNY)."""

from __future__ import annotations

import re

from domain.errors import BadUserInput

MONEY_PATTERN = re.compile(r"(0|[1-9][0-9]{0,11})\.[0-9]{2}")


def format_fen(fen: int) -> str:
    """12345 -> "123.45"; -5 -> "-0.05"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def parse_money(text: str) -> int:
    """ "123.45" -> 12345 fen. Exactly two decimals (SPEC §3.5): "12", "12.3",
    "12.345", negative amounts and non-numbers fail."""
    if not isinstance(text, str) or not MONEY_PATTERN.fullmatch(text):
        raise BadUserInput(
            f"Money must be a non-negative decimal string with exactly two decimals "
            f'and at most 12 digits before the point, like "12.34" (got {str(text)[:40]!r}).'
        )
    whole, _, cents = text.partition(".")
    return int(whole) * 100 + int(cents)
