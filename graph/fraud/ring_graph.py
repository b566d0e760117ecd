"""What it takes to draw one stored fraud ring: which member uses which shared
identifier, and which identifiers its members use that were too widely shared (hot) to
count as a link, so a picture can leave them out and say so.
"""

from __future__ import annotations

from domain.fraud.identifiers import RING_KINDS
from graph.db import Database

LINKS = """
MATCH (r:FraudRing {id: $id})-[:SHARES]->(i:Identifier)<-[:USES]-(d:Distributor)
WHERE (r)-[:INCLUDES]->(d)
RETURN d.id AS member, i.key AS key
ORDER BY member, key
"""

HOT_OF_RING = """
MATCH (r:FraudRing {id: $id})-[:INCLUDES]->(:Distributor)-[:USES]->(i:Identifier)
WHERE i.kind IN $kinds
WITH DISTINCT i
WITH i, COUNT { (i)<-[:USES]-() } AS users
WHERE users > $hot
RETURN i.key AS key, i.kind AS kind, users
ORDER BY users DESC, key
LIMIT $limit
"""


async def identifier_links(db: Database, *, ring_id: str) -> list[tuple[str, str]]:
    """(member id, identifier key) for every shared identifier a member uses."""
    records = await db.read(LINKS, id=ring_id)
    return [(r["member"], r["key"]) for r in records]


async def hot_identifiers_of(
    db: Database, *, ring_id: str, hot_limit: int, first: int
) -> list[tuple[str, str, int]]:
    """Hot identifiers the ring's members use, left out of the ring: (key, kind, users)."""
    kinds = sorted(k.value for k in RING_KINDS)
    records = await db.read(HOT_OF_RING, id=ring_id, kinds=kinds, hot=hot_limit, limit=first)
    return [(r["key"], r["kind"], r["users"]) for r in records]
