"""The bank's payout batch and the monthly withholding statement (SPEC §10), as CSV.

Figures are fen formatted as yuan ("12.34"); rows come sorted so a file is reproducible.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from domain.errors import BadUserInput
from domain.money.fen import format_fen
from domain.money.tax import CHINA

MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


@dataclass(frozen=True, slots=True)
class PayoutLine:
    """One APPROVED, unpaid withdrawal; `payment_account` is the opened (plain) account."""

    withdrawal_id: str
    distributor_id: str
    net_fen: int
    payment_account: str


@dataclass(frozen=True, slots=True)
class TaxLine:
    """A distributor's paid withdrawals of one tax month, summed from the ledger."""

    distributor_id: str
    withdrawals: int
    gross_fen: int
    fee_fen: int
    tax_fen: int
    net_fen: int


def check_month(text: str) -> str:
    """A "YYYY-MM" month (01-12) or BAD_USER_INPUT."""
    if not isinstance(text, str) or not MONTH.fullmatch(text):
        raise BadUserInput(
            f'A month is written "YYYY-MM", like "2026-11" (got {str(text)[:20]!r}).'
        )
    return text


def month_ended(month: str, now: datetime) -> bool:
    """Whether the tax month `month` (China time) is over at `now`."""
    return month < now.astimezone(CHINA).strftime("%Y-%m")


def _csv(header: list[str], rows: Iterable[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def payouts_csv(lines: Iterable[PayoutLine]) -> str:
    return _csv(
        ["withdrawal_id", "distributor_id", "net", "payment_account"],
        (
            [
                line.withdrawal_id,
                line.distributor_id,
                format_fen(line.net_fen),
                line.payment_account,
            ]
            for line in lines
        ),
    )


def tax_csv(month: str, lines: Iterable[TaxLine]) -> str:
    return _csv(
        ["month", "distributor_id", "withdrawals", "gross", "fee", "tax_withheld", "net"],
        (
            [
                month,
                line.distributor_id,
                str(line.withdrawals),
                format_fen(line.gross_fen),
                format_fen(line.fee_fen),
                format_fen(line.tax_fen),
                format_fen(line.net_fen),
            ]
            for line in lines
        ),
    )
