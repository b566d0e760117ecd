"""Withdrawals: minimum, fee, tax withholding, states, idempotency, concurrency (§3.6)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.settings import default_policy
from domain.errors import Conflict, Frozen, InsufficientBalance, NotFound
from domain.models import Actor, Status, WithdrawalStatus
from graph.db import Database
from graph.money import ledger, settlement, withdrawals
from graph.tree import admin
from tests.helpers import NOW, assert_ledger_consistent, chain, record_order

ADMIN = Actor(subject="test-admin", role="ADMIN")
POLICY = default_policy()


async def _earned(db: Database, uid: str, available_fen: int) -> str:
    """A distributor with `available_fen` settled: one real order, settled at once."""
    ids = await chain(db, uid, 2)
    # An order of which 15 % is the wanted amount (rounded up to a whole order).
    amount = -(-available_fen * 100 // 15)
    await record_order(db, f"{uid}-o", ids[1], amount)
    await db.driver.execute_query(
        "MATCH (c:Commission {orderId: $id}) SET c.dueAt = $due",
        id=f"{uid}-o",
        due=NOW - timedelta(days=9000),
        database_=db.name,
    )
    await settlement.settle(db, as_of=NOW - timedelta(days=8999), now=NOW)
    return ids[0]


async def _request(
    db: Database, who: str, amount: int, key: str = "k1", *, now: datetime = NOW
) -> withdrawals.Withdrawal:
    return await withdrawals.request(
        db, distributor_id=who, amount_fen=amount, idempotency_key=key, policy=POLICY, now=now
    )


async def test_spec_examples_withhold_440_and_5200(db: Database, uid: str) -> None:
    small = await _earned(db, f"{uid}a", 300_000)
    big = await _earned(db, f"{uid}b", 3_000_000)
    w1 = await _request(db, small, 300_000)
    w2 = await _request(db, big, 3_000_000)
    assert (44_000, 256_000) == (w1.tax_fen, w1.net_fen)
    assert (520_000, 2_480_000) == (w2.tax_fen, w2.net_fen)


async def test_withholding_follows_the_months_cumulative_gross(db: Database, uid: str) -> None:
    who = await _earned(db, uid, 1_000_000)
    first = await _request(db, who, 200_000, "a")
    second = await _request(db, who, 200_000, "b")
    next_month = await _request(db, who, 200_000, "c", now=datetime(2026, 12, 5, tzinfo=UTC))
    assert (24_000, 40_000, 24_000) == (first.tax_fen, second.tax_fen, next_month.tax_fen)


async def test_fee_is_floored_and_taken_from_the_net(db: Database, uid: str) -> None:
    who = await _earned(db, uid, 10_000)
    w = await withdrawals.request(
        db,
        distributor_id=who,
        amount_fen=9_999,
        idempotency_key="fee",
        policy=default_policy(withdraw_fee_rate=Decimal("0.006")),
        now=NOW,
    )
    assert (59, 0, 9_940) == (w.fee_fen, w.tax_fen, w.net_fen)


async def test_states_approve_pay_and_the_ledger_follows(db: Database, uid: str) -> None:
    who = await _earned(db, uid, 300_000)
    w = await _request(db, who, 300_000)
    balance = await ledger.balance(db, distributor_id=who)
    assert (0, 300_000) == (balance.available_fen, balance.held_fen)
    approved = await withdrawals.decide(
        db, withdrawal_id=w.id, status=WithdrawalStatus.APPROVED, reason=None, actor=ADMIN, now=NOW
    )
    paid = await withdrawals.decide(
        db, withdrawal_id=w.id, status=WithdrawalStatus.PAID, reason=None, actor=ADMIN, now=NOW
    )
    again = await withdrawals.decide(
        db, withdrawal_id=w.id, status=WithdrawalStatus.PAID, reason=None, actor=ADMIN, now=NOW
    )
    assert (WithdrawalStatus.APPROVED, WithdrawalStatus.PAID) == (approved.status, paid.status)
    assert again == paid
    balance = await ledger.balance(db, distributor_id=who)
    assert (0, 0, 256_000) == (balance.available_fen, balance.held_fen, balance.withdrawn_fen)
    await assert_ledger_consistent(db, [who])
    with pytest.raises(Conflict):
        await withdrawals.decide(
            db,
            withdrawal_id=w.id,
            status=WithdrawalStatus.REJECTED,
            reason="x",
            actor=ADMIN,
            now=NOW,
        )


async def test_rejection_returns_the_funds_and_the_tax_allowance(db: Database, uid: str) -> None:
    who = await _earned(db, uid, 600_000)
    w = await _request(db, who, 300_000, "a")
    await withdrawals.decide(
        db,
        withdrawal_id=w.id,
        status=WithdrawalStatus.REJECTED,
        reason="bad account",
        actor=ADMIN,
        now=NOW,
    )
    assert 600_000 == (await ledger.balance(db, distributor_id=who)).available_fen
    again = await _request(db, who, 300_000, "b")
    assert 44_000 == again.tax_fen  # the rejected one no longer counts towards the month
    await assert_ledger_consistent(db, [who])
    with pytest.raises(Conflict):
        await withdrawals.decide(
            db, withdrawal_id=w.id, status=WithdrawalStatus.PAID, reason=None, actor=ADMIN, now=NOW
        )


async def test_rejection_reprices_the_months_unpaid_withdrawals(db: Database, uid: str) -> None:
    """2,000 (240 tax) then 2,000 (400 tax); rejecting the first leaves 2,000 alone in
    the month, which withholds 240."""
    who = await _earned(db, uid, 400_000)
    first = await _request(db, who, 200_000, "a")
    second = await _request(db, who, 200_000, "b", now=NOW + timedelta(minutes=1))
    assert (24_000, 40_000) == (first.tax_fen, second.tax_fen)
    await withdrawals.decide(
        db,
        withdrawal_id=first.id,
        status=WithdrawalStatus.REJECTED,
        reason="r",
        actor=ADMIN,
        now=NOW,
    )
    for target in (WithdrawalStatus.APPROVED, WithdrawalStatus.PAID):
        paid = await withdrawals.decide(
            db, withdrawal_id=second.id, status=target, reason=None, actor=ADMIN, now=NOW
        )
    assert (24_000, 176_000) == (paid.tax_fen, paid.net_fen)
    assert 176_000 == (await ledger.balance(db, distributor_id=who)).withdrawn_fen
    await assert_ledger_consistent(db, [who])


async def test_idempotency_key_replays_and_conflicts(db: Database, uid: str) -> None:
    who = await _earned(db, uid, 10_000)
    first = await _request(db, who, 5_000, "same")
    assert first == await _request(db, who, 5_000, "same")
    with pytest.raises(Conflict):
        await _request(db, who, 6_000, "same")
    assert 5_000 == (await ledger.balance(db, distributor_id=who)).available_fen


async def test_more_than_available_is_insufficient(db: Database, uid: str) -> None:
    who = await _earned(db, uid, 10_000)
    with pytest.raises(InsufficientBalance, match=r"100\.00"):
        await _request(db, who, 10_001)
    with pytest.raises(NotFound):
        await _request(db, f"{uid}-nobody", 100)


async def test_frozen_distributors_cannot_withdraw(db: Database, uid: str) -> None:
    who = await _earned(db, uid, 10_000)
    w = await _request(db, who, 1_000, "before")
    await admin.set_status(db, distributor_id=who, status=Status.FROZEN, reason="t", actor=ADMIN)
    with pytest.raises(Frozen):
        await _request(db, who, 1_000, "after")
    with pytest.raises(Frozen):
        await withdrawals.decide(
            db,
            withdrawal_id=w.id,
            status=WithdrawalStatus.APPROVED,
            reason=None,
            actor=ADMIN,
            now=NOW,
        )


async def test_fifty_concurrent_withdrawals_never_overdraw(db: Database, uid: str) -> None:
    """50 requests of 30.00 against 1,000.00: exactly 33 succeed, the rest are refused."""
    who = await _earned(db, uid, 100_000)
    results = await asyncio.gather(
        *(_request(db, who, 3_000, f"k{i}") for i in range(50)), return_exceptions=True
    )
    succeeded = [r for r in results if isinstance(r, withdrawals.Withdrawal)]
    refused = [r for r in results if isinstance(r, InsufficientBalance)]
    assert (33, 17) == (len(succeeded), len(refused))
    balance = await ledger.balance(db, distributor_id=who)
    assert (1_000, 99_000) == (balance.available_fen, balance.held_fen)
    await assert_ledger_consistent(db, [who])


async def test_withdrawal_mismatches_find_a_record_that_differs_from_its_entries(
    db: Database, uid: str
) -> None:
    """The check `referral reconcile` can reuse: a paid record whose tax was changed
    afterwards, and entries that no record accounts for."""
    who = await _earned(db, uid, 300_000)
    w = await _request(db, who, 300_000)
    for target in (WithdrawalStatus.APPROVED, WithdrawalStatus.PAID):
        await withdrawals.decide(
            db, withdrawal_id=w.id, status=target, reason=None, actor=ADMIN, now=NOW
        )
    assert [] == await ledger.withdrawal_mismatches(db, distributor_ids=[who])
    await db.driver.execute_query(
        "MATCH (w:Withdrawal {id: $id}) SET w.tax = 0, w.net = w.amount",
        id=w.id,
        database_=db.name,
    )
    await db.driver.execute_query(
        "CREATE (:LedgerEntry {id: $ref + '/WITHDRAWAL_HOLD/held', distributorId: $who,"
        " account: 'held', kind: 'WITHDRAWAL_HOLD', amount: 100, ref: $ref, at: $at})",
        ref=f"withdrawal:{uid}-ghost",
        who=who,
        at=NOW,
        database_=db.name,
    )
    found = await ledger.withdrawal_mismatches(db, distributor_ids=[who])
    assert [(w.id, "PAID"), (f"{uid}-ghost", None)] == [(m.withdrawal_id, m.status) for m in found]
    assert (("TAX", "tax", 44_000), ("WITHDRAWAL_PAID", "withdrawn", 256_000)) == found[
        0
    ].unexpected
