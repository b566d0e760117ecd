"""Refunds, settlement and the scheduler against the real Neo4j (SPEC §3.5)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from app.scheduler import settle_periodically
from app.settings import default_policy
from domain.errors import BadUserInput, Conflict, NotFound
from domain.models import Actor, CommissionStatus, Status
from domain.pagination import Window
from graph.db import Database
from graph.money import ledger, refunds, settlement, withdrawals
from graph.tree import admin
from tests.helpers import NOW, assert_ledger_consistent, chain, record_order

ADMIN = Actor(subject="test-admin", role="ADMIN")
DUE = NOW + timedelta(days=7)

COMMISSIONS_OF = """
MATCH (c:Commission) WHERE c.orderId = $id
RETURN c.status AS status, c.amount AS amount ORDER BY c.level
"""


async def _commissions(db: Database, order_id: str) -> list[tuple[str, int]]:
    return [(r["status"], r["amount"]) for r in await db.read(COMMISSIONS_OF, id=order_id)]


async def _settle_order(db: Database, order_id: str) -> None:
    """Settle just this order's commissions (other tests' pending ones stay as they are)."""
    await db.driver.execute_query(
        "MATCH (c:Commission {orderId: $id}) SET c.dueAt = $due",
        id=order_id,
        due=NOW - timedelta(days=3650),
        database_=db.name,
    )
    await settlement.settle(db, as_of=NOW - timedelta(days=3649), now=NOW)


async def test_partial_refund_reduces_pending_commissions_in_proportion(
    db: Database, uid: str
) -> None:
    ids = await chain(db, uid, 3)
    await record_order(db, f"{uid}-o", ids[2], 9_999)  # 1,499 and 499
    order = await refunds.refund(
        db, order_id=f"{uid}-o", refund_id=f"{uid}-r1", amount_fen=3_333, now=NOW
    )
    # remaining 6,666 of 9,999: floor(1,499 × 6,666 / 9,999) = 999; floor(499 × …) = 332
    assert [999, 332] == [c.amount_fen for c in order.commissions]
    assert 3_333 == order.refunded_fen
    assert 999 == (await ledger.balance(db, distributor_id=ids[1])).pending_fen
    await assert_ledger_consistent(db, ids)


async def test_full_refund_cancels_pending_commissions(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 3)
    await record_order(db, f"{uid}-o", ids[2], 10_000)
    await refunds.refund(db, order_id=f"{uid}-o", refund_id=f"{uid}-r1", amount_fen=4_000, now=NOW)
    await refunds.refund(db, order_id=f"{uid}-o", refund_id=f"{uid}-r2", amount_fen=6_000, now=NOW)
    assert [("CANCELLED", 0), ("CANCELLED", 0)] == await _commissions(db, f"{uid}-o")
    assert 0 == (await ledger.balance(db, distributor_id=ids[1])).pending_fen
    await assert_ledger_consistent(db, ids)


async def test_refunds_replayed_twice_take_money_once(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 2)
    await record_order(db, f"{uid}-o", ids[1], 10_000)
    for _ in range(2):
        await asyncio.gather(
            refunds.refund(
                db, order_id=f"{uid}-o", refund_id=f"{uid}-r", amount_fen=5_000, now=NOW
            ),
            refunds.refund(
                db, order_id=f"{uid}-o", refund_id=f"{uid}-r", amount_fen=5_000, now=NOW
            ),
        )
    assert [("PENDING", 750)] == await _commissions(db, f"{uid}-o")
    await assert_ledger_consistent(db, ids)


async def test_refund_id_reused_with_another_amount_is_a_conflict(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 2)
    await record_order(db, f"{uid}-o", ids[1], 10_000)
    await refunds.refund(db, order_id=f"{uid}-o", refund_id=f"{uid}-r", amount_fen=100, now=NOW)
    with pytest.raises(Conflict):
        await refunds.refund(db, order_id=f"{uid}-o", refund_id=f"{uid}-r", amount_fen=200, now=NOW)


async def test_refunding_more_than_remains_is_refused(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 2)
    await record_order(db, f"{uid}-o", ids[1], 10_000)
    await refunds.refund(db, order_id=f"{uid}-o", refund_id=f"{uid}-r1", amount_fen=6_000, now=NOW)
    with pytest.raises(BadUserInput, match=r"40\.00 that remains"):
        await refunds.refund(
            db, order_id=f"{uid}-o", refund_id=f"{uid}-r2", amount_fen=4_001, now=NOW
        )
    with pytest.raises(NotFound):
        await refunds.refund(db, order_id=f"{uid}-x", refund_id=f"{uid}-r3", amount_fen=1, now=NOW)


async def test_settlement_moves_due_commissions_to_available_once(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 3)
    await record_order(db, f"{uid}-o", ids[2], 10_000)
    await _settle_order(db, f"{uid}-o")
    await _settle_order(db, f"{uid}-o")  # idempotent
    assert [("SETTLED", 1_500), ("SETTLED", 500)] == await _commissions(db, f"{uid}-o")
    balance = await ledger.balance(db, distributor_id=ids[1])
    assert (0, 1_500) == (balance.pending_fen, balance.available_fen)
    await assert_ledger_consistent(db, ids)


async def test_nothing_settles_before_the_freeze_period_ends(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 2)
    paid = NOW + timedelta(days=3000)  # far from every other test's orders
    await record_order(db, f"{uid}-o", ids[1], 10_000, paid_at=paid)
    await settlement.settle(db, as_of=paid + timedelta(days=7) - timedelta(seconds=1), now=NOW)
    assert [("PENDING", 1_500)] == await _commissions(db, f"{uid}-o")
    await settlement.settle(db, as_of=paid + timedelta(days=7), now=NOW)
    assert [("SETTLED", 1_500)] == await _commissions(db, f"{uid}-o")


async def test_frozen_beneficiaries_wait_for_settlement(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 2)
    await record_order(db, f"{uid}-o", ids[1], 10_000)
    await admin.set_status(db, distributor_id=ids[0], status=Status.FROZEN, reason="t", actor=ADMIN)
    await _settle_order(db, f"{uid}-o")
    assert [("PENDING", 1_500)] == await _commissions(db, f"{uid}-o")
    await admin.set_status(db, distributor_id=ids[0], status=Status.ACTIVE, reason="t", actor=ADMIN)
    await _settle_order(db, f"{uid}-o")
    assert [("SETTLED", 1_500)] == await _commissions(db, f"{uid}-o")


async def test_refund_after_settlement_claws_back_below_zero(db: Database, uid: str) -> None:
    """Settled, then withdrawn-from (held), then fully refunded: the clawback takes the
    available balance below zero and the commission stays SETTLED at 0."""
    ids = await chain(db, uid, 2)
    await record_order(db, f"{uid}-o", ids[1], 10_000)
    await _settle_order(db, f"{uid}-o")
    await withdrawals.request(
        db,
        distributor_id=ids[0],
        amount_fen=1_000,
        idempotency_key="k",
        policy=default_policy(),
        now=NOW,
    )
    order = await refunds.refund(
        db, order_id=f"{uid}-o", refund_id=f"{uid}-r", amount_fen=10_000, now=NOW
    )
    assert [(CommissionStatus.SETTLED, 0)] == [(c.status, c.amount_fen) for c in order.commissions]
    assert 500 - 1_500 == (await ledger.balance(db, distributor_id=ids[0])).available_fen
    entries = await ledger.history(db, distributor_id=ids[0], window=Window(True, 10))
    assert "CLAWBACK" in {r.node.kind for r in entries.rows}
    await assert_ledger_consistent(db, ids)


async def test_scheduler_settles_what_is_due(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 2)
    paid = NOW + timedelta(days=6000)
    await record_order(db, f"{uid}-o", ids[1], 10_000, paid_at=paid)
    stop = asyncio.Event()
    task = asyncio.create_task(
        settle_periodically(db, interval=0.05, clock=lambda: paid + timedelta(days=8), stop=stop)
    )
    try:
        for _ in range(200):
            if [("SETTLED", 1_500)] == await _commissions(db, f"{uid}-o"):
                break
            await asyncio.sleep(0.05)
        assert [("SETTLED", 1_500)] == await _commissions(db, f"{uid}-o")
    finally:
        stop.set()
        await task
