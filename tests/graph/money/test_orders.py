"""Recording orders and splitting commissions against the real Neo4j (SPEC §3.5)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from app.settings import default_policy
from domain.errors import Conflict, NotFound
from domain.models import (
    Actor,
    CommissionStatus,
    DistributionMode,
    NewOrder,
    OrderItem,
    Rank,
    Status,
)
from domain.money.rulesets import build_rule_set
from graph.db import Database
from graph.money import ledger, orders, rulesets
from graph.tree import admin
from graph.tree.distributors import require
from tests.helpers import NOW, assert_ledger_consistent, chain, record_order, register

ADMIN = Actor(subject="test-admin", role="ADMIN")
THREE = default_policy(commission_levels=3)


async def test_order_pays_its_upline_two_levels_by_default(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 4)  # 0 -> 1 -> 2 -> 3 (buyer)
    order = await record_order(db, f"{uid}-o", ids[3], 9_999)
    assert [(1, ids[2], 1_499), (2, ids[1], 499)] == [
        (c.level, c.beneficiary_id, c.amount_fen) for c in order.commissions
    ]
    assert {CommissionStatus.PENDING} == {c.status for c in order.commissions}
    assert 1_499 == (await ledger.balance(db, distributor_id=ids[2])).pending_fen
    await assert_ledger_consistent(db, ids)


async def test_three_levels_when_configured(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 4)
    order = await record_order(db, f"{uid}-o", ids[3], 10_000, policy=THREE)
    assert [1_500, 500, 200] == [c.amount_fen for c in order.commissions]


async def test_every_order_replayed_three_times_pays_once(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 3)
    for _ in range(3):
        for n in range(5):
            await record_order(db, f"{uid}-o{n}", ids[2], 1_000 + n)
    balance = await ledger.balance(db, distributor_id=ids[1])
    assert sum((1_000 + n) * 15 // 100 for n in range(5)) == balance.pending_fen
    await assert_ledger_consistent(db, ids)


async def test_concurrent_replays_of_one_order_pay_once(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 2)
    await asyncio.gather(*(record_order(db, f"{uid}-o", ids[1], 10_000) for _ in range(8)))
    assert 1_500 == (await ledger.balance(db, distributor_id=ids[0])).pending_fen
    await assert_ledger_consistent(db, ids)


async def test_same_id_with_other_content_is_a_conflict(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 2)
    await record_order(db, f"{uid}-o", ids[1], 10_000)
    with pytest.raises(Conflict):
        await record_order(db, f"{uid}-o", ids[1], 10_001)
    with pytest.raises(Conflict):
        await record_order(db, f"{uid}-o", ids[1], 10_000, paid_at=NOW + timedelta(seconds=1))


async def test_unknown_buyer_is_not_found_and_writes_nothing(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 2)
    good = NewOrder(f"{uid}-a", ids[1], 100, NOW, (OrderItem(100),))
    bad = NewOrder(f"{uid}-b", f"{uid}-nobody", 100, NOW, (OrderItem(100),))
    with pytest.raises(NotFound):
        await orders.record(db, orders=[good, bad], policy=default_policy(), now=NOW)
    assert [] == await orders.get_many(db, ids=[f"{uid}-a", f"{uid}-b"])


async def test_frozen_and_member_beneficiaries_forfeit(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 4)
    await admin.set_status(
        db, distributor_id=ids[2], status=Status.FROZEN, reason="test", actor=ADMIN
    )
    order = await record_order(db, f"{uid}-o", ids[3], 10_000, policy=THREE)
    assert [(2, ids[1], 500), (3, ids[0], 200)] == [
        (c.level, c.beneficiary_id, c.amount_fen) for c in order.commissions
    ]
    assert [(1, ids[2], "FROZEN")] == [
        (f.level, f.distributor_id, f.reason) for f in order.forfeits
    ]
    await assert_ledger_consistent(db, ids)


async def test_recorded_order_equals_its_read_back(db: Database, uid: str) -> None:
    """Recording answers from what it wrote; a read of the same order must agree."""
    ids = await chain(db, uid, 3)
    await admin.set_status(db, distributor_id=ids[0], status=Status.FROZEN, reason="t", actor=ADMIN)
    items = [
        OrderItem(7_001, product_id="p-1", brand_id="b-1"),
        OrderItem(2_999, commissionable=False),
    ]
    paid = NOW + timedelta(microseconds=123_456)
    recorded = await record_order(db, f"{uid}-o", ids[2], 10_000, items=items, paid_at=paid)
    assert [recorded] == await orders.get_many(db, ids=[f"{uid}-o"])
    assert recorded.forfeits and recorded.commissions
    assert recorded == await record_order(db, f"{uid}-o", ids[2], 10_000, items=items, paid_at=paid)


async def test_self_purchase_pays_the_buyer_as_level_one(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 3)
    order = await record_order(
        db, f"{uid}-o", ids[2], 10_000, policy=default_policy(self_purchase_commission=True)
    )
    assert [(1, ids[2]), (2, ids[1])] == [(c.level, c.beneficiary_id) for c in order.commissions]


async def test_orders_record_the_active_rule_set_version(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 2)
    rules = build_rule_set(
        version=0,
        level_rates=["15", "5", "2"],
        brand_rates={},
        product_rates={f"{uid}-sku": ["30"]},
        tiers=[],
    )
    created = await rulesets.create(db, rules=rules, actor=ADMIN, now=NOW)
    await rulesets.activate(db, version=created.version, actor=ADMIN, now=NOW)
    try:
        items = [OrderItem(5_000, product_id=f"{uid}-sku"), OrderItem(5_000)]
        order = await record_order(db, f"{uid}-o", ids[1], 10_000, items=items)
        assert created.version == order.rule_set_version
        assert [2_250] == [c.amount_fen for c in order.commissions]
        assert ["22.50"] == [f"{c.rate_bp / 100:.2f}" for c in order.commissions]
    finally:
        await db.driver.execute_query(
            "MATCH (r:RuleSet {active: true}) SET r.active = false", database_=db.name
        )


async def test_orders_from_many_buyers_in_one_team_at_once(db: Database, uid: str) -> None:
    """40 buyers under one sponsor pay at the same moment: every commission, once."""
    ids = await chain(db, uid, 2)
    buyers = [f"{uid}-b{i}" for i in range(40)]
    for buyer in buyers:
        await register(db, buyer, ids[1])
    await asyncio.gather(
        *(record_order(db, f"{uid}-o{i}", b, 10_000) for i, b in enumerate(buyers))
    )
    assert 40 * 1_500 == (await ledger.balance(db, distributor_id=ids[1])).pending_fen
    assert 40 * 500 == (await ledger.balance(db, distributor_id=ids[0])).pending_fen
    await assert_ledger_consistent(db, ids)


async def test_spend_threshold_promotes_on_the_crossing_order(db: Database, uid: str) -> None:
    """SPEND_THRESHOLD: a MEMBER becomes a DISTRIBUTOR once own paid orders reach the
    threshold; the crossing order is split with the old rank; the sponsor's tally counts."""
    policy = default_policy(
        distribution_mode=DistributionMode.SPEND_THRESHOLD,
        spend_threshold_fen=10_000,
        self_purchase_commission=True,
        team_leader_recruits=1,
    )
    await register(db, f"{uid}-s")  # EVERYONE: a distributor
    await register(db, f"{uid}-m", f"{uid}-s", mode=DistributionMode.SPEND_THRESHOLD)
    first = await record_order(db, f"{uid}-o1", f"{uid}-m", 6_000, policy=policy)
    assert Rank.MEMBER is (await require(db, distributor_id=f"{uid}-m")).rank
    crossing = await record_order(db, f"{uid}-o2", f"{uid}-m", 4_000, policy=policy)
    assert [f.reason for f in first.forfeits + crossing.forfeits] == ["RANK_MEMBER"] * 2
    assert Rank.DISTRIBUTOR is (await require(db, distributor_id=f"{uid}-m")).rank
    assert Rank.TEAM_LEADER is (await require(db, distributor_id=f"{uid}-s")).rank
    after = await record_order(db, f"{uid}-o3", f"{uid}-m", 1_000, policy=policy)
    assert [(1, f"{uid}-m", 150), (2, f"{uid}-s", 50)] == [
        (c.level, c.beneficiary_id, c.amount_fen) for c in after.commissions
    ]


async def test_a_batch_in_one_transaction_counts_earlier_orders_for_the_tier(
    db: Database, uid: str
) -> None:
    """The level-1 tier bonus looks at the beneficiary's own sales this month, including
    orders earlier in the same batch."""
    ids = await chain(db, uid, 2)
    rules = build_rule_set(
        version=0, level_rates=["10"], brand_rates={}, product_rates={}, tiers=[(5_000, "5")]
    )
    created = await rulesets.create(db, rules=rules, actor=ADMIN, now=NOW)
    await rulesets.activate(db, version=created.version, actor=ADMIN, now=NOW)
    try:
        own = NewOrder(f"{uid}-own", ids[0], 5_000, NOW, (OrderItem(5_000),))
        later = replace(own, id=f"{uid}-later", buyer_id=ids[1], paid_at=NOW + timedelta(hours=1))
        recorded = await orders.record(db, orders=[own, later], policy=default_policy(), now=NOW)
        assert [750] == [c.amount_fen for c in recorded[1].commissions]  # 10 % + 5 % bonus
    finally:
        await db.driver.execute_query(
            "MATCH (r:RuleSet {active: true}) SET r.active = false", database_=db.name
        )


def _new(order_id: str, buyer_id: str, amount_fen: int) -> NewOrder:
    return NewOrder(
        id=order_id,
        buyer_id=buyer_id,
        amount_fen=amount_fen,
        paid_at=NOW,
        items=(OrderItem(amount_fen=amount_fen),),
    )


async def test_a_batch_answers_every_input_in_its_position(db: Database, uid: str) -> None:
    """Three identical inputs: three results, one order recorded once."""
    ids = await chain(db, uid, 2)
    same = _new(f"{uid}-o", ids[1], 10_000)
    results = await orders.record(db, orders=[same, same, same], policy=default_policy(), now=NOW)
    assert [same.id] * 3 == [o.id for o in results]
    assert results[0] == results[1] == results[2]
    assert 1_500 == (await ledger.balance(db, distributor_id=ids[0])).pending_fen
    await assert_ledger_consistent(db, ids)


async def test_a_batch_mixing_new_and_replayed_orders_keeps_input_order(
    db: Database, uid: str
) -> None:
    """Replays, new orders and repeats answered where they stand, not sorted or grouped;
    every order's commission counted once."""
    ids = await chain(db, uid, 2)
    z, a, m = (
        _new(f"{uid}-{k}", ids[1], fen) for k, fen in (("z", 1_000), ("a", 2_000), ("m", 3_000))
    )
    await orders.record(db, orders=[m], policy=default_policy(), now=NOW)
    batch = [z, m, a, m, z, a, a]
    results = await orders.record(db, orders=batch, policy=default_policy(), now=NOW)
    assert [o.id for o in batch] == [o.id for o in results]
    assert [o.amount_fen for o in batch] == [o.amount_fen for o in results]
    assert results[0] == results[4] and results[1] == results[3] and results[2] == results[6]
    replayed = await orders.record(db, orders=batch[::-1], policy=default_policy(), now=NOW)
    assert results[::-1] == replayed
    assert (1_000 + 2_000 + 3_000) * 15 // 100 == (
        await ledger.balance(db, distributor_id=ids[0])
    ).pending_fen
    await assert_ledger_consistent(db, ids)


async def test_a_planned_guarded_write_writes_nothing_until_run(db: Database, uid: str) -> None:
    """`plan_guarded_write` only reads; its write records the order it announced, once,
    and declines (None) a replay, which the full transaction must answer."""
    ids = await chain(db, uid, 4)
    new = NewOrder(f"{uid}-o", ids[3], 10_000, NOW, (OrderItem(10_000),))
    planned = await orders.plan_guarded_write(db, orders=[new], policy=THREE, now=NOW)
    assert planned is not None
    assert [] == await orders.get_many(db, ids=[new.id])
    assert 0 == (await ledger.balance(db, distributor_id=ids[2])).pending_fen
    assert [{"written": True}] == [
        dict(r) for r in await db.write_at_once(orders.GUARDED_WRITE, **planned.params)
    ]
    assert planned.recorded == await orders.get_many(db, ids=[new.id])
    assert [1_500, 500, 200] == [c.amount_fen for c in planned.recorded[0].commissions]
    assert [] == await db.write_at_once(orders.GUARDED_WRITE, **planned.params)  # the guard
    assert None is await orders.plan_guarded_write(db, orders=[new], policy=THREE, now=NOW)
    await assert_ledger_consistent(db, ids)
