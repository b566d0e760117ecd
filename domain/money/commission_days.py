"""Per-beneficiary daily roll-ups of commissions by status, for the commissions of team
metrics (SPEC §3.4): a window reads its whole UTC days from the roll-ups and only its
partial end days from the commissions themselves.

A roll-up `(beneficiary, day, bucket)` holds, for the commissions of `beneficiary` paid
that day by a buyer of that bucket (`domain.tree.team_days.bucket_of` of the buyer's
`joinedAt`, kept on the commission): the current `amount` of the PENDING ones, the
current `amount` of the SETTLED ones, and the `original` of the CANCELLED ones, the
figures team metrics report per status. Buckets spread a leader's day over 32 roll-ups,
as for team roll-ups, so concurrent orders of one team rarely wait on one lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.models import CommissionStatus


@dataclass(frozen=True, slots=True)
class CommissionState:
    """What a commission adds to its roll-up: its status, current amount and original."""

    status: CommissionStatus
    amount_fen: int
    original_fen: int

    def counted(self) -> tuple[int, int, int]:
        """(pending, settled, cancelled) fen this commission counts for."""
        if self.status is CommissionStatus.PENDING:
            return (self.amount_fen, 0, 0)
        if self.status is CommissionStatus.SETTLED:
            return (0, self.amount_fen, 0)
        return (0, 0, self.original_fen)


@dataclass(frozen=True, slots=True)
class CommissionChange:
    """One commission of `beneficiary_id`, paid on `day` by a buyer of `bucket`, going from
    `before` to `after`."""

    beneficiary_id: str
    day: int
    bucket: int
    before: CommissionState
    after: CommissionState


@dataclass(frozen=True, slots=True)
class CommissionDayDelta:
    """What one roll-up gains (or loses) per status, in fen."""

    key: str
    beneficiary_id: str
    day: int
    bucket: int
    pending: int
    settled: int
    cancelled: int


def commission_day_key(beneficiary_id: str, day: int, bucket: int) -> str:
    """The unique key of one roll-up (ids never contain `|`)."""
    return f"{beneficiary_id}|{day}|{bucket}"


def day_deltas(changes: Iterable[CommissionChange]) -> list[CommissionDayDelta]:
    """The roll-ups' deltas for these changes, one per roll-up, in key order (the order
    writers lock them in); roll-ups that do not change are left out."""
    sums: dict[tuple[str, int, int], list[int]] = {}
    for change in changes:
        total = sums.setdefault((change.beneficiary_id, change.day, change.bucket), [0, 0, 0])
        for i, (after, before) in enumerate(
            zip(change.after.counted(), change.before.counted(), strict=True)
        ):
            total[i] += after - before
    deltas = [
        CommissionDayDelta(commission_day_key(b, d, k), b, d, k, *total)
        for (b, d, k), total in sums.items()
        if any(total)
    ]
    return sorted(deltas, key=lambda delta: delta.key)
