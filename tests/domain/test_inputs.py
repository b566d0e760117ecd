"""Validation of ids, names, depths, levels, page sizes and windows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain import inputs
from domain.errors import BadUserInput, DepthLimitExceeded


@pytest.mark.parametrize("value", ["a", "A-b_c.d:9", "x" * 64])
def test_check_id_accepts_allowed_characters(value: str) -> None:
    assert value == inputs.check_id(value)


@pytest.mark.parametrize("value", ["", "x" * 65, "has space", "semi;colon", "中文", "a/b", "a'b"])
def test_check_id_rejects_anything_else(value: str) -> None:
    with pytest.raises(BadUserInput):
        inputs.check_id(value)


def test_check_name_trims_and_refuses_blank() -> None:
    assert inputs.check_name("  张三 ") == "张三"
    with pytest.raises(BadUserInput):
        inputs.check_name("   ")
    with pytest.raises(BadUserInput):
        inputs.check_name("x" * 101)


def test_check_depth_defaults_to_team_depth() -> None:
    assert inputs.check_depth(None, team_depth=3) == 3
    assert inputs.check_depth(None, team_depth=2) == 2


@pytest.mark.parametrize("depth", [0, -1, 4, 20])
def test_check_depth_refuses_out_of_range_never_clamps(depth: int) -> None:
    with pytest.raises(DepthLimitExceeded):
        inputs.check_depth(depth, team_depth=3)


def test_check_depth_respects_a_lower_team_depth() -> None:
    with pytest.raises(DepthLimitExceeded):
        inputs.check_depth(3, team_depth=2)


def test_check_level_must_lie_within_depth() -> None:
    assert inputs.check_level(None, depth=2) is None
    assert inputs.check_level(2, depth=2) == 2
    with pytest.raises(DepthLimitExceeded):
        inputs.check_level(3, depth=2)
    with pytest.raises(DepthLimitExceeded):
        inputs.check_level(0, depth=2)


@pytest.mark.parametrize("first", [0, -5, 101])
def test_check_page_size_refuses_outside_1_to_100(first: int) -> None:
    with pytest.raises(BadUserInput):
        inputs.check_page_size(first)


def test_check_window_requires_since_before_until() -> None:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    assert (t, None) == inputs.check_window(t, None)
    with pytest.raises(BadUserInput):
        inputs.check_window(t, t)
