"""The ledger invariant record by record (`domain.money.reconcile.check`), with the
entries the product itself writes (`domain.money.ledger`) for every life of a commission
and a withdrawal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from domain.money.ledger import (
    Entry,
    commission_earned,
    commission_reduced,
    commission_ref,
    commission_settled,
    withdrawal_held,
    withdrawal_paid,
    withdrawal_released,
)
from domain.money.reconcile import (
    CommissionRecord,
    EntrySum,
    RewardRecord,
    WithdrawalRecord,
    check,
)

WHO = "d-1"


def sums(entries: Sequence[Entry]) -> list[EntrySum]:
    return [EntrySum(e.distributor_id, e.ref, e.kind, e.account, e.amount_fen) for e in entries]


def commission_life(
    original: int, refunds_pending: list[int], settle: bool, refunds_later: list[int]
) -> tuple[CommissionRecord, list[Entry]]:
    """A commission of order o-1 at level 1: refunds while pending, maybe settlement, then
    more refunds (clawbacks once settled), with the entries `graph.orders`,
    `graph.refunds` and `graph.settlement` write for each step."""
    ref = commission_ref("o-1", 1)
    entries = commission_earned(ref=ref, beneficiary_id=WHO, amount_fen=original)
    amount, status, refund_ids = original, "PENDING", []

    def refund(cut: int) -> None:
        nonlocal amount, status
        cut = min(cut, amount)
        full = status == "PENDING" and cut == amount
        refund_ids.append(f"r-{len(refund_ids)}")
        entries.extend(
            commission_reduced(
                refund_id=refund_ids[-1],
                level=1,
                beneficiary_id=WHO,
                settled=status == "SETTLED",
                full=full,
                fen=cut,
            )
        )
        amount -= cut
        status = "CANCELLED" if full else status

    for cut in refunds_pending:
        if status == "PENDING":
            refund(cut)
    if settle and status == "PENDING":
        entries += commission_settled(ref=ref, beneficiary_id=WHO, amount_fen=amount)
        status = "SETTLED"
    for cut in refunds_later:
        if status != "CANCELLED":
            refund(cut)
    return CommissionRecord("o-1", 1, WHO, amount, status, tuple(refund_ids)), entries


def withdrawal_life(
    amount: int, fee: int, tax: int, status: str
) -> tuple[WithdrawalRecord, list[Entry]]:
    entries = withdrawal_held(withdrawal_id="w-1", distributor_id=WHO, amount_fen=amount)
    if status == "PAID":
        entries += withdrawal_paid(
            withdrawal_id="w-1", distributor_id=WHO, amount_fen=amount, fee_fen=fee, tax_fen=tax
        )
    if status == "REJECTED":
        entries += withdrawal_released(withdrawal_id="w-1", distributor_id=WHO, amount_fen=amount)
    return WithdrawalRecord("w-1", WHO, amount, fee, tax, amount - fee - tax, status), entries


fen = st.integers(min_value=1, max_value=10**9)
commission_lives = st.builds(
    commission_life,
    fen,
    st.lists(fen, max_size=3),
    st.booleans(),
    st.lists(fen, max_size=3),
)
withdrawal_lives = st.builds(
    withdrawal_life,
    st.integers(min_value=100, max_value=10**9),
    st.integers(min_value=0, max_value=50),
    st.integers(min_value=0, max_value=50),
    st.sampled_from(["REQUESTED", "APPROVED", "PAID", "REJECTED"]),
)


@given(commission_lives, withdrawal_lives)
def test_every_life_the_product_writes_reconciles(
    commission: tuple[CommissionRecord, list[Entry]],
    withdrawal: tuple[WithdrawalRecord, list[Entry]],
) -> None:
    (c, c_entries), (w, w_entries) = commission, withdrawal
    found = check(
        distributor_id=WHO,
        entries=sums([*c_entries, *w_entries]),
        commissions=[c],
        withdrawals=[w],
    )
    assert [] == found


@given(commission_lives, withdrawal_lives, st.data())
def test_any_entry_off_by_one_fen_is_a_difference_of_its_record(
    commission: tuple[CommissionRecord, list[Entry]],
    withdrawal: tuple[WithdrawalRecord, list[Entry]],
    data: st.DataObject,
) -> None:
    (c, c_entries), (w, w_entries) = commission, withdrawal
    entries = [*c_entries, *w_entries]
    i = data.draw(st.integers(min_value=0, max_value=len(entries) - 1))
    entries[i] = replace(entries[i], amount_fen=entries[i].amount_fen + 1)
    found = check(distributor_id=WHO, entries=sums(entries), commissions=[c], withdrawals=[w])
    record = "withdrawal w-1" if entries[i].ref.startswith("withdrawal:") else "commission o-1#1"
    assert [record] == sorted({d.record for d in found})


def test_a_paid_withdrawal_whose_tax_changed_after_payment_differs() -> None:
    """Issue 10 item 5: a re-pricing that rewrote a paid record's tax and net."""
    paid, entries = withdrawal_life(300_000, 0, 44_000, "PAID")
    repriced = replace(paid, tax_fen=24_000, net_fen=276_000)
    (found,) = check(
        distributor_id=WHO, entries=sums(entries), commissions=[], withdrawals=[repriced]
    )
    assert "withdrawal w-1" == found.record
    assert "ledger lacks TAX tax +240.00" in found.describe()
    assert "ledger has TAX tax +440.00 that the record does not imply" in found.describe()


def test_a_record_whose_net_is_not_amount_less_fee_and_tax_differs() -> None:
    requested, entries = withdrawal_life(10_000, 60, 0, "REQUESTED")
    (found,) = check(
        distributor_id=WHO,
        entries=sums(entries),
        commissions=[],
        withdrawals=[replace(requested, net_fen=10_000)],
    )
    assert "d-1: withdrawal w-1 (REQUESTED); its net is not amount − fee − tax" == found.describe()


def test_an_entry_without_its_record_differs() -> None:
    _, entries = commission_life(1_500, [], False, [])
    found = check(distributor_id=WHO, entries=sums(entries), commissions=[], withdrawals=[])
    assert ["d-1: entry commission:o-1#1: COMMISSION_PENDING pending 15.00 without its record"] == [
        d.describe() for d in found
    ]


def test_a_record_without_its_entries_differs() -> None:
    record, _ = commission_life(1_500, [], True, [])
    found = check(distributor_id=WHO, entries=[], commissions=[record], withdrawals=[])
    assert ["d-1: commission o-1#1 (SETTLED): available expected 15.00, found 0.00"] == [
        d.describe() for d in found
    ]


def test_an_entry_of_another_distributors_record_is_not_counted_for_this_one() -> None:
    """A refund entry is matched to the commission of the same level only."""
    record, entries = commission_life(1_500, [500], False, [])
    moved = [replace(e, ref=e.ref.replace("#1", "#2")) if e.ref.startswith("refund:") else e
             for e in entries]  # fmt: skip
    found = check(distributor_id=WHO, entries=sums(moved), commissions=[record], withdrawals=[])
    assert {"commission o-1#1", "entry refund:r-0#2"} == {d.record for d in found}


def test_a_cancelled_commission_with_an_amount_left_differs() -> None:
    record, entries = commission_life(1_500, [1_500], False, [])
    assert "CANCELLED" == record.status
    found = check(
        distributor_id=WHO,
        entries=sums(entries),
        commissions=[replace(record, amount_fen=5)],
        withdrawals=[],
    )
    assert "d-1: commission o-1#1: CANCELLED with an amount of 0.05 left" in [
        d.describe() for d in found
    ]


PRIZE = RewardRecord("PRIZE|c-1|1", "PRIZE", WHO, 88_800, campaign_id="c-1", rank=1)
BONUS = RewardRecord("TEAM_BONUS|2026-11|d-1", "TEAM_BONUS", WHO, 1_234, month="2026-11")


def _settled(ref: str, kind: str, fen: int) -> EntrySum:
    return EntrySum(WHO, ref, kind, "available", fen)


def test_rewards_reconcile_with_their_settled_entries() -> None:
    """As graph.money.campaigns and graph.money.team_bonus write them; a team bonus of
    0.00 writes a Reward and no entry."""
    entries = [
        _settled("prize:c-1:1", "PRIZE", 88_800),
        _settled("team-bonus:2026-11:d-1", "TEAM_BONUS", 1_234),
    ]
    nothing = replace(BONUS, key="TEAM_BONUS|2026-10|d-1", month="2026-10", amount_fen=0)
    found = check(
        distributor_id=WHO,
        entries=entries,
        commissions=[],
        withdrawals=[],
        rewards=[PRIZE, BONUS, nothing],
    )
    assert [] == found


def test_a_reward_whose_entry_differs_or_is_missing_differs() -> None:
    found = check(
        distributor_id=WHO,
        entries=[_settled("prize:c-1:1", "PRIZE", 88_801)],
        commissions=[],
        withdrawals=[],
        rewards=[PRIZE, BONUS],
    )
    assert [
        "d-1: reward PRIZE|c-1|1: available expected 888.00, found 888.01",
        "d-1: reward TEAM_BONUS|2026-11|d-1: available expected 12.34, found 0.00",
    ] == [d.describe() for d in found]


def test_a_prize_entry_without_its_reward_and_an_unknown_reward_differ() -> None:
    odd = RewardRecord("GIFT|x", "GIFT", WHO, 100)
    found = check(
        distributor_id=WHO,
        entries=[_settled("prize:c-1:1", "PRIZE", 88_800)],
        commissions=[],
        withdrawals=[],
        rewards=[odd],
    )
    assert [
        "d-1: reward GIFT|x: a kind of reward (GIFT) unknown here",
        "d-1: entry prize:c-1:1: PRIZE available 888.00 without its record",
    ] == [d.describe() for d in found]
