"""Per-ancestor daily roll-ups of a team (SPEC §3.4): how a window splits into whole UTC
days, read from the roll-ups, and the partial days at its two ends, read from the orders
and members themselves.

A roll-up `(ancestor, level, day)` holds, for the members exactly `level` (1..3) levels
below `ancestor`: the net sales of their orders paid that day, how many of them joined
that day, and the distinct buyers with an order of that day that is not fully refunded.
Distinct buyers of several days are the union of the days' sets, so `activeMembers` of a
window stays exact.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain.cap import LEVEL_CAP

DAY_MS = 86_400_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def day_of(epoch_ms: int) -> int:
    """The UTC day (days since 1970-01-01) of an instant in epoch milliseconds."""
    return epoch_ms // DAY_MS


def day_key(ancestor_id: str, level: int, day: int) -> str:
    """The unique key of one roll-up (ids never contain `|`)."""
    return f"{ancestor_id}|{level}|{day}"


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
    """`joined` more members `level` levels below `ancestor_id` on `day`."""

    key: str
    ancestor_id: str
    level: int
    day: int
    joined: int


def joined_days(
    members: Iterable[tuple[tuple[str | None, ...], int]],
) -> list[JoinedDay]:
    """Roll-up increments for new members given as (their ancestors a1..a3, joined ms),
    one per (ancestor, level, day), in key order (the order writers lock them in)."""
    counts: Counter[tuple[str, int, int]] = Counter()
    for ancestors, joined_ms in members:
        for level, ancestor in enumerate(ancestors[:LEVEL_CAP], start=1):
            if ancestor is not None:
                counts[(ancestor, level, day_of(joined_ms))] += 1
    rows = [JoinedDay(day_key(a, k, d), a, k, d, n) for (a, k, d), n in counts.items()]
    return sorted(rows, key=lambda r: r.key)
