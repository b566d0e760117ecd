"""Group commit of single orders (issue 12): concurrent one-order calls of a process
share one transaction, so they share its commit (the floor of a single write).

A caller hands its order to `OrderGroups.record` and waits. The first caller of a group
starts a timer of `linger` seconds; when it fires, every order handed in meanwhile (up
to `max_batch`) is recorded by one `graph.money.orders.record` call: one transaction,
one commit. All or nothing per caller: if the group's transaction fails (one order's
CONFLICT, an unknown buyer, anything), each of its orders is recorded again on its own,
so one caller's refusal is that caller's alone and the others are recorded as if they
had come alone (an unreachable database or a spent deadline is everyone's answer).
Replays and an id given twice are answered as `orders.record` answers them in a batch
(the same order, recorded once).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import RequestTimeout, Unavailable
from domain.models import NewOrder, Order, Policy
from graph.db import Database, request_deadline
from graph.money import orders

LINGER_SECONDS = 0.002
MAX_BATCH = 50


@dataclass
class _Waiting:
    order: NewOrder
    policy: Policy
    now: datetime
    deadline: float | None  # the caller's request deadline (graph.db.request_deadline)
    done: asyncio.Future[Order] = field(repr=False)


class OrderGroups:
    """One process's groups of single orders on `db`."""

    def __init__(
        self, db: Database, *, linger: float = LINGER_SECONDS, max_batch: int = MAX_BATCH
    ) -> None:
        self.db = db
        self.linger = linger
        self.max_batch = max_batch
        self.waiting: list[_Waiting] = []
        self.timer: asyncio.Task[None] | None = None
        self.groups = 0  # transactions of more than one order (tests, benchmarks)
        self.running: set[asyncio.Task[None]] = set()  # held until done

    async def record(self, order: NewOrder, *, policy: Policy, now: datetime) -> Order:
        """Record one order (validated) with whichever orders arrive within `linger`."""
        done: asyncio.Future[Order] = asyncio.get_running_loop().create_future()
        self.waiting.append(_Waiting(order, policy, now, request_deadline.get(), done))
        if len(self.waiting) >= self.max_batch:
            self._start(self._take())
        elif self.timer is None:
            self.timer = asyncio.create_task(self._after_linger())
        return await done

    def _take(self) -> list[_Waiting]:
        taken, self.waiting = self.waiting[: self.max_batch], self.waiting[self.max_batch :]
        return taken

    def _start(self, group: list[_Waiting]) -> None:
        task = asyncio.create_task(self._commit(group))
        self.running.add(task)
        task.add_done_callback(self.running.discard)

    async def _after_linger(self) -> None:
        await asyncio.sleep(self.linger)
        self.timer = None
        while self.waiting:
            self._start(self._take())

    async def _commit(self, group: list[_Waiting]) -> None:
        by_policy: dict[int, list[_Waiting]] = {}  # by identity: the app's one policy
        for waiting in group:
            by_policy.setdefault(id(waiting.policy), []).append(waiting)
        try:
            await asyncio.gather(*(self._commit_one_policy(g) for g in by_policy.values()))
        except BaseException as exc:  # never leave a caller waiting for ever
            for waiting in group:
                if waiting.done.done():
                    continue
                if isinstance(exc, asyncio.CancelledError):
                    waiting.done.cancel()
                else:
                    waiting.done.set_exception(exc)
            raise

    async def _commit_one_policy(self, group: list[_Waiting]) -> None:
        if len(group) == 1:
            await self._alone(group[0])
            return
        # The group's transaction may run until its last caller's deadline (each caller
        # still stops waiting at its own); none if a caller has none.
        deadlines = [w.deadline for w in group]
        request_deadline.set(None if None in deadlines else max(d for d in deadlines if d))
        try:
            recorded = await orders.record(
                self.db,
                orders=[w.order for w in group],
                policy=group[0].policy,
                now=max(w.now for w in group),
            )
        except (Unavailable, RequestTimeout) as exc:  # nobody's fault: everybody's answer
            for waiting in group:
                if not waiting.done.done():
                    waiting.done.set_exception(exc)
            return
        except Exception:  # perhaps one caller's (CONFLICT, NOT_FOUND…): each alone
            await asyncio.gather(*(self._alone(w) for w in group))
            return
        self.groups += 1
        for waiting, order in zip(group, recorded, strict=True):
            if not waiting.done.done():
                waiting.done.set_result(order)

    async def _alone(self, waiting: _Waiting) -> None:
        request_deadline.set(waiting.deadline)
        try:
            recorded = await orders.record(
                self.db, orders=[waiting.order], policy=waiting.policy, now=waiting.now
            )
        except Exception as exc:  # the caller's own outcome, raised where it waits
            if not waiting.done.done():
                waiting.done.set_exception(exc)
            return
        if not waiting.done.done():
            waiting.done.set_result(recorded[0])
