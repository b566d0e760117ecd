"""`Identifier.shared` and the ring scan's store, on the real Neo4j.

The ring scan reads only identifiers marked `shared`, so a write path that links a second
user without marking would hide a ring: each path is tried, also two at once, and the
migration that marks a store from before the mark.
"""

from __future__ import annotations

import asyncio

from app.settings import ROOT
from domain.fraud.identifiers import Identifier, IdentifierKind
from graph.db import Database
from graph.fraud import scan as fraud_scan
from graph.migrations import MIGRATIONS
from graph.tree import bulk
from tests.helpers import NOW, ident, record_order, register

SHARED = "MATCH (i:Identifier {key: $key}) RETURN i.shared AS shared"
RING_EDGES = """
MATCH (r:FraudRing {id: $id})-[e:INCLUDES|SHARES]->()
RETURN type(e) AS type, elementId(e) AS edge ORDER BY edge
"""


async def _shared(db: Database, identifier: Identifier) -> bool | None:
    found: bool | None = (await db.read(SHARED, key=identifier.key))[0]["shared"]
    return found


async def test_registration_marks_an_identifier_shared_at_its_second_user(
    db: Database, uid: str
) -> None:
    device = ident(IdentifierKind.DEVICE, f"{uid}-phone")
    await register(db, f"{uid}-a", identifiers=[device])
    assert await _shared(db, device) is None
    await register(db, f"{uid}-b", identifiers=[device])
    assert await _shared(db, device) is True


async def test_orders_mark_a_payment_account_shared_at_its_second_buyer(
    db: Database, uid: str
) -> None:
    card = ident(IdentifierKind.PAYMENT, f"{uid}-card")
    for who in ("a", "b"):
        await register(db, f"{uid}-{who}")
    await record_order(db, f"{uid}-o1", f"{uid}-a", 1_000, identifiers=[card])
    await record_order(db, f"{uid}-o2", f"{uid}-a", 1_000, identifiers=[card])
    assert await _shared(db, card) is None  # one buyer, however many orders
    await record_order(db, f"{uid}-o3", f"{uid}-b", 1_000, identifiers=[card])
    assert await _shared(db, card) is True


async def test_two_registrations_giving_one_identifier_at_once_mark_it(
    db: Database, uid: str
) -> None:
    """New identifiers, and ones that exist with no user left: each pair registers at
    the same time, so neither sees the other's uncommitted edge when it links."""
    await register(db, f"{uid}-s")
    for round_ in range(6):
        device = ident(IdentifierKind.DEVICE, f"{uid}-farm-{round_}")
        if round_ % 2:
            await db.driver.execute_query(
                "MERGE (i:Identifier {key: $key}) ON CREATE SET i.kind = 'DEVICE'",
                key=device.key,
                database_=db.name,
            )
        await asyncio.gather(
            *(
                register(db, f"{uid}-{round_}-{n}", f"{uid}-s", identifiers=[device])
                for n in range(2)
            )
        )
        assert await _shared(db, device) is True, round_


async def test_a_bulk_load_marks_what_it_shares(db: Database, uid: str) -> None:
    for who in ("a", "b", "c"):
        await register(db, f"{uid}-{who}")
    both = ident(IdentifierKind.IP, f"{uid}-wifi")
    alone = ident(IdentifierKind.DEVICE, f"{uid}-own")
    rows = [
        {"distributorId": f"{uid}-a", "key": both.key, "kind": both.kind.value},
        {"distributorId": f"{uid}-b", "key": both.key, "kind": both.kind.value},
        {"distributorId": f"{uid}-c", "key": alone.key, "kind": alone.kind.value},
    ]
    await bulk.load_identifiers(db, rows=rows, batch_size=1, at=NOW)
    assert (await _shared(db, both), await _shared(db, alone)) == (True, None)


async def test_the_migration_marks_a_store_from_before_the_mark(db: Database, uid: str) -> None:
    device = ident(IdentifierKind.DEVICE, f"{uid}-old")
    for who in ("a", "b"):
        await register(db, f"{uid}-{who}", identifiers=[device])
    await db.driver.execute_query(
        "MATCH (i:Identifier {key: $key}) REMOVE i.shared", key=device.key, database_=db.name
    )
    (migration,) = [m for m in MIGRATIONS if m.id == "0019-shared-identifiers"]
    async with db.driver.session(database=db.name) as session:
        for statement in migration.statements:
            await (await session.run(statement)).consume()
    assert await _shared(db, device) is True


async def test_a_ring_found_again_keeps_its_edges_until_its_identifiers_change(
    db: Database, uid: str
) -> None:
    device = ident(IdentifierKind.DEVICE, f"{uid}-farm")
    members = [f"{uid}-m{i}" for i in range(3)]
    for member in members:
        await register(db, member, identifiers=[device])
    await fraud_scan.scan(db, hot_limit=50, now=NOW)
    (found,) = await db.read(
        "MATCH (r:FraudRing {current: true})-[:INCLUDES]->(:Distributor {id: $id}) "
        "RETURN r.id AS id",
        id=members[0],
    )
    before = [(r["type"], r["edge"]) for r in await db.read(RING_EDGES, id=found["id"])]
    assert sorted(t for t, _ in before) == ["INCLUDES"] * 3 + ["SHARES"]

    await fraud_scan.scan(db, hot_limit=50, now=NOW)
    again = [(r["type"], r["edge"]) for r in await db.read(RING_EDGES, id=found["id"])]
    assert again == before  # the same edges, not new ones

    card = ident(IdentifierKind.PAYMENT, f"{uid}-card")
    for n, member in enumerate(members):
        await record_order(db, f"{uid}-o{n}", member, 1_000, identifiers=[card])
    await fraud_scan.scan(db, hot_limit=50, now=NOW)
    after = [(r["type"], r["edge"]) for r in await db.read(RING_EDGES, id=found["id"])]
    assert [e for e in after if e[0] == "INCLUDES"] == [e for e in before if e[0] == "INCLUDES"]
    ring = await fraud_scan.ring(db, ring_id=found["id"])
    assert ring is not None and ring.current
    assert sorted(ring.identifiers) == sorted(
        [(device.key, device.kind.value), (card.key, card.kind.value)]
    )


def test_the_guide_shows_the_scans_query() -> None:
    """docs/fraud.md §3 prints `SHARED` as the scan runs it (the tests above run it)."""
    text = (ROOT / "docs" / "fraud.md").read_text()
    step = text.split("1. **Read shared identifiers only**", 1)[1]
    block = step.split("```cypher\n", 1)[1].split("```", 1)[0]
    shown = "\n".join(line.strip() for line in block.splitlines())
    assert shown.strip() == fraud_scan.SHARED.strip()
