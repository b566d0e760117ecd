"""HIGH_REFUND_RATE as a pure rule: the share by amount, the order minimum, the score."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.fraud.refunds import high_refund_rate, refund_rate_score
from domain.models import RefundRate


def rate(orders: int, amount: int, refunded: int) -> RefundRate:
    return RefundRate(
        orders=orders, refunded_orders=min(orders, 1), amount_fen=amount, refunded_fen=refunded
    )


def test_share_is_refunded_amount_over_paid_amount() -> None:
    assert 0.25 == rate(10, 40_000, 10_000).rate
    assert 0.0 == rate(0, 0, 0).rate


def test_fires_at_ten_orders_above_the_limit_only() -> None:
    assert high_refund_rate(rate(10, 10_000, 3_001), limit=0.30)
    assert not high_refund_rate(rate(10, 10_000, 3_000), limit=0.30)  # at the limit: no
    assert not high_refund_rate(rate(9, 10_000, 9_000), limit=0.30)  # too few orders


def test_score_is_40_above_the_limit_and_grows_with_the_excess() -> None:
    assert 40 == refund_rate_score(rate(10, 10_000, 3_001), limit=0.30)
    assert 60 == refund_rate_score(rate(10, 10_000, 5_000), limit=0.30)
    assert 100 == refund_rate_score(rate(10, 10_000, 10_000), limit=0.30)


@given(st.integers(1, 10**9), st.data(), st.floats(0.01, 0.99))
def test_score_stays_within_0_and_100(amount: int, data: st.DataObject, limit: float) -> None:
    refunded = data.draw(st.integers(0, amount))
    score = refund_rate_score(rate(10, amount, refunded), limit=limit)
    assert 0 <= score <= 100
    assert 0.0 <= rate(10, amount, refunded).rate <= 1.0
