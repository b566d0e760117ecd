"""Refund rates over 90 days and the HIGH_REFUND_RATE signal on the real Neo4j (SPEC §10).

`sponsor` earns the level-1 commission of every order its recruit `buyer` places; those
orders are the sponsor's record. Amounts are 100.00 an order, so shares are round.
"""

from __future__ import annotations

from datetime import timedelta

from app.settings import default_policy
from domain.models import FraudSignal, RefundRate
from graph.db import Database
from graph.fraud import refund_rate
from graph.fraud import signals as fraud_signals
from graph.money import refunds
from tests.helpers import NOW, record_order, register

ORDER_FEN = 10_000


async def team(db: Database, uid: str, *, orders: int, paid_days_ago: int = 1) -> list[str]:
    """top → sponsor → buyer; `orders` orders of the buyer, paid `paid_days_ago` days
    before NOW. Returns the order ids."""
    await register(db, f"{uid}-top")
    await register(db, f"{uid}-sponsor", f"{uid}-top")
    await register(db, f"{uid}-buyer", f"{uid}-sponsor")
    ids = [f"{uid}-o{k}" for k in range(orders)]
    for k, order_id in enumerate(ids):
        paid_at = NOW - timedelta(days=paid_days_ago, minutes=k)
        await record_order(db, order_id, f"{uid}-buyer", ORDER_FEN, paid_at=paid_at)
    return ids


async def refund(db: Database, order_id: str, fen: int = ORDER_FEN) -> None:
    await refunds.refund(
        db, order_id=order_id, refund_id=f"{order_id}-back", amount_fen=fen, now=NOW
    )


async def high_refund_rate(db: Database, who: str, **policy: float) -> FraudSignal | None:
    found = await fraud_signals.signals(
        db, distributor_id=who, policy=default_policy(**policy), now=NOW
    )
    return next((s for s in found if s.kind == "HIGH_REFUND_RATE"), None)


async def test_rate_is_the_refunded_share_by_amount_of_the_orders_that_paid_it(
    db: Database, uid: str
) -> None:
    orders = await team(db, uid, orders=10)
    await refund(db, orders[0])
    await refund(db, orders[1], fen=ORDER_FEN // 2)
    sponsor, top, buyer = await refund_rate.rates(
        db, ids=[f"{uid}-sponsor", f"{uid}-top", f"{uid}-buyer"], now=NOW
    )
    assert (
        RefundRate(orders=10, refunded_orders=2, amount_fen=100_000, refunded_fen=15_000) == sponsor
    )
    assert 0.15 == sponsor.rate
    assert sponsor == top, "level 2 earns on the same orders (commission_levels 2)"
    assert 0 == buyer.orders, "the buyer's own orders pay it nothing (no self-purchase)"


async def test_orders_older_than_90_days_are_left_out(db: Database, uid: str) -> None:
    orders = await team(db, uid, orders=10, paid_days_ago=91)
    for order_id in orders:
        await refund(db, order_id)
    (rate,) = await refund_rate.rates(db, ids=[f"{uid}-sponsor"], now=NOW)
    assert (0, 0.0) == (rate.orders, rate.rate)
    assert await high_refund_rate(db, f"{uid}-sponsor") is None


async def test_signal_fires_above_the_limit_with_the_refunded_orders_as_evidence(
    db: Database, uid: str
) -> None:
    orders = await team(db, uid, orders=10)
    for order_id in orders[:3]:
        await refund(db, order_id)
    await refund(db, orders[3], fen=ORDER_FEN // 2)  # 35 % refunded
    signal = await high_refund_rate(db, f"{uid}-sponsor")
    assert signal is not None
    assert 45 == signal.score
    assert "35.0% refunded" in signal.evidence and "10 orders" in signal.evidence
    assert set(orders[:4]) == {n.id for n in signal.nodes if n.label == "Order"}
    assert {(f"{uid}-buyer", o) for o in orders[:4]} == {
        (e.source, e.target) for e in signal.edges if e.type == "PLACED"
    }
    assert await high_refund_rate(db, f"{uid}-sponsor", refund_rate_limit=0.35) is None


async def test_signal_needs_ten_orders(db: Database, uid: str) -> None:
    orders = await team(db, uid, orders=9)
    for order_id in orders:
        await refund(db, order_id)
    (rate,) = await refund_rate.rates(db, ids=[f"{uid}-sponsor"], now=NOW)
    assert 1.0 == rate.rate
    assert await high_refund_rate(db, f"{uid}-sponsor") is None


async def test_signal_at_exactly_the_limit_does_not_fire(db: Database, uid: str) -> None:
    orders = await team(db, uid, orders=10)
    for order_id in orders[:3]:
        await refund(db, order_id)  # 30 %
    assert await high_refund_rate(db, f"{uid}-sponsor") is None
    await refund(db, orders[3], fen=1)  # one fen more
    assert await high_refund_rate(db, f"{uid}-sponsor") is not None
