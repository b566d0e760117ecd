"""Resolvers of team rewards (SPEC §10): the monthly team bonus."""

from __future__ import annotations

from domain.money.team_bonus import check_ended_month
from graph.money import team_bonus
from resolvers.context import Context


async def settle_team_bonus(ctx: Context, *, month: str) -> int:
    """ADMIN: pay the leaders' bonus of an ended month; 0 while `team_bonus_rate` is 0."""
    checked = check_ended_month(month, ctx.now())
    if ctx.policy.team_bonus_rate == 0:
        return 0
    return await team_bonus.settle(
        ctx.db,
        month=checked,
        rate=ctx.policy.team_bonus_rate,
        levels=ctx.policy.commission_levels,
        actor=ctx.actor,
        now=ctx.now(),
    )
