"""Team bonus (团队业绩分红, SPEC §10): a TEAM_LEADER earns floor(rate × net team sales
of the month) over its team within `commission_levels` (never deeper)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

from domain.errors import BadUserInput
from domain.money.statements import check_month, month_ended
from domain.money.tax import CHINA

MAX_RATE = Decimal("0.10")


def team_bonus_fen(rate: Decimal, team_sales_fen: int) -> int:
    """`floor(rate × net team sales)`; nothing on a month without net sales."""
    return max(0, math.floor(Fraction(rate) * team_sales_fen))


def month_window(month: str) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of `month`, China time, as UTC."""
    year, number = int(month[:4]), int(month[5:7])
    start = datetime(year, number, 1, tzinfo=CHINA)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=CHINA)
    return start.astimezone(UTC), end.astimezone(UTC)


def check_ended_month(month: str, now: datetime) -> str:
    """A well-formed month that is over (China time), else BAD_USER_INPUT."""
    checked = check_month(month)
    if not month_ended(checked, now):
        raise BadUserInput(f"The month {checked} has not ended yet; settle it once it has.")
    return checked


def ledger_ref(month: str, leader_id: str) -> str:
    return f"team-bonus:{month}:{leader_id}"
