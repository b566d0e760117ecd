"""Who may see whom (SPEC §3.9): roles, and the team scope of a DISTRIBUTOR caller.

A DISTRIBUTOR sees itself, its own sponsor, and its downline within `team_depth`;
others' names and phone numbers come masked. Staff roles (ADMIN, ANALYST, SERVICE) see
everyone, unmasked. These are pure functions on `Distributor` records; resolvers load
the records and raise FORBIDDEN where a rule here says no.
"""

from __future__ import annotations

import enum

from domain.models import Distributor
from domain.tree.paths import is_in_subtree


class Role(enum.Enum):
    ADMIN = "ADMIN"
    ANALYST = "ANALYST"
    SERVICE = "SERVICE"
    DISTRIBUTOR = "DISTRIBUTOR"


STAFF = frozenset({Role.ADMIN, Role.ANALYST, Role.SERVICE})


class View(enum.Enum):
    """How a caller sees one distributor."""

    FULL = "FULL"  # staff: everything, unmasked
    SELF = "SELF"  # the caller itself: everything, unmasked
    SPONSOR = "SPONSOR"  # the caller's sponsor: masked, no nested fields
    DOWNLINE = "DOWNLINE"  # within team_depth below the caller: masked, nested fields checked
    LISTED = "LISTED"  # a leaderboard entry outside the scope: masked, no nested fields

    @property
    def masked(self) -> bool:
        return self not in (View.FULL, View.SELF)

    @property
    def private(self) -> bool:
        """May this caller read the distributor's money (balance, ledger, withdrawals)?"""
        return self in (View.FULL, View.SELF)


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
