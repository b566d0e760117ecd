"""Invite codes against the real Neo4j (SPEC §10): issue, register and bind by code under
every §3.1 rule, rotation, the channel on the edge, and the races of issue 14."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from domain.errors import (
    AlreadyBound,
    BadUserInput,
    Conflict,
    NotFound,
    ReferralCycle,
    SelfReferral,
    SponsorInactive,
)
from domain.models import Actor, BindMode, DistributionMode, Distributor, Rank, Status
from domain.tree.invites import is_code, new_code
from graph.db import Database
from graph.locks import LOCK_CODE_OWNER
from graph.tree import admin, invites, registration, team
from graph.tree.distributors import require
from tests.helpers import NOW, assert_tree_consistent, register

ADMIN = Actor(subject="admin-1", role="ADMIN")

EDGE = """
MATCH (s:Distributor)-[r:REFERRED]->(:Distributor {id: $id})
RETURN s.id AS sponsor, r.channel AS channel, r.inviteCode AS code
"""
EVENTS = """
MATCH (e:AuditEvent {operation: $operation}) WHERE e.arguments CONTAINS $id
RETURN e.actor AS actor, e.arguments AS arguments
"""
CYCLES = """
MATCH (d:Distributor) WHERE d.id STARTS WITH $prefix
MATCH (d)-[:REFERRED*1..10]->(d)
RETURN count(d) AS n
"""


async def join(
    db: Database,
    distributor_id: str,
    *,
    code: str | None = None,
    sponsor: str | None = None,
    channel: str | None = None,
    mode: DistributionMode = DistributionMode.EVERYONE,
) -> Distributor:
    return await registration.register(
        db,
        distributor_id=distributor_id,
        name=f"name {distributor_id}",
        sponsor_id=sponsor,
        phone=None,
        now=NOW,
        distribution_mode=mode,
        team_leader_recruits=10,
        invite_code=code,
        channel=channel,
    )


async def bind_code(
    db: Database,
    distributor_id: str,
    code: str,
    *,
    channel: str | None = None,
    mode: BindMode = BindMode.WHILE_UNBOUND,
    after: timedelta = timedelta(hours=1),
) -> Distributor:
    return await registration.bind(
        db,
        distributor_id=distributor_id,
        invite_code=code,
        channel=channel,
        now=NOW + after,
        bind_mode=mode,
        bind_window=timedelta(hours=24),
        team_leader_recruits=10,
    )


async def code_of(db: Database, distributor_id: str) -> str:
    code = (await require(db, distributor_id=distributor_id)).invite_code
    assert code is not None
    return code


async def test_everyone_mode_issues_a_code_at_registration(db: Database, uid: str) -> None:
    first = await register(db, f"{uid}-a")
    second = await register(db, f"{uid}-b")
    assert first.invite_code is not None and is_code(first.invite_code)
    assert second.invite_code is not None and first.invite_code != second.invite_code
    assert first == await register(db, f"{uid}-a"), "a replay keeps the code"


async def test_approval_mode_member_has_no_code_until_approved(db: Database, uid: str) -> None:
    member = await register(db, f"{uid}-m", mode=DistributionMode.APPROVAL)
    assert (member.rank, member.invite_code) == (Rank.MEMBER, None)
    assert {} == await invites.issue_missing(db, ids=[member.id]), "no code on read either"
    with pytest.raises(Conflict, match="no invite code"):
        await invites.rotate(db, distributor_id=member.id, actor=ADMIN)
    approved = await admin.approve(
        db, distributor_id=member.id, actor=ADMIN, team_leader_recruits=10
    )
    assert approved.rank is Rank.DISTRIBUTOR and approved.invite_code is not None
    again = await admin.approve(db, distributor_id=member.id, actor=ADMIN, team_leader_recruits=10)
    assert approved.invite_code == again.invite_code


async def test_code_is_unique_by_constraint(db: Database, uid: str) -> None:
    owner = await register(db, f"{uid}-a")
    other = await register(db, f"{uid}-b")
    with pytest.raises(Exception, match="already exists"):
        await db.driver.execute_query(
            "MATCH (d:Distributor {id: $id}) SET d.inviteCode = $code",
            id=other.id,
            code=owner.invite_code,
            database_=db.name,
        )


async def test_a_distributor_without_a_code_gets_one_on_first_read(db: Database, uid: str) -> None:
    """Bulk loads and distributors older than the code leave it out; it is issued once,
    concurrent first reads agreeing on one code."""
    ids = [f"{uid}-{k}" for k in range(5)]
    for distributor_id in ids:
        await register(db, distributor_id)
    await db.driver.execute_query(
        "MATCH (d:Distributor) WHERE d.id IN $ids REMOVE d.inviteCode", ids=ids, database_=db.name
    )
    issued = await asyncio.gather(*(invites.issue_missing(db, ids=ids) for _ in range(4)))
    assert all(batch == issued[0] for batch in issued)
    assert set(ids) == set(issued[0]) and len(set(issued[0].values())) == 5
    for distributor_id in ids:
        assert issued[0][distributor_id] == await code_of(db, distributor_id)


async def test_register_by_code_binds_the_owner_with_channel_on_the_edge(
    db: Database, uid: str
) -> None:
    owner = await register(db, f"{uid}-s")
    assert owner.invite_code is not None
    recruit = await join(db, f"{uid}-r", code=owner.invite_code, channel="poster")
    assert owner.id == recruit.sponsor_id and recruit.depth == 1
    edge = (await db.read(EDGE, id=recruit.id))[0]
    assert (owner.id, "poster", owner.invite_code) == (
        edge["sponsor"],
        edge["channel"],
        edge["code"],
    )
    await assert_tree_consistent(db, [owner.id, recruit.id])
    assert (1, 0, 0) == (await require(db, distributor_id=owner.id)).level_counts


async def test_register_by_code_with_an_agreeing_sponsor_id(db: Database, uid: str) -> None:
    owner = await register(db, f"{uid}-s")
    recruit = await join(db, f"{uid}-r", code=await code_of(db, owner.id), sponsor=owner.id)
    assert owner.id == recruit.sponsor_id


async def test_register_by_code_with_a_disagreeing_sponsor_id_is_bad_user_input(
    db: Database, uid: str
) -> None:
    owner = await register(db, f"{uid}-s")
    other = await register(db, f"{uid}-o")
    with pytest.raises(BadUserInput, match="different sponsors"):
        await join(db, f"{uid}-r", code=await code_of(db, owner.id), sponsor=other.id)
    assert await registration_missing(db, f"{uid}-r")


async def registration_missing(db: Database, distributor_id: str) -> bool:
    rows = await db.read("MATCH (d:Distributor {id: $id}) RETURN d.id", id=distributor_id)
    return not rows


async def test_register_by_an_unknown_code_is_not_found(db: Database, uid: str) -> None:
    with pytest.raises(NotFound, match="Invite code"):
        await join(db, f"{uid}-r", code="ZZZZ0000")
    assert await registration_missing(db, f"{uid}-r")


async def test_register_by_a_frozen_owners_code_is_sponsor_inactive(db: Database, uid: str) -> None:
    owner = await register(db, f"{uid}-s")
    await admin.set_status(
        db, distributor_id=owner.id, status=Status.FROZEN, reason="ring", actor=ADMIN
    )
    with pytest.raises(SponsorInactive):
        await join(db, f"{uid}-r", code=await code_of(db, owner.id))
    await register(db, f"{uid}-r2")
    with pytest.raises(SponsorInactive):
        await bind_code(db, f"{uid}-r2", await code_of(db, owner.id))


async def test_register_by_own_code_is_self_referral(db: Database, uid: str) -> None:
    me = await register(db, f"{uid}-me")
    with pytest.raises(SelfReferral):
        await join(db, me.id, code=await code_of(db, me.id))


async def test_register_replays_by_code_and_refuses_another_sponsor(db: Database, uid: str) -> None:
    a = await register(db, f"{uid}-a")
    b = await register(db, f"{uid}-b")
    first = await join(db, f"{uid}-r", code=await code_of(db, a.id), channel="live")
    assert first == await join(db, f"{uid}-r", code=await code_of(db, a.id), channel="live")
    with pytest.raises(AlreadyBound):
        await join(db, f"{uid}-r", code=await code_of(db, b.id))
    assert (1, 0, 0) == (await require(db, distributor_id=a.id)).level_counts


async def test_a_replay_still_answers_after_the_code_was_rotated(db: Database, uid: str) -> None:
    """Idempotent as SPEC §3.1 asks: the edge remembers the code it was made with."""
    owner = await register(db, f"{uid}-s")
    old = await code_of(db, owner.id)
    first = await join(db, f"{uid}-r", code=old)
    await invites.rotate(db, distributor_id=owner.id, actor=ADMIN)
    assert first == await join(db, f"{uid}-r", code=old)
    with pytest.raises(NotFound):
        await join(db, f"{uid}-r2", code=old)


async def test_rotation_stops_the_old_code_at_once_and_is_audited(db: Database, uid: str) -> None:
    owner = await register(db, f"{uid}-s")
    old = await code_of(db, owner.id)
    rotated = await invites.rotate(db, distributor_id=owner.id, actor=ADMIN)
    assert rotated.invite_code is not None and rotated.invite_code != old
    assert await invites.by_code(db, code=old) is None
    assert owner.id == (await invites.by_code(db, code=rotated.invite_code) or owner).id
    with pytest.raises(NotFound):
        await join(db, f"{uid}-r", code=old)
    await register(db, f"{uid}-u")
    with pytest.raises(NotFound):
        await bind_code(db, f"{uid}-u", old)
    assert owner.id == (await bind_code(db, f"{uid}-u", rotated.invite_code)).sponsor_id
    events = await db.read(EVENTS, operation="inviteCodeRotated", id=owner.id)
    assert 1 == len(events) and old in events[0]["arguments"]
    assert rotated.invite_code in events[0]["arguments"]


async def test_bind_by_code_binds_later_and_keeps_the_channel(db: Database, uid: str) -> None:
    owner = await register(db, f"{uid}-s")
    loner = await register(db, f"{uid}-r")
    bound = await bind_code(db, loner.id, await code_of(db, owner.id), channel="qr_code")
    assert owner.id == bound.sponsor_id
    assert "qr_code" == (await db.read(EDGE, id=loner.id))[0]["channel"]
    again = await bind_code(db, loner.id, await code_of(db, owner.id))
    assert owner.id == again.sponsor_id, "a replay binds nothing twice"
    assert (1, 0, 0) == (await require(db, distributor_id=owner.id)).level_counts


async def test_bind_by_code_refuses_self_cycles_bound_and_unknown(db: Database, uid: str) -> None:
    top = await register(db, f"{uid}-top")
    mid = await join(db, f"{uid}-mid", code=await code_of(db, top.id))
    low = await join(db, f"{uid}-low", code=await code_of(db, mid.id))
    other = await register(db, f"{uid}-other")
    with pytest.raises(SelfReferral):
        await bind_code(db, top.id, await code_of(db, top.id))
    with pytest.raises(ReferralCycle):
        await bind_code(db, top.id, await code_of(db, low.id))
    with pytest.raises(AlreadyBound):
        await bind_code(db, low.id, await code_of(db, other.id))
    with pytest.raises(NotFound, match="Invite code"):
        await bind_code(db, top.id, "ZZZZ0000")
    await assert_tree_consistent(db, [top.id, mid.id, low.id, other.id])


async def test_bind_by_code_keeps_the_bind_window(db: Database, uid: str) -> None:
    owner = await register(db, f"{uid}-s")
    late = await register(db, f"{uid}-r")
    code = await code_of(db, owner.id)
    with pytest.raises(Conflict, match="bind window"):
        await bind_code(
            db, late.id, code, mode=BindMode.REGISTRATION_ONLY, after=timedelta(hours=25)
        )
    bound = await bind_code(
        db, late.id, code, mode=BindMode.REGISTRATION_ONLY, after=timedelta(hours=2)
    )
    assert owner.id == bound.sponsor_id


async def test_by_channel_counts_level_1_recruits(db: Database, uid: str) -> None:
    owner = await register(db, f"{uid}-s")
    code = await code_of(db, owner.id)
    for k, channel in enumerate(["poster", "poster", "live", None, "poster"]):
        await join(db, f"{uid}-r{k}", code=code, channel=channel)
    await join(db, f"{uid}-deep", code=await code_of(db, f"{uid}-r0"), channel="live")
    counts = await team.by_channel(db, root=owner, since=None, until=None)
    assert [("poster", 3), ("live", 1), (None, 1)] == [(c.channel, c.count) for c in counts]
    none = await team.by_channel(db, root=owner, since=NOW + timedelta(seconds=1), until=None)
    assert [] == none, "the window is on the binding's time"


async def test_many_recruits_registering_with_one_code_at_once_count_exactly(
    db: Database, uid: str
) -> None:
    owner = await register(db, f"{uid}-s")
    code = await code_of(db, owner.id)
    recruits = [f"{uid}-r{k}" for k in range(100)]
    joined = await asyncio.gather(
        *(join(db, r, code=code, channel="wechat_share") for r in recruits)
    )
    assert {owner.id} == {d.sponsor_id for d in joined}
    await asyncio.gather(*(join(db, r, code=code) for r in recruits[:30]))  # replays
    assert (100, 0, 0) == (await require(db, distributor_id=owner.id)).level_counts
    counts = await team.by_channel(db, root=owner, since=None, until=None)
    assert [("wechat_share", 100)] == [(c.channel, c.count) for c in counts]
    await assert_tree_consistent(db, [owner.id, *recruits])


async def test_crossing_binds_by_code_exactly_one_wins(db: Database, uid: str) -> None:
    """A binds with B's code while B binds with A's: one binds, the other finds the cycle."""

    async def attempt(who: str, code: str) -> str:
        try:
            await bind_code(db, who, code)
        except ReferralCycle:
            return "cycle"
        return "bound"

    for round_ in range(10):
        a = await register(db, f"{uid}-{round_}a")
        b = await register(db, f"{uid}-{round_}b")
        assert a.invite_code is not None and b.invite_code is not None
        outcomes = await asyncio.gather(attempt(a.id, b.invite_code), attempt(b.id, a.invite_code))
        assert ["bound", "cycle"] == sorted(outcomes)
        await assert_tree_consistent(db, [a.id, b.id])
    assert 0 == (await db.read(CYCLES, prefix=uid))[0]["n"]


async def test_rotation_racing_registrations_with_the_old_code(db: Database, uid: str) -> None:
    """Each registration with the old code either binds (it locked the owner first) or is
    NOT_FOUND (the rotation committed first); none is half-done, and none binds after."""
    owner = await register(db, f"{uid}-s")
    old = await code_of(db, owner.id)

    async def attempt(k: int) -> str:
        try:
            await join(db, f"{uid}-r{k}", code=old, channel="poster")
        except NotFound:
            return "not found"
        return "bound"

    outcomes = await asyncio.gather(
        *(attempt(k) for k in range(20)),
        invites.rotate(db, distributor_id=owner.id, actor=ADMIN),
        *(attempt(k) for k in range(20, 40)),
    )
    results = [o for o in outcomes if isinstance(o, str)]
    bound = [f"{uid}-r{k}" for k, o in enumerate(results) if o == "bound"]
    refused = [f"{uid}-r{k}" for k, o in enumerate(results) if o == "not found"]
    assert len(bound) + len(refused) == 40
    assert len(bound) == (await require(db, distributor_id=owner.id)).level_counts[0]
    for distributor_id in refused:
        assert await registration_missing(db, distributor_id)
    for distributor_id in bound:
        assert old == (await db.read(EDGE, id=distributor_id))[0]["code"]
    assert await invites.by_code(db, code=old) is None
    with pytest.raises(NotFound):
        await join(db, f"{uid}-late", code=old)
    await assert_tree_consistent(db, [owner.id, *bound])


async def test_a_registration_that_found_the_old_code_before_a_rotation_committed_is_refused(
    db: Database, uid: str
) -> None:
    """The race made deterministic: a rotation holds the owner's lock, uncommitted; a
    registration finds the owner by the old (still committed) code and waits for the
    lock; the rotation commits; under the lock the registration sees the new code and
    answers NOT_FOUND instead of binding through a code that no longer exists."""
    owner = await register(db, f"{uid}-s")
    old = await code_of(db, owner.id)
    async with db.driver.session(database=db.name) as session:
        tx = await session.begin_transaction()
        await tx.run(
            "MATCH (d:Distributor {id: $id}) SET d._lock = true REMOVE d._lock "
            "SET d.inviteCode = $code",
            id=owner.id,
            code=new_code(),
        )
        registering = asyncio.create_task(join(db, f"{uid}-r", code=old))
        await _until_a_transaction_waits(db)
        await tx.commit()
    with pytest.raises(NotFound, match="Invite code"):
        await registering
    assert await registration_missing(db, f"{uid}-r")


async def _until_a_transaction_waits(db: Database) -> None:
    for _ in range(300):
        rows = await db.read(
            "SHOW TRANSACTIONS YIELD status WHERE status STARTS WITH 'Blocked' RETURN count(*) AS n"
        )
        if rows[0]["n"]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the registration never waited for the owner's lock")


def _operators(plan: object) -> list[str]:
    assert isinstance(plan, dict)
    own = plan["operatorType"].split("@")[0]
    return [own] + [op for child in plan.get("children", []) for op in _operators(child)]


@pytest.mark.parametrize("query", [invites.BY_CODE, LOCK_CODE_OWNER])
async def test_a_lookup_by_code_is_one_unique_index_seek(db: Database, query: str) -> None:
    result = await db.driver.execute_query("EXPLAIN " + query, database_=db.name)
    operators = _operators(result.summary.plan)
    assert 1 == sum(op.startswith("NodeUniqueIndexSeek") for op in operators), operators
    assert not [op for op in operators if "Scan" in op], operators
