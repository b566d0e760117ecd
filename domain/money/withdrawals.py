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


AUTO_APPROVE_MAX_SCORE = 60  # a fraud signal scored this high or higher blocks auto-approval
PAY_BATCH_MAX = 500  # ids in one markWithdrawalsPaid call


def auto_approves(
    *, amount_fen: int, limit_fen: int, open_alert: bool, top_signal_score: int
) -> bool:
    """SPEC §10: at or below a non-zero limit, by a distributor with no open fraud alert
    and no signal scored ≥ 60, a withdrawal is APPROVED as it is requested."""
    return (
        0 < limit_fen
        and amount_fen <= limit_fen
        and not open_alert
        and top_signal_score < AUTO_APPROVE_MAX_SCORE
    )
