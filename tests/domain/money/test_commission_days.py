"""What a commission's change of status or amount does to its daily roll-up."""

from __future__ import annotations

from domain.models import CommissionStatus
from domain.money.commission_days import (
    CommissionChange,
    CommissionState,
    commission_day_key,
    day_deltas,
)

PENDING, SETTLED, CANCELLED = (
    CommissionStatus.PENDING,
    CommissionStatus.SETTLED,
    CommissionStatus.CANCELLED,
)


def _change(who: str, before: CommissionState, after: CommissionState) -> CommissionChange:
    return CommissionChange(beneficiary_id=who, day=20_000, bucket=7, before=before, after=after)


def test_a_settlement_moves_the_amount_from_pending_to_settled() -> None:
    (delta,) = day_deltas(
        [_change("a", CommissionState(PENDING, 300, 300), CommissionState(SETTLED, 300, 300))]
    )
    assert (delta.key, delta.pending, delta.settled, delta.cancelled) == (
        commission_day_key("a", 20_000, 7),
        -300,
        300,
        0,
    )


def test_a_cancelled_commission_counts_its_original() -> None:
    """A full refund of a pending commission: its amount leaves pending, its original is
    what team metrics show as cancelled."""
    (delta,) = day_deltas(
        [_change("a", CommissionState(PENDING, 120, 300), CommissionState(CANCELLED, 0, 300))]
    )
    assert (delta.pending, delta.settled, delta.cancelled) == (-120, 0, 300)


def test_changes_of_one_roll_up_add_up_and_nothing_is_left_out_of_order() -> None:
    changes = [
        _change("b", CommissionState(SETTLED, 500, 500), CommissionState(SETTLED, 200, 500)),
        _change("a", CommissionState(PENDING, 100, 100), CommissionState(PENDING, 40, 100)),
        _change("b", CommissionState(PENDING, 50, 50), CommissionState(PENDING, 50, 50)),
        _change("a", CommissionState(PENDING, 10, 10), CommissionState(PENDING, 0, 10)),
    ]
    deltas = day_deltas(changes)
    assert [(d.beneficiary_id, d.pending, d.settled) for d in deltas] == [
        ("a", -70, 0),
        ("b", 0, -300),
    ]
    assert day_deltas([changes[2]]) == []  # no change: no write
