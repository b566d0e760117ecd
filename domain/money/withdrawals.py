"""The life of a withdrawal: REQUESTED → APPROVED → PAID, or REJECTED before it is paid."""

from __future__ import annotations

from domain.errors import Conflict
from domain.models import WithdrawalStatus

ALLOWED_FROM = {
    WithdrawalStatus.APPROVED: frozenset({WithdrawalStatus.REQUESTED}),
    WithdrawalStatus.PAID: frozenset({WithdrawalStatus.APPROVED}),
    WithdrawalStatus.REJECTED: frozenset({WithdrawalStatus.REQUESTED, WithdrawalStatus.APPROVED}),
}


def needs_transition(current: WithdrawalStatus, target: WithdrawalStatus) -> bool:
    """False when the withdrawal is already in `target` (a replay); CONFLICT if not allowed."""
    if current is target:
        return False
    if current not in ALLOWED_FROM[target]:
        raise Conflict(
            f"A withdrawal that is {current.value} cannot become {target.value} "
            "(REQUESTED → APPROVED → PAID, or REJECTED before it is paid)."
        )
    return True
