"""Fraud rings, signals, alerts, ring freezing and investigations on the real Neo4j.

The scan covers the whole database, so each test plants its own people (unique ids and
identifier values) and looks for exactly those.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.settings import default_policy
from domain.errors import SponsorInactive
from domain.fraud.identifiers import IdentifierKind
from domain.models import (
    Actor,
    EvidenceNode,
    FraudAlert,
    FraudRing,
    FraudSignal,
    Status,
)
from domain.pagination import Window
from graph.db import Database
from graph.fraud import alerts, investigation
from graph.fraud import scan as fraud_scan
from graph.fraud import signals as fraud_signals
from graph.money import refunds, settlement
from graph.tree import admin
from graph.tree.distributors import require
from tests.helpers import NOW, chain, ident, record_order, register

ADMIN = Actor(subject="test-analyst", role="ANALYST")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DEVICE, PHONE, PAYMENT, ADDRESS = (
    IdentifierKind.DEVICE,
    IdentifierKind.PHONE,
    IdentifierKind.PAYMENT,
    IdentifierKind.ADDRESS,
)


async def _alerts(db: Database, *, acknowledged: bool) -> list[FraudAlert]:
    """The 100 newest alerts."""
    page = await alerts.list_alerts(db, acknowledged=acknowledged, window=Window(True, 100))
    return [r.node for r in page.rows]


async def _ring_of(db: Database, member: str) -> FraudRing | None:
    await fraud_scan.scan(db, hot_limit=50, now=NOW)
    found = await db.read(
        "MATCH (r:FraudRing {current: true})-[:INCLUDES]->(:Distributor {id: $id}) "
        "RETURN r.id AS id",
        id=member,
    )
    return await fraud_scan.ring(db, ring_id=found[0]["id"]) if found else None


async def test_a_star_on_one_device_is_a_ring(db: Database, uid: str) -> None:
    device = ident(DEVICE, f"{uid}-tablet")
    members = [f"{uid}-hub"] + [f"{uid}-s{i}" for i in range(4)]
    for m in members:
        await register(db, m, identifiers=[device])
    ring = await _ring_of(db, f"{uid}-hub")
    assert ring is not None and sorted(members) == ring.member_ids
    assert ["DEVICE"] == ring.identifier_kinds
    assert [(device.key, "DEVICE")] == ring.identifiers


async def test_a_chain_of_shared_payment_accounts_is_one_ring(db: Database, uid: str) -> None:
    people = [f"{uid}-c{i}" for i in range(4)]
    for i, person in enumerate(people):
        cards = [ident(PAYMENT, f"{uid}-card{j}") for j in (i - 1, i) if 0 <= j < 3]
        await register(db, person, identifiers=cards)
    ring = await _ring_of(db, people[0])
    assert ring is not None and people == ring.member_ids


async def test_a_ring_over_two_kinds_with_edges_and_commissions(db: Database, uid: str) -> None:
    """a sponsors b and c; a-b share a phone, b-c an address; c's order pays a and b."""
    await register(db, f"{uid}-a", identifiers=[ident(PHONE, f"{uid}99")])
    await register(
        db,
        f"{uid}-b",
        f"{uid}-a",
        identifiers=[ident(PHONE, f"{uid}99"), ident(ADDRESS, f"{uid} road 1")],
    )
    await register(db, f"{uid}-c", f"{uid}-b", identifiers=[ident(ADDRESS, f"{uid}  ROAD 1")])
    await record_order(db, f"{uid}-o", f"{uid}-c", 10_000)
    ring = await _ring_of(db, f"{uid}-a")
    assert ring is not None and [f"{uid}-a", f"{uid}-b", f"{uid}-c"] == ring.member_ids
    assert ["ADDRESS", "PHONE"] == ring.identifier_kinds
    assert {(f"{uid}-a", f"{uid}-b"), (f"{uid}-b", f"{uid}-c")} == set(ring.referral_edges)
    assert 1_500 + 500 == ring.commissions_fen
    assert any("commissions" in r for r in ring.reasons)


async def test_look_alikes_are_not_rings(db: Database, uid: str) -> None:
    """A hot identifier (a parcel station) links nobody; strangers and pairs are no ring."""
    station = ident(ADDRESS, f"{uid} parcel station")
    crowd = [f"{uid}-p{i}" for i in range(6)]
    for person in crowd:
        await register(db, person, identifiers=[station])
    await register(db, f"{uid}-x", identifiers=[ident(DEVICE, f"{uid}-x")])
    await register(db, f"{uid}-y", identifiers=[ident(DEVICE, f"{uid}-y")])
    for pair in ("q1", "q2"):
        await register(db, f"{uid}-{pair}", identifiers=[ident(DEVICE, f"{uid}-pair")])
    await fraud_scan.scan(db, hot_limit=5, now=NOW)
    flagged = await db.read(
        "MATCH (:FraudRing {current: true})-[:INCLUDES]->(d:Distributor) "
        "WHERE d.id STARTS WITH $prefix RETURN d.id AS id",
        prefix=f"{uid}-",
    )
    assert [] == flagged
    hot = await fraud_scan.hot_identifiers(db, hot_limit=5, first=100)
    assert (station.key, "ADDRESS", 6) in hot


async def test_rings_are_listed_by_score_with_keyset_pages(db: Database, uid: str) -> None:
    for i in range(3):
        for j in range(3 + i):
            await register(db, f"{uid}-r{i}m{j}", identifiers=[ident(DEVICE, f"{uid}-d{i}")])
    await fraud_scan.scan(db, hot_limit=50, now=NOW)
    page = await fraud_scan.rings(db, min_size=3, min_score=0, window=Window(True, 2))
    assert page.total_count >= 3 and page.has_next_page and not page.has_previous_page
    after = Window(True, 2, page.rows[-1].position)
    then = await fraud_scan.rings(db, min_size=3, min_score=0, window=after)
    first, second = [r.node for r in page.rows], [r.node for r in then.rows]
    scores = [r.score for r in first + second]
    assert scores == sorted(scores, reverse=True)
    assert not {r.id for r in first} & {r.id for r in second}


async def test_registration_sharing_with_sponsor_raises_an_alert(db: Database, uid: str) -> None:
    phone = ident(PHONE, f"{uid}88")
    await register(db, f"{uid}-s", identifiers=[phone])
    await register(db, f"{uid}-r", f"{uid}-s", identifiers=[phone])
    await register(db, f"{uid}-clean", f"{uid}-s", identifiers=[ident(PHONE, f"{uid}77")])
    page = await _alerts(db, acknowledged=False)
    mine = [a for a in page if a.distributor_id.startswith(uid)]
    assert [(f"{uid}-r", ["SHARES_WITH_SPONSOR"])] == [(a.distributor_id, a.reasons) for a in mine]
    await alerts.acknowledge(db, alert_id=mine[0].id, actor=ADMIN)
    done = await _alerts(db, acknowledged=True)
    assert mine[0].id in {a.id for a in done}


async def test_registration_sharing_with_a_ring_raises_an_alert(db: Database, uid: str) -> None:
    device = ident(DEVICE, f"{uid}-farm")
    for i in range(3):
        await register(db, f"{uid}-m{i}", identifiers=[device])
    await fraud_scan.scan(db, hot_limit=50, now=NOW)
    await register(db, f"{uid}-new", identifiers=[device])
    page = await _alerts(db, acknowledged=False)
    assert ["SHARES_WITH_RING"] == next(a.reasons for a in page if a.distributor_id == f"{uid}-new")


async def test_freezing_a_ring_freezes_its_members(db: Database, uid: str) -> None:
    device = ident(DEVICE, f"{uid}-farm")
    for i in range(3):
        await register(db, f"{uid}-m{i}", identifiers=[device])
    ring = await _ring_of(db, f"{uid}-m0")
    assert ring is not None
    frozen = await admin.set_ring_status(
        db, ring_id=ring.id, status=Status.FROZEN, reason="device farm", actor=ADMIN
    )
    assert ring.member_ids == frozen
    for member in frozen:
        assert Status.FROZEN is (await require(db, distributor_id=member)).status
    with pytest.raises(SponsorInactive):
        await register(db, f"{uid}-recruit", f"{uid}-m0")


def _kinds(signals: list[object]) -> set[str]:
    return {s.kind for s in signals}  # type: ignore[attr-defined]


async def _signals(db: Database, who: str, now: object = NOW) -> set[str]:
    found = await fraud_signals.signals(db, distributor_id=who, policy=default_policy(), now=now)  # type: ignore[arg-type]
    return _kinds(found)


async def test_ring_and_self_referral_signals(db: Database, uid: str) -> None:
    device = ident(DEVICE, f"{uid}-d")
    await register(db, f"{uid}-a", identifiers=[device])
    await register(db, f"{uid}-b", f"{uid}-a", identifiers=[device])
    await register(db, f"{uid}-c", identifiers=[device])
    await register(db, f"{uid}-z", f"{uid}-a", identifiers=[ident(DEVICE, f"{uid}-z")])
    assert {"SHARED_IDENTIFIER_RING", "SELF_REFERRAL"} <= await _signals(db, f"{uid}-b")
    assert set() == await _signals(db, f"{uid}-z")


async def test_upline_buys_through_downline(db: Database, uid: str) -> None:
    card = ident(PAYMENT, f"{uid}-upline-card")
    ids = await chain(db, uid, 3)
    await register(db, f"{uid}-up", identifiers=[card])
    await register(db, f"{uid}-down", f"{uid}-up")
    await record_order(db, f"{uid}-o", f"{uid}-down", 5_000, identifiers=[card])
    assert "UPLINE_BUYS_THROUGH_DOWNLINE" in await _signals(db, f"{uid}-up")
    await record_order(db, f"{uid}-o2", ids[2], 5_000, identifiers=[ident(PAYMENT, f"{uid}-own")])
    assert "UPLINE_BUYS_THROUGH_DOWNLINE" not in await _signals(db, ids[0])


async def test_recruit_burst(db: Database, uid: str) -> None:
    await register(db, f"{uid}-fast")
    await register(db, f"{uid}-slow")
    for i in range(20):
        await register(db, f"{uid}-f{i}", f"{uid}-fast", now=NOW + timedelta(minutes=2 * i))
        await register(db, f"{uid}-w{i}", f"{uid}-slow", now=NOW + timedelta(minutes=4 * i))
    assert "RECRUIT_BURST" in await _signals(db, f"{uid}-fast")
    assert "RECRUIT_BURST" not in await _signals(db, f"{uid}-slow")


async def test_hollow_downline(db: Database, uid: str) -> None:
    await register(db, f"{uid}-hollow")
    await register(db, f"{uid}-real")
    for i in range(10):
        await register(db, f"{uid}-h{i}", f"{uid}-hollow")
        await register(db, f"{uid}-r{i}", f"{uid}-real")
    await record_order(db, f"{uid}-o", f"{uid}-r0", 1_000)
    later = NOW + timedelta(days=15)
    assert "HOLLOW_DOWNLINE" in await _signals(db, f"{uid}-hollow", later)
    assert "HOLLOW_DOWNLINE" not in await _signals(db, f"{uid}-real", later)
    assert "HOLLOW_DOWNLINE" not in await _signals(db, f"{uid}-hollow", NOW + timedelta(days=13))


async def test_refund_after_settlement(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 2)
    for n in range(4):
        await record_order(db, f"{uid}-o{n}", ids[1], 10_000)
    await db.driver.execute_query(
        "MATCH (c:Commission) WHERE c.orderId STARTS WITH $p SET c.dueAt = $due",
        p=f"{uid}-o",
        due=NOW - timedelta(days=9000),
        database_=db.name,
    )
    await settlement.settle(db, as_of=NOW - timedelta(days=8999), now=NOW)
    assert "REFUND_AFTER_SETTLEMENT" not in await _signals(db, ids[0])
    for n in range(3):
        await refunds.refund(
            db, order_id=f"{uid}-o{n}", refund_id=f"{uid}-r{n}", amount_fen=5_000, now=NOW
        )
    assert "REFUND_AFTER_SETTLEMENT" in await _signals(db, ids[0])


async def test_referral_cycle_detects_corruption(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 3)
    assert "REFERRAL_CYCLE" not in await _signals(db, ids[0])
    await db.driver.execute_query(  # corrupt on purpose: the product never writes this
        "MATCH (a:Distributor {id: $a}), (c:Distributor {id: $c}) CREATE (c)-[:REFERRED]->(a)",
        a=ids[0],
        c=ids[2],
        database_=db.name,
    )
    assert "REFERRAL_CYCLE" in await _signals(db, ids[0])


async def test_investigations_look_twenty_levels_deep(db: Database, uid: str) -> None:
    ids = await chain(db, uid, 23)
    above = await investigation.chain_above(db, distributor_id=ids[22], depth=20)
    assert ids[21:1:-1] == [e.distributor.id for e in above]
    assert [1] * 20 == await investigation.level_sizes(db, distributor_id=ids[0], depth=20)
    assert [1, 1, 0] == await investigation.level_sizes(db, distributor_id=ids[20], depth=3)
    assert await investigation.level_sizes(db, distributor_id=f"{uid}-nobody", depth=3) is None
    heavy = await investigation.heaviest(db, first=5)
    sizes = [sum(d.level_counts) for d in heavy]
    assert sizes == sorted(sizes, reverse=True)


async def _signal(db: Database, who: str, kind: str, now: datetime = NOW) -> FraudSignal:
    found = await fraud_signals.signals(db, distributor_id=who, policy=default_policy(), now=now)
    return next(s for s in found if s.kind == kind)


def _edges(signal: FraudSignal) -> set[tuple[str, str, str]]:
    return {(e.type, e.source, e.target) for e in signal.edges}


async def test_self_referral_evidence_names_the_edges_that_prove_it(db: Database, uid: str) -> None:
    """The sponsor edge and both USES edges of the shared device, with their nodes."""
    device = ident(DEVICE, f"{uid}-d")
    await register(db, f"{uid}-a", identifiers=[device])
    await register(db, f"{uid}-b", f"{uid}-a", identifiers=[device])
    signal = await _signal(db, f"{uid}-b", "SELF_REFERRAL")
    expected = {
        ("REFERRED", f"{uid}-a", f"{uid}-b"),
        ("USES", f"{uid}-a", device.key),
        ("USES", f"{uid}-b", device.key),
    }
    assert expected == _edges(signal)
    assert EvidenceNode("Identifier", device.key, "DEVICE") in signal.nodes
    assert {f"{uid}-a", f"{uid}-b", device.key} == {n.id for n in signal.nodes}


async def test_ring_signal_evidence_links_every_member_to_a_shared_identifier(
    db: Database, uid: str
) -> None:
    device = ident(DEVICE, f"{uid}-d")
    members = [f"{uid}-m{i}" for i in range(3)]
    for member in members:
        await register(db, member, identifiers=[device])
    signal = await _signal(db, members[0], "SHARED_IDENTIFIER_RING")
    assert {("USES", m, device.key) for m in members} == _edges(signal)


async def test_upline_buys_evidence_shows_the_order_and_its_payer(db: Database, uid: str) -> None:
    card = ident(PAYMENT, f"{uid}-upline-card")
    await register(db, f"{uid}-up", identifiers=[card])
    await register(db, f"{uid}-down", f"{uid}-up")
    await record_order(db, f"{uid}-o", f"{uid}-down", 5_000, identifiers=[card])
    signal = await _signal(db, f"{uid}-up", "UPLINE_BUYS_THROUGH_DOWNLINE")
    assert {
        ("USES", f"{uid}-up", card.key),
        ("CARRIES", f"{uid}-o", card.key),
        ("PLACED", f"{uid}-down", f"{uid}-o"),
    } <= _edges(signal)


async def test_upline_buys_ignores_a_hot_address(db: Database, uid: str) -> None:
    """A parcel station used by more than hot_identifier_limit people proves nothing."""
    station = ident(ADDRESS, f"{uid} parcel station")
    await register(db, f"{uid}-up", identifiers=[station])
    await register(db, f"{uid}-down", f"{uid}-up")
    for i in range(default_policy().hot_identifier_limit):
        await register(db, f"{uid}-n{i}", identifiers=[station])
    await record_order(db, f"{uid}-o", f"{uid}-down", 5_000, identifiers=[station])
    assert "UPLINE_BUYS_THROUGH_DOWNLINE" not in await _signals(db, f"{uid}-up")


async def test_burst_and_cycle_evidence_are_referral_edges(db: Database, uid: str) -> None:
    await register(db, f"{uid}-fast")
    for i in range(20):
        await register(db, f"{uid}-f{i}", f"{uid}-fast", now=NOW + timedelta(minutes=2 * i))
    burst = await _signal(db, f"{uid}-fast", "RECRUIT_BURST")
    assert {("REFERRED", f"{uid}-fast", f"{uid}-f{i}") for i in range(20)} == _edges(burst)
    ids = await chain(db, uid, 3)
    await db.driver.execute_query(  # corrupt on purpose: the product never writes this
        "MATCH (a:Distributor {id: $a}), (c:Distributor {id: $c}) CREATE (c)-[:REFERRED]->(a)",
        a=ids[0],
        c=ids[2],
        database_=db.name,
    )
    cycle = await _signal(db, ids[0], "REFERRAL_CYCLE")
    assert {
        ("REFERRED", ids[0], ids[1]),
        ("REFERRED", ids[1], ids[2]),
        ("REFERRED", ids[2], ids[0]),
    } == _edges(cycle)


async def test_unfreezing_a_ring_releases_only_whom_it_froze(db: Database, uid: str) -> None:
    """A member frozen by hand before the ring freeze stays frozen after the ring unfreeze."""
    device = ident(DEVICE, f"{uid}-farm")
    members = [f"{uid}-m{i}" for i in range(3)]
    for member in members:
        await register(db, member, identifiers=[device])
    ring = await _ring_of(db, members[0])
    assert ring is not None
    await admin.set_status(
        db, distributor_id=members[0], status=Status.FROZEN, reason="chargebacks", actor=ADMIN
    )
    for status in (Status.FROZEN, Status.ACTIVE):
        await admin.set_ring_status(
            db, ring_id=ring.id, status=status, reason="device farm", actor=ADMIN
        )
    statuses = [(await require(db, distributor_id=m)).status for m in members]
    assert [Status.FROZEN, Status.ACTIVE, Status.ACTIVE] == statuses


async def test_a_ring_not_found_again_is_no_longer_current(db: Database, uid: str) -> None:
    device = ident(DEVICE, f"{uid}-farm")
    for i in range(3):
        await register(db, f"{uid}-m{i}", identifiers=[device])
    ring = await _ring_of(db, f"{uid}-m0")
    assert ring is not None and ring.current
    await db.driver.execute_query(
        "MATCH (:Distributor {id: $id})-[u:USES]->() DELETE u", id=f"{uid}-m2", database_=db.name
    )
    await fraud_scan.scan(db, hot_limit=50, now=NOW)
    again = await fraud_scan.ring(db, ring_id=ring.id)
    assert again is not None and not again.current


async def test_alerts_of_one_millisecond_page_without_loss(db: Database, uid: str) -> None:
    """Alerts raised in the same millisecond are each listed once across page breaks."""
    phone = ident(PHONE, f"{uid}66")
    await register(db, f"{uid}-s", identifiers=[phone])
    same_ms = datetime(2031, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(uid[1:], 16) % 10**12)
    for i in range(3):
        at = same_ms + timedelta(microseconds=100 * i)
        await register(db, f"{uid}-r{i}", f"{uid}-s", identifiers=[phone], now=at)
    # Start just after the newest of the three (a millisecond of this test's own).
    start = (same_ms - EPOCH) // timedelta(microseconds=1) * 1000 + 300_000
    boundary: tuple[int | str, ...] = (start, "")
    seen: list[str] = []
    for _ in range(3):
        page = await alerts.list_alerts(db, acknowledged=False, window=Window(True, 1, boundary))
        seen += [r.node.distributor_id for r in page.rows]
        boundary = page.rows[-1].position
    assert [f"{uid}-r2", f"{uid}-r1", f"{uid}-r0"] == seen
