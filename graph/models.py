"""Typed records returned by `graph`: frozen dataclasses and enums, never driver records."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


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


@dataclass(frozen=True, slots=True)
class Distributor:
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


@dataclass(frozen=True, slots=True)
class UplineEntry:
    level: int
    distributor: Distributor


@dataclass(frozen=True, slots=True)
class DownlineEdge:
    cursor: str
    level: int
    distributor: Distributor


@dataclass(frozen=True, slots=True)
class DownlinePage:
    total_count: int
    edges: list[DownlineEdge]
    has_next_page: bool
    end_cursor: str | None


@dataclass(frozen=True, slots=True)
class TeamMetrics:
    level_counts: list[int]
    team_size: int
    new_members: int
    active_members: int
    team_sales_fen: int
    own_sales_fen: int


@dataclass(frozen=True, slots=True)
class Balance:
    pending_fen: int
    available_fen: int
    withdrawn_fen: int


@dataclass(frozen=True, slots=True)
class Actor:
    """Who performs a mutation, for the audit trail."""

    subject: str
    role: str


@dataclass(frozen=True, slots=True)
class Policy:
    """The network rules in force, validated once at start-up from the settings."""

    commission_levels: int = 2
    team_depth: int = 3
    bind_mode: BindMode = BindMode.WHILE_UNBOUND
    bind_window: timedelta = timedelta(hours=24)
    distribution_mode: DistributionMode = DistributionMode.EVERYONE
    team_leader_recruits: int = 10
