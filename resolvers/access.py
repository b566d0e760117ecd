"""Access checks for resolvers (SPEC §3.9): roles, team scope, masks, the rate limit.

The rules themselves are pure (`graph.rules.access`, `graph.rules.pii`); this module
applies them to the caller of one request and raises the coded errors.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection

from graph import rate_limits
from graph.errors import NotSignedIn, OutsideTeam, RateLimited, RoleNotAllowed, Unauthenticated
from graph.models import Distributor
from graph.rules.access import STAFF, Role, View, team_view_allowed, view_of
from graph.rules.pii import owner_of
from resolvers.context import Context


def role_of(ctx: Context) -> Role | None:
    try:
        return Role(ctx.actor.role)
    except ValueError:
        return None


def require_role(ctx: Context, roles: Collection[Role], *, operation: str) -> Role:
    """The caller's role if it is one of `roles`; UNAUTHENTICATED or FORBIDDEN otherwise."""
    role = role_of(ctx)
    if role is None:
        raise Unauthenticated(ctx.auth_problem) if ctx.auth_problem else NotSignedIn()
    if role not in roles:
        raise RoleNotAllowed(role.value, operation)
    return role


async def check_rate(ctx: Context, *, clock: Callable[[], float] = time.time) -> None:
    """Count one mutation for the caller's token, in the counters every process shares;
    RATE_LIMITED past its role's limit (none for a role whose limit is 0)."""
    if ctx.limits is None or ctx.token_key is None:
        return
    limit = ctx.limits.limit_of(role_of(ctx))
    if limit <= 0:
        return
    wait = await rate_limits.count(
        ctx.db, key=ctx.token_key, limit=limit, window=ctx.limits.window, now=clock()
    )
    if wait is not None:
        raise RateLimited(wait)


async def caller(ctx: Context) -> Distributor | None:
    """The distributor a DISTRIBUTOR token names (loaded once per request)."""
    if not ctx.caller_loaded:
        ctx.caller = await ctx.loaders.distributor.load(ctx.actor.subject)
        ctx.caller_loaded = True
    return ctx.caller


async def view(ctx: Context, target: Distributor, *, listed: bool = False) -> View:
    """How the caller sees `target`; FORBIDDEN outside a distributor's team, unless
    `listed` (a leaderboard entry), which shows a masked name and nothing more."""
    if role_of(ctx) in STAFF:
        return View.FULL
    seen = view_of(caller=await caller(ctx), target=target, team_depth=ctx.policy.team_depth)
    if seen is not None:
        return seen
    if listed:
        return View.LISTED
    raise OutsideTeam("Distributor", target.id)


async def require_own_team(ctx: Context, distributor_id: str) -> None:
    """For a DISTRIBUTOR: `distributor_id` must be itself or in its downline."""
    if role_of(ctx) in STAFF:
        return
    target = await ctx.loaders.distributor.load(distributor_id)
    if target is None or await view(ctx, target) not in (View.SELF, View.DOWNLINE):
        raise OutsideTeam("Distributor", distributor_id)


def require_self(ctx: Context, distributor_id: str) -> None:
    """For a DISTRIBUTOR: `distributor_id` must be itself (its own money)."""
    if role_of(ctx) not in STAFF and distributor_id != ctx.actor.subject:
        raise OutsideTeam("The money of distributor", distributor_id)


def require_private(seen: View, target: Distributor) -> None:
    """Money (balance, ledger, withdrawals) is the distributor's own and staff's only."""
    if not seen.private:
        raise OutsideTeam("The money of distributor", target.id)


async def require_team_view(ctx: Context, seen: View, target: Distributor, *, depth: int) -> None:
    if seen is View.FULL:
        return
    allowed = team_view_allowed(
        caller=await caller(ctx),
        view=seen,
        target=target,
        depth=depth,
        team_depth=ctx.policy.team_depth,
    )
    if not allowed:
        raise OutsideTeam("The team of distributor", target.id)


def require_nested(seen: View, target: Distributor) -> None:
    """A sponsor or a leaderboard entry outside the team shows no links onward."""
    if seen in (View.SPONSOR, View.LISTED):
        raise OutsideTeam("The network around distributor", target.id)


def reveal(
    ctx: Context,
    *,
    sealed: str | None,
    owner: Distributor,
    field: str,
    seen: View,
    mask: Callable[[str], str],
) -> str | None:
    """A PII field opened with the keyring, masked unless the view is unmasked."""
    if sealed is None:
        return None
    plain = ctx.keyring.open(sealed, owner=owner_of(owner.id, field))
    return mask(plain) if seen.masked else plain
