"""Neo4j values as JSON, for the rows of an analyst query (docs/fraud.md, "The shape of
the rows").

Nodes, relationships and paths become tagged maps (`"_type"`); temporal values ISO-8601
strings; points tagged maps; bytes base64; a float that JSON cannot carry (NaN, ±∞) its
name. Properties are returned exactly as stored: sealed PII stays ciphertext, an
identifier stays its HMAC key.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from typing import Any

from neo4j.graph import Node, Path, Relationship
from neo4j.spatial import Point
from neo4j.time import Date, DateTime, Duration, Time


def node_json(node: Node) -> dict[str, Any]:
    return {
        "_type": "node",
        "elementId": node.element_id,
        "labels": sorted(node.labels),
        "properties": _properties(node),
    }


def relationship_json(rel: Relationship) -> dict[str, Any]:
    return {
        "_type": "relationship",
        "elementId": rel.element_id,
        "type": rel.type,
        "start": None if rel.start_node is None else rel.start_node.element_id,
        "end": None if rel.end_node is None else rel.end_node.element_id,
        "properties": _properties(rel),
    }


def _properties(entity: Node | Relationship) -> dict[str, Any]:
    return {key: to_json(value) for key, value in sorted(entity.items())}


def to_json(value: Any) -> Any:
    """One value of a row, JSON-ready."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Node):
        return node_json(value)
    if isinstance(value, Relationship):
        return relationship_json(value)
    if isinstance(value, Path):
        return {
            "_type": "path",
            "nodes": [node_json(n) for n in value.nodes],
            "relationships": [relationship_json(r) for r in value.relationships],
        }
    if isinstance(value, DateTime | Date | Time | Duration):
        return value.iso_format()
    if isinstance(value, Point):
        return {"_type": "point", "srid": value.srid, "coordinates": [float(c) for c in value]}
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return str(value)
