"""Resolvers of campaigns (限时冲级赛, SPEC §10)."""

from __future__ import annotations

from domain import inputs
from domain.errors import NotFound
from domain.models import LeaderboardEntry
from domain.money.campaigns import Campaign, check_campaign
from graph.money import campaigns, leaderboard
from resolvers.context import Context


async def create(ctx: Context, *, campaign: Campaign) -> Campaign:
    checked = check_campaign(campaign)
    inputs.check_id(checked.id)
    inputs.check_name(checked.name)
    return await campaigns.create(ctx.db, campaign=checked, actor=ctx.actor, now=ctx.now())


async def find(ctx: Context, *, campaign_id: str) -> Campaign | None:
    return await campaigns.find(ctx.db, campaign_id=inputs.check_id(campaign_id))


async def standings(ctx: Context, *, campaign: Campaign, first: int) -> list[LeaderboardEntry]:
    """The leaderboard of the campaign's metric over [startsAt, endsAt)."""
    return await leaderboard.top(
        ctx.db,
        metric=campaign.metric,
        since=campaign.starts_at,
        until=campaign.ends_at,
        first=inputs.check_page_size(first),
    )


async def close(ctx: Context, *, campaign_id: str) -> Campaign:
    checked = inputs.check_id(campaign_id)
    found = await campaigns.find(ctx.db, campaign_id=checked)
    if found is None:
        raise NotFound("Campaign", checked)
    top_rank = max(p.rank for p in found.prizes)
    final = await standings(ctx, campaign=found, first=top_rank)
    return await campaigns.close(
        ctx.db, campaign_id=checked, standings=final, actor=ctx.actor, now=ctx.now()
    )
