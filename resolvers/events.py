"""Resolvers of the subscriptions (SPEC §11): who may follow what, and the streams.

`fraudAlerts` (ANALYST, ADMIN) hears every fraud alert; `teamEvents(distributorId)`
(ADMIN, or the DISTRIBUTOR itself) hears the events about the leader and its downline
within `team_depth` (`domain.events.in_team`). Each delivered event reads its
distributor afresh and passes the same scope rule as a query (`access.scope.visible`),
so a DISTRIBUTOR gets the same masks, and nothing about someone who has since left its
scope.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from access import scope as access
from access.roles import View
from domain.errors import NotFound, Unavailable
from domain.events import FRAUD_ALERT, Event, Leader, in_team
from domain.models import Distributor, FraudAlert
from graph.event_hub import EventHub
from graph.tree import distributors
from resolvers.context import Context


@dataclass(frozen=True, slots=True)
class Delivered:
    """A team event with its distributor as the subscriber may see it."""

    event: Event
    distributor: Distributor
    view: View


def hub_of(ctx: Context) -> EventHub:
    if ctx.events is None:
        raise Unavailable()
    return ctx.events


async def fraud_alerts(ctx: Context) -> AsyncIterator[FraudAlert]:
    """Every fraud alert raised from now on, by any process."""
    stream = await hub_of(ctx).stream(lambda event: event.kind == FRAUD_ALERT)
    return _alerts(stream)


async def _alerts(stream: AsyncIterator[Event]) -> AsyncIterator[FraudAlert]:
    async for event in stream:
        yield FraudAlert(
            id=event.alert_id or "",
            distributor_id=event.distributor_id,
            reasons=list(event.reasons),
            evidence=list(event.evidence),
            acknowledged=False,
            at=event.at,
        )


async def team_events(ctx: Context, *, distributor_id: str) -> AsyncIterator[Delivered]:
    """The team events of `distributor_id`: FORBIDDEN for a DISTRIBUTOR but itself;
    NOT_FOUND for someone unknown."""
    access.require_self(ctx, distributor_id, what=access.TEAM_EVENTS)
    found = await distributors.get(ctx.db, distributor_id=distributor_id)
    if found is None:
        raise NotFound("Distributor", distributor_id)
    leader = Leader(id=found.id, path=found.path, depth=found.depth)
    depth = ctx.policy.team_depth
    stream = await hub_of(ctx).stream(lambda e: in_team(e, leader=leader, team_depth=depth))
    return _team(ctx, stream)


async def _team(ctx: Context, stream: AsyncIterator[Event]) -> AsyncIterator[Delivered]:
    async for event in stream:
        ctx.refresh()
        target = await ctx.loaders.distributor.load(event.distributor_id)
        if target is None:
            continue
        seen = await access.visible(ctx, target)
        if seen is None or seen is View.SPONSOR:
            continue
        yield Delivered(event=event, distributor=target, view=seen)
