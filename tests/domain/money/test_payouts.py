"""Pure rules of faster payouts and the finance files (SPEC §10)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import BadUserInput
from domain.money.statements import (
    PayoutLine,
    TaxLine,
    check_month,
    month_ended,
    payouts_csv,
    tax_csv,
)
from domain.money.withdrawals import AUTO_APPROVE_MAX_SCORE, auto_approves

fen = st.integers(min_value=0, max_value=10**12)


@given(amount=fen, limit=fen, alert=st.booleans(), score=st.integers(0, 100))
def test_auto_approval_needs_a_limit_a_small_amount_no_alert_and_a_low_score(
    amount: int, limit: int, alert: bool, score: int
) -> None:
    expected = limit > 0 and amount <= limit and not alert and score < AUTO_APPROVE_MAX_SCORE
    assert expected == auto_approves(
        amount_fen=amount, limit_fen=limit, open_alert=alert, top_signal_score=score
    )


def test_auto_approval_edges() -> None:
    assert auto_approves(amount_fen=100, limit_fen=100, open_alert=False, top_signal_score=59)
    assert not auto_approves(amount_fen=100, limit_fen=100, open_alert=False, top_signal_score=60)
    assert not auto_approves(amount_fen=101, limit_fen=100, open_alert=False, top_signal_score=0)
    assert not auto_approves(amount_fen=1, limit_fen=0, open_alert=False, top_signal_score=0)
    assert not auto_approves(amount_fen=1, limit_fen=100, open_alert=True, top_signal_score=0)


@pytest.mark.parametrize(
    "bad", ["2026-13", "2026-00", "2026-1", "26-11", "2026/11", "", " 2026-11"]
)
def test_a_bad_month_is_bad_user_input(bad: str) -> None:
    with pytest.raises(BadUserInput):
        check_month(bad)


def test_months_end_in_china_time() -> None:
    assert "2026-11" == check_month("2026-11")
    # 2026-11-30T16:00Z is already 2026-12-01 00:00 in China.
    assert month_ended("2026-11", datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    assert not month_ended("2026-11", datetime(2026, 11, 30, 15, 59, tzinfo=UTC))


def test_the_files_are_csv_in_yuan() -> None:
    payouts = payouts_csv([PayoutLine("w-1", "d-1", 12345, "6222, 1")])
    assert 'withdrawal_id,distributor_id,net,payment_account\r\nw-1,d-1,123.45,"6222, 1"\r\n' == (
        payouts
    )
    tax = tax_csv("2026-11", [TaxLine("d-1", 3, 3000000, 0, 520000, 2480000)])
    assert tax.endswith("2026-11,d-1,3,30000.00,0.00,5200.00,24800.00\r\n")
