"""The commission split (SPEC §3.5): a pure function of an order, its upline and the rules.

Rates are integer basis points (1 bp = 0.01 %), amounts integer fen. Each commission is
`floor(Σ item base × item rate)` over the commissionable items, so it is never more than
the rates allow; the remainder stays with the platform.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from domain.models import OrderItem, Rank, Status

BP = 10_000  # basis points in 100 %
ELIGIBLE_RANKS = frozenset({Rank.DISTRIBUTOR, Rank.TEAM_LEADER})


@dataclass(frozen=True, slots=True)
class Tier:
    """A level-1 bonus for a beneficiary whose own sales this month reach a threshold."""

    monthly_sales_fen: int
    bonus_bp: int


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Rates per level, overridden per brand and per product (most specific wins)."""

    version: int
    level_bp: tuple[int, ...]
    brand_bp: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    product_bp: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    tiers: tuple[Tier, ...] = ()

    def rate_bp(self, item: OrderItem, level: int) -> int:
        """The rate of `item` at `level` (1-based); a level an override leaves out is 0."""
        rates = self.level_bp
        if item.brand_id is not None and item.brand_id in self.brand_bp:
            rates = self.brand_bp[item.brand_id]
        if item.product_id is not None and item.product_id in self.product_bp:
            rates = self.product_bp[item.product_id]
        return rates[level - 1] if level <= len(rates) else 0

    def tier_bonus_bp(self, monthly_sales_fen: int) -> int:
        """The bonus of the highest tier whose threshold the month's own sales reach."""
        reached = [t.bonus_bp for t in self.tiers if monthly_sales_fen >= t.monthly_sales_fen]
        return max(reached, default=0)


# The platform defaults (SPEC §3.5), in force until an admin activates a rule set.
DEFAULT_RULES = RuleSet(version=0, level_bp=(1500, 500, 200))


@dataclass(frozen=True, slots=True)
class Candidate:
    """A distributor at one commission level of an order, as they stand at payment."""

    level: int
    distributor_id: str
    rank: Rank
    status: Status
    monthly_sales_fen: int = 0


@dataclass(frozen=True, slots=True)
class Share:
    """What one level of an order earns; `forfeit` says why the platform kept it."""

    level: int
    distributor_id: str
    base_fen: int
    rate_bp: int
    amount_fen: int
    forfeit: str | None = None


def forfeit_reason(rank: Rank, status: Status) -> str | None:
    """Why a distributor may not earn now, or None if they may."""
    if status is not Status.ACTIVE:
        return str(status.value)
    if rank not in ELIGIBLE_RANKS:
        return f"RANK_{rank.value}"
    return None


def beneficiary_ids(
    *, buyer_id: str, upline_ids: Sequence[str], levels: int, self_purchase: bool
) -> list[str]:
    """Level 1 first: the sponsor, or the buyer itself with self-purchase commission on."""
    chain = [buyer_id, *upline_ids] if self_purchase else list(upline_ids)
    return chain[:levels]


def split(*, items: Sequence[OrderItem], chain: Sequence[Candidate], rules: RuleSet) -> list[Share]:
    """One share per candidate; each `floor(Σ base × rate)`, zero when forfeited.

    `rate_bp` of a share is the blended rate: its amount before flooring over the base.
    """
    base = sum(item.amount_fen for item in items if item.commissionable)
    shares: list[Share] = []
    for candidate in chain:
        bonus = rules.tier_bonus_bp(candidate.monthly_sales_fen) if candidate.level == 1 else 0
        weighted = sum(
            item.amount_fen * (rules.rate_bp(item, candidate.level) + bonus)
            for item in items
            if item.commissionable
        )
        rate = weighted // base if base else 0
        reason = forfeit_reason(candidate.rank, candidate.status)
        shares.append(
            Share(
                level=candidate.level,
                distributor_id=candidate.distributor_id,
                base_fen=base,
                rate_bp=rate,
                amount_fen=0 if reason else weighted // BP,
                forfeit=reason,
            )
        )
    return shares


def remaining_commission(*, original_fen: int, paid_fen: int, remaining_fen: int) -> int:
    """A commission after refunds, in proportion to what is left of the order (floor)."""
    if paid_fen <= 0:
        return 0
    return original_fen * remaining_fen // paid_fen
