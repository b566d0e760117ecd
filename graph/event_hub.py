"""One poller per process fans the event log out to its subscriptions (SPEC §11).

Subscriptions register here with a filter; while at least one is open, one task reads
the events appended since the last tick (one query per tick for all of them, whichever
process wrote the events) and puts each on the queues of the subscriptions it reaches.
With none open nothing is polled. Independently, `run_pruning` deletes events past the
retention once a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from domain.errors import Unavailable
from domain.events import LAG_SECONDS, POLL_BATCH, RETENTION_SECONDS, Event
from graph import events
from graph.db import Database

log = logging.getLogger("referral.events")
QUEUE_LIMIT = 1000  # events a slow subscriber may lag behind; older ones are dropped
PRUNE_SECONDS = 60.0


@dataclass(eq=False)
class Subscriber:
    wants: Callable[[Event], bool]
    queue: asyncio.Queue[Event] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))
    dropped: int = 0

    def offer(self, event: Event) -> None:
        if not self.wants(event):
            return
        if self.queue.full():  # keep the newest: drop the oldest
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(event)


class EventHub:
    """The process's one poller; `interval` seconds between polls."""

    def __init__(self, db: Database, *, interval: float = 0.25) -> None:
        self.db = db
        self.interval = interval
        self.newest: datetime | None = None  # the newest `written` seen
        self.seen: dict[str, datetime] = {}  # ids delivered within the lag window
        self.subscribers: set[Subscriber] = set()
        self.on_count: Callable[[int], None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._starting = asyncio.Lock()

    async def subscribe(self, wants: Callable[[Event], bool]) -> Subscriber:
        """Register a subscription: it receives the events committed from now on."""
        async with self._starting:
            if self._task is None or self._task.done():
                self.newest, self.seen = await events.database_now(self.db), {}
                await self.tick(deliver=False)  # what is already there is not news
                self._task = asyncio.create_task(self._poll())
            subscriber = Subscriber(wants)
            self.subscribers.add(subscriber)
        self._counted()
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)
        self._counted()

    async def stream(self, wants: Callable[[Event], bool]) -> AsyncIterator[Event]:
        """The events `wants` accepts, as they arrive, until the consumer stops."""
        subscriber = await self.subscribe(wants)
        return self._drain(subscriber)

    async def _drain(self, subscriber: Subscriber) -> AsyncIterator[Event]:
        try:
            while True:
                yield await subscriber.queue.get()
        finally:
            self.unsubscribe(subscriber)

    def _counted(self) -> None:
        if self.on_count is not None:
            self.on_count(len(self.subscribers))

    async def tick(self, *, deliver: bool = True) -> int:
        """One poll: fan the events not seen yet out; how many were read."""
        lag = timedelta(seconds=LAG_SECONDS)
        newest = self.newest or datetime.now(UTC)
        batch = await events.since(self.db, written_from=newest - lag, limit=POLL_BATCH)
        for event in batch:
            if event.id in self.seen:
                continue
            self.seen[event.id] = event.written
            if deliver:
                for subscriber in list(self.subscribers):
                    subscriber.offer(event)
        if batch:
            self.newest = max(newest, batch[-1].written)
        horizon = (self.newest or newest) - 2 * lag
        self.seen = {i: w for i, w in self.seen.items() if w >= horizon}
        return len(batch)

    async def _poll(self) -> None:
        while self.subscribers:
            try:
                read = await self.tick()
            except Unavailable:
                read = 0
            except Exception:  # a poller that dies would silence every subscription
                log.exception("polling the event log failed; trying again")
                read = 0
            del read
            await asyncio.sleep(self.interval)

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def run_pruning(
    db: Database,
    *,
    stop: asyncio.Event,
    every: float = PRUNE_SECONDS,
    retention: float = RETENTION_SECONDS,
) -> None:
    """Delete events older than `retention` seconds, every `every` seconds, until `stop`."""
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
        if stop.is_set():
            return
        try:
            await events.prune(db, before=datetime.now(UTC) - timedelta(seconds=retention))
        except Exception:
            log.exception("pruning the event log failed; trying again later")
