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

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

from domain.money.fen import format_fen

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


# --- A withdrawal record against its ledger entries ---------------------------------

Move = tuple[str, str, int]
"""One ledger entry as (kind, account, amount in fen)."""


@dataclass(frozen=True, slots=True)
class WithdrawalMismatch:
    """A withdrawal whose record (amount, fee, tax, net, status) disagrees with its
    ledger entries: `missing` are entries the record implies that the ledger lacks,
    `unexpected` entries in the ledger that the record does not imply."""

    withdrawal_id: str
    distributor_id: str
    status: str | None  # None: entries of a withdrawal that has no record
    missing: tuple[Move, ...]
    unexpected: tuple[Move, ...]
    net_consistent: bool  # net = amount − fee − tax on the record itself

    def describe(self) -> str:
        parts = [f"withdrawal {self.withdrawal_id} ({self.status or 'no record'})"]
        if not self.net_consistent:
            parts.append("its net is not amount − fee − tax")
        parts += [f"ledger lacks {_move(m)}" for m in self.missing]
        parts += [f"ledger has {_move(m)} that the record does not imply" for m in self.unexpected]
        return "; ".join(parts)


def _move(move: Move) -> str:
    kind, account, amount = move
    return f"{kind} {account} {'+' if amount >= 0 else ''}{format_fen(amount)}"


def withdrawal_entries(
    *,
    withdrawal_id: str,
    distributor_id: str,
    status: str,
    amount_fen: int,
    fee_fen: int,
    tax_fen: int,
) -> list[Entry]:
    """Every entry a withdrawal in `status` has written: the hold, then the payment (with
    its fee and tax) or the release."""
    held = withdrawal_held(
        withdrawal_id=withdrawal_id, distributor_id=distributor_id, amount_fen=amount_fen
    )
    if status == "PAID":
        return held + withdrawal_paid(
            withdrawal_id=withdrawal_id,
            distributor_id=distributor_id,
            amount_fen=amount_fen,
            fee_fen=fee_fen,
            tax_fen=tax_fen,
        )
    if status == "REJECTED":
        return held + withdrawal_released(
            withdrawal_id=withdrawal_id, distributor_id=distributor_id, amount_fen=amount_fen
        )
    return held


def withdrawal_mismatch(
    *,
    withdrawal_id: str,
    distributor_id: str,
    status: str | None,
    amount_fen: int,
    fee_fen: int,
    tax_fen: int,
    net_fen: int,
    entries: Sequence[Move],
) -> WithdrawalMismatch | None:
    """None when the record equals its ledger entries, else what differs.

    A record equals its entries when they are exactly those its status implies
    (`withdrawal_entries`): the hold of `amount`; once paid, `withdrawn` +net, `fees`
    +fee and `tax` +tax; once rejected, the release of `amount`. `status` None stands
    for entries whose withdrawal has no record at all: every one of them is unexpected.
    """
    implied: list[Move] = []
    if status is not None:
        implied = [
            (e.kind, e.account, e.amount_fen)
            for e in withdrawal_entries(
                withdrawal_id=withdrawal_id,
                distributor_id=distributor_id,
                status=status,
                amount_fen=amount_fen,
                fee_fen=fee_fen,
                tax_fen=tax_fen,
            )
        ]
    missing = Counter(implied) - Counter(entries)
    unexpected = Counter(entries) - Counter(implied)
    net_consistent = status is None or net_fen == amount_fen - fee_fen - tax_fen
    if not missing and not unexpected and net_consistent:
        return None
    return WithdrawalMismatch(
        withdrawal_id=withdrawal_id,
        distributor_id=distributor_id,
        status=status,
        missing=tuple(sorted(missing.elements())),
        unexpected=tuple(sorted(unexpected.elements())),
        net_consistent=net_consistent,
    )
