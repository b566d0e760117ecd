"""The settlement scheduler: calls `graph.settlement.settle` every few minutes.

It runs inside the app (one task per process) and does exactly what the admin mutation
`settleCommissions(asOf: now)` does. Several replicas may run it at once: settlement
locks what it settles and is idempotent, so they only share the work.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from graph import settlement
from graph.db import Database

log = logging.getLogger("referral.scheduler")


async def settle_periodically(
    db: Database, *, interval: float, clock: Callable[[], datetime], stop: asyncio.Event
) -> None:
    """Until `stop` is set: wait `interval` seconds, then settle everything due by now."""
    while True:
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
            return
        except TimeoutError:
            pass
        try:
            now = clock()
            settled = await settlement.settle(db, as_of=now, now=now)
            if settled:
                log.info("settled %d commissions due by %s", settled, now.isoformat())
        except Exception:
            log.exception("settlement run failed; the next run retries")
