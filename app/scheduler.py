"""Jobs the app runs on a timer: settlement, and the fraud-ring scan.

Each runs inside the app (one task per process) and does exactly what its admin
mutation does (`settleCommissions(asOf: now)`, `runFraudScan`). Several replicas may
run them at once: settlement locks what it settles and is idempotent; a scan stores
rings by their members' id and switches the current set in one transaction, so
concurrent scans only repeat work.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from app.metrics import observe_job
from graph.db import Database
from graph.fraud import scan as fraud_scan
from graph.money import settlement

log = logging.getLogger("referral.scheduler")


async def run_periodically(
    name: str, job: Callable[[], Awaitable[int]], *, interval: float, stop: asyncio.Event
) -> None:
    """Until `stop` is set: wait `interval` seconds, then run `job` (a failure is logged
    and the next run tries again)."""
    while True:
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
            return
        except TimeoutError:
            pass
        try:
            done = await job()
            observe_job(name, "ok")
            if done:
                log.info("%s: %d", name, done)
        except Exception:
            observe_job(name, "error")
            log.exception("%s failed; the next run retries", name)


async def settle_periodically(
    db: Database, *, interval: float, clock: Callable[[], datetime], stop: asyncio.Event
) -> None:
    """Settle everything due by now, every `interval` seconds."""

    async def job() -> int:
        now = clock()
        return await settlement.settle(db, as_of=now, now=now)

    await run_periodically("settled commissions", job, interval=interval, stop=stop)


async def scan_periodically(
    db: Database,
    *,
    interval: float,
    hot_limit: int,
    clock: Callable[[], datetime],
    stop: asyncio.Event,
) -> None:
    """Run the full fraud-ring scan every `interval` seconds."""

    async def job() -> int:
        return await fraud_scan.scan(db, hot_limit=hot_limit, now=clock())

    await run_periodically("fraud rings found", job, interval=interval, stop=stop)
