"""The common registration in two round trips (`graph.tree.register_at_once`), against
the real Neo4j: what it writes equals what the full transaction writes, its guard
refuses stale facts without writing, and concurrent registrations under one sponsor
count its qualified recruits exactly."""

from __future__ import annotations

import asyncio

from domain.fraud.identifiers import IdentifierKind, identify_all
from domain.models import Rank
from graph.db import Database
from graph.tree.distributors import require
from graph.tree.register_at_once import GUARDED_REGISTER
from tests.helpers import NOW, assert_tree_consistent, chain, register

SPONSOR_FACTS = "MATCH (s:Distributor {id: $id}) RETURN s.qualifiedRecruits AS q, s.rank AS rank"
EVENTS = """
MATCH (e:Event) WHERE e.distributorId IN $ids
RETURN e.kind AS kind, e.distributorId AS who, e.path AS path ORDER BY who, kind
"""
EDGE = "MATCH (:Distributor {id: $s})-[r:REFERRED]->(:Distributor {id: $d}) RETURN r.at AS at"


async def test_a_plain_registration_costs_two_queries(db: Database, uid: str) -> None:
    top = await chain(db, uid, 3)
    before = db.queries
    made = await register(db, f"{uid}-new", top[2])
    assert db.queries - before == 2
    assert made == await require(db, distributor_id=f"{uid}-new")
    assert (made.sponsor_id, made.depth, made.level_counts) == (top[2], 3, (0, 0, 0))
    assert (await db.read(EDGE, s=top[2], d=f"{uid}-new"))[0]["at"] is not None
    await assert_tree_consistent(db, [*top, f"{uid}-new"])


async def test_it_writes_what_the_full_transaction_writes(db: Database, uid: str) -> None:
    """One recruit at once, one through the full transaction (identifiers send it
    there): the same counters, stamps, roll-ups and events."""
    top = await chain(db, uid, 4)
    device = identify_all({IdentifierKind.DEVICE: f"{uid}-device"}, secret=b"s")
    quick = await register(db, f"{uid}-q", top[3])
    full = await register(db, f"{uid}-f", top[3], identifiers=device)
    assert (quick.depth, quick.rank, quick.joined_at) == (full.depth, full.rank, full.joined_at)
    assert quick.invite_code is not None and full.invite_code is not None
    await assert_tree_consistent(db, [*top, quick.id, full.id])
    events = await db.read(EVENTS, ids=[quick.id, full.id])
    assert [(e["kind"], e["who"]) for e in events] == [
        ("RECRUIT_JOINED", full.id),
        ("RECRUIT_JOINED", quick.id),
    ]
    assert [e["path"] for e in events] == [full.path, quick.path]


async def test_the_guard_writes_nothing_when_the_sponsor_changed(db: Database, uid: str) -> None:
    top = await chain(db, uid, 2)
    sponsor = await require(db, distributor_id=top[1])
    facts = (await db.read(SPONSOR_FACTS, id=top[1]))[0]
    stale = {
        "sponsorId": top[1],
        "sponsorPath": sponsor.path,
        "sponsorRank": facts["rank"],
        "sponsorQualified": facts["q"] - 1,  # as if read before another recruit
        "id": f"{uid}-x",
        "name": "x",
        "phone": None,
        "phoneHash": None,
        "realName": None,
        "paymentAccount": None,
        "ownCode": None,
        "rank": Rank.DISTRIBUTOR.value,
        "now": NOW,
        "path": sponsor.path + "/x",
        "depth": sponsor.depth + 1,
        "ancestors": [top[1], top[0], None],
        "days": [],
        "at": NOW,
        "channel": None,
        "inviteCode": None,
        "deltas": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
        "qualified": facts["q"],
        "sponsorNextRank": facts["rank"],
        "events": [],
    }
    assert await db.write_at_once(GUARDED_REGISTER, **stale) == []
    assert (await db.read("MATCH (d:Distributor {id: $id}) RETURN d", id=f"{uid}-x")) == []
    assert (await require(db, distributor_id=top[1])).level_counts == sponsor.level_counts
    made = await register(db, f"{uid}-x", top[1])  # fresh facts: written
    assert made.sponsor_id == top[1]


async def test_concurrent_recruits_of_one_sponsor_count_its_tally_exactly(
    db: Database, uid: str
) -> None:
    top = await chain(db, uid, 2)
    recruits = [f"{uid}-r{i}" for i in range(30)]
    await asyncio.gather(*(register(db, r, top[1], threshold=10) for r in recruits))
    facts = (await db.read(SPONSOR_FACTS, id=top[1]))[0]
    assert (facts["q"], facts["rank"]) == (30, Rank.TEAM_LEADER.value)
    promoted = await db.read(
        "MATCH (e:Event {distributorId: $id, kind: 'RANK_CHANGED'}) RETURN count(e) AS n",
        id=top[1],
    )
    assert promoted[0]["n"] == 1
    await assert_tree_consistent(db, [*top, *recruits])
