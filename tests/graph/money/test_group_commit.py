"""Group commit of single orders (`graph.money.group_commit`): concurrent callers share
a transaction, each gets exactly its own answer, and one caller's refusal is its alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from app.settings import default_policy
from domain.errors import Conflict, NotFound
from domain.models import NewOrder, Order, OrderItem
from graph.db import Database
from graph.money import orders
from graph.money.group_commit import OrderGroups
from tests.helpers import assert_ledger_consistent, chain

PAID = datetime.now(UTC) - timedelta(days=1)


def order(order_id: str, buyer: str, amount: int) -> NewOrder:
    return NewOrder(order_id, buyer, amount, PAID, (OrderItem(amount_fen=amount),))


def split(o: Order, prefix: str) -> list[tuple[int, str, int]]:
    """Its commissions, the beneficiaries named without their chain's prefix."""
    return sorted((c.level, c.beneficiary_id[len(prefix) :], c.amount_fen) for c in o.commissions)


async def test_concurrent_orders_share_a_transaction_and_split_as_alone(
    db: Database, uid: str
) -> None:
    """Twelve orders at once on one chain, grouped; the same twelve recorded one by one
    on a twin chain: the same commissions to the fen; the ledger reconciles."""
    grouped, alone = await chain(db, f"{uid}g", 5), await chain(db, f"{uid}a", 5)
    groups = OrderGroups(db, linger=0.02)
    policy, now = default_policy(), datetime.now(UTC)
    amounts = [10_001 + 997 * n for n in range(12)]
    answers = await asyncio.gather(
        *(
            groups.record(order(f"{uid}g-o{n}", grouped[2 + n % 3], a), policy=policy, now=now)
            for n, a in enumerate(amounts)
        )
    )
    assert groups.groups >= 1
    assert [f"{uid}g-o{n}" for n in range(12)] == [o.id for o in answers]
    for n, a in enumerate(amounts):
        single = (
            await orders.record(
                db, orders=[order(f"{uid}a-o{n}", alone[2 + n % 3], a)], policy=policy, now=now
            )
        )[0]
        assert split(single, f"{uid}a") == split(answers[n], f"{uid}g")
        assert a == answers[n].amount_fen
    await assert_ledger_consistent(db, grouped)


async def test_one_callers_refusal_does_not_fail_the_others(db: Database, uid: str) -> None:
    """In one group: an unknown buyer (NOT_FOUND), a replay with other content
    (CONFLICT), a replay with the same content, and new orders: each gets its own."""
    ids = await chain(db, uid, 4)
    policy, now = default_policy(), datetime.now(UTC)
    first = await orders.record(
        db, orders=[order(f"{uid}-old", ids[3], 5_000)], policy=policy, now=now
    )
    groups = OrderGroups(db, linger=0.05)
    calls = [
        order(f"{uid}-n1", ids[3], 1_000),
        order(f"{uid}-bad", f"{uid}-nobody", 1_000),
        order(f"{uid}-old", ids[3], 9_999),  # other content
        order(f"{uid}-old", ids[3], 5_000),  # the same: a replay
        order(f"{uid}-n2", ids[2], 2_000),
    ]
    outcomes = await asyncio.gather(
        *(groups.record(c, policy=policy, now=now) for c in calls), return_exceptions=True
    )
    assert isinstance(outcomes[0], Order) and f"{uid}-n1" == outcomes[0].id
    assert isinstance(outcomes[1], NotFound)
    assert isinstance(outcomes[2], Conflict)
    assert first[0] == outcomes[3]
    assert isinstance(outcomes[4], Order) and 2_000 == outcomes[4].amount_fen
    found = await orders.get_many(db, ids=[f"{uid}-n1", f"{uid}-n2", f"{uid}-bad"])
    assert {f"{uid}-n1", f"{uid}-n2"} == {o.id for o in found}
    await assert_ledger_consistent(db, ids)


async def test_the_same_order_from_three_callers_at_once_is_recorded_once(
    db: Database, uid: str
) -> None:
    ids = await chain(db, uid, 3)
    groups = OrderGroups(db, linger=0.05)
    policy, now = default_policy(), datetime.now(UTC)
    same = order(f"{uid}-o", ids[2], 7_777)
    answers = await asyncio.gather(*(groups.record(same, policy=policy, now=now) for _ in range(3)))
    assert answers[0] == answers[1] == answers[2]
    rows = await db.read(
        "MATCH (o:Order {id: $id})-[:PAYS]->(c:Commission) RETURN count(c) AS n", id=same.id
    )
    assert len(answers[0].commissions) == rows[0]["n"]
    await assert_ledger_consistent(db, ids)


@pytest.mark.parametrize("size", [3])
async def test_a_full_group_is_committed_without_waiting_for_the_linger(
    db: Database, uid: str, size: int
) -> None:
    ids = await chain(db, uid, 2)
    groups = OrderGroups(db, linger=30.0, max_batch=size)
    policy, now = default_policy(), datetime.now(UTC)
    async with asyncio.timeout(15):
        answers = await asyncio.gather(
            *(
                groups.record(order(f"{uid}-o{n}", ids[1], 100 + n), policy=policy, now=now)
                for n in range(size)
            )
        )
    assert size == len(answers) and 1 == groups.groups
