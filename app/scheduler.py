"""Jobs the app runs on a timer: settlement, the fraud-ring scan, and the day totals of
the team roll-ups of the days just over (`graph.tree.team_day_totals`).

Each runs inside the app (one task per process) and does exactly what its admin
mutation does (`settleCommissions(asOf: now)`, `runFraudScan`). With several worker
processes or replicas, each job runs in one process at a time: a process runs its tick
only while it holds the job's lease in Neo4j (`graph.leases`), renewed at every run and
handed back on shutdown; a dead holder's lease expires after two intervals, and another
process takes the job over. (Both jobs are also safe to run twice: settlement locks what
it settles and is idempotent; a scan switches the current rings in one transaction.)
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from app.metrics import observe_job
from domain.tree.team_days import DAY_MS
from graph import leases
from graph.db import Database
from graph.fraud import scan as fraud_scan
from graph.money import settlement
from graph.tree import team_day_totals

log = logging.getLogger("referral.scheduler")
SETTLE_LEASE = "settle-commissions"
SCAN_LEASE = "fraud-scan"
TOTALS_LEASE = "team-day-totals"


def process_holder() -> str:
    """Names this process as a lease holder: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def lease_ttl(interval: float) -> float:
    """How long a taken lease lasts: two intervals and a margin, so a live holder renews
    it before it expires (a run shorter than an interval plus 5 s)."""
    return 2 * interval + 5.0


@dataclass(frozen=True)
class JobLease:
    """The lease a job's process must hold to run one tick."""

    db: Database
    name: str
    holder: str
    ttl: float
    clock: Callable[[], float] = field(default=time.time)

    async def take(self) -> bool:
        taken = await leases.take(
            self.db, name=self.name, holder=self.holder, now=self.clock(), ttl=self.ttl
        )
        return taken.taken

    async def release(self) -> None:
        await leases.release(self.db, name=self.name, holder=self.holder)


async def run_periodically(
    name: str,
    job: Callable[[], Awaitable[int]],
    *,
    interval: float,
    stop: asyncio.Event,
    lease: JobLease | None = None,
) -> None:
    """Until `stop` is set: wait `interval` seconds, then run `job` if this process holds
    `lease` (a failure is logged and the next run tries again); the lease is handed back
    at the end."""
    try:
        while True:
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
                return
            except TimeoutError:
                pass
            try:
                if lease is not None and not await lease.take():
                    continue
                done = await job()
                observe_job(name, "ok")
                if done:
                    log.info("%s: %d", name, done)
            except Exception:
                observe_job(name, "error")
                log.exception("%s failed; the next run retries", name)
    finally:
        if lease is not None:
            try:
                await lease.release()
            except Exception:
                log.warning("%s: the lease was not handed back; it expires by itself", name)


async def settle_periodically(
    db: Database,
    *,
    interval: float,
    clock: Callable[[], datetime],
    stop: asyncio.Event,
    holder: str | None = None,
) -> None:
    """Settle everything due by now, every `interval` seconds (under the lease when
    `holder` names this process)."""

    async def job() -> int:
        now = clock()
        return await settlement.settle(db, as_of=now, now=now)

    lease = None if holder is None else JobLease(db, SETTLE_LEASE, holder, lease_ttl(interval))
    await run_periodically("settled commissions", job, interval=interval, stop=stop, lease=lease)


async def scan_periodically(
    db: Database,
    *,
    interval: float,
    hot_limit: int,
    clock: Callable[[], datetime],
    stop: asyncio.Event,
    holder: str | None = None,
) -> None:
    """Run the full fraud-ring scan every `interval` seconds (under the lease when
    `holder` names this process)."""

    async def job() -> int:
        return await fraud_scan.scan(db, hot_limit=hot_limit, now=clock())

    lease = None if holder is None else JobLease(db, SCAN_LEASE, holder, lease_ttl(interval))
    await run_periodically("fraud rings found", job, interval=interval, stop=stop, lease=lease)


async def total_days_periodically(
    db: Database,
    *,
    interval: float,
    clock: Callable[[], datetime],
    stop: asyncio.Event,
    holder: str | None = None,
) -> None:
    """Give the team roll-ups of the days just over their day totals, every `interval`
    seconds (under the lease when `holder` names this process)."""

    async def job() -> int:
        today = int(clock().timestamp() * 1000) // DAY_MS
        return await team_day_totals.build(db, today=today)

    lease = None if holder is None else JobLease(db, TOTALS_LEASE, holder, lease_ttl(interval))
    await run_periodically("team days totalled", job, interval=interval, stop=stop, lease=lease)
