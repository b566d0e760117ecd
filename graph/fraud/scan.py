"""The full fraud-ring scan (SPEC §3.8) and the rings it stored.

Community Neo4j has no Graph Data Science library, so the scan reads every identifier of
a ring kind that two or more (and at most `hot_identifier_limit`) distributors share,
with its users, and groups them in Python (`rules.fraud.connected_groups`, union-find).
Only shared identifiers travel: a device seen once can link nobody. Each ring is then
described (referral edges among its members, commissions they earned), scored, and
stored as `(:FraudRing {id, current: true, …})-[:INCLUDES]->(:Distributor)` and
`-[:SHARES]->(:Identifier)`. A ring's id comes from its members, so the same ring keeps
its id from scan to scan; rings not found again stop being `current`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypedDict

from neo4j import AsyncManagedTransaction

from domain.fraud.identifiers import RING_KINDS
from domain.fraud.rings import RingDraft, connected_groups, ring_score
from domain.models import FraudRing
from domain.pagination import ListKey, Page, Window
from graph.db import Database, fetch
from graph.pagination import SortKey, count, fetcher, keyset_queries, paginate

# `shared` (graph/fraud/identifiers.py) marks every identifier two or more distributors
# use, so only those are read, from the index `identifier_shared`. One row holds them all:
# thousands of rows would cost the driver a round trip per 1,000 and a record each.
SHARED = """
MATCH (i:Identifier)
WHERE i.shared = true AND i.kind IN $kinds
WITH i, COUNT { (i)<-[:USES]-() } AS users
WHERE users >= 2 AND users <= $hot
RETURN collect([i.key, i.kind, [(d)-[:USES]->(i) | d.id]]) AS shared
"""

HOT = """
MATCH (i:Identifier)
WHERE i.kind IN $kinds
WITH i, COUNT { (i)<-[:USES]-() } AS users
WHERE users > $hot
RETURN i.key AS key, i.kind AS kind, users
ORDER BY users DESC, key
LIMIT $limit
"""

# A ring's referral edges are its members whose sponsor (their `a1` stamp, kept by every
# move, as `graph.tree.team` reads it) is a member too: one seek per member, no
# expansion of their relationships. Their commissions are summed from the commission
# index alone (its `amount`), as team metrics read them.
DESCRIBE = """
UNWIND $rings AS ring
CALL (ring) {
  UNWIND ring.members AS member
  MATCH (b:Distributor {id: member})
  WHERE b.a1 IN ring.members
  RETURN collect(b.a1 + '>' + b.id) AS edges
}
CALL (ring) {
  UNWIND ring.members AS member
  OPTIONAL MATCH (c:Commission)
  USING INDEX c:Commission(beneficiaryId, paidAt, status, amount, original)
  WHERE c.beneficiaryId = member AND c.paidAt IS NOT NULL
    AND c.status IS NOT NULL AND c.amount IS NOT NULL AND c.original IS NOT NULL
  RETURN coalesce(sum(c.amount), 0) AS commissions
}
RETURN ring.id AS id, edges, commissions
"""

# A ring found again (its id is its members') keeps its INCLUDES edges; its SHARES edges
# are replaced only when its identifiers changed. Edge counts are compared too, so edges
# lost with a deleted node are made again.
STORE = """
UNWIND $rings AS ring
MERGE (r:FraudRing {id: ring.id})
  ON CREATE SET r.current = false
WITH r, ring,
     COUNT { (r)-[:INCLUDES]->() } <> size(ring.members) AS remember,
     r.keys IS NULL OR r.keys <> ring.keys OR COUNT { (r)-[:SHARES]->() } <> size(ring.keys)
       AS rekey
SET r.scanId = $scanId, r.at = $now, r.score = ring.score,
    r.reasons = ring.reasons, r.size = size(ring.members), r.kinds = ring.kinds,
    r.edges = ring.edges, r.commissions = ring.commissions, r.members = ring.members,
    r.keys = ring.keys
WITH r, ring, remember, rekey
CALL (r, ring, remember) {
  WITH r, ring WHERE remember
  CALL (r) {
    MATCH (r)-[old:INCLUDES]->()
    DELETE old
  }
  UNWIND ring.members AS member
  MATCH (d:Distributor {id: member})
  CREATE (r)-[:INCLUDES]->(d)
}
CALL (r, ring, rekey) {
  WITH r, ring WHERE rekey
  CALL (r) {
    MATCH (r)-[old:SHARES]->()
    DELETE old
  }
  UNWIND ring.keys AS key
  MATCH (i:Identifier {key: key})
  CREATE (r)-[:SHARES]->(i)
}
"""

SWITCH = """
CALL () {
  MATCH (old:FraudRing {current: true}) WHERE old.scanId <> $scanId
  SET old.current = false
}
MATCH (r:FraudRing) WHERE r.scanId = $scanId
SET r.current = true
RETURN count(r) AS rings
"""

PROJECTION = (
    "r {.id, .members, .score, .reasons, .kinds, .edges, .commissions, .current, "
    "identifiers: [(r)-[:SHARES]->(i:Identifier) | [i.key, i.kind]]}"
)

# Rings of the latest scan by score, highest first (ties by id).
FRAUD_RINGS = ListKey(kind="fraudRings", sort="score desc, id", shape=(int, str))
PAGES = keyset_queries(
    match="MATCH (r:FraudRing) "
    "WHERE r.current = true AND r.score >= $minScore AND r.size >= $minSize",
    variable="r",
    keys=(SortKey("r.score", descending=True), SortKey("r.id")),
    projection=PROJECTION,
)

COUNT = """
MATCH (r:FraudRing)
WHERE r.current = true AND r.score >= $minScore AND r.size >= $minSize
RETURN count(r) AS n
"""

BY_ID = "MATCH (r:FraudRing {id: $id}) RETURN " + PROJECTION + " AS r"

BATCH = 1_000


async def scan(db: Database, *, hot_limit: int, now: datetime) -> int:
    """Find, describe, score and store every ring; return how many were found."""
    kinds = sorted(k.value for k in RING_KINDS)
    (found,) = await db.read(SHARED, kinds=kinds, hot=hot_limit)
    drafts = connected_groups((key, kind, members) for key, kind, members in found["shared"])
    scan_id = f"scan-{now:%Y%m%dT%H%M%S.%f}-{uuid.uuid4().hex[:8]}"  # unique per run
    for start in range(0, len(drafts), BATCH):
        rows = await _describe(db, drafts[start : start + BATCH])

        async def store(tx: AsyncManagedTransaction, rows: list[RingRow] = rows) -> None:
            await tx.run(STORE, rings=rows, scanId=scan_id, now=now)

        await db.write(store)

    async def switch(tx: AsyncManagedTransaction) -> int:
        found: int = (await fetch(tx, SWITCH, scanId=scan_id))[0]["rings"]
        return found

    return await db.write(switch)


class RingRow(TypedDict):
    """One row of `STORE`'s `$rings`: a ring found by this scan, described and scored."""

    id: str
    members: list[str]
    keys: list[str]
    kinds: list[str]
    edges: list[str]
    commissions: int
    score: int
    reasons: list[str]


async def _describe(db: Database, drafts: list[RingDraft]) -> list[RingRow]:
    asked = [{"id": d.id, "members": d.members} for d in drafts]
    described = {r["id"]: r for r in await db.read(DESCRIBE, rings=asked)}
    rows: list[RingRow] = []
    for draft in drafts:
        facts = described[draft.id]
        score, reasons = ring_score(
            size=len(draft.members),
            kinds=draft.identifiers.values(),
            referral_edges=len(facts["edges"]),
            commissions_fen=facts["commissions"],
        )
        rows.append(
            {
                "id": draft.id,
                "members": draft.members,
                "keys": sorted(draft.identifiers),
                "kinds": sorted(set(draft.identifiers.values())),
                "edges": sorted(facts["edges"]),
                "commissions": facts["commissions"],
                "score": score,
                "reasons": reasons,
            }
        )
    return rows


def _edge(text: str) -> tuple[str, str]:
    sponsor, _, recruit = text.partition(">")
    return sponsor, recruit


def _ring(r: Any) -> FraudRing:
    return FraudRing(
        id=r["id"],
        member_ids=list(r["members"]),
        score=r["score"],
        reasons=list(r["reasons"]),
        identifier_kinds=list(r["kinds"]),
        referral_edges=[_edge(e) for e in r["edges"]],
        commissions_fen=r["commissions"],
        current=r["current"],
        identifiers=sorted((key, kind) for key, kind in r["identifiers"]),
    )


async def rings(db: Database, *, min_size: int, min_score: int, window: Window) -> Page[FraudRing]:
    """Rings of the latest scan by score, one keyset page."""
    filters = {"minScore": min_score, "minSize": min_size}
    return await paginate(
        window, fetch=fetcher(db, PAGES, _ring, **filters), total=count(db, COUNT, **filters)
    )


async def ring(db: Database, *, ring_id: str) -> FraudRing | None:
    found = await db.read(BY_ID, id=ring_id)
    return _ring(found[0]["r"]) if found else None


async def hot_identifiers(
    db: Database, *, hot_limit: int, first: int
) -> list[tuple[str, str, int]]:
    """Identifiers too widely shared to link a ring: (key, kind, users), most used first."""
    kinds = sorted(k.value for k in RING_KINDS)
    records = await db.read(HOT, kinds=kinds, hot=hot_limit, limit=first)
    return [(r["key"], r["kind"], r["users"]) for r in records]
