"""A content digest of the whole database: to prove that a restore gave back what was dumped.

Every node is hashed from its labels and properties, every relationship from its type,
its properties and the content of its two end nodes, never from internal ids, so the
digest depends on the data alone. The hashes are added up (a multiset hash), so the order
in which Neo4j returns the rows does not matter. Both scans stream: memory stays flat
whatever the size of the store.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from neo4j import READ_ACCESS

from graph.db import Database

NODES = "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props"

RELATIONSHIPS = """
MATCH (a)-[r]->(b)
RETURN type(r) AS type, properties(r) AS props,
       labels(a) AS aLabels, properties(a) AS aProps,
       labels(b) AS bLabels, properties(b) AS bProps
"""

MODULUS = 1 << 128


@dataclass(frozen=True)
class StoreDigest:
    nodes: int
    relationships: int
    properties: int
    labels: Mapping[str, int]
    sha256: str

    def describe(self) -> str:
        by_label = ", ".join(f"{label} {n:,}" for label, n in sorted(self.labels.items()))
        return (
            f"{self.nodes:,} nodes ({by_label or 'none'}), {self.relationships:,} "
            f"relationships, {self.properties:,} properties; content sha256 {self.sha256}"
        )


def canonical(value: Any) -> str:
    """A property value as text that differs whenever the value or its type does."""
    if isinstance(value, bool):
        return "b:1" if value else "b:0"
    if isinstance(value, int):
        return f"i:{value}"
    if isinstance(value, float):
        return f"f:{value.hex()}"
    if isinstance(value, str):
        return "s:" + json.dumps(value, ensure_ascii=False)
    if isinstance(value, bytes | bytearray):
        return "x:" + bytes(value).hex()
    if isinstance(value, list | tuple):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    return f"{type(value).__name__}:{value}"  # temporal and spatial values print exactly


def _node_text(labels: Sequence[str], props: Mapping[str, Any]) -> str:
    keyed = ",".join(f"{json.dumps(k)}={canonical(props[k])}" for k in sorted(props))
    return f"({':'.join(sorted(labels))}{{{keyed}}})"


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=16).digest(), "big")


async def digest(db: Database) -> StoreDigest:
    """Counts and a content digest of every node, relationship and property."""
    nodes = relationships = properties = 0
    node_sum = relationship_sum = 0
    labels: dict[str, int] = {}
    async with db.driver.session(database=db.name, default_access_mode=READ_ACCESS) as session:
        result = await session.run(NODES)
        async for r in result:
            nodes += 1
            properties += len(r["props"])
            for label in r["labels"]:
                labels[label] = labels.get(label, 0) + 1
            node_sum = (node_sum + _hash(_node_text(r["labels"], r["props"]))) % MODULUS
        result = await session.run(RELATIONSHIPS)
        async for r in result:
            relationships += 1
            properties += len(r["props"])
            text = (
                _node_text(r["aLabels"], r["aProps"])
                + f"-{_node_text([r['type']], r['props'])}->"
                + _node_text(r["bLabels"], r["bProps"])
            )
            relationship_sum = (relationship_sum + _hash(text)) % MODULUS
    whole = f"{nodes}:{relationships}:{properties}:{node_sum:032x}:{relationship_sum:032x}"
    return StoreDigest(
        nodes=nodes,
        relationships=relationships,
        properties=properties,
        labels=labels,
        sha256=hashlib.sha256(whole.encode()).hexdigest(),
    )
