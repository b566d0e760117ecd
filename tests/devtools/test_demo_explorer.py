"""The demo's withdrawal requests: `make run` gives the Explorer's admin queue something
to decide (devtools.demo_explorer)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.settings import default_policy
from devtools.demo_explorer import request_withdrawals
from domain.models import WithdrawalStatus
from graph.db import Database
from graph.money import settlement, withdrawal_queue
from tests.helpers import record_order, register


async def test_demo_earners_ask_a_tenth_of_their_balance_once(db: Database, uid: str) -> None:
    earner, buyer = f"{uid}-0000000", f"{uid}-0000001"
    await register(db, earner)
    await register(db, buyer, earner)
    paid = datetime.now(UTC) - timedelta(days=10)
    await record_order(db, f"{uid}-o", buyer, 100_000, paid_at=paid)  # 15 % → 150.00
    now = datetime.now(UTC)
    await settlement.settle(db, as_of=now, now=now)
    assert 1 == await request_withdrawals(db, prefix=uid, policy=default_policy())
    assert 1 == await request_withdrawals(
        db, prefix=uid, policy=default_policy()
    )  # asks nothing new
    queue = await withdrawal_queue.totals(
        db, statuses=[WithdrawalStatus.REQUESTED], distributor_id=earner
    )
    assert 1 == queue.count
    assert 1500 == queue.amount_fen
