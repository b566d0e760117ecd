"""The demo's withdrawal requests: `make run` gives the Explorer's admin queue something
to decide (app.demo_explorer)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.demo_explorer import request_withdrawals
from graph import settlement, withdrawal_queue
from graph.db import Database
from graph.models import Policy, WithdrawalStatus
from tests.helpers import record_order, register


async def test_demo_earners_ask_a_tenth_of_their_balance_once(db: Database, uid: str) -> None:
    earner, buyer = f"{uid}-0000000", f"{uid}-0000001"
    await register(db, earner)
    await register(db, buyer, earner)
    paid = datetime.now(UTC) - timedelta(days=10)
    await record_order(db, f"{uid}-o", buyer, 100_000, paid_at=paid)  # 15 % → 150.00
    now = datetime.now(UTC)
    await settlement.settle(db, as_of=now, now=now)
    assert 1 == await request_withdrawals(db, prefix=uid, policy=Policy())
    assert 1 == await request_withdrawals(db, prefix=uid, policy=Policy())  # asks nothing new
    queue = await withdrawal_queue.page(
        db, statuses=[WithdrawalStatus.REQUESTED], distributor_id=earner, first=10, after=None
    )
    assert 1 == queue.total_count
    assert 1500 == queue.total_amount_fen
