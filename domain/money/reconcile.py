"""The ledger invariant, checked record by record, as a pure function.

For one distributor, given its ledger entries and its commission and withdrawal records,
`check` lists every difference:

- a **commission** `orderId#level` is the sum of the entries of its own ref
  (`commission:orderId#level`) and of its order's refunds at that level
  (`refund:refundId#level`): `PENDING` holds its amount in `pending` and nothing in
  `available`; `SETTLED` nothing in `pending` and its amount in `available`; `CANCELLED`
  nothing anywhere (and its amount is 0);
- a **withdrawal** has exactly the entries its status implies, and `net = amount − fee −
  tax` (`domain.money.ledger.withdrawal_mismatch`, the check of the withdrawal transitions);
- an **entry** whose ref names no record of this distributor (a deleted record, an entry
  written for someone else, or a kind of money this check does not know) is a
  difference too.

A balance is never stored: it is always the sum of these same entries by account, so when
every record equals its entries and no entry is left over, every balance is right.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.money.fen import format_fen
from domain.money.ledger import ACCOUNTS, AVAILABLE, PENDING, withdrawal_mismatch

COMMISSION_PREFIX = "commission:"
REFUND_PREFIX = "refund:"
WITHDRAWAL_PREFIX = "withdrawal:"


@dataclass(frozen=True, slots=True)
class EntrySum:
    """A distributor's entries of one ref, kind and account, summed (entry ids are
    `{ref}/{kind}/{account}` and unique, so this is one entry unless the store is broken)."""

    distributor_id: str
    ref: str
    kind: str
    account: str
    amount_fen: int


@dataclass(frozen=True, slots=True)
class CommissionRecord:
    order_id: str
    level: int
    beneficiary_id: str
    amount_fen: int
    status: str
    refund_ids: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.order_id}#{self.level}"


@dataclass(frozen=True, slots=True)
class WithdrawalRecord:
    id: str
    distributor_id: str
    amount_fen: int
    fee_fen: int
    tax_fen: int
    net_fen: int
    status: str


@dataclass(frozen=True, slots=True)
class Difference:
    """One record (or entry ref) that disagrees; `text` says how."""

    distributor_id: str
    record: str  # "commission o-1#1", "withdrawal w-…", "entry refund:r-1#2"
    text: str

    def describe(self) -> str:
        return f"{self.distributor_id}: {self.text}"


def commission_expected(record: CommissionRecord) -> dict[str, int]:
    """What the entries of a commission (its own and its refunds') add up to, by account."""
    if record.status == "PENDING":
        return {PENDING: record.amount_fen}
    if record.status == "SETTLED":
        return {AVAILABLE: record.amount_fen}
    return {}


def _commission(
    distributor_id: str, c: CommissionRecord, by_ref: dict[str, list[EntrySum]]
) -> list[Difference]:
    found: dict[str, int] = {}
    for ref in (
        f"{COMMISSION_PREFIX}{c.id}",
        *(f"{REFUND_PREFIX}{r}#{c.level}" for r in c.refund_ids),
    ):
        for e in by_ref.pop(ref, []):
            found[e.account] = found.get(e.account, 0) + e.amount_fen
    name = f"commission {c.id}"
    differences = []
    if c.status == "CANCELLED" and c.amount_fen != 0:
        text = f"{name}: CANCELLED with an amount of {format_fen(c.amount_fen)} left"
        differences.append(Difference(distributor_id, name, text))
    expected = commission_expected(c)
    for account in (*ACCOUNTS, *sorted(set(found) - set(ACCOUNTS))):
        want, got = expected.get(account, 0), found.get(account, 0)
        if want != got:
            text = f"{name} ({c.status}): {account} expected {format_fen(want)}, found "
            differences.append(Difference(distributor_id, name, text + format_fen(got)))
    return differences


def check(
    *,
    distributor_id: str,
    entries: Iterable[EntrySum],
    commissions: Sequence[CommissionRecord],
    withdrawals: Sequence[WithdrawalRecord],
) -> list[Difference]:
    """Every difference between one distributor's records and its ledger entries."""
    by_ref: dict[str, list[EntrySum]] = {}
    for e in entries:
        by_ref.setdefault(e.ref, []).append(e)
    differences: list[Difference] = []
    for c in commissions:
        differences += _commission(distributor_id, c, by_ref)
    for w in withdrawals:
        mismatch = withdrawal_mismatch(
            withdrawal_id=w.id,
            distributor_id=distributor_id,
            status=w.status,
            amount_fen=w.amount_fen,
            fee_fen=w.fee_fen,
            tax_fen=w.tax_fen,
            net_fen=w.net_fen,
            entries=[
                (e.kind, e.account, e.amount_fen)
                for e in by_ref.pop(f"{WITHDRAWAL_PREFIX}{w.id}", [])
            ],
        )
        if mismatch is not None:
            differences.append(
                Difference(distributor_id, f"withdrawal {w.id}", mismatch.describe())
            )
    for ref, left in sorted(by_ref.items()):
        for e in sorted(left, key=lambda e: (e.kind, e.account)):
            text = (
                f"entry {ref}: {e.kind} {e.account} {format_fen(e.amount_fen)} without its record"
            )
            differences.append(Difference(distributor_id, f"entry {ref}", text))
    return differences
