"""Reading distributors: one by id, or many in one batch (for DataLoaders)."""

from __future__ import annotations

from domain.errors import NotFound
from domain.models import Distributor
from graph.db import Database
from graph.tree.records import distributor_from_node, fields

GET_MANY = (
    """
UNWIND $ids AS id
MATCH (d:Distributor {id: id})
OPTIONAL MATCH (s:Distributor)-[:REFERRED]->(d)
RETURN """
    + fields("d")
    + """ AS d, s.id AS sponsorId
"""
)


async def get_many(db: Database, *, ids: list[str]) -> list[Distributor | None]:
    """The distributors with `ids`, in the same order; None where an id is unknown."""
    records = await db.read(GET_MANY, ids=ids)
    found = {
        record["d"]["id"]: distributor_from_node(record["d"], sponsor_id=record["sponsorId"])
        for record in records
    }
    return [found.get(distributor_id) for distributor_id in ids]


async def get(db: Database, *, distributor_id: str) -> Distributor | None:
    return (await get_many(db, ids=[distributor_id]))[0]


async def require(db: Database, *, distributor_id: str) -> Distributor:
    """The distributor with `distributor_id`, or NOT_FOUND."""
    distributor = await get(db, distributor_id=distributor_id)
    if distributor is None:
        raise NotFound("Distributor", distributor_id)
    return distributor


BY_PHONE_HASH = (
    """
MATCH (d:Distributor {phoneHash: $hash})
OPTIONAL MATCH (s:Distributor)-[:REFERRED]->(d)
RETURN """
    + fields("d")
    + """ AS d, s.id AS sponsorId
ORDER BY d.id LIMIT $first
"""
)


async def by_phone_hash(db: Database, *, phone_hash: str, first: int) -> list[Distributor]:
    """Distributors registered with the phone whose keyed hash is `phone_hash`."""
    records = await db.read(BY_PHONE_HASH, hash=phone_hash, first=first)
    return [distributor_from_node(r["d"], sponsor_id=r["sponsorId"]) for r in records]
