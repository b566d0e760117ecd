"""A circuit breaker for the database connection (issue #10, docs/decisions.md).

While Neo4j is down, every query waiting out its own retries made clients wait 14 s
for `UNAVAILABLE`. The breaker remembers the outage for the whole process:

- closed (normal): every call goes through; a connection failure starts the outage
  clock (from when the failed attempt began; a failure `forget_after` seconds after
  the previous one starts it afresh);
- open: once the database has refused every connection for `outage_after` seconds,
  calls fail at once, except one probe at a time: the next may start `probe_every`
  seconds after the last one failed (or `probe_lost_after` seconds after it began,
  should it never report);
- any success (a probe, a readiness check) closes it again.

One breaker per `Database` (per process); it only keeps times, so it needs no lock in
one event loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Breaker:
    outage_after: float = 1.0
    probe_every: float = 0.5
    forget_after: float = 5.0
    probe_lost_after: float = 5.0
    clock: Callable[[], float] = time.monotonic
    failing_since: float | None = field(default=None, init=False)
    is_open: bool = field(default=False, init=False)
    next_probe: float = field(default=0.0, init=False)
    last_failure: float = field(default=0.0, init=False)

    def allow(self) -> bool:
        """Whether a call may try the database now (while open: one probe at a time)."""
        if not self.is_open:
            return True
        now = self.clock()
        if now < self.next_probe:
            return False
        self.next_probe = now + self.probe_lost_after
        return True

    def failed(self, *, since: float) -> None:
        """A connection failure of an attempt begun at `since`."""
        now = self.clock()
        if self.failing_since is None or now - self.last_failure > self.forget_after:
            self.failing_since = since
        self.failing_since = min(self.failing_since, since)
        self.last_failure = now
        if self.is_open:
            self.next_probe = now + self.probe_every  # the probe failed
        elif now - self.failing_since >= self.outage_after:
            self.is_open = True
            self.next_probe = now + self.probe_every

    def succeeded(self) -> None:
        self.failing_since = None
        self.is_open = False
