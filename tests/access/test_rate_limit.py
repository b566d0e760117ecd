"""The rate limit's sliding window and the limits per role (issue #10 item 2)."""

from __future__ import annotations

import pytest

from access.rate_limit import DEFAULT_LIMITS, MutationLimits, admit
from access.roles import Role


def test_admit_allows_the_limit_in_any_window_and_then_says_when() -> None:
    slots: tuple[tuple[int, ...], tuple[int, ...]] = ((), ())
    verdicts = []
    for second in (0.5, 10.2, 10.7, 59.9):  # a window of 60 s, slots of 1 s
        verdict = admit(at=slots[0], counts=slots[1], now=1000 + second, window=60, limit=3)
        verdicts.append(verdict.allowed)
        slots = (verdict.at, verdict.counts)
    assert [True, True, True, False] == verdicts
    # The call of second 0.5 (slot 1000) leaves once slot 1061 begins.
    assert 1061 - 1059.9 == pytest.approx(verdict.retry_after)
    later = admit(at=slots[0], counts=slots[1], now=1061.0, window=60, limit=3)
    assert later.allowed and (1010, 1061) == (later.at[0], later.at[-1])


def test_admit_never_allows_more_than_the_limit_in_any_window() -> None:
    """Calls every 0.7 s for 5 minutes against 10 per 60 s: any 60 s holds at most 10."""
    at: tuple[int, ...] = ()
    counts: tuple[int, ...] = ()
    allowed_at = []
    for step in range(430):
        now = 5000 + step * 0.7
        verdict = admit(at=at, counts=counts, now=now, window=60, limit=10)
        at, counts = verdict.at, verdict.counts
        if verdict.allowed:
            allowed_at.append(now)
    assert all(sum(1 for t in allowed_at if start <= t < start + 60) <= 10 for start in allowed_at)
    assert len(allowed_at) >= 10 * 4  # and it does allow the rate: ~10 a minute


def test_limits_per_role_default_to_tight_for_people_and_none_for_back_ends() -> None:
    limits = MutationLimits(per_role=DEFAULT_LIMITS, window=60)
    assert 0 < limits.limit_of(Role.DISTRIBUTOR) < limits.limit_of(Role.ANALYST)
    assert 0 == limits.limit_of(Role.SERVICE) == limits.limit_of(Role.ADMIN)
    assert 0 == limits.limit_of(None)
