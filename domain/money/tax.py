"""Withdrawal fees and income-tax withholding for 劳务报酬 (SPEC §3.6), in integer fen.

The tax is computed on the month's cumulative gross G of a distributor's withdrawals,
exactly (with fractions), and floored to the fen once at the end:

    G ≤ 800            → 0
    G ≤ 4,000          → taxable = G − 800
    otherwise          → taxable = G × 80 %
    taxable ≤ 20,000   → tax = taxable × 20 %
    taxable ≤ 50,000   → tax = taxable × 30 % − 2,000
    otherwise          → tax = taxable × 40 % − 7,000

A withdrawal withholds the month's tax so far minus what was already withheld this
month (never less than zero).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

YUAN = 100  # fen
CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


def monthly_tax_fen(gross_fen: int) -> int:
    """The tax due on a month's cumulative gross of `gross_fen`."""
    if gross_fen <= 800 * YUAN:
        return 0
    taxable = (
        Fraction(gross_fen - 800 * YUAN)
        if gross_fen <= 4_000 * YUAN
        else Fraction(gross_fen) * Fraction(80, 100)
    )
    if taxable <= 20_000 * YUAN:
        tax = taxable * Fraction(20, 100)
    elif taxable <= 50_000 * YUAN:
        tax = taxable * Fraction(30, 100) - 2_000 * YUAN
    else:
        tax = taxable * Fraction(40, 100) - 7_000 * YUAN
    return math.floor(tax)


def withholding_fen(*, gross_before_fen: int, withheld_before_fen: int, amount_fen: int) -> int:
    """The tax to withhold on a withdrawal of `amount_fen` given the month so far."""
    due = monthly_tax_fen(gross_before_fen + amount_fen)
    return max(0, due - withheld_before_fen)


def fee_fen(amount_fen: int, rate: Decimal) -> int:
    """`floor(amount × rate)` to the fen."""
    return math.floor(Fraction(amount_fen) * Fraction(rate))


def tax_month(at: datetime) -> str:
    """The calendar month (China time) a withdrawal counts towards, e.g. "2026-11"."""
    return at.astimezone(CHINA).strftime("%Y-%m")


def month_start(at: datetime) -> datetime:
    """The first instant of `at`'s month in China time, as UTC."""
    local = at.astimezone(CHINA)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def reprice(withdrawals: list[tuple[int, int, bool]]) -> list[int]:
    """The month's withholdings again, after a withdrawal left the month (rejected).

    `withdrawals` are the month's remaining ones in request order as (amount, tax,
    paid); a paid one keeps its tax, every other one withholds the month's tax so far
    minus what the ones before it withhold.
    """
    gross = withheld = 0
    taxes: list[int] = []
    for amount, tax, paid in withdrawals:
        if not paid:
            tax = withholding_fen(
                gross_before_fen=gross, withheld_before_fen=withheld, amount_fen=amount
            )
        taxes.append(tax)
        gross += amount
        withheld += tax
    return taxes
