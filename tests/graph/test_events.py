"""The event log (graph/events.py) and the poller (graph/event_hub.py) on the real Neo4j."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import SelfReferral
from domain.events import Event, NewEvent, TeamEventKind
from graph import event_hub, events
from graph.db import Database
from tests.helpers import record_order, register


async def _ours(db: Database, *, after: datetime, prefix: str) -> list[Event]:
    found = await events.since(db, written_from=after, limit=5000)
    return [e for e in found if e.distributor_id.startswith(prefix)]


async def test_registration_appends_recruit_joined_in_its_transaction(
    db: Database, uid: str
) -> None:
    before = await events.database_now(db)
    await register(db, f"{uid}-s")
    await register(db, f"{uid}-r", f"{uid}-s")
    with pytest.raises(SelfReferral):
        await register(db, f"{uid}-z", f"{uid}-z")  # refused: nothing appended
    found = await _ours(db, after=before, prefix=uid)
    assert [(TeamEventKind.RECRUIT_JOINED.value, f"{uid}-r")] == [
        (e.kind, e.distributor_id) for e in found
    ]
    [joined] = found
    assert joined.depth == 1 and joined.path is not None
    assert joined.written >= before


async def test_concurrent_writes_are_each_read_once_in_written_order(
    db: Database, uid: str
) -> None:
    """Twenty concurrent registrations: twenty events, distinct ids, oldest first."""
    await register(db, f"{uid}-s")
    before = await events.database_now(db)
    await asyncio.gather(*(register(db, f"{uid}-r{i}", f"{uid}-s") for i in range(20)))
    found = await _ours(db, after=before, prefix=f"{uid}-r")
    assert 20 == len({e.id for e in found}) == len(found)
    assert [e.written for e in found] == sorted(e.written for e in found)


async def test_hub_fans_out_one_poll_to_every_subscriber(db: Database, uid: str) -> None:
    hub = event_hub.EventHub(db, interval=0.05)
    mine = await hub.stream(lambda e: e.distributor_id == f"{uid}-r")
    everyone = await hub.stream(lambda e: e.distributor_id.startswith(uid))
    try:
        await register(db, f"{uid}-s")
        await register(db, f"{uid}-r", f"{uid}-s")
        first = await asyncio.wait_for(anext(mine), 10)
        second = await asyncio.wait_for(anext(everyone), 10)
        assert first.distributor_id == second.distributor_id == f"{uid}-r"
        assert 2 == len(hub.subscribers)
    finally:
        await mine.aclose()  # type: ignore[attr-defined]
        await everyone.aclose()  # type: ignore[attr-defined]
        await hub.close()
    assert not hub.subscribers


async def test_prune_deletes_only_events_written_before_the_cutoff(db: Database, uid: str) -> None:
    async def append(tx: object) -> None:
        row = NewEvent(
            kind="TEAM_ORDER", distributor_id=f"{uid}-x", at=datetime(2001, 1, 1, tzinfo=UTC)
        )
        await events.append(tx, events=[row])  # type: ignore[arg-type]

    before = await events.database_now(db)
    await db.write(append)
    await events.prune(db, before=before - timedelta(seconds=1))
    assert 1 == len(await _ours(db, after=before, prefix=uid))  # kept: written after it
    await events.prune(db, before=await events.database_now(db) + timedelta(seconds=1))
    assert [] == await _ours(db, after=before, prefix=uid)


async def test_an_order_appends_team_order_and_its_commissions_once(db: Database, uid: str) -> None:
    """In the order's own write statement; a replay of the order appends nothing."""
    await register(db, f"{uid}-a")
    await register(db, f"{uid}-b", f"{uid}-a")
    await register(db, f"{uid}-c", f"{uid}-b")
    before = await events.database_now(db)
    for _ in range(2):
        await record_order(db, f"{uid}-o", f"{uid}-c", 10_000)
    found = await _ours(db, after=before, prefix=uid)
    assert [
        ("TEAM_ORDER", f"{uid}-c", 10_000),
        ("COMMISSION_CREDITED", f"{uid}-b", 1_500),
        ("COMMISSION_CREDITED", f"{uid}-a", 500),
    ] == [(e.kind, e.distributor_id, e.amount_fen) for e in found]
