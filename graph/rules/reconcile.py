"""The ledger invariant, checked record by record, as a pure function.

For one distributor, given the sums of its ledger entries by `(ref, account)` and its
commission and withdrawal records, `check` lists every difference:

- a **commission** `orderId#level` is the sum of the entries of its own ref
  (`commission:orderId#level`) and of its order's refunds at that level
  (`refund:refundId#level`): `PENDING` holds its amount in `pending` and nothing in
  `available`; `SETTLED` nothing in `pending` and its amount in `available`; `CANCELLED`
  nothing anywhere (and its amount is 0);
- a **withdrawal** is the sum of the entries of `withdrawal:id`: `REQUESTED`/`APPROVED`
  hold its amount (`available` −amount, `held` +amount); `PAID` moved it out (`available`
  −amount, `held` 0, `withdrawn` its net, `fees` its fee, `tax` its tax); `REJECTED` left
  nothing; and its own `net` is `amount − fee − tax`;
- an **entry** whose ref names no record of this distributor (a deleted record, an entry
  written for someone else, or a kind this check does not know) is a difference too.

A balance is never stored: it is always the sum of these same entries by account, so when
every record equals its entries and no entry is left over, every balance is right.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from graph.rules.ledger import ACCOUNTS, AVAILABLE, FEES, HELD, PENDING, TAX, WITHDRAWN

COMMISSION_PREFIX = "commission:"
REFUND_PREFIX = "refund:"
WITHDRAWAL_PREFIX = "withdrawal:"


@dataclass(frozen=True, slots=True)
class EntrySum:
    """The sum of a distributor's entries with one ref in one account."""

    distributor_id: str
    ref: str
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
    """One record (or entry ref) whose numbers disagree; `field` names what differs."""

    distributor_id: str
    record: str  # "commission o-1#1", "withdrawal w-…", "entry refund:r-1#2"
    field: str  # an account, "net", "amount" or "record"
    expected: int | None
    found: int | None

    def describe(self) -> str:
        return (
            f"{self.distributor_id}: {self.record}: {self.field} "
            f"expected {_fen(self.expected)}, found {_fen(self.found)}"
        )


def _fen(value: int | None) -> str:
    if value is None:
        return "none"
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value) // 100}.{abs(value) % 100:02d}"


def commission_expected(record: CommissionRecord) -> dict[str, int]:
    """What the entries of a commission (its own and its refunds') add up to, by account."""
    if record.status == "PENDING":
        return {PENDING: record.amount_fen}
    if record.status == "SETTLED":
        return {AVAILABLE: record.amount_fen}
    return {}


def withdrawal_expected(record: WithdrawalRecord) -> dict[str, int]:
    """What the entries of a withdrawal add up to, by account, in its status."""
    if record.status in ("REQUESTED", "APPROVED"):
        return {AVAILABLE: -record.amount_fen, HELD: record.amount_fen}
    if record.status == "PAID":
        return {
            AVAILABLE: -record.amount_fen,
            WITHDRAWN: record.amount_fen - record.fee_fen - record.tax_fen,
            FEES: record.fee_fen,
            TAX: record.tax_fen,
        }
    return {}


def _compare(
    distributor_id: str, record: str, expected: dict[str, int], found: dict[str, int]
) -> list[Difference]:
    return [
        Difference(distributor_id, record, account, expected.get(account, 0), got)
        for account in (*ACCOUNTS, *sorted(set(found) - set(ACCOUNTS)))
        if (got := found.get(account, 0)) != expected.get(account, 0)
    ]


def check(
    *,
    distributor_id: str,
    entries: Iterable[EntrySum],
    commissions: Sequence[CommissionRecord],
    withdrawals: Sequence[WithdrawalRecord],
) -> list[Difference]:
    """Every difference between one distributor's records and its ledger entries."""
    by_ref: dict[str, dict[str, int]] = {}
    for e in entries:
        accounts = by_ref.setdefault(e.ref, {})
        accounts[e.account] = accounts.get(e.account, 0) + e.amount_fen
    claimed: set[str] = set()
    differences: list[Difference] = []
    for c in commissions:
        refs = [
            f"{COMMISSION_PREFIX}{c.id}",
            *(f"{REFUND_PREFIX}{r}#{c.level}" for r in c.refund_ids),
        ]
        found: dict[str, int] = {}
        for ref in refs:
            claimed.add(ref)
            for account, fen in by_ref.get(ref, {}).items():
                found[account] = found.get(account, 0) + fen
        name = f"commission {c.id}"
        if c.status == "CANCELLED" and c.amount_fen != 0:
            differences.append(Difference(distributor_id, name, "amount", 0, c.amount_fen))
        differences += _compare(distributor_id, name, commission_expected(c), found)
    for w in withdrawals:
        ref = f"{WITHDRAWAL_PREFIX}{w.id}"
        claimed.add(ref)
        name = f"withdrawal {w.id}"
        net = w.amount_fen - w.fee_fen - w.tax_fen
        if w.net_fen != net:
            differences.append(Difference(distributor_id, name, "net", net, w.net_fen))
        differences += _compare(distributor_id, name, withdrawal_expected(w), by_ref.get(ref, {}))
    for ref in sorted(set(by_ref) - claimed):
        for account, fen in sorted(by_ref[ref].items()):
            differences.append(Difference(distributor_id, f"entry {ref}", account, None, fen))
    return differences
