"""How a window splits into whole days and partial ends; roll-up increments; distinct
buyers counted from each entry's previous live day."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.tree.team_days import (
    BUCKETS,
    DAY_MS,
    NO_DAY,
    OLDER_SPAN,
    bucket_of,
    day_key,
    first_in_window,
    joined_days,
    older_counts,
    previous_day,
    split_window,
)

MS = st.integers(min_value=0, max_value=400 * DAY_MS)


@given(since=MS, until=MS, probe=MS)
def test_every_instant_of_the_window_is_in_exactly_one_part(
    since: int, until: int, probe: int
) -> None:
    s = split_window(since, until)
    parts = [
        since <= probe < s.head_until_ms,
        s.first_day * DAY_MS <= probe < s.end_day * DAY_MS,
        s.tail_since_ms <= probe < until,
    ]
    assert sum(parts) == (1 if since <= probe < until else 0)
    assert s.first_day <= s.end_day


def test_a_day_aligned_window_is_whole_days_only() -> None:
    s = split_window(10 * DAY_MS, 40 * DAY_MS)
    assert (s.first_day, s.end_day) == (10, 40)
    assert s.head_until_ms == 10 * DAY_MS and s.tail_since_ms == 40 * DAY_MS


def test_joined_days_count_each_ancestor_level_and_day_once_in_key_order() -> None:
    rows = joined_days(
        [
            (("s", "g", None), 5 * DAY_MS + 1),
            (("s", "g", "x"), 5 * DAY_MS + 9),
            (("t", None, None), 6 * DAY_MS),
            ((None, None, None), 0),
        ]
    )
    assert [(r.key, r.joined) for r in rows] == [
        (day_key("g", 2, 5, 1), 1),
        (day_key("g", 2, 5, 9), 1),
        (day_key("s", 1, 5, 1), 1),
        (day_key("s", 1, 5, 9), 1),
        (day_key("t", 1, 6, 0), 1),
        (day_key("x", 3, 5, 9), 1),
    ]


def test_members_who_joined_the_same_day_spread_over_buckets() -> None:
    """The bucket is the joining instant's milliseconds modulo BUCKETS, the same for a
    member in every roll-up it is counted in."""
    rows = joined_days([(("s", None, None), 5 * DAY_MS + ms) for ms in range(2 * BUCKETS)])
    assert sorted((r.bucket, r.joined) for r in rows) == sorted(
        (bucket_of(5 * DAY_MS + b), 2) for b in range(BUCKETS)
    )
    assert [r.key for r in rows] == sorted(r.key for r in rows)  # the lock order
    assert {r.key for r in rows} == {day_key("s", 1, 5, b) for b in range(BUCKETS)}


DAY_SETS = st.dictionaries(
    st.text("abcdef", min_size=1, max_size=2), st.sets(st.integers(0, 40), max_size=12)
)


@given(live=DAY_SETS, first=st.integers(-2, 42), length=st.integers(0, 44))
def test_entries_before_the_run_count_its_distinct_buyers(
    live: dict[str, set[int]], first: int, length: int
) -> None:
    """Over any run of whole days, the entries whose buyer's previous live day is before
    the run are exactly its distinct buyers."""
    end = first + length
    previous = [previous_day(days, d) for days in live.values() for d in days if first <= d < end]
    buyers = {b for b, days in live.items() if any(first <= d < end for d in days)}
    assert first_in_window(previous, first) == len(buyers)


@given(
    live=DAY_SETS,
    day=st.integers(0, 40),
    back=st.integers(0, OLDER_SPAN - 1),
)
def test_a_roll_ups_older_counts_are_its_first_time_buyers_of_each_run(
    live: dict[str, set[int]], day: int, back: int
) -> None:
    """A roll-up's older counts answer, for each run starting up to OLDER_SPAN - 1 days
    before its day, what counting its entries' previous live days would."""
    previous = [previous_day(days, day) for days in live.values() if day in days]
    older = older_counts(day, previous)
    assert len(older) == OLDER_SPAN
    assert older[back] == first_in_window(previous, day - back)
    assert older == sorted(older, reverse=True)  # fewer entries are older than more days


def test_a_first_live_day_has_no_previous_day() -> None:
    assert previous_day([], 5) == NO_DAY
    assert previous_day([7, 9], 5) == NO_DAY
    assert previous_day([1, 4, 9, 3], 5) == 4
    assert NO_DAY < -(10**8)  # before any day a timestamp can name
