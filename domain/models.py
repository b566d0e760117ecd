"""Typed records returned by `graph`: frozen dataclasses and enums, never driver records."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal


class Rank(enum.Enum):
    MEMBER = "MEMBER"
    DISTRIBUTOR = "DISTRIBUTOR"
    TEAM_LEADER = "TEAM_LEADER"


class Status(enum.Enum):
    ACTIVE = "ACTIVE"
    FROZEN = "FROZEN"


class BindMode(enum.Enum):
    """When an unbound distributor may still be bound to a sponsor (SPEC §3.1)."""

    WHILE_UNBOUND = "WHILE_UNBOUND"
    REGISTRATION_ONLY = "REGISTRATION_ONLY"


class DistributionMode(enum.Enum):
    """How a MEMBER becomes a DISTRIBUTOR (SPEC §3.3)."""

    EVERYONE = "EVERYONE"
    APPROVAL = "APPROVAL"
    SPEND_THRESHOLD = "SPEND_THRESHOLD"


class CommissionStatus(enum.Enum):
    PENDING = "PENDING"
    SETTLED = "SETTLED"
    CANCELLED = "CANCELLED"


class WithdrawalStatus(enum.Enum):
    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    PAID = "PAID"
    REJECTED = "REJECTED"


class LeaderboardMetric(enum.Enum):
    SALES = "SALES"
    RECRUITS = "RECRUITS"
    COMMISSION = "COMMISSION"


@dataclass(frozen=True, slots=True)
class Distributor:
    """`phone`, `real_name` and `payment_account` are sealed (`access.pii`)."""

    id: str
    name: str
    phone: str | None
    rank: Rank
    status: Status
    joined_at: datetime
    sponsor_id: str | None
    path: str
    depth: int
    level_counts: tuple[int, int, int]
    real_name: str | None = None
    payment_account: str | None = None
    invite_code: str | None = None  # issued once it may recruit (domain.tree.invites)


@dataclass(frozen=True, slots=True)
class ChannelCount:
    """Level-1 recruits bound through one channel (None: no channel was given)."""

    channel: str | None
    count: int


@dataclass(frozen=True, slots=True)
class RefundRate:
    """The orders that credited a distributor a commission in a window, and how much of
    them was refunded (domain.fraud.refunds)."""

    orders: int
    refunded_orders: int
    amount_fen: int
    refunded_fen: int

    @property
    def rate(self) -> float:
        """The refunded share by amount: refunded fen over paid fen (0 without orders)."""
        return self.refunded_fen / self.amount_fen if self.amount_fen else 0.0


@dataclass(frozen=True, slots=True)
class UplineEntry:
    level: int
    distributor: Distributor


@dataclass(frozen=True, slots=True)
class DownlineMember:
    """A row of a downline page: a member and how many levels below the root it is."""

    level: int
    distributor: Distributor


@dataclass(frozen=True, slots=True)
class TeamMetrics:
    level_counts: list[int]
    team_size: int
    new_members: int
    active_members: int
    team_sales_fen: int
    own_sales_fen: int
    commissions: list[CommissionTotal]


@dataclass(frozen=True, slots=True)
class Balance:
    """Sums of ledger entries by account; `held` is withdrawals not yet paid or rejected."""

    pending_fen: int
    available_fen: int
    held_fen: int
    withdrawn_fen: int


@dataclass(frozen=True, slots=True)
class CommissionTotal:
    status: CommissionStatus
    amount_fen: int


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One line of an order; items that are not commissionable (shipping) earn nothing."""

    amount_fen: int
    product_id: str | None = None
    brand_id: str | None = None
    commissionable: bool = True


@dataclass(frozen=True, slots=True)
class NewOrder:
    """A paid order as a client records it (items default to one commissionable line)."""

    id: str
    buyer_id: str
    amount_fen: int
    paid_at: datetime
    items: tuple[OrderItem, ...]
    identifiers: tuple[str, ...] = ()  # identifier keys (domain.fraud.identifiers)


@dataclass(frozen=True, slots=True)
class Commission:
    """One level of an order's split; `amount_fen` is what remains after refunds."""

    order_id: str
    level: int
    beneficiary_id: str
    base_fen: int
    rate_bp: int
    original_fen: int
    amount_fen: int
    status: CommissionStatus
    paid_at: datetime


@dataclass(frozen=True, slots=True)
class Forfeit:
    """A level the platform kept, and why (the beneficiary was frozen or not eligible)."""

    level: int
    distributor_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Order:
    id: str
    buyer_id: str
    amount_fen: int
    refunded_fen: int
    paid_at: datetime
    rule_set_version: int
    items: list[OrderItem]
    commissions: list[Commission]
    forfeits: list[Forfeit]


@dataclass(frozen=True, slots=True)
class Withdrawal:
    id: str
    distributor_id: str
    amount_fen: int
    fee_fen: int
    tax_fen: int
    net_fen: int
    status: WithdrawalStatus
    requested_at: datetime


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: str
    distributor_id: str
    account: str
    kind: str
    amount_fen: int
    ref: str
    at: datetime


@dataclass(frozen=True, slots=True)
class StoredRuleSet:
    version: int
    active: bool
    created_at: datetime
    rules_json: str


@dataclass(frozen=True, slots=True)
class LeaderboardEntry:
    rank: int
    distributor_id: str
    value: int


@dataclass(frozen=True, slots=True)
class Actor:
    """Who performs a mutation, for the audit trail."""

    subject: str
    role: str


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: str
    at: datetime
    actor: str
    role: str
    operation: str
    arguments: str  # JSON, redacted
    outcome: str
    request_id: str | None


@dataclass(frozen=True, slots=True)
class Policy:
    """The network rules in force, built once at start-up by `Settings.policy` (the
    defaults live in the settings only; tests take `tests.helpers.policy()`)."""

    commission_levels: int
    team_depth: int
    bind_mode: BindMode
    bind_window: timedelta
    distribution_mode: DistributionMode
    team_leader_recruits: int
    spend_threshold_fen: int
    self_purchase_commission: bool
    freeze_days: int
    withdraw_min_fen: int
    withdraw_fee_rate: Decimal
    identifier_secret: bytes
    cursor_secret: bytes
    hot_identifier_limit: int
    burst_recruits: int
    burst_window: timedelta
    analyst_query_timeout: float  # seconds (SPEC §13)
    share_base_url: str
    refund_rate_limit: float
    withdraw_auto_approve_limit_fen: int = 0  # 0 = off (SPEC §10, faster payouts)
    team_bonus_rate: Decimal = Decimal(0)  # 0 = off, at most 10 % (SPEC §10)


@dataclass(frozen=True, slots=True)
class FraudAlert:
    id: str
    distributor_id: str
    reasons: list[str]
    evidence: list[str]
    acknowledged: bool
    at: datetime


@dataclass(frozen=True, slots=True)
class FraudRing:
    id: str
    member_ids: list[str]
    score: int
    reasons: list[str]
    identifier_kinds: list[str]
    referral_edges: list[tuple[str, str]]
    commissions_fen: int
    current: bool = True  # found by the latest completed scan
    identifiers: list[tuple[str, str]] = field(default_factory=list)  # (key, kind) shared


@dataclass(frozen=True, slots=True)
class EvidenceNode:
    """A node that proves a signal: its label and id (an identifier's HMAC key)."""

    label: str
    id: str
    kind: str | None = None  # an identifier's kind


@dataclass(frozen=True, slots=True)
class EvidenceEdge:
    """A relationship that proves a signal, by the ids of its two ends."""

    type: str
    source: str
    target: str


@dataclass(frozen=True, slots=True)
class FraudSignal:
    kind: str
    score: int
    evidence: str  # one sentence for people
    nodes: list[EvidenceNode] = field(default_factory=list)
    edges: list[EvidenceEdge] = field(default_factory=list)
