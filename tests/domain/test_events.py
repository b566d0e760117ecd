"""Who receives a team event (domain.events.in_team): pure, no database."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from domain.events import FRAUD_ALERT, Event, Leader, TeamEventKind, in_team
from domain.tree.paths import child_path

AT = datetime(2026, 12, 1, tzinfo=UTC)


def chain(n: int) -> list[tuple[str, str, int]]:
    """ids, paths and depths of a straight line root → n-1."""
    found: list[tuple[str, str, int]] = []
    path: str | None = None
    for depth in range(n):
        path = child_path(sponsor_path=path, distributor_id=f"d{depth}")
        found.append((f"d{depth}", path, depth))
    return found


def event_about(who: tuple[str, str, int], kind: str = TeamEventKind.TEAM_ORDER.value) -> Event:
    return Event(
        id="e1", written=AT, kind=kind, at=AT, distributor_id=who[0], path=who[1], depth=who[2]
    )


@given(st.integers(0, 6), st.integers(0, 6), st.integers(1, 3))
def test_in_team_is_the_leader_and_its_downline_within_team_depth(
    leader_at: int, subject_at: int, team_depth: int
) -> None:
    line = chain(7)
    leader = Leader(id=line[leader_at][0], path=line[leader_at][1], depth=line[leader_at][2])
    expected = 0 <= subject_at - leader_at <= team_depth
    assert expected == in_team(event_about(line[subject_at]), leader=leader, team_depth=team_depth)


def test_in_team_excludes_another_branch_and_fraud_alerts() -> None:
    root = chain(1)[0]
    leader = Leader(id=root[0], path=root[1], depth=0)
    elsewhere = ("x", child_path(sponsor_path=None, distributor_id="x") + "/abc", 1)
    assert not in_team(event_about(elsewhere), leader=leader, team_depth=3)
    assert not in_team(event_about(root, FRAUD_ALERT), leader=leader, team_depth=3)
    unknown = Event(
        id="e2", written=AT, kind="TEAM_ORDER", at=AT, distributor_id="y", path=None, depth=None
    )
    assert not in_team(unknown, leader=leader, team_depth=3)
