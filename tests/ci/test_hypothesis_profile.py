"""The hypothesis profile of every test run (tests/conftest.py): no wall-clock limits."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def test_profile_has_no_deadline_and_tolerates_slow_generation() -> None:
    """A loaded 2-core machine must not fail CPU-bound properties by their duration."""
    assert settings.default.deadline is None
    assert HealthCheck.too_slow in settings.default.suppress_health_check


@settings(max_examples=3)
@given(st.integers())
def test_an_example_slower_than_hypothesis_default_deadline_passes(n: int) -> None:
    """300 ms per example (slept, not burnt): over the default 200 ms deadline, as a
    CPU-bound property takes on a busy machine."""
    time.sleep(0.3)
    assert isinstance(n, int)
