"""Money as integer fen, and its decimal-string form ("12.34", CNY)."""

from __future__ import annotations

import re

from domain.errors import BadUserInput

MONEY_PATTERN = re.compile(r"(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?")


def format_fen(fen: int) -> str:
    """12345 -> "123.45"; -5 -> "-0.05"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def parse_money(text: str) -> int:
    """ "123.45" -> 12345 fen. Negative, more than two decimals or non-numbers fail."""
    if not isinstance(text, str) or not MONEY_PATTERN.fullmatch(text):
        raise BadUserInput(
            f"Money must be a non-negative decimal string with at most two decimals "
            f'and at most 12 digits before the point, like "12.34" (got {str(text)[:40]!r}).'
        )
    whole, _, cents = text.partition(".")
    return int(whole) * 100 + int(cents.ljust(2, "0") or "0")
