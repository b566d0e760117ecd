"""Resolvers for invite codes (SPEC §10): look-up, share links, rotation, binding by code."""

from __future__ import annotations

from access import scope as access
from access.roles import View
from domain import inputs
from domain.models import Distributor
from domain.tree.invites import check_channel, may_recruit, normalise_code, share_link
from graph.tree import invites, registration
from resolvers.context import Context


async def inviter(ctx: Context, *, code: str) -> Distributor | None:
    """The owner of a code (typed by a person: read the Crockford way); None for staff
    when nobody holds it, and for a DISTRIBUTOR the same FORBIDDEN as for a stranger's."""
    found = await invites.by_code(ctx.db, code=normalise_code(code, field="code"))
    return access.require_found(ctx, found, what=access.DISTRIBUTOR)


async def invite_code(ctx: Context, *, of: Distributor, view: View) -> str | None:
    """`of`'s code for those who see its private side (itself, staff), else None. One
    that may recruit but has none yet gets it now (one batch per request)."""
    if not view.private or not may_recruit(of.rank):
        return None
    if of.invite_code is not None:
        return of.invite_code
    return await ctx.loaders.invite_code.load(of.id)


async def link(ctx: Context, *, of: Distributor, view: View) -> str | None:
    code = await invite_code(ctx, of=of, view=view)
    return None if code is None else share_link(ctx.policy.share_base_url, code)


async def rotate(ctx: Context, *, distributor_id: str) -> Distributor:
    checked = inputs.check_id(distributor_id, field="distributorId")
    access.require_self(ctx, checked, what=access.DISTRIBUTOR)
    return await invites.rotate(ctx.db, distributor_id=checked, actor=ctx.actor)


async def bind_by_code(
    ctx: Context, *, distributor_id: str, invite_code: str, channel: str | None
) -> Distributor:
    return await registration.bind(
        ctx.db,
        distributor_id=inputs.check_id(distributor_id, field="distributorId"),
        invite_code=normalise_code(invite_code),
        channel=check_channel(channel),
        now=ctx.now(),
        bind_mode=ctx.policy.bind_mode,
        bind_window=ctx.policy.bind_window,
        team_leader_recruits=ctx.policy.team_leader_recruits,
    )
