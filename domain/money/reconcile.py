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
- a **reward** (a team bonus `team-bonus:month:leader`, a campaign prize
  `prize:campaign:rank`) is its amount in `available`, settled at once, nothing elsewhere;
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
from domain.money.team_bonus import ledger_ref as team_bonus_ref

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
class RewardRecord:
    """A `(:Reward)`: a TEAM_BONUS (`month`) or a PRIZE (`campaign_id`, `rank`)."""

    key: str
    kind: str
    beneficiary_id: str
    amount_fen: int
    month: str | None = None
    campaign_id: str | None = None
    rank: int | None = None

    @property
    def ref(self) -> str | None:
        """The ref of its ledger entry (as `graph.money.team_bonus` and
        `graph.money.campaigns` write it); None for a kind this check does not know."""
        if self.kind == "TEAM_BONUS" and self.month is not None:
            return team_bonus_ref(self.month, self.beneficiary_id)
        if self.kind == "PRIZE" and self.campaign_id is not None and self.rank is not None:
            return f"prize:{self.campaign_id}:{self.rank}"
        return None


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


def _by_account(
    distributor_id: str, name: str, expected: dict[str, int], found: dict[str, int], label: str
) -> list[Difference]:
    differences = []
    for account in (*ACCOUNTS, *sorted(set(found) - set(ACCOUNTS))):
        want, got = expected.get(account, 0), found.get(account, 0)
        if want != got:
            text = f"{label}: {account} expected {format_fen(want)}, found {format_fen(got)}"
            differences.append(Difference(distributor_id, name, text))
    return differences


def _reward(
    distributor_id: str, r: RewardRecord, by_ref: dict[str, list[EntrySum]]
) -> list[Difference]:
    name = f"reward {r.key}"
    ref = r.ref
    if ref is None:
        return [
            Difference(distributor_id, name, f"{name}: a kind of reward ({r.kind}) unknown here")
        ]
    found: dict[str, int] = {}
    for e in by_ref.pop(ref, []):
        found[e.account] = found.get(e.account, 0) + e.amount_fen
    expected = {AVAILABLE: r.amount_fen} if r.amount_fen else {}
    return _by_account(distributor_id, name, expected, found, name)


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
    label = f"{name} ({c.status})"
    return differences + _by_account(distributor_id, name, commission_expected(c), found, label)


def check(
    *,
    distributor_id: str,
    entries: Iterable[EntrySum],
    commissions: Sequence[CommissionRecord],
    withdrawals: Sequence[WithdrawalRecord],
    rewards: Sequence[RewardRecord] = (),
) -> list[Difference]:
    """Every difference between one distributor's records and its ledger entries."""
    by_ref: dict[str, list[EntrySum]] = {}
    for e in entries:
        by_ref.setdefault(e.ref, []).append(e)
    differences: list[Difference] = []
    for c in commissions:
        differences += _commission(distributor_id, c, by_ref)
    for r in rewards:
        differences += _reward(distributor_id, r, by_ref)
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
