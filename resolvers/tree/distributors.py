"""Resolvers for reading a distributor and its team views."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from access import scope as access
from access.roles import View
from domain import inputs
from domain.errors import ReferralError
from domain.fraud.identifiers import IdentifierKind, identify
from domain.models import ChannelCount, Distributor, DownlineMember, TeamMetrics, UplineEntry
from domain.pagination import Connection, ListCursors, PageArgs, Window
from graph.tree import distributors, prefetch, team
from resolvers.context import Context

DOWNLINE_PAGE = 50  # rows when neither first nor last is given


@dataclass(frozen=True)
class DownlineAsked:
    """The arguments of the one `downline` a root `distributor` selects (not yet checked)."""

    depth: int | None
    level: int | None
    page: PageArgs


async def distributor(
    ctx: Context,
    *,
    distributor_id: str,
    upline_depth: int | None = None,
    downline: DownlineAsked | None = None,
) -> Distributor | None:
    """None for an unknown id; for a DISTRIBUTOR, FORBIDDEN as for one outside its scope.

    `upline_depth`: the selection also asks for the upline to that depth (already
    checked), so both are read in one query; the upline waits in the context for the
    `upline` field, which applies its own access checks before using it. `downline`:
    likewise for a downline page, when its arguments are valid (else the field refuses
    them, as before)."""
    checked = inputs.check_id(distributor_id)
    page = None if downline is None else _downline_read(ctx, checked, downline)
    if upline_depth is not None:
        with_upline = await prefetch.distributor_with_upline(
            ctx.db, distributor_id=checked, depth=upline_depth
        )
        found = None if with_upline is None else with_upline.distributor
        ctx.loaders.distributor.prime(checked, found)
        if with_upline is not None:
            ctx.prefetched_uplines[(checked, upline_depth)] = with_upline.upline
    elif page is not None:
        depth, level, window = page
        with_page = await prefetch.distributor_with_downline(
            ctx.db, distributor_id=checked, depth=depth, level=level, window=window
        )
        found = None if with_page is None else with_page.distributor
        ctx.loaders.distributor.prime(checked, found)
        if with_page is not None:
            ctx.prefetched_downlines[(checked, *page)] = with_page.first_read
    else:
        found = await ctx.loaders.distributor.load(checked)
    own = distributor_id == ctx.actor.subject
    return access.require_found(ctx, found, what=access.DISTRIBUTOR, own=own)


def _downline_read(
    ctx: Context, root_id: str, asked: DownlineAsked
) -> tuple[int, int | None, Window] | None:
    """The depth, level and window the `downline` field will read, or None when any of
    its arguments is one the field refuses."""
    try:
        checked = inputs.check_depth(asked.depth, team_depth=ctx.policy.team_depth)
        only, _, window = _downline_window(ctx, root_id, checked, asked.level, asked.page)
    except ReferralError:
        return None
    return checked, only, window


def _downline_window(
    ctx: Context, root_id: str, depth: int, level: int | None, page: PageArgs
) -> tuple[int | None, ListCursors, Window]:
    """The level (checked against the checked `depth`), the cursors and the window of a
    downline page of `root_id`."""
    only = inputs.check_level(level, depth=depth)
    cursors = ctx.cursors(team.DOWNLINE.bound(root=root_id, depth=depth, level=only))
    return only, cursors, cursors.window(page, default_size=DOWNLINE_PAGE)


async def by_id(ctx: Context, *, distributor_id: str) -> Distributor | None:
    """A distributor a record names (an id already checked), through the request's loader."""
    return await ctx.loaders.distributor.load(distributor_id)


async def by_ids(ctx: Context, *, ids: list[str]) -> list[Distributor]:
    """The distributors records name, in `ids` order, in one batch (unknown ids left out)."""
    return [d for d in await ctx.loaders.distributor.load_many(ids) if d is not None]


async def sponsor(ctx: Context, *, of: Distributor) -> Distributor | None:
    if of.sponsor_id is None:
        return None
    return await ctx.loaders.distributor.load(of.sponsor_id)


async def upline(
    ctx: Context, *, of: Distributor, view: View, depth: int | None
) -> list[UplineEntry]:
    checked = inputs.check_depth(depth, team_depth=ctx.policy.team_depth)
    await access.require_upline_view(ctx, view, of, depth=checked)
    read_with_it = ctx.prefetched_uplines.pop((of.id, checked), None)
    if read_with_it is not None:
        return read_with_it
    return await team.upline(ctx.db, distributor_id=of.id, depth=checked)


def upline_depth_asked(ctx: Context, depth: int | None) -> int | None:
    """The depth of an `upline` selected under a root `distributor`: the depth to read
    with it, or None when it is not valid (the field itself then refuses it, as before)."""
    try:
        return inputs.check_depth(depth, team_depth=ctx.policy.team_depth)
    except ReferralError:
        return None


async def downline(
    ctx: Context,
    *,
    of: Distributor,
    view: View,
    depth: int | None,
    level: int | None,
    page: PageArgs,
) -> Connection[DownlineMember]:
    checked = inputs.check_depth(depth, team_depth=ctx.policy.team_depth)
    await access.require_team_view(ctx, view, of, depth=checked)
    only, cursors, window = _downline_window(ctx, of.id, checked, level, page)
    read_with_it = ctx.prefetched_downlines.pop((of.id, checked, only, window), None)
    found = await team.downline(
        ctx.db, root=of, depth=checked, level=only, window=window, first_read=read_with_it
    )
    return cursors.connection(found)


async def team_metrics(
    ctx: Context,
    *,
    of: Distributor,
    view: View,
    since: datetime | None,
    until: datetime | None,
    depth: int | None,
) -> TeamMetrics:
    checked = inputs.check_depth(depth, team_depth=ctx.policy.team_depth)
    await access.require_team_view(ctx, view, of, depth=checked)
    since, until = inputs.check_window(since, until)
    return await team.metrics(ctx.db, root=of, depth=checked, since=since, until=until)


async def by_channel(
    ctx: Context, *, of: Distributor, since: datetime | None, until: datetime | None
) -> list[ChannelCount]:
    """Team metrics' `byChannel`; the window and scope were checked by `team_metrics`."""
    return await team.by_channel(ctx.db, root=of, since=since, until=until)


async def by_phone(ctx: Context, *, phone: str, first: int) -> list[Distributor]:
    """Staff lookup by phone: through its keyed hash, never a plain-text match."""
    key = identify(IdentifierKind.PHONE, phone, secret=ctx.policy.identifier_secret).key
    return await distributors.by_phone_hash(
        ctx.db, phone_hash=key, first=inputs.check_page_size(first)
    )
