"""Mutations per token and role (issues #5, #10): a sliding window over two buckets.

Each role has its own limit of mutations per token in any `window` seconds (0: no
limit). The counts are kept in Neo4j (`graph/rate_limits.py`), one counter per token
and fixed bucket of `window` seconds, so every app process shares them. The sliding
window is estimated from the current bucket and the previous one, weighted by the share
of it still inside the window (the estimate Cloudflare's limiter uses): exact for a
steady rate, and never lets a burst at a bucket boundary through twice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from graph.rules.access import Role

DEFAULT_LIMITS: Mapping[Role, int] = {
    Role.DISTRIBUTOR: 30,  # a person: a withdrawal, a new invite code, now and then
    Role.ANALYST: 300,  # freezing a ring member by member
    Role.SERVICE: 0,  # the back end records orders at thousands per second (SPEC §7)
    Role.ADMIN: 0,
}


@dataclass(frozen=True)
class MutationLimits:
    """The limit of each role (0 or absent: none) per `window` seconds."""

    per_role: Mapping[Role, int]
    window: float

    def limit_of(self, role: Role | None) -> int:
        return 0 if role is None else self.per_role.get(role, 0)


@dataclass(frozen=True)
class Window:
    """Where `now` falls: its bucket, and the weight of the previous bucket."""

    bucket: int
    elapsed: float  # share of the current bucket already past, 0 ≤ elapsed < 1

    @property
    def previous_weight(self) -> float:
        return 1.0 - self.elapsed


def window_at(now: float, seconds: float) -> Window:
    position = now / seconds
    bucket = math.floor(position)
    return Window(bucket=bucket, elapsed=position - bucket)


def allowed(*, previous: int, current: int, weight: float, limit: int) -> bool:
    """Whether one more call fits: fewer than `limit` calls in the sliding window."""
    return previous * weight + current < limit


def retry_after(*, previous: int, current: int, limit: int, at: Window, seconds: float) -> float:
    """Seconds until `allowed` holds again, if no other call comes meanwhile."""
    if current < limit:
        # previous × (1 − f) + current < limit  ⇔  f > 1 − (limit − current) / previous
        needed = 1.0 - (limit - current) / previous if previous else 0.0
        return max(needed - at.elapsed, 0.0) * seconds
    # Not before the next bucket, where the current one weighs current × (1 − g).
    needed_next = 1.0 - limit / current
    return (1.0 - at.elapsed + needed_next) * seconds
