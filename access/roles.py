"""Who may see whom (SPEC §3.9): roles, and the team scope of a DISTRIBUTOR caller.

A DISTRIBUTOR sees itself, its own sponsor, and its downline within `team_depth`;
others' names and phone numbers come masked. Staff roles (ADMIN, ANALYST, SERVICE) see
everyone, unmasked. These are pure functions on `Distributor` records; resolvers load
the records and raise FORBIDDEN where a rule here says no.

Two kinds of rule, so that a refusal never depends on data outside the scope:
- object rules (`view_of`): may this caller see this distributor at all? Applied to
  every distributor an answer would contain, whatever path reached it;
- link rules (`upline_allowed`, `team_view_allowed`, `View.private`, `View.linked`):
  may the caller follow this link of a distributor it sees, with these arguments?
  They look only at the caller, the distributor it already sees and the arguments,
  never at who is at the other end, so their answer confirms no one's existence.
"""

from __future__ import annotations

import enum

from access.pii import mask_name
from domain.models import Distributor
from domain.tree.paths import is_in_subtree


class Role(enum.Enum):
    ADMIN = "ADMIN"
    ANALYST = "ANALYST"
    SERVICE = "SERVICE"
    DISTRIBUTOR = "DISTRIBUTOR"


STAFF = frozenset({Role.ADMIN, Role.ANALYST, Role.SERVICE})


class View(enum.Enum):
    """How a caller sees one distributor it may see."""

    FULL = "FULL"  # staff: everything, unmasked
    SELF = "SELF"  # the caller itself: everything, unmasked
    SPONSOR = "SPONSOR"  # the caller's sponsor: masked, no links onward
    DOWNLINE = "DOWNLINE"  # within team_depth below the caller: masked, links checked

    @property
    def masked(self) -> bool:
        return self not in (View.FULL, View.SELF)

    @property
    def private(self) -> bool:
        """May this caller read the distributor's money (balance, ledger, withdrawals)?"""
        return self in (View.FULL, View.SELF)

    @property
    def linked(self) -> bool:
        """May this caller follow the distributor's `sponsor` link? Everyone's sponsor is in
        scope but the caller's sponsor's own (outside it)."""
        return self is not View.SPONSOR


def view_of(*, caller: Distributor | None, target: Distributor, team_depth: int) -> View | None:
    """How a DISTRIBUTOR `caller` sees `target`; None when `target` is outside its scope."""
    if caller is None:
        return None
    if target.id == caller.id:
        return View.SELF
    if target.id == caller.sponsor_id:
        return View.SPONSOR
    below = target.depth - caller.depth
    if 0 < below <= team_depth and is_in_subtree(path=target.path, root_path=caller.path):
        return View.DOWNLINE
    return None


def display_name(name: str, view: View | None) -> str:
    """A name as the caller may read it: masked (`张*`) unless staff or the person itself;
    `view` None is someone outside the scope shown only by name (a leaderboard entry)."""
    return name if view is not None and not view.masked else mask_name(name)


def upline_allowed(
    *, caller: Distributor | None, view: View, target: Distributor, depth: int
) -> bool:
    """May the caller read `depth` levels above `target`?

    Staff: yes. The caller itself: its sponsor only (depth 1). A downline member `k`
    levels down: up to `k + 1` levels (its sponsors up to the caller, and the caller's
    sponsor). Whether anyone sits that high is not looked at: the answer is the same for
    a root and for the deepest member.
    """
    if view is View.FULL:
        return True
    if view is View.SELF:
        return depth <= 1
    if view is not View.DOWNLINE or caller is None:
        return False
    return depth <= (target.depth - caller.depth) + 1


def team_view_allowed(
    *, caller: Distributor | None, view: View, target: Distributor, depth: int, team_depth: int
) -> bool:
    """May the caller read `depth` levels of `target`'s team (downline, team metrics)?

    Staff and the caller itself: yes. A downline member: only while the levels asked for
    stay within the caller's own `team_depth`. Anyone else: no.
    """
    if view in (View.FULL, View.SELF):
        return True
    if view is not View.DOWNLINE or caller is None:
        return False
    return (target.depth - caller.depth) + depth <= team_depth
