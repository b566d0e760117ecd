"""The ledger's entries for each business event, as pure functions.

Every change of money is an immutable entry `(distributor, account, kind, amount)`.
Accounts: `pending` (commissions in their freeze period), `available` (withdrawable),
`held` (withdrawals requested or approved, not yet paid), `withdrawn` (net paid out),
`fees` and `tax` (kept from withdrawals). Moves between accounts come in pairs that sum
to zero, so a distributor's entries over all accounts always sum to the commissions it
still holds. Entry ids are derived from the event, so a replayed event cannot write its
entries twice (the id is unique in the database).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

PENDING = "pending"
AVAILABLE = "available"
HELD = "held"
WITHDRAWN = "withdrawn"
FEES = "fees"
TAX = "tax"
ACCOUNTS = (PENDING, AVAILABLE, HELD, WITHDRAWN, FEES, TAX)


class EntryRow(TypedDict):
    """An entry as the `$entries` parameter of a ledger write."""

    id: str
    distributorId: str
    account: str
    kind: str
    amount: int
    ref: str


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    distributor_id: str
    account: str
    kind: str
    amount_fen: int
    ref: str

    def as_row(self) -> EntryRow:
        return {
            "id": self.id,
            "distributorId": self.distributor_id,
            "account": self.account,
            "kind": self.kind,
            "amount": self.amount_fen,
            "ref": self.ref,
        }


def _entries(ref: str, distributor_id: str, kind: str, *moves: tuple[str, int]) -> list[Entry]:
    return [
        Entry(
            id=f"{ref}/{kind}/{account}",
            distributor_id=distributor_id,
            account=account,
            kind=kind,
            amount_fen=amount,
            ref=ref,
        )
        for account, amount in moves
        if amount != 0
    ]


def commission_ref(order_id: str, level: int) -> str:
    return f"commission:{order_id}#{level}"


def commission_earned(*, ref: str, beneficiary_id: str, amount_fen: int) -> list[Entry]:
    return _entries(ref, beneficiary_id, "COMMISSION_PENDING", (PENDING, amount_fen))


def commission_settled(*, ref: str, beneficiary_id: str, amount_fen: int) -> list[Entry]:
    return _entries(
        ref, beneficiary_id, "COMMISSION_SETTLED", (PENDING, -amount_fen), (AVAILABLE, amount_fen)
    )


def commission_reduced(
    *, refund_id: str, level: int, beneficiary_id: str, settled: bool, full: bool, fen: int
) -> list[Entry]:
    """A refund takes `fen` back: from pending while frozen, else as a clawback."""
    ref = f"refund:{refund_id}#{level}"
    if settled:
        return _entries(ref, beneficiary_id, "CLAWBACK", (AVAILABLE, -fen))
    kind = "COMMISSION_CANCELLED" if full else "COMMISSION_REDUCED"
    return _entries(ref, beneficiary_id, kind, (PENDING, -fen))


def withdrawal_held(*, withdrawal_id: str, distributor_id: str, amount_fen: int) -> list[Entry]:
    return _entries(
        f"withdrawal:{withdrawal_id}",
        distributor_id,
        "WITHDRAWAL_HOLD",
        (AVAILABLE, -amount_fen),
        (HELD, amount_fen),
    )


def withdrawal_released(*, withdrawal_id: str, distributor_id: str, amount_fen: int) -> list[Entry]:
    return _entries(
        f"withdrawal:{withdrawal_id}",
        distributor_id,
        "WITHDRAWAL_RELEASE",
        (HELD, -amount_fen),
        (AVAILABLE, amount_fen),
    )


def withdrawal_paid(
    *, withdrawal_id: str, distributor_id: str, amount_fen: int, fee_fen: int, tax_fen: int
) -> list[Entry]:
    """The held amount leaves: the net to the distributor, the fee and the tax kept."""
    ref = f"withdrawal:{withdrawal_id}"
    return [
        *_entries(
            ref,
            distributor_id,
            "WITHDRAWAL_PAID",
            (HELD, -amount_fen),
            (WITHDRAWN, amount_fen - fee_fen - tax_fen),
        ),
        *_entries(ref, distributor_id, "FEE", (FEES, fee_fen)),
        *_entries(ref, distributor_id, "TAX", (TAX, tax_fen)),
    ]
