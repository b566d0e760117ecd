"""Open withdrawal requests on the demo network, so the admins' queue in the Explorer
has something to decide after `make run`. The demo's first distributors head its largest
teams and earn the most; each of them with a settled balance asks a tenth of it.
A second load asks nothing new: a distributor that has withdrawn before is counted and
left alone.
"""

from __future__ import annotations

from datetime import UTC, datetime

from domain.errors import ReferralError
from domain.models import Policy
from domain.pagination import Window
from graph.db import Database
from graph.money import ledger, withdrawals

CANDIDATES = 20


async def request_withdrawals(db: Database, *, prefix: str, policy: Policy, count: int = 6) -> int:
    """Up to `count` withdrawals by the first demo distributors with money available;
    how many are open (new or replayed)."""
    now = datetime.now(UTC)
    made = 0
    for n in range(CANDIDATES):
        if made == count:
            break
        distributor_id = f"{prefix}-{n:07d}"
        asked = await withdrawals.of_distributor(
            db, distributor_id=distributor_id, window=Window(forward=True, size=1)
        )
        if asked.rows:
            made += 1  # asked by an earlier load
            continue
        available = (await ledger.balance(db, distributor_id=distributor_id)).available_fen
        amount = max(available // 10, policy.withdraw_min_fen)
        if amount > available:
            continue
        try:
            await withdrawals.request(
                db,
                distributor_id=distributor_id,
                amount_fen=amount,
                idempotency_key=f"{prefix}-demo-withdrawal",
                policy=policy,
                now=now,
            )
        except ReferralError:
            continue
        made += 1
    return made
