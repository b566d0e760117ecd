"""GraphQL types of campaigns (限时冲级赛, SPEC §10)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.models import LeaderboardMetric as Metric
from domain.money import campaigns as rules
from resolvers.context import Info
from resolvers.money import campaigns as resolve
from schema.money.orders import LeaderboardEntry, LeaderboardMetric
from schema.scalars import Money


@strawberry.input
class PrizeInput:
    rank: int
    amount: Money


@strawberry.input
class CreateCampaignInput:
    id: strawberry.ID
    name: str
    metric: LeaderboardMetric  # type: ignore[valid-type]
    starts_at: datetime
    ends_at: datetime
    prizes: list[PrizeInput]

    def to_model(self) -> rules.Campaign:
        return rules.Campaign(
            id=str(self.id),
            name=self.name,
            metric=Metric(self.metric),
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            prizes=tuple(rules.Prize(rank=p.rank, amount_fen=p.amount) for p in self.prizes),
        )


@strawberry.type(description="A prize is money paid to the distributor at `rank`.")
class Prize:
    rank: int
    amount: Money


@strawberry.type(description="A time-limited race over a leaderboard metric (限时冲级赛).")
class Campaign:
    model: strawberry.Private[rules.Campaign]
    id: strawberry.ID
    name: str
    metric: LeaderboardMetric  # type: ignore[valid-type]
    starts_at: datetime
    ends_at: datetime
    prizes: list[Prize]
    closed_at: datetime | None = strawberry.field(description="When the prizes were paid.")

    @strawberry.field(description="The leaderboard of the metric over [startsAt, endsAt).")
    async def standings(self, info: Info, first: int = 10) -> list[LeaderboardEntry]:
        entries = await resolve.standings(info.context, campaign=self.model, first=first)
        return [LeaderboardEntry.from_model(e, self.model.metric) for e in entries]

    @classmethod
    def from_model(cls, c: rules.Campaign) -> Campaign:
        return cls(
            model=c,
            id=strawberry.ID(c.id),
            name=c.name,
            metric=c.metric,
            starts_at=c.starts_at,
            ends_at=c.ends_at,
            prizes=[Prize(rank=p.rank, amount=Money(p.amount_fen)) for p in c.prizes],
            closed_at=c.closed_at,
        )
