"""HIGH_REFUND_RATE (SPEC §10): refunds measured against a distributor's standing.

A distributor's orders, for this rule, are the orders that credited it a commission
(any level, paid in the last 90 days): those are the orders whose refunds tell on it,
fake orders placed to earn a commission or to climb a board and then refunded. The
share is by amount: refunded fen over paid fen, so a partial refund counts for what
it took back. The signal needs at least 10 such orders and a share above
`refund_rate_limit` (default 30 %); its score grows with the excess.
"""

from __future__ import annotations

from datetime import timedelta

from domain.models import RefundRate

REFUND_RATE_WINDOW = timedelta(days=90)
REFUND_RATE_MIN_ORDERS = 10


def high_refund_rate(rate: RefundRate, *, limit: float) -> bool:
    """≥ 10 orders in the window and a refunded share strictly above `limit`."""
    return rate.orders >= REFUND_RATE_MIN_ORDERS and rate.rate > limit


def refund_rate_score(rate: RefundRate, *, limit: float) -> int:
    """40 just above the limit, one point more per percentage point beyond it, at most
    100 (with the default limit a half-refunded record scores 60)."""
    return max(0, min(100, 40 + round(100 * (rate.rate - limit))))
