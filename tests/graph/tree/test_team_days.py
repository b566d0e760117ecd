"""Daily team roll-ups (graph/tree/team_days.py) and the upline read by path prefix,
against the real Neo4j: team metrics equal a walk of the tree and its orders after
orders, refunds, registrations, binds and reassignments; upline and the commission
split never answer from before a reassignment, a freeze or a rank change."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from app.settings import default_policy
from domain.models import (
    Actor,
    BindMode,
    CommissionStatus,
    Distributor,
    NewOrder,
    OrderItem,
    Rank,
    Status,
)
from domain.tree.paths import descendant_range
from graph.db import Database
from graph.money import orders, refunds, settlement
from graph.money.order_rows import fingerprint, order_row
from graph.tree import admin, registration, team, team_days
from graph.tree.distributors import require
from tests.helpers import (
    NOW,
    assert_ledger_consistent,
    assert_team_days_consistent,
    assert_tree_consistent,
    chain,
    record_order,
    register,
)

ADMIN = Actor(subject="admin-1", role="ADMIN")

# A team's figures recomputed from the tree and the orders themselves (no stamps, no
# roll-ups): members by path range and depth, their orders by the PLACED edge.
WALKED_METRICS = """
MATCH (m:Distributor)
WHERE m.path > $lo AND m.path < $hi AND m.depth > $depth AND m.depth <= $depth + 3
OPTIONAL MATCH (m)-[:PLACED]->(o:Order) WHERE o.paidAt >= $since AND o.paidAt < $until
WITH m, collect(o) AS placed
RETURN sum(CASE WHEN m.joinedAt >= $since AND m.joinedAt < $until THEN 1 ELSE 0 END)
         AS newMembers,
       sum(CASE WHEN any(o IN placed WHERE o.net > 0) THEN 1 ELSE 0 END) AS activeMembers,
       sum(reduce(s = 0, o IN placed | s + o.net)) AS teamSales
"""


# The root's own commissions per status, from the commissions themselves.
WALKED_COMMISSIONS = """
MATCH (c:Commission) WHERE c.beneficiaryId = $id AND c.paidAt >= $since AND c.paidAt < $until
RETURN c.status AS status,
       sum(CASE c.status WHEN 'CANCELLED' THEN c.original ELSE c.amount END) AS amount
"""


async def _move(db: Database, distributor_id: str, *, under: str) -> None:
    """An admin's `reassignSponsor` of `distributor_id` to `under`."""
    await registration.reassign(
        db,
        distributor_id=distributor_id,
        sponsor_id=under,
        reason="test",
        actor=ADMIN,
        now=NOW,
        team_leader_recruits=10,
    )


async def _assert_metrics_walk(
    db: Database, root_id: str, windows: list[tuple[datetime, datetime]]
) -> None:
    root = await require(db, distributor_id=root_id)
    lo, hi = descendant_range(root.path)
    for since, until in windows:
        found = await team.metrics(db, root=root, depth=3, since=since, until=until)
        walked = (
            await db.read(WALKED_METRICS, lo=lo, hi=hi, depth=root.depth, since=since, until=until)
        )[0]
        assert (found.new_members, found.active_members, found.team_sales_fen) == (
            walked["newMembers"],
            walked["activeMembers"],
            walked["teamSales"],
        ), (root_id, since, until)
        paid = await db.read(WALKED_COMMISSIONS, id=root_id, since=since, until=until)
        by_status = {r["status"]: r["amount"] for r in paid}
        assert {c.status.value: c.amount_fen for c in found.commissions} == {
            s.value: by_status.get(s.value, 0) for s in CommissionStatus
        }, (root_id, since, until)


def _windows() -> list[tuple[datetime, datetime]]:
    """Whole days, partial days at both ends, a window inside one day, an empty one."""
    day = NOW.replace(hour=0)
    return [
        (day - timedelta(days=1), day + timedelta(days=40)),
        (NOW, NOW + timedelta(days=10, hours=3)),
        (NOW + timedelta(hours=1), NOW + timedelta(hours=5)),
        (NOW + timedelta(days=2, minutes=7), NOW + timedelta(days=2, minutes=8)),
        (day + timedelta(days=3), day + timedelta(days=3)),
    ]


async def test_team_metrics_equal_a_walk_after_orders_refunds_and_moves(
    db: Database, uid: str
) -> None:
    a = await chain(db, f"{uid}-a", 5)  # a0 -> a1 -> a2 -> a3 -> a4
    b = await chain(db, f"{uid}-b", 2)
    for i in range(3):
        await register(db, f"{uid}-c{i}", a[2], now=NOW + timedelta(days=i, hours=5))
    loner = await register(db, f"{uid}-u", None, now=NOW + timedelta(hours=2))
    await register(db, f"{uid}-u1", loner.id, now=NOW + timedelta(days=1))
    placed = [
        (a[3], 10_000, NOW + timedelta(hours=3)),
        (a[3], 4_000, NOW + timedelta(hours=4)),  # same buyer, same day
        (a[4], 7_000, NOW + timedelta(days=2, minutes=7, seconds=30)),
        (f"{uid}-c0", 3_000, NOW + timedelta(days=1)),
        (f"{uid}-c1", 0, NOW + timedelta(days=2)),  # nothing paid: not active
        (f"{uid}-u1", 5_000, NOW + timedelta(days=3)),
        (b[1], 8_000, NOW + timedelta(days=4)),
    ]
    for n, (buyer, amount, paid_at) in enumerate(placed):
        await record_order(db, f"{uid}-o{n}", buyer, amount, paid_at=paid_at)
    everyone = [*a, *b, f"{uid}-c0", f"{uid}-c1", f"{uid}-c2", loner.id, f"{uid}-u1"]
    roots = [a[0], a[1], a[2], b[0], loner.id]
    await assert_tree_consistent(db, everyone)
    for root in roots:
        await _assert_metrics_walk(db, root, _windows())

    # a full refund of one of two orders of a day keeps the buyer active; of both, not
    await refunds.refund(
        db, order_id=f"{uid}-o0", refund_id=f"{uid}-r0", amount_fen=10_000, now=NOW
    )
    await _assert_metrics_walk(db, a[0], _windows())
    await refunds.refund(db, order_id=f"{uid}-o1", refund_id=f"{uid}-r1", amount_fen=1_000, now=NOW)
    await refunds.refund(db, order_id=f"{uid}-o1", refund_id=f"{uid}-r2", amount_fen=3_000, now=NOW)
    await refunds.refund(db, order_id=f"{uid}-o2", refund_id=f"{uid}-r3", amount_fen=2_500, now=NOW)
    await assert_team_days_consistent(db, everyone)
    for root in roots:
        await _assert_metrics_walk(db, root, _windows())

    # move a2 (with c0..c2, a3, a4 and their orders) under b1; bind the loner under a0
    await _move(db, a[2], under=b[1])
    await registration.bind(
        db,
        distributor_id=loner.id,
        sponsor_id=a[0],
        now=NOW + timedelta(hours=3),
        bind_mode=BindMode.WHILE_UNBOUND,
        bind_window=timedelta(hours=24),
        team_leader_recruits=10,
    )
    await assert_tree_consistent(db, everyone)
    for root in roots:
        await _assert_metrics_walk(db, root, _windows())
    # and back again
    await _move(db, a[2], under=a[1])
    await record_order(db, f"{uid}-o9", a[4], 900, paid_at=NOW + timedelta(days=2))
    await assert_tree_consistent(db, everyone)
    for root in roots:
        await _assert_metrics_walk(db, root, _windows())


async def test_upline_and_split_follow_a_reassignment(db: Database, uid: str) -> None:
    a = await chain(db, f"{uid}-a", 4)
    b = await chain(db, f"{uid}-b", 3)
    policy = default_policy(commission_levels=3)
    first = await record_order(db, f"{uid}-o1", a[3], 10_000, policy=policy)
    assert [(1, a[2]), (2, a[1]), (3, a[0])] == [
        (c.level, c.beneficiary_id) for c in first.commissions
    ]
    assert [a[2], a[1], a[0]] == [
        e.distributor.id for e in await team.upline(db, distributor_id=a[3], depth=3)
    ]
    await _move(db, a[2], under=b[2])
    upline = await team.upline(db, distributor_id=a[3], depth=3)
    assert [(1, a[2], b[2]), (2, b[2], b[1]), (3, b[1], b[0])] == [
        (e.level, e.distributor.id, e.distributor.sponsor_id) for e in upline
    ]
    second = await record_order(db, f"{uid}-o2", a[3], 10_000, policy=policy)
    assert [(1, a[2]), (2, b[2]), (3, b[1])] == [
        (c.level, c.beneficiary_id) for c in second.commissions
    ]


async def test_split_and_upline_see_a_freeze_and_a_rank_change(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 3)
    policy = default_policy(commission_levels=2)
    await record_order(db, f"{uid}-o0", ids[2], 10_000, policy=policy)
    await admin.set_status(
        db, distributor_id=ids[1], status=Status.FROZEN, reason="test", actor=ADMIN
    )
    upline = await team.upline(db, distributor_id=ids[2], depth=2)
    assert Status.FROZEN == upline[0].distributor.status
    frozen = await record_order(db, f"{uid}-o1", ids[2], 10_000, policy=policy)
    assert [(2, ids[0])] == [(c.level, c.beneficiary_id) for c in frozen.commissions]
    assert [(1, ids[1])] == [(f.level, f.distributor_id) for f in frozen.forfeits]
    await admin.set_status(
        db, distributor_id=ids[1], status=Status.ACTIVE, reason="test", actor=ADMIN
    )
    again = await record_order(db, f"{uid}-o2", ids[2], 10_000, policy=policy)
    assert [1, 2] == [c.level for c in again.commissions]


async def test_the_guarded_write_writes_nothing_when_a_fact_changed(db: Database, uid: str) -> None:
    """The split's one-statement write refuses when what it was computed from changed
    since the read (here: the sponsor's rank as the caller last saw it)."""
    ids = await chain(db, uid, 2)
    buyer: Distributor = await require(db, distributor_id=ids[1])
    order = NewOrder(f"{uid}-o", ids[1], 1_000, NOW, (OrderItem(amount_fen=1_000),))
    row = order_row(order, [], orders.DEFAULT_RULES, fingerprint(order))
    stale = [
        {"id": ids[0], "rank": Rank.MEMBER.value, "status": Status.ACTIVE.value},
        {"id": ids[1], "rank": buyer.rank.value, "status": "ACTIVE", "path": buyer.path},
    ]
    params = {
        "ids": [order.id],
        "versions": [],
        "orders": [row],
        "entries": [],
        "now": NOW,
        "at": NOW,
        "freezeDays": 7,
        "events": [],
    }
    assert [] == await db.write_at_once(orders.GUARDED_WRITE, expect=stale, **params)
    assert [] == await orders.get_many(db, ids=[order.id])
    moved = [*stale[:1], {**stale[1], "path": buyer.path + "/elsewhere"}]
    moved[0] = {**moved[0], "rank": Rank.DISTRIBUTOR.value}
    assert [] == await db.write_at_once(orders.GUARDED_WRITE, expect=moved, **params)
    fresh = [{**stale[0], "rank": Rank.DISTRIBUTOR.value}, stale[1]]
    assert 1 == len(await db.write_at_once(orders.GUARDED_WRITE, expect=fresh, **params))
    assert [order.id] == [o.id for o in await orders.get_many(db, ids=[order.id])]
    # a replay of the same statement writes nothing more
    assert [] == await db.write_at_once(orders.GUARDED_WRITE, expect=fresh, **params)


async def test_members_of_one_day_in_many_buckets_stay_exact(db: Database, uid: str) -> None:
    """Members who join a millisecond apart land in different buckets of the same days;
    orders, a refund and moving some of them keep every roll-up equal to a walk."""
    a = await chain(db, f"{uid}-a", 3)  # a0 -> a1 -> a2
    members = [
        (await register(db, f"{uid}-m{k}", a[2], now=NOW + timedelta(milliseconds=k))).id
        for k in range(40)
    ]
    for k, member in enumerate(members):
        await record_order(db, f"{uid}-o{k}", member, 1_000 + k, paid_at=NOW + timedelta(hours=1))
        await register(db, f"{uid}-r{k}", member, now=NOW + timedelta(hours=2, milliseconds=k))
    everyone = [*a, *members, *(f"{uid}-r{k}" for k in range(40))]
    buckets = await db.read(
        "MATCH (t:TeamDay {ancestorId: $id, level: 1}) RETURN count(DISTINCT t.bucket) AS n",
        id=a[2],
    )
    assert buckets[0]["n"] == 32
    await assert_team_days_consistent(db, everyone)
    await refunds.refund(db, order_id=f"{uid}-o3", refund_id=f"{uid}-x3", amount_fen=1_003, now=NOW)
    for k in (5, 6, 37):
        await _move(db, members[k], under=a[0])
    await assert_tree_consistent(db, everyone)
    await assert_team_days_consistent(db, everyone)
    for root in a:
        await _assert_metrics_walk(db, root, _windows())


def _every_window(days: int) -> list[tuple[datetime, datetime]]:
    """Every window of whole days over `days` days from the day of NOW, and each of them
    with partial days at both ends."""
    start = NOW.replace(hour=0)
    bounds = [start + timedelta(days=d) for d in range(days + 1)]
    windows = [(s, u) for s in bounds for u in bounds if s < u]
    return windows + [(s + timedelta(hours=9), u + timedelta(hours=3)) for s, u in windows]


async def test_distinct_buyers_of_many_days_stay_exact_when_days_come_out_of_order(
    db: Database, uid: str
) -> None:
    """A buyer's orders of several days, recorded out of order and several in one batch,
    then a refund that empties a day between two others and a move: every roll-up
    (each buyer's previous live day included) and every window's active members equal a
    walk."""
    a = await chain(db, f"{uid}-a", 3)  # a0 -> a1 -> a2
    m = [(await register(db, f"{uid}-m{k}", a[2], now=NOW)).id for k in range(3)]
    everyone = [*a, *m]
    day = NOW.replace(hour=10)

    def order(n: int, buyer: str, days: int, amount: int = 1_000) -> NewOrder:
        at = day + timedelta(days=days)
        return NewOrder(f"{uid}-o{n}", buyer, amount, at, (OrderItem(amount_fen=amount),))

    for n, (buyer, days) in enumerate([(m[0], 5), (m[0], 1), (m[0], 3), (m[1], 2)]):
        await orders.record(db, orders=[order(n, buyer, days)], policy=default_policy(), now=NOW)
    batch = [order(10 + d, m[2], d) for d in (4, 0, 2, 6)]
    batch += [order(20, m[0], 4), order(21, m[1], 2)]
    await orders.record(db, orders=batch, policy=default_policy(), now=NOW)
    await assert_team_days_consistent(db, everyone)
    for root in a:
        await _assert_metrics_walk(db, root, _every_window(7))

    # the first days' commissions settled; then the only order of m0's day 3 (between
    # days 1 and 4) and of m2's first day refunded
    await settlement.settle(db, as_of=day + timedelta(days=7 + 3), now=NOW)
    for n, amount in ((2, 1_000), (10, 1_000)):
        await refunds.refund(
            db, order_id=f"{uid}-o{n}", refund_id=f"{uid}-r{n}", amount_fen=amount, now=NOW
        )
    await record_order(db, f"{uid}-o30", m[0], 500, paid_at=day + timedelta(days=3, hours=2))
    await refunds.refund(db, order_id=f"{uid}-o30", refund_id=f"{uid}-r30", amount_fen=200, now=NOW)
    await assert_team_days_consistent(db, everyone)
    for root in a:
        await _assert_metrics_walk(db, root, _every_window(7))

    await _move(db, m[2], under=a[0])
    await assert_tree_consistent(db, everyone)
    await assert_ledger_consistent(db, everyone)
    for root in a:
        await _assert_metrics_walk(db, root, _every_window(7))


async def test_windows_longer_than_the_older_counts_reach_stay_exact(
    db: Database, uid: str
) -> None:
    """Live days months apart: a window that starts OLDER_SPAN days or more before a
    roll-up's day counts its buyers from their previous days, a shorter one from the
    roll-up's older counts; both equal a walk, after the orders, a refund that empties a
    day between two others, and a move."""
    a = await chain(db, f"{uid}-a", 2)  # a0 -> a1
    m = [(await register(db, f"{uid}-m{k}", a[1], now=NOW)).id for k in range(2)]
    everyone = [*a, *m]
    day = NOW.replace(hour=8)
    placed = [(m[0], 0), (m[0], 3), (m[0], 34), (m[0], 40), (m[0], 70), (m[1], 34), (m[1], 71)]
    for n, (buyer, days) in enumerate(placed):
        await record_order(db, f"{uid}-o{n}", buyer, 1_000, paid_at=day + timedelta(days=days))
    start = NOW.replace(hour=0)
    bounds = [start + timedelta(days=d) for d in (0, 3, 4, 33, 35, 41, 70, 72)]
    windows = [(s, u) for s in bounds for u in bounds if s < u]
    windows += [(s + timedelta(hours=9), u + timedelta(hours=3)) for s, u in windows]
    await assert_team_days_consistent(db, everyone)
    for root in a:
        await _assert_metrics_walk(db, root, windows)

    await refunds.refund(db, order_id=f"{uid}-o3", refund_id=f"{uid}-r3", amount_fen=1_000, now=NOW)
    await _move(db, m[1], under=a[0])
    await assert_team_days_consistent(db, everyone)
    for root in a:
        await _assert_metrics_walk(db, root, windows)


async def test_the_older_counts_migration_counts_roll_ups_built_before_them(
    db: Database, uid: str
) -> None:
    """Roll-ups written before `older` existed (here: with it removed) get their counts
    from migration 0023, and windows read them as a walk does."""
    a = await chain(db, f"{uid}-a", 2)  # a0 -> a1
    m = [(await register(db, f"{uid}-m{k}", a[1], now=NOW)).id for k in range(2)]
    day = NOW.replace(hour=8)
    for n, (buyer, days) in enumerate([(m[0], 0), (m[0], 2), (m[1], 2), (m[0], 5)]):
        await record_order(db, f"{uid}-o{n}", buyer, 1_000, paid_at=day + timedelta(days=days))
    await db.driver.execute_query(
        "MATCH (t:TeamDay) WHERE t.ancestorId IN $ids REMOVE t.older", {"ids": a}
    )
    async with db.driver.session(database=db.name) as session:
        await (await session.run(team_days.BUILD_OLDER)).consume()
    await assert_team_days_consistent(db, [*a, *m])
    counted = await db.read(
        "MATCH (t:TeamDay) WHERE t.ancestorId IN $ids AND size(t.prevs) > 0 "
        "RETURN count(t) AS n, count(t.older) AS counted",
        ids=a,
    )
    assert counted[0]["n"] == counted[0]["counted"] > 0
    for root in a:
        await _assert_metrics_walk(db, root, _every_window(6))


async def test_concurrent_orders_of_one_buyer_on_different_days_keep_its_previous_days(
    db: Database, uid: str
) -> None:
    """Orders of the same two buyers for many days, recorded all at once (each its own
    transaction) and refunded all at once: every buyer's live days and previous days
    stay exact, since they change only under the buyer's lock."""
    a = await chain(db, f"{uid}-a", 2)  # a0 -> a1
    m = [(await register(db, f"{uid}-m{k}", a[1], now=NOW)).id for k in range(2)]
    everyone = [*a, *m]
    day = NOW.replace(hour=9)
    placed = [(m[k % 2], (k * 5) % 9, f"{uid}-o{k}") for k in range(12)]
    await asyncio.gather(
        *(
            record_order(db, order_id, buyer, 1_000, paid_at=day + timedelta(days=days))
            for buyer, days, order_id in placed
        )
    )
    await assert_team_days_consistent(db, everyone)
    await asyncio.gather(
        *(
            refunds.refund(
                db, order_id=order_id, refund_id=f"{order_id}-r", amount_fen=1_000, now=NOW
            )
            for _, _, order_id in placed[::3]
        )
    )
    await assert_team_days_consistent(db, everyone)
    await assert_ledger_consistent(db, everyone)
    for root in a:
        await _assert_metrics_walk(db, root, _every_window(9))
