"""Mutations per token (issue #5): a sliding window, in the memory of one process.

Each token may perform `limit` mutations in any `window` seconds. The app keeps one
limiter per process; with several processes each counts on its own (docs/security.md).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class RateLimiter:
    limit: int
    window: float
    _seen: dict[str, deque[float]] = field(default_factory=dict)

    def try_acquire(self, key: str, *, now: float) -> float | None:
        """Count one call for `key` at `now`; None if allowed, else seconds to wait."""
        calls = self._seen.setdefault(key, deque())
        while calls and calls[0] <= now - self.window:
            calls.popleft()
        if len(calls) >= self.limit:
            return calls[0] + self.window - now
        calls.append(now)
        if len(self._seen) > 10_000:
            self._forget_idle(now)
        return None

    def _forget_idle(self, now: float) -> None:
        for key in [
            k for k, calls in self._seen.items() if not calls or calls[-1] <= now - self.window
        ]:
            del self._seen[key]
