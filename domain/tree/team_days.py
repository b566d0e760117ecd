"""Per-ancestor daily roll-ups of a team (SPEC §3.4): how a window splits into whole UTC
days, read from the roll-ups, and the partial days at its two ends, read from the orders
and members themselves.

A roll-up `(ancestor, level, day, bucket)` holds, for the members exactly `level` (1..3)
levels below `ancestor` whose bucket it is: the net sales of their orders paid that day,
how many of them joined that day, and the distinct buyers with an order of that day that
is not fully refunded. Distinct buyers of several days are the union of the days' sets,
so `activeMembers` of a window stays exact.

Each buyer of a roll-up also carries the day of their previous such order (their "live
day" before this one, `NO_DAY` if none; every buyer keeps their live days). A buyer with
live days in a run of whole days [first, end) has exactly one there whose previous day
is before `first`, so the distinct buyers of the run are counted as the entries whose
previous day is before it (`first_in_window`), with no set of ids built: a per-entry
integer comparison instead of hashing every id of the window.

A roll-up also keeps those comparisons made already for the runs that start up to
`OLDER_SPAN` days before its day (`older_counts`): a run of a month or less counts each
roll-up's first-time buyers with one number, not by reading its entries.

A member's bucket is its `joinedAt` (epoch ms, which never changes) modulo `BUCKETS`, so a
day of a big team is spread over `BUCKETS` roll-ups: an order rewrites a buyer set of a
`BUCKETS`-th of the day's buyers, not all of them (a leader of 110,000 had 12,805
buyers in one day's set), and concurrent orders of one team meet on one lock in
`BUCKETS` less often. Each buyer is in one bucket, so the union stays exact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain.cap import LEVEL_CAP

DAY_MS = 86_400_000
BUCKETS = 32
NO_DAY = -1_000_000_000  # a buyer's previous live day when they have none (before any day)
OLDER_SPAN = 32  # how many days back a roll-up's `older_counts` reach
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def day_of(epoch_ms: int) -> int:
    """The UTC day (days since 1970-01-01) of an instant in epoch milliseconds."""
    return epoch_ms // DAY_MS


def bucket_of(joined_ms: int) -> int:
    """The roll-up bucket of a member who joined at `joined_ms`."""
    return joined_ms % BUCKETS


def day_key(ancestor_id: str, level: int, day: int, bucket: int) -> str:
    """The unique key of one roll-up (ids never contain `|`)."""
    return f"{ancestor_id}|{level}|{day}|{bucket}"


def at_ms(epoch_ms: int) -> datetime:
    return EPOCH + timedelta(milliseconds=epoch_ms)


@dataclass(frozen=True, slots=True)
class DaySplit:
    """[since, until) is [since, head_until), then the whole days [first_day, end_day),
    then [tail_since, until).

    Either part may be empty; when the window holds no whole day, the head is the whole
    window and the tail is empty."""

    first_day: int
    end_day: int
    head_until_ms: int
    tail_since_ms: int


def split_window(since_ms: int, until_ms: int) -> DaySplit:
    """The whole days inside [since, until) and the partial days at its ends."""
    first_day = -(-since_ms // DAY_MS)
    end_day = until_ms // DAY_MS
    if first_day >= end_day:
        return DaySplit(first_day, first_day, max(since_ms, until_ms), max(since_ms, until_ms))
    return DaySplit(first_day, end_day, first_day * DAY_MS, end_day * DAY_MS)


@dataclass(frozen=True, slots=True)
class JoinedDay:
    """`joined` more members of `bucket`, `level` levels below `ancestor_id`, on `day`."""

    key: str
    ancestor_id: str
    level: int
    day: int
    bucket: int
    joined: int


def joined_counts(
    members: Iterable[tuple[tuple[str | None, ...], int]],
) -> Counter[tuple[str, int, int, int]]:
    """How many new members, given as (their ancestors a1..a3, joined ms), each
    (ancestor, level, day, bucket) roll-up gains."""
    counts: Counter[tuple[str, int, int, int]] = Counter()
    for ancestors, joined_ms in members:
        day, bucket = day_of(joined_ms), bucket_of(joined_ms)
        for level, ancestor in enumerate(ancestors[:LEVEL_CAP], start=1):
            if ancestor is not None:
                counts[(ancestor, level, day, bucket)] += 1
    return counts


def joined_days(
    members: Iterable[tuple[tuple[str | None, ...], int]],
) -> list[JoinedDay]:
    """Roll-up increments for new members given as (their ancestors a1..a3, joined ms),
    one per (ancestor, level, day, bucket), in key order (the order writers lock them in)."""
    counts = joined_counts(members)
    rows = [JoinedDay(day_key(a, k, d, b), a, k, d, b, n) for (a, k, d, b), n in counts.items()]
    return sorted(rows, key=lambda r: r.key)


def previous_day(live_days: Iterable[int], day: int) -> int:
    """The latest of `live_days` before `day`, or `NO_DAY`."""
    return max((d for d in live_days if d < day), default=NO_DAY)


def first_in_window(previous_days: Iterable[int], first_day: int) -> int:
    """How many of a run's entries are their buyer's first live day in a run of whole days
    starting at `first_day`, given the entries' previous live days: the run's distinct
    buyers."""
    return sum(1 for p in previous_days if p < first_day)


def older_counts(day: int, previous_days: Iterable[int]) -> list[int]:
    """For a roll-up of `day` whose entries have these previous live days: how many of
    them have one more than `i` days before `day`, for each `i` below `OLDER_SPAN`. A run
    starting at `first_day` with `day - first_day < OLDER_SPAN` finds the roll-up's
    first-time buyers (`first_in_window`) at index `day - first_day`."""
    ages = [day - p for p in previous_days]
    return [sum(1 for age in ages if age > i) for i in range(OLDER_SPAN)]
