"""Automatic persisted queries (SPEC §11): query texts by their SHA-256, shared by every
process through Neo4j, one `(:PersistedQuery {hash, query, createdAt})` per hash (unique,
migration 0014). `QueryStore` keeps a per-process LRU in front of it."""

from __future__ import annotations

from collections import OrderedDict

from neo4j import AsyncManagedTransaction

from graph.db import Database

FIND = "MATCH (q:PersistedQuery {hash: $hash}) RETURN q.query AS query"
REGISTER = """
MERGE (q:PersistedQuery {hash: $hash})
ON CREATE SET q.query = $query, q.createdAt = datetime()
"""


class QueryStore:
    """Look-ups hit the LRU first, then Neo4j; registrations write through to both."""

    def __init__(self, db: Database, *, cached: int = 1000) -> None:
        self.db = db
        self.cached = cached
        self._lru: OrderedDict[str, str] = OrderedDict()

    def _remember(self, sha256: str, query: str) -> None:
        self._lru[sha256] = query
        self._lru.move_to_end(sha256)
        while len(self._lru) > self.cached:
            self._lru.popitem(last=False)

    async def find(self, sha256: str) -> str | None:
        if (query := self._lru.get(sha256)) is not None:
            self._lru.move_to_end(sha256)
            return query
        records = await self.db.read(FIND, hash=sha256)
        if not records:
            return None
        found: str = records[0]["query"]
        self._remember(sha256, found)
        return found

    async def register(self, sha256: str, query: str) -> None:
        if sha256 in self._lru:
            return

        async def work(tx: AsyncManagedTransaction) -> None:
            await tx.run(REGISTER, {"hash": sha256, "query": query})

        await self.db.write(work)
        self._remember(sha256, query)
