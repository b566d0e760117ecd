"""Day totals of the team roll-ups (graph/tree/team_day_totals.py) against the real Neo4j:
built only for days over whose 32 buckets exist, they stay their buckets' sums after
orders (late ones too), refunds, registrations and moves, also while they are being
built, and team metrics read them and still equal a walk of the tree and its orders."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from domain.tree.team_days import day_of
from graph.db import Database
from graph.money import refunds
from graph.tree import team, team_day_totals
from graph.tree.distributors import require
from tests.graph.tree.test_team_days import _assert_metrics_walk, _move, _windows
from tests.helpers import (
    NOW,
    assert_team_days_consistent,
    assert_tree_consistent,
    chain,
    record_order,
    register,
)

DAY = day_of(int(NOW.timestamp() * 1000))

TOTALS = """
MATCH (s:TeamDayTotal) WHERE s.ancestorId IN $ids
RETURN s.ancestorId + '|' + toString(s.level) AS team, s.day AS day ORDER BY team
"""


async def _full_day(db: Database, uid: str) -> tuple[list[str], list[str]]:
    """a0 -> a1 -> a2 with 40 members under a2 who join a millisecond apart (all 32
    buckets of the day for a2, a1 and a0), each with an order and a recruit of their own
    that day; returns the chain and everyone."""
    a = await chain(db, f"{uid}-a", 3)
    members = [
        (await register(db, f"{uid}-m{k}", a[2], now=NOW + timedelta(milliseconds=k))).id
        for k in range(40)
    ]
    for k, member in enumerate(members):
        await record_order(db, f"{uid}-o{k}", member, 1_000 + k, paid_at=NOW + timedelta(hours=1))
        await register(db, f"{uid}-r{k}", member, now=NOW + timedelta(hours=2, milliseconds=k))
    return a, [*a, *members, *(f"{uid}-r{k}" for k in range(40))]


async def _totals(db: Database, ids: list[str]) -> list[tuple[str, int]]:
    return [(r["team"], r["day"]) for r in await db.read(TOTALS, ids=ids)]


async def test_a_day_over_gets_totals_that_follow_every_later_write(db: Database, uid: str) -> None:
    a, everyone = await _full_day(db, uid)
    assert await _totals(db, a) == []
    await team_day_totals.build(db, today=DAY)  # the day is not over: no total yet
    assert await _totals(db, a) == []

    await team_day_totals.build(db, today=DAY + 1)
    assert await _totals(db, a) == [
        (f"{a[0]}|3", DAY),
        (f"{a[1]}|2", DAY),
        (f"{a[1]}|3", DAY),
        (f"{a[2]}|1", DAY),
        (f"{a[2]}|2", DAY),
    ]
    await assert_team_days_consistent(db, everyone)
    for root in a:
        await _assert_metrics_walk(db, root, _windows())

    # a late order of the day, a refund, a recruit who joins that day, and moves
    await record_order(db, f"{uid}-late", f"{uid}-m7", 2_500, paid_at=NOW + timedelta(hours=6))
    await record_order(db, f"{uid}-new", f"{uid}-r3", 900, paid_at=NOW + timedelta(hours=7))
    await refunds.refund(db, order_id=f"{uid}-o3", refund_id=f"{uid}-x3", amount_fen=1_003, now=NOW)
    await refunds.refund(db, order_id=f"{uid}-o4", refund_id=f"{uid}-x4", amount_fen=4, now=NOW)
    await register(db, f"{uid}-late-r", f"{uid}-m9", now=NOW + timedelta(hours=8))
    everyone.append(f"{uid}-late-r")
    await assert_team_days_consistent(db, everyone)
    for k in (5, 6, 37):
        await _move(db, f"{uid}-m{k}", under=a[0])
    await assert_tree_consistent(db, everyone)
    await assert_team_days_consistent(db, everyone)
    for root in a:
        await _assert_metrics_walk(db, root, _windows())
    await _move(db, f"{uid}-m5", under=a[2])
    await assert_team_days_consistent(db, everyone)
    for root in a:
        await _assert_metrics_walk(db, root, _windows())


async def test_days_without_all_their_buckets_get_no_total(db: Database, uid: str) -> None:
    a = await chain(db, f"{uid}-a", 3)
    for k in range(5):
        await record_order(db, f"{uid}-o{k}", a[2], 100, paid_at=NOW + timedelta(days=k))
    await team_day_totals.build(db, today=DAY + 10)
    assert await _totals(db, a) == []


async def test_team_metrics_read_the_totals(db: Database, uid: str) -> None:
    """A total changed by hand changes the metrics: the whole days are read from it."""
    a, _ = await _full_day(db, uid)
    await team_day_totals.build(db, today=DAY + 1)
    root = await require(db, distributor_id=a[2])
    since, until = NOW.replace(hour=0), NOW.replace(hour=0) + timedelta(days=1)
    before = await team.metrics(db, root=root, depth=1, since=since, until=until)
    await db.driver.execute_query(
        "MATCH (s:TeamDayTotal {key: $key}) SET s.sales = s.sales + 1",
        {"key": f"{a[2]}|1|{DAY}"},
        database_=db.name,
    )
    after = await team.metrics(db, root=root, depth=1, since=since, until=until)
    assert after.team_sales_fen == before.team_sales_fen + 1


async def test_totals_built_while_orders_and_refunds_land_stay_exact(
    db: Database, uid: str
) -> None:
    a, everyone = await _full_day(db, uid)
    await asyncio.gather(
        team_day_totals.build(db, today=DAY + 1),
        *(
            record_order(
                db, f"{uid}-c{k}", f"{uid}-m{k}", 300, paid_at=NOW + timedelta(hours=3, minutes=k)
            )
            for k in range(0, 40, 3)
        ),
        *(
            refunds.refund(
                db, order_id=f"{uid}-o{k}", refund_id=f"{uid}-x{k}", amount_fen=500, now=NOW
            )
            for k in range(1, 40, 4)
        ),
    )
    assert len(await _totals(db, a)) == 5
    await assert_team_days_consistent(db, everyone)
    for root in a:
        await _assert_metrics_walk(db, root, _windows())


async def test_the_migration_builds_the_totals_of_days_already_stored(
    db: Database, uid: str
) -> None:
    a, everyone = await _full_day(db, uid)
    async with db.driver.session(database=db.name) as session:
        await (await session.run(team_day_totals.BUILD_ALL)).consume()
        assert len(await _totals(db, a)) == 5
        await (await session.run(team_day_totals.BUILD_ALL)).consume()  # idempotent
    assert len(await _totals(db, a)) == 5
    await assert_team_days_consistent(db, everyone)
    for root in a:
        await _assert_metrics_walk(db, root, _windows())
