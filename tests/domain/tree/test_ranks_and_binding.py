"""Rank rules and the bind window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import Conflict
from domain.models import BindMode, DistributionMode, Rank
from domain.tree.binding import check_bind_allowed
from domain.tree.ranks import rank_after_recruits, rank_at_registration

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_rank_at_registration_by_mode() -> None:
    assert Rank.DISTRIBUTOR is rank_at_registration(DistributionMode.EVERYONE)
    assert Rank.MEMBER is rank_at_registration(DistributionMode.APPROVAL)
    assert Rank.MEMBER is rank_at_registration(DistributionMode.SPEND_THRESHOLD)


def test_team_leader_when_qualified_recruits_reach_threshold() -> None:
    assert Rank.DISTRIBUTOR is rank_after_recruits(
        Rank.DISTRIBUTOR, qualified_recruits=9, threshold=10
    )
    assert Rank.TEAM_LEADER is rank_after_recruits(
        Rank.DISTRIBUTOR, qualified_recruits=10, threshold=10
    )


def test_a_member_is_never_promoted_to_team_leader_by_recruits() -> None:
    assert Rank.MEMBER is rank_after_recruits(Rank.MEMBER, qualified_recruits=99, threshold=10)


def test_while_unbound_mode_binds_any_time() -> None:
    check_bind_allowed(
        mode=BindMode.WHILE_UNBOUND,
        joined_at=T0,
        now=T0 + timedelta(days=400),
        window=timedelta(hours=24),
    )


def test_registration_only_mode_closes_after_the_window() -> None:
    window = timedelta(hours=24)
    check_bind_allowed(
        mode=BindMode.REGISTRATION_ONLY, joined_at=T0, now=T0 + window, window=window
    )
    with pytest.raises(Conflict, match="24 h"):
        check_bind_allowed(
            mode=BindMode.REGISTRATION_ONLY,
            joined_at=T0,
            now=T0 + window + timedelta(seconds=1),
            window=window,
        )
