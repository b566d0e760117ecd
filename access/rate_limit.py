"""Mutations per token and role (issues #5, #10): a sliding window in slots.

Each role has its own limit of mutations per token in any `window` seconds (0: no
limit). The calls are kept in Neo4j (`graph/rate_limits.py`) as counts per slot of
`window / SLOTS` seconds, so every app process shares them. A call is allowed while the
slots that overlap the last `window` seconds hold fewer than `limit` calls: never more
than `limit` in any `window` seconds, and at worst one slot (a second) too strict.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from access.roles import Role

SLOTS = 60
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
class Admission:
    """The verdict on one call, and the slots to store (`at`: slot numbers, `counts`)."""

    allowed: bool
    at: tuple[int, ...]
    counts: tuple[int, ...]
    retry_after: float = 0.0


def admit(
    *, at: Sequence[int], counts: Sequence[int], now: float, window: float, limit: int
) -> Admission:
    """Count one call at `now` (seconds) against the stored slots, oldest first."""
    length = window / SLOTS
    current = math.floor(now / length)
    # Slots current - SLOTS .. current cover (now - window, now] whole. (Processes whose
    # clocks differ a little may have written a slot "ahead": it is kept and counted.)
    slots: dict[int, int] = {}
    for slot, n in zip(at, counts, strict=True):
        if slot >= current - SLOTS:
            slots[slot] = slots.get(slot, 0) + n
    used = sum(slots.values())
    if used < limit:
        slots[current] = slots.get(current, 0) + 1
        ordered = sorted(slots.items())
        return Admission(True, tuple(s for s, _ in ordered), tuple(n for _, n in ordered))
    ordered = sorted(slots.items())
    wait, left = window, used
    for slot, n in ordered:  # the oldest slot leaves the window first
        left -= n
        if left < limit:
            wait = (slot + SLOTS + 1) * length - now
            break
    return Admission(
        False, tuple(s for s, _ in ordered), tuple(n for _, n in ordered), max(wait, 0.0)
    )
