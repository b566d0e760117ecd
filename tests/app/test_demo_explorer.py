"""The demo's planted rings: `make run` gives the Explorer's analyst pages something to
show (app.demo_explorer)."""

from __future__ import annotations

from app.demo_explorer import RINGS, plant_rings
from graph.db import Database
from graph.models import Policy

RING_OF = """
MATCH (r:FraudRing {current: true})-[:INCLUDES]->(d:Distributor)
WHERE d.id STARTS WITH $prefix
RETURN r.id AS ring, collect(d.id) AS members
"""


async def test_planted_rings_are_found_by_the_scan_and_replay(db: Database, uid: str) -> None:
    await plant_rings(db, prefix=uid, policy=Policy())
    await plant_rings(db, prefix=uid, policy=Policy())  # a second load changes nothing
    found = await db.read(RING_OF, prefix=f"{uid}-ring-")
    expected = sorted(
        sorted(f"{uid}-ring-{ring}{i}" for i in range(size)) for ring, size, _ in RINGS
    )
    assert expected == sorted(sorted(r["members"]) for r in found)
