"""Registration against the real Neo4j (SPEC §3.1, §3.3)."""

from __future__ import annotations

import pytest

from domain.errors import AlreadyBound, Conflict, NotFound, SelfReferral, SponsorInactive
from domain.models import Actor, DistributionMode, Rank, Status
from graph.db import Database
from graph.migrations import migrate
from graph.tree import admin, registration
from tests.helpers import NOW, assert_tree_consistent, chain, register

ADMIN = Actor(subject="admin-1", role="ADMIN")


async def test_migrate_twice_applies_nothing_the_second_time(db: Database) -> None:
    assert await migrate(db) == []
    names = {r["name"] for r in await db.read("SHOW CONSTRAINTS YIELD name RETURN name")}
    assert {"distributor_id", "distributor_path"} <= names


async def test_register_without_sponsor_creates_a_root(db: Database, uid: str) -> None:
    d = await register(db, f"{uid}-a")
    assert (d.sponsor_id, d.depth, d.rank, d.status) == (None, 0, Rank.DISTRIBUTOR, Status.ACTIVE)
    assert d.joined_at == NOW


async def test_register_with_sponsor_binds_and_counts_three_levels(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 5)
    await assert_tree_consistent(db, ids)
    root = await register(db, ids[0])
    assert root.level_counts == (1, 1, 1)
    assert ids[3] == (await register(db, ids[4], ids[3])).sponsor_id


async def test_register_replay_returns_the_existing_distributor(db: Database, uid: str) -> None:
    await register(db, f"{uid}-s")
    first = await register(db, f"{uid}-r", f"{uid}-s")
    again = await register(db, f"{uid}-r", f"{uid}-s")
    assert first == again
    sponsor = await register(db, f"{uid}-s")
    assert sponsor.level_counts[0] == 1, "a replay must not count the recruit twice"


async def test_register_same_id_other_sponsor_is_already_bound(db: Database, uid: str) -> None:
    await register(db, f"{uid}-s1")
    await register(db, f"{uid}-s2")
    await register(db, f"{uid}-r", f"{uid}-s1")
    with pytest.raises(AlreadyBound):
        await register(db, f"{uid}-r", f"{uid}-s2")
    with pytest.raises(AlreadyBound):
        await register(db, f"{uid}-r")


async def test_register_unbound_id_again_with_a_sponsor_is_a_conflict(
    db: Database, uid: str
) -> None:
    await register(db, f"{uid}-s")
    await register(db, f"{uid}-r")
    with pytest.raises(Conflict, match="bindSponsor"):
        await register(db, f"{uid}-r", f"{uid}-s")


async def test_register_with_unknown_sponsor_is_not_found(db: Database, uid: str) -> None:
    with pytest.raises(NotFound):
        await register(db, f"{uid}-r", f"{uid}-ghost")
    assert await db.read("MATCH (d:Distributor {id: $id}) RETURN d", id=f"{uid}-r") == []


async def test_register_self_referral_is_refused(db: Database, uid: str) -> None:
    with pytest.raises(SelfReferral):
        await register(db, f"{uid}-a", f"{uid}-a")


async def test_register_under_a_frozen_sponsor_is_refused(db: Database, uid: str) -> None:
    await register(db, f"{uid}-s")
    await admin.set_status(
        db, distributor_id=f"{uid}-s", status=Status.FROZEN, reason="test", actor=ADMIN
    )
    with pytest.raises(SponsorInactive):
        await register(db, f"{uid}-r", f"{uid}-s")


async def test_sponsor_becomes_team_leader_on_the_recruit_that_crosses_the_threshold(
    db: Database, uid: str
) -> None:
    await register(db, f"{uid}-s", threshold=3)
    for i in range(2):
        await register(db, f"{uid}-r{i}", f"{uid}-s", threshold=3)
    assert Rank.DISTRIBUTOR is (await register(db, f"{uid}-s", threshold=3)).rank
    await register(db, f"{uid}-r2", f"{uid}-s", threshold=3)
    assert Rank.TEAM_LEADER is (await register(db, f"{uid}-s", threshold=3)).rank


async def test_approval_mode_starts_as_member_until_approved(db: Database, uid: str) -> None:
    await register(db, f"{uid}-s", threshold=1)
    member = await register(db, f"{uid}-m", f"{uid}-s", mode=DistributionMode.APPROVAL, threshold=1)
    assert Rank.MEMBER is member.rank
    assert Rank.DISTRIBUTOR is (await register(db, f"{uid}-s")).rank, "members do not qualify"
    approved = await admin.approve(
        db, distributor_id=f"{uid}-m", actor=ADMIN, team_leader_recruits=1
    )
    assert Rank.DISTRIBUTOR is approved.rank
    assert Rank.TEAM_LEADER is (await register(db, f"{uid}-s")).rank


async def test_freeze_and_unfreeze_are_audited(db: Database, uid: str) -> None:
    await register(db, f"{uid}-a")
    await admin.set_status(
        db, distributor_id=f"{uid}-a", status=Status.FROZEN, reason="ring", actor=ADMIN
    )
    active = await admin.set_status(
        db, distributor_id=f"{uid}-a", status=Status.ACTIVE, reason="cleared", actor=ADMIN
    )
    assert Status.ACTIVE is active.status
    events = await db.read(
        "MATCH (e:AuditEvent) WHERE e.arguments CONTAINS $id "
        "RETURN e.operation AS op ORDER BY e.at",
        id=f'"{uid}-a"',
    )
    assert [e["op"] for e in events] == ["freezeDistributor", "unfreezeDistributor"]


async def test_registration_is_all_or_nothing_on_failure(db: Database, uid: str) -> None:
    """A failed bind leaves no half-written distributor behind."""
    await register(db, f"{uid}-s")
    with pytest.raises(SelfReferral):
        await registration.register(
            db,
            distributor_id=f"{uid}-s",
            name="x",
            sponsor_id=f"{uid}-s",
            phone=None,
            now=NOW,
            distribution_mode=DistributionMode.EVERYONE,
            team_leader_recruits=10,
        )
    await assert_tree_consistent(db, [f"{uid}-s"])
