"""One fraud ring as a graph, for export (SPEC §13: GraphML for Gephi and yEd, JSON).

The ring's members, the identifiers it shares (kind and HMAC key, never a plain value),
each member's `USES` link to one of those identifiers, and the `REFERRED` edges between
two members. Node ids are `d:<distributor id>` and `i:<identifier key>`, so the two
kinds never collide; both are valid XML name tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graph.db import Database
from graph.values import to_datetime

RING_GRAPH = """
MATCH (r:FraudRing {id: $id})
RETURN r {.id, .score, .reasons, .size, .current, .scanId, .kinds, .commissions, .at} AS ring,
  [(r)-[:INCLUDES]->(d:Distributor) | d {.id, .name, .rank, .status, .joinedAt}] AS members,
  [(r)-[:SHARES]->(i:Identifier) | i {.key, .kind}] AS identifiers,
  [(r)-[:INCLUDES]->(d:Distributor)-[u:USES]->(i:Identifier)<-[:SHARES]-(r)
     | {source: d.id, target: i.key, at: u.at}] AS uses,
  [(r)-[:INCLUDES]->(a:Distributor)-[e:REFERRED]->(b:Distributor)<-[:INCLUDES]-(r)
     | {source: a.id, target: b.id, at: e.at}] AS referrals
"""

Attribute = str | int | float | bool


@dataclass(frozen=True, slots=True)
class ExportNode:
    id: str
    type: str  # "distributor" or "identifier"
    attributes: dict[str, Attribute] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ExportEdge:
    id: str
    type: str  # "USES" or "REFERRED"
    source: str
    target: str
    attributes: dict[str, Attribute] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RingExport:
    ring_id: str
    attributes: dict[str, Attribute]  # score, reasons (joined by "; "), size, …
    nodes: list[ExportNode]
    edges: list[ExportEdge]


def distributor_node_id(distributor_id: str) -> str:
    return "d:" + distributor_id


def identifier_node_id(key: str) -> str:
    return "i:" + key


def _iso(value: Any) -> str:
    return "" if value is None else to_datetime(value).isoformat()


def _export(row: Any) -> RingExport:
    ring = row["ring"]
    reasons = list(ring["reasons"] or [])
    attributes: dict[str, Attribute] = {
        "ringId": ring["id"],
        "score": int(ring["score"] or 0),
        "reasons": "; ".join(reasons),
        "size": int(ring["size"] or 0),
        "current": bool(ring["current"]),
        "scanId": ring["scanId"] or "",
        "kinds": ", ".join(ring["kinds"] or []),
        "commissionsFen": int(ring["commissions"] or 0),
        "scannedAt": _iso(ring["at"]),
    }
    members = sorted(row["members"], key=lambda m: m["id"])
    nodes = [
        ExportNode(
            id=distributor_node_id(m["id"]),
            type="distributor",
            attributes={
                "label": m["id"],
                "distributorId": m["id"],
                "name": m["name"] or "",
                "rank": m["rank"] or "",
                "status": m["status"] or "",
                "joinedAt": _iso(m["joinedAt"]),
            },
        )
        for m in members
    ]
    nodes += [
        ExportNode(
            id=identifier_node_id(i["key"]),
            type="identifier",
            attributes={"label": i["kind"], "kind": i["kind"], "key": i["key"]},
        )
        for i in sorted(row["identifiers"], key=lambda i: i["key"])
    ]
    edges = [
        ExportEdge(
            id=f"uses-{n}",
            type="USES",
            source=distributor_node_id(e["source"]),
            target=identifier_node_id(e["target"]),
            attributes={"at": _iso(e["at"])},
        )
        for n, e in enumerate(sorted(row["uses"], key=lambda e: (e["source"], e["target"])))
    ]
    edges += [
        ExportEdge(
            id=f"referred-{n}",
            type="REFERRED",
            source=distributor_node_id(e["source"]),
            target=distributor_node_id(e["target"]),
            attributes={"at": _iso(e["at"])},
        )
        for n, e in enumerate(sorted(row["referrals"], key=lambda e: (e["source"], e["target"])))
    ]
    return RingExport(ring_id=ring["id"], attributes=attributes, nodes=nodes, edges=edges)


async def ring_graph(db: Database, *, ring_id: str) -> RingExport | None:
    """The ring `ring_id` (current or not) as nodes and edges; None if unknown."""
    found = await db.read(RING_GRAPH, id=ring_id)
    return _export(found[0]) if found else None
