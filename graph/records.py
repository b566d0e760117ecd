"""Parsing of Neo4j values into the typed records of `graph.models`, in one place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from neo4j.time import DateTime as Neo4jDateTime

from graph.models import Distributor, Rank, Status


def to_datetime(value: Any) -> datetime:
    if isinstance(value, Neo4jDateTime):
        native: datetime = value.to_native()
        return native
    if isinstance(value, datetime):
        return value
    raise TypeError(f"expected a DateTime, got {type(value).__name__}")


def distributor_from_node(node: Any, *, sponsor_id: str | None) -> Distributor:
    """A `Distributor` from a node (or a map of its properties) and its sponsor's id."""
    return Distributor(
        id=node["id"],
        name=node["name"],
        phone=node.get("phone"),
        rank=Rank(node["rank"]),
        status=Status(node["status"]),
        joined_at=to_datetime(node["joinedAt"]),
        sponsor_id=sponsor_id,
        path=node["path"],
        depth=node["depth"],
        level_counts=(node["down1"], node["down2"], node["down3"]),
    )
