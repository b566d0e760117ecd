"""The scheduler's job leases (`graph.leases`): one holder at a time, taken over once
expired, handed back on request."""

from __future__ import annotations

import asyncio
import time

from app.scheduler import JobLease, run_periodically
from graph import leases
from graph.db import Database


async def test_take_lease_concurrently_one_holder_wins(db: Database, uid: str) -> None:
    """Twenty takers at once, the lease new: exactly one gets it."""
    now = time.time()
    taken = await asyncio.gather(
        *(leases.take(db, name=uid, holder=f"p{n}", now=now, ttl=60) for n in range(20))
    )
    winners = [n for n, lease in enumerate(taken) if lease.taken]
    assert 1 == len(winners)
    stored = await leases.read(db, name=uid)
    assert stored is not None
    assert f"p{winners[0]}" == stored.holder
    assert 1 == stored.takes


async def test_take_lease_held_by_another_is_refused_until_it_expires(
    db: Database, uid: str
) -> None:
    now = time.time()
    assert (await leases.take(db, name=uid, holder="a", now=now, ttl=10)).taken
    assert not (await leases.take(db, name=uid, holder="b", now=now + 5, ttl=10)).taken
    assert (await leases.take(db, name=uid, holder="a", now=now + 6, ttl=10)).taken  # renewed
    assert not (await leases.take(db, name=uid, holder="b", now=now + 12, ttl=10)).taken
    taken_over = await leases.take(db, name=uid, holder="b", now=now + 17, ttl=10)
    assert taken_over.taken
    assert "b" == taken_over.holder


async def test_release_lease_frees_it_for_the_next_taker(db: Database, uid: str) -> None:
    now = time.time()
    assert (await leases.take(db, name=uid, holder="a", now=now, ttl=3600)).taken
    await leases.release(db, name=uid, holder="b")  # not its holder: nothing happens
    assert not (await leases.take(db, name=uid, holder="b", now=now, ttl=3600)).taken
    await leases.release(db, name=uid, holder="a")
    assert (await leases.take(db, name=uid, holder="b", now=now, ttl=3600)).taken


async def test_two_schedulers_with_one_lease_run_the_job_in_one_of_them(
    db: Database, uid: str
) -> None:
    """Two loops (as two processes would run them) with the same lease: every tick runs
    in the same one; when it stops, the other takes the job over."""
    runs: list[str] = []
    stops = {name: asyncio.Event() for name in ("a", "b")}

    def loop(name: str) -> asyncio.Task[None]:
        async def job() -> int:
            runs.append(name)
            return 0

        lease = JobLease(db, uid, name, ttl=0.5)
        return asyncio.create_task(
            run_periodically(uid, job, interval=0.05, stop=stops[name], lease=lease)
        )

    tasks = {name: loop(name) for name in stops}
    await asyncio.sleep(1.0)
    first = set(runs)
    assert 1 == len(first), runs
    holder = first.pop()
    stops[holder].set()
    await tasks[holder]  # hands the lease back
    before = len(runs)
    await asyncio.sleep(0.5)
    other = ({"a", "b"} - {holder}).pop()
    assert runs[before:] and {other} == set(runs[before:]), runs
    stops[other].set()
    await tasks[other]
