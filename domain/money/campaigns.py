"""Campaigns (限时冲级赛, SPEC §10): a leaderboard metric over a window, and prizes by
rank, paid once as money when the campaign is closed after its end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.errors import BadUserInput
from domain.models import LeaderboardMetric

MAX_PRIZES = 100


@dataclass(frozen=True, slots=True)
class Prize:
    rank: int
    amount_fen: int


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    name: str
    metric: LeaderboardMetric
    starts_at: datetime
    ends_at: datetime
    prizes: tuple[Prize, ...]
    closed_at: datetime | None = None


def check_campaign(campaign: Campaign) -> Campaign:
    """A window that ends after it starts (both with a time zone) and 1-100 prizes of
    distinct ranks 1-100, each a positive amount; sorted by rank."""
    if campaign.starts_at.tzinfo is None or campaign.ends_at.tzinfo is None:
        raise BadUserInput("startsAt and endsAt need a time zone offset.")
    if campaign.ends_at <= campaign.starts_at:
        raise BadUserInput("endsAt must be after startsAt.")
    ranks = [p.rank for p in campaign.prizes]
    if not 1 <= len(ranks) <= MAX_PRIZES:
        raise BadUserInput(f"A campaign has 1 to {MAX_PRIZES} prizes.")
    if len(set(ranks)) != len(ranks) or not all(1 <= r <= MAX_PRIZES for r in ranks):
        raise BadUserInput(f"Prize ranks are distinct, from 1 to {MAX_PRIZES}.")
    if not all(p.amount_fen > 0 for p in campaign.prizes):
        raise BadUserInput("A prize is a positive amount of money.")
    prizes = tuple(sorted(campaign.prizes, key=lambda p: p.rank))
    return Campaign(
        id=campaign.id,
        name=campaign.name,
        metric=campaign.metric,
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        prizes=prizes,
    )
