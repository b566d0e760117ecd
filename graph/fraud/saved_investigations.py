"""Saved investigations (SPEC §13): analysts' queries kept by name, shared by all of them.

`(:Investigation {id, name, cypher, params, sha256, createdBy, createdAt, updatedBy,
updatedAt})`; `name` and `id` are unique. Saving a name that exists replaces its query
and default parameters (the id stays); each save writes an audit event in its own
transaction. Listed by name with a keyset cursor.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from domain.fraud.analyst import canonical_json, query_hash
from domain.models import Actor
from domain.pagination import ListKey, Page, Window
from graph import audit
from graph.db import Database, fetch
from graph.pagination import SortKey, count, fetcher, keyset_queries, paginate
from graph.values import to_datetime

PROJECTION = """i {.id, .name, .cypher, .params, .createdBy, .createdAt, .updatedBy, .updatedAt}"""

SAVE = (
    """
MERGE (i:Investigation {name: $name})
ON CREATE SET i.id = $id, i.createdBy = $actor, i.createdAt = datetime()
ON MATCH SET i.updatedBy = $actor, i.updatedAt = datetime()
SET i.cypher = $cypher, i.params = $params, i.sha256 = $sha256
RETURN """
    + PROJECTION
    + """ AS i, i.id = $id AS created
"""
)

BY_ID = "MATCH (i:Investigation {id: $id}) RETURN " + PROJECTION + " AS i"

# By name (unique), one keyset page at a time.
INVESTIGATIONS = ListKey(kind="investigations", sort="name", shape=(str,))
PAGES = keyset_queries(
    match="MATCH (i:Investigation) WHERE i.name IS NOT NULL",
    variable="i",
    keys=(SortKey("i.name"),),
    projection=PROJECTION,
)

COUNT = "MATCH (i:Investigation) RETURN count(i) AS n"


@dataclass(frozen=True, slots=True)
class Investigation:
    id: str
    name: str
    cypher: str
    params: dict[str, Any]
    created_by: str
    created_at: datetime
    updated_by: str | None
    updated_at: datetime | None


def _from_row(row: Any) -> Investigation:
    return Investigation(
        id=row["id"],
        name=row["name"],
        cypher=row["cypher"],
        params=json.loads(row["params"] or "{}"),
        created_by=row["createdBy"],
        created_at=to_datetime(row["createdAt"]),
        updated_by=row["updatedBy"],
        updated_at=None if row["updatedAt"] is None else to_datetime(row["updatedAt"]),
    )


async def save(
    db: Database, *, name: str, cypher: str, params: dict[str, Any], actor: Actor
) -> Investigation:
    """Create the investigation `name`, or replace its query and parameters."""
    new_id = "inv-" + uuid.uuid4().hex[:16]
    digest = query_hash(cypher)

    async def work(tx: AsyncManagedTransaction) -> Investigation:
        rows = await fetch(
            tx,
            SAVE,
            name=name,
            id=new_id,
            actor=actor.subject,
            cypher=cypher,
            params=canonical_json(params),
            sha256=digest,
        )
        saved = _from_row(rows[0]["i"])
        await audit.record(
            tx,
            actor=actor,
            operation="saveInvestigation",
            arguments={
                "investigationId": saved.id,
                "investigationName": saved.name,
                "created": rows[0]["created"],
                "cypher": cypher,
                "sha256": digest,
                "params": params,
            },
        )
        return saved

    return await db.write(work)


async def get(db: Database, *, investigation_id: str) -> Investigation | None:
    found = await db.read(BY_ID, id=investigation_id)
    return _from_row(found[0]["i"]) if found else None


async def page(db: Database, *, window: Window) -> Page[Investigation]:
    """Investigations by name, one keyset page."""
    return await paginate(window, fetch=fetcher(db, PAGES, _from_row), total=count(db, COUNT))
