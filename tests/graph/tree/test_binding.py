"""bindSponsor and reassignSponsor: modes, cycles, moving whole subtrees."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import AlreadyBound, Conflict, NotFound, ReferralCycle, SelfReferral
from domain.models import Actor, BindMode, Distributor
from graph.db import Database
from graph.tree import registration
from graph.tree.distributors import require
from tests.helpers import NOW, assert_tree_consistent, chain, register

ADMIN = Actor(subject="admin-1", role="ADMIN")


async def bind(
    db: Database,
    distributor_id: str,
    sponsor_id: str,
    *,
    mode: BindMode = BindMode.WHILE_UNBOUND,
    after: timedelta = timedelta(hours=1),
) -> Distributor:
    return await registration.bind(
        db,
        distributor_id=distributor_id,
        sponsor_id=sponsor_id,
        now=NOW + after,
        bind_mode=mode,
        bind_window=timedelta(hours=24),
        team_leader_recruits=10,
    )


async def test_bind_an_unbound_distributor(db: Database, uid: str) -> None:
    await register(db, f"{uid}-s")
    await register(db, f"{uid}-r")
    bound = await bind(db, f"{uid}-r", f"{uid}-s")
    assert f"{uid}-s" == bound.sponsor_id
    assert bound.depth == 1
    await assert_tree_consistent(db, [f"{uid}-s", f"{uid}-r"])


async def test_bind_replay_is_idempotent_and_rebinding_elsewhere_fails(
    db: Database, uid: str
) -> None:
    for name in ("s1", "s2", "r"):
        await register(db, f"{uid}-{name}")
    await bind(db, f"{uid}-r", f"{uid}-s1")
    assert f"{uid}-s1" == (await bind(db, f"{uid}-r", f"{uid}-s1")).sponsor_id
    with pytest.raises(AlreadyBound):
        await bind(db, f"{uid}-r", f"{uid}-s2")
    assert (await require(db, distributor_id=f"{uid}-s1")).level_counts == (1, 0, 0)


async def test_bind_moves_the_whole_downline_and_its_counters(db: Database, uid: str) -> None:
    top = await chain(db, f"{uid}-top", 3)
    sub = await chain(db, f"{uid}-sub", 4)
    await bind(db, sub[0], top[2])
    await assert_tree_consistent(db, top + sub)
    assert (await require(db, distributor_id=top[2])).level_counts == (1, 1, 1)
    assert (await require(db, distributor_id=top[0])).level_counts == (1, 1, 1)
    assert (await require(db, distributor_id=sub[2])).depth == 5


async def test_bind_refuses_self_unknown_and_cycles(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 4)
    with pytest.raises(SelfReferral):
        await bind(db, ids[0], ids[0])
    with pytest.raises(NotFound):
        await bind(db, ids[0], f"{uid}-ghost")
    with pytest.raises(NotFound):
        await bind(db, f"{uid}-ghost", ids[0])
    with pytest.raises(ReferralCycle):
        await bind(db, ids[0], ids[3])


async def test_registration_only_mode_refuses_a_late_bind(db: Database, uid: str) -> None:
    await register(db, f"{uid}-s")
    await register(db, f"{uid}-r")
    with pytest.raises(Conflict, match="bind window"):
        await bind(
            db, f"{uid}-r", f"{uid}-s", mode=BindMode.REGISTRATION_ONLY, after=timedelta(hours=25)
        )
    bound = await bind(
        db, f"{uid}-r", f"{uid}-s", mode=BindMode.REGISTRATION_ONLY, after=timedelta(hours=2)
    )
    assert f"{uid}-s" == bound.sponsor_id


async def test_reassign_moves_a_subtree_and_writes_an_audit_event(db: Database, uid: str) -> None:
    a = await chain(db, f"{uid}-a", 3)
    b = await chain(db, f"{uid}-b", 2)
    moved = await registration.reassign(
        db,
        distributor_id=a[1],
        sponsor_id=b[1],
        reason="customer service ticket 42",
        actor=ADMIN,
        now=NOW,
        team_leader_recruits=10,
    )
    assert b[1] == moved.sponsor_id
    await assert_tree_consistent(db, a + b)
    assert (await require(db, distributor_id=a[0])).level_counts == (0, 0, 0)
    assert (1, 1, 1) == (await require(db, distributor_id=b[0])).level_counts
    events = await db.read(
        "MATCH (e:AuditEvent {operation: 'reassignSponsor'}) WHERE e.arguments CONTAINS $id "
        "RETURN e.actor AS actor, e.arguments AS arguments",
        id=a[1],
    )
    assert len(events) == 1
    assert "ticket 42" in events[0]["arguments"] and events[0]["actor"] == "admin-1"


async def test_reassign_never_creates_a_cycle(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 3)
    with pytest.raises(ReferralCycle):
        await registration.reassign(
            db,
            distributor_id=ids[0],
            sponsor_id=ids[2],
            reason="x",
            actor=ADMIN,
            now=NOW,
            team_leader_recruits=10,
        )
    await assert_tree_consistent(db, ids)
