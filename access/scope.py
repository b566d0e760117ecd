"""Access checks for resolvers (SPEC §3.9): roles, team scope, masks, the rate limit.

The rules themselves are pure (`access.roles`, `access.pii`); this module
applies them to the caller of one request and raises the coded errors.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import TypeVar

from access.errors import NotSignedIn, OutsideTeam, RateLimited, RoleNotAllowed
from access.pii import owner_of
from access.rate_limit import admit
from access.roles import (
    STAFF,
    Role,
    View,
    team_view_allowed,
    upline_allowed,
    view_of,
)
from domain.errors import Unauthenticated
from domain.models import Distributor
from graph import rate_limits
from resolvers.context import Context

T = TypeVar("T")


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
    now, window = clock(), ctx.limits.window
    verdict = await rate_limits.count(
        ctx.db,
        key=ctx.token_key,
        decide=lambda at, counts: admit(at=at, counts=counts, now=now, window=window, limit=limit),
        now=now,
        expires_at=now + window,
    )
    if not verdict.allowed:
        raise RateLimited(verdict.retry_after)


async def caller(ctx: Context) -> Distributor | None:
    """The distributor a DISTRIBUTOR token names (loaded once per request)."""
    if not ctx.caller_loaded:
        ctx.caller = await ctx.loaders.distributor.load(ctx.actor.subject)
        ctx.caller_loaded = True
    return ctx.caller


def is_staff(ctx: Context) -> bool:
    return role_of(ctx) in STAFF


# The fixed phrases of scope refusals: never an id, so a refusal names no one.
DISTRIBUTOR = "This distributor"
ORDER = "This order"
WITHDRAWAL = "This withdrawal"
MONEY = "The money of this distributor"
TEAM = "This many levels of this team"
TEAM_EVENTS = "The events of this team"
UPLINE = "This many levels of this upline"
NETWORK = "The network beyond your sponsor"


async def visible(ctx: Context, target: Distributor) -> View | None:
    """How the caller sees `target`, or None when it may not see it at all: the one
    object-level rule every distributor in an answer passes (SPEC §3.9)."""
    if is_staff(ctx):
        return View.FULL
    return view_of(caller=await caller(ctx), target=target, team_depth=ctx.policy.team_depth)


async def view(ctx: Context, target: Distributor) -> View:
    """How the caller sees `target`; FORBIDDEN (naming no one) outside its scope."""
    seen = await visible(ctx, target)
    if seen is None:
        raise OutsideTeam(DISTRIBUTOR)
    return seen


async def may_see(ctx: Context, distributor_id: str) -> bool:
    """Whether `distributor_id` is in the caller's scope (staff: without a lookup)."""
    if is_staff(ctx):
        return True
    target = await ctx.loaders.distributor.load(distributor_id)
    return target is not None and await visible(ctx, target) is not None


def require_found(ctx: Context, found: T | None, *, what: str, own: bool = False) -> T | None:
    """Staff get `None` for what does not exist; a DISTRIBUTOR gets the same FORBIDDEN as
    for what exists outside its scope, so an answer never confirms a stranger. `own`: the
    caller asked for itself, and may learn that it is not there."""
    if found is None and not own and not is_staff(ctx):
        raise OutsideTeam(what)
    return found


async def require_own_team(ctx: Context, distributor_id: str, *, what: str = DISTRIBUTOR) -> None:
    """For a DISTRIBUTOR: `distributor_id` must be itself or in its downline."""
    if is_staff(ctx):
        return
    target = await ctx.loaders.distributor.load(distributor_id)
    seen = None if target is None else await visible(ctx, target)
    if seen not in (View.SELF, View.DOWNLINE):
        raise OutsideTeam(what)


def require_self(ctx: Context, distributor_id: str, *, what: str = MONEY) -> None:
    """For a DISTRIBUTOR: `distributor_id` must be itself (its own money)."""
    if not is_staff(ctx) and distributor_id != ctx.actor.subject:
        raise OutsideTeam(what)


def require_private(seen: View) -> None:
    """Money (balance, ledger, withdrawals) is the distributor's own and staff's only."""
    if not seen.private:
        raise OutsideTeam(MONEY)


def require_linked(seen: View) -> None:
    """The caller's sponsor is shown, but its sponsor is outside the scope."""
    if not seen.linked:
        raise OutsideTeam(NETWORK)


async def require_upline_view(ctx: Context, seen: View, target: Distributor, *, depth: int) -> None:
    if seen is View.FULL:
        return
    if not upline_allowed(caller=await caller(ctx), view=seen, target=target, depth=depth):
        raise OutsideTeam(UPLINE)


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
        raise OutsideTeam(TEAM)


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
    return shown(plain, seen=seen, mask=mask)


def shown(plain: str, *, seen: View, mask: Callable[[str], str]) -> str:
    """`plain` as the caller may see it: masked unless the view is unmasked."""
    return mask(plain) if seen.masked else plain
