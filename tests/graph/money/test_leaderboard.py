"""Leaderboards by SALES, RECRUITS and COMMISSION, and one distributor's rank (§3.7).

Each test works in a window of its own, far from other tests' data.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

from domain.models import LeaderboardMetric
from graph.db import Database
from graph.money import leaderboard, refunds
from tests.helpers import record_order, register


def _window(uid: str) -> datetime:
    return datetime(2200, 1, 1, tzinfo=UTC) + timedelta(days=zlib.crc32(uid.encode()) % 100_000)


async def test_sales_ranks_by_net_then_who_reached_it_first(db: Database, uid: str) -> None:
    start = _window(uid)
    for name in "abcd":
        await register(db, f"{uid}-{name}")
    await record_order(db, f"{uid}-1", f"{uid}-a", 5_000, paid_at=start + timedelta(hours=3))
    await record_order(db, f"{uid}-2", f"{uid}-b", 5_000, paid_at=start + timedelta(hours=1))
    await record_order(db, f"{uid}-3", f"{uid}-c", 9_000, paid_at=start + timedelta(hours=2))
    await record_order(db, f"{uid}-4", f"{uid}-d", 9_000, paid_at=start + timedelta(hours=4))
    await refunds.refund(db, order_id=f"{uid}-4", refund_id=f"{uid}-r", amount_fen=8_000, now=start)
    top = await leaderboard.top(
        db,
        metric=LeaderboardMetric.SALES,
        since=start,
        until=start + timedelta(days=1),
        first=10,
    )
    assert [(1, "c", 9_000), (2, "b", 5_000), (3, "a", 5_000), (4, "d", 1_000)] == [
        (e.rank, e.distributor_id[-1], e.value) for e in top
    ]
    mine = await leaderboard.rank_of(
        db,
        metric=LeaderboardMetric.SALES,
        distributor_id=f"{uid}-a",
        since=start,
        until=start + timedelta(days=1),
    )
    assert mine is not None and (3, 5_000) == (mine.rank, mine.value)
    nobody = await leaderboard.rank_of(
        db,
        metric=LeaderboardMetric.SALES,
        distributor_id=f"{uid}-a",
        since=start,
        until=start + timedelta(hours=1),
    )
    assert nobody is None


async def test_recruits_and_commission_boards(db: Database, uid: str) -> None:
    start = _window(uid)
    await register(db, f"{uid}-s", now=start)
    await register(db, f"{uid}-t", now=start)
    for i in range(3):
        await register(db, f"{uid}-s{i}", f"{uid}-s", now=start + timedelta(minutes=i))
    await register(db, f"{uid}-t0", f"{uid}-t", now=start + timedelta(minutes=5))
    window = {"since": start, "until": start + timedelta(days=1)}
    recruits = await leaderboard.top(db, metric=LeaderboardMetric.RECRUITS, first=2, **window)
    assert [(f"{uid}-s", 3), (f"{uid}-t", 1)] == [(e.distributor_id, e.value) for e in recruits]
    await record_order(db, f"{uid}-o", f"{uid}-t0", 10_000, paid_at=start + timedelta(hours=1))
    commission = await leaderboard.top(db, metric=LeaderboardMetric.COMMISSION, first=5, **window)
    assert [(f"{uid}-t", 1_500)] == [(e.distributor_id, e.value) for e in commission]
    mine = await leaderboard.rank_of(
        db, metric=LeaderboardMetric.RECRUITS, distributor_id=f"{uid}-t", **window
    )
    assert mine is not None and 2 == mine.rank
