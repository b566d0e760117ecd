"""Bulk loading of a whole network in UNWIND batches (demo data, benchmarks).

The caller computes each row's path, depth and counters (`rules.tree.layout`), so the
load is two plain CREATE passes: nodes (with their ancestors' team roll-ups), then
REFERRED edges. Every sponsor must be in
the same load (or already in the graph with counters that include these rows).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import LiteralString, TypedDict

from neo4j import AsyncManagedTransaction

from domain.tree.paths import Placement
from domain.tree.team_days import joined_days
from graph.db import Database
from graph.tree import team_day_totals
from graph.tree.team_days import add_joined

CREATE_NODES = """
UNWIND $rows AS row
CREATE (:Distributor {
  id: row.id, name: row.name, rank: row.rank, status: 'ACTIVE',
  joinedAt: datetime({epochMillis: row.joinedAtMs}), path: row.path, depth: row.depth,
  down1: row.down1, down2: row.down2, down3: row.down3,
  teamSize: row.down1 + row.down2 + row.down3, qualifiedRecruits: row.qualified,
  a1: row.ancestors[0], a2: row.ancestors[1], a3: row.ancestors[2]
})
"""

CREATE_EDGES = """
UNWIND $rows AS row
MATCH (s:Distributor {id: row.sponsorId})
MATCH (d:Distributor {id: row.id})
CREATE (s)-[:REFERRED {at: datetime({epochMillis: row.joinedAtMs})}]->(d)
"""

MERGE_IDENTIFIERS = """
UNWIND $rows AS row
MERGE (i:Identifier {key: row.key})
  ON CREATE SET i.kind = row.kind, i.firstSeen = $at
"""

# A bulk load is the only writer, so the identifiers it makes shared are marked without
# the lock `graph.fraud.identifiers` takes for it.
CREATE_USES = """
UNWIND $rows AS row
MATCH (d:Distributor {id: row.id})
UNWIND row.keys AS key
MATCH (i:Identifier {key: key})
CREATE (d)-[:USES {at: $at}]->(i)
WITH DISTINCT i WHERE i.shared IS NULL AND COUNT { (i)<-[:USES]-() } >= 2
SET i.shared = true
"""

ANY_WITH_ID = "MATCH (d:Distributor {id: $id}) RETURN count(d) AS n"
# Plans cached while the graph was small can outlive a bulk load (seen here: the upline
# query kept an index scan planned on an empty store); a load ends by dropping them.
CLEAR_PLANS = "CALL db.clearQueryCaches()"


class PlacementRow(TypedDict):
    """One row of a bulk batch: a distributor placed in the tree with its counters."""

    id: str
    name: str
    rank: str
    joinedAtMs: int
    path: str
    depth: int
    down1: int
    down2: int
    down3: int
    qualified: int
    sponsorId: str | None
    ancestors: list[str | None]


class IdentifierRow(TypedDict):
    key: str
    kind: str


class UsesRow(TypedDict):
    """A distributor and the keys of the identifiers it uses."""

    id: str
    keys: list[str]


def _row(p: Placement) -> PlacementRow:
    return {
        "id": p.id,
        "name": p.name,
        "rank": p.rank.value,
        "joinedAtMs": p.joined_at_ms,
        "path": p.path,
        "depth": p.depth,
        "down1": p.counts[0],
        "down2": p.counts[1],
        "down3": p.counts[2],
        "qualified": p.qualified_recruits,
        "sponsorId": p.sponsor_id,
        "ancestors": list(p.ancestors),
    }


def _batches(rows: Sequence[Placement], size: int) -> Iterator[list[PlacementRow]]:
    for start in range(0, len(rows), size):
        yield [_row(p) for p in rows[start : start + size]]


async def exists(db: Database, *, distributor_id: str) -> bool:
    return bool((await db.read(ANY_WITH_ID, id=distributor_id))[0]["n"])


async def load_network(
    db: Database, *, rows: Sequence[Placement], batch_size: int = 10_000
) -> None:
    """Create all nodes, then all edges, one transaction per batch."""
    for batch in _batches(rows, batch_size):
        await _run_batch(db, CREATE_NODES, batch)
    for batch in _batches([p for p in rows if p.sponsor_id is not None], batch_size):
        await _run_batch(db, CREATE_EDGES, batch)
    await db.driver.execute_query(CLEAR_PLANS, database_=db.name)


async def load_identifiers(
    db: Database,
    *,
    rows: Sequence[Mapping[str, str]],
    batch_size: int = 10_000,
    at: datetime | None = None,
) -> None:
    """Link distributors to identifiers: rows of {distributorId, key, kind}, the key as
    `rules.identifiers.identify` makes it. Identifiers are merged by key (one pass over
    the distinct ones), then each distributor's USES edges are created at once. The
    distributors must exist, and must not use these identifiers yet (a repeated row is
    linked once)."""
    stamp = at or datetime.now(UTC)

    async def run(
        statement: LiteralString, batch: Sequence[IdentifierRow] | Sequence[UsesRow]
    ) -> None:
        async def work(tx: AsyncManagedTransaction) -> None:
            await (await tx.run(statement, rows=batch, at=stamp)).consume()

        await db.write(work)

    kinds: dict[str, str] = {}
    keys_of: dict[str, dict[str, None]] = {}
    for row in rows:
        kinds.setdefault(row["key"], row["kind"])
        keys_of.setdefault(row["distributorId"], {})[row["key"]] = None
    identifiers: list[IdentifierRow] = [{"key": k, "kind": kind} for k, kind in kinds.items()]
    for start in range(0, len(identifiers), batch_size):
        await run(MERGE_IDENTIFIERS, identifiers[start : start + batch_size])
    batch: list[UsesRow] = []
    links = 0
    for distributor_id, keys in keys_of.items():
        batch.append({"id": distributor_id, "keys": list(keys)})
        links += len(keys)
        if links >= batch_size:
            await run(CREATE_USES, batch)
            batch, links = [], 0
    if batch:
        await run(CREATE_USES, batch)


async def _run_batch(db: Database, statement: LiteralString, rows: list[PlacementRow]) -> None:
    """One batch in one transaction; a batch of new nodes also counts them in their
    ancestors' team roll-ups."""
    days = (
        joined_days((tuple(r["ancestors"]), r["joinedAtMs"]) for r in rows)
        if statement is CREATE_NODES
        else []
    )

    async def work(tx: AsyncManagedTransaction) -> None:
        await (await tx.run(statement, rows=rows)).consume()
        await add_joined(tx, days=days)

    await db.write(work)


DELETE_BY_PREFIX: tuple[LiteralString, ...] = (
    """
    MATCH (t:TeamDay) WHERE t.ancestorId STARTS WITH $prefix
    CALL (t) { DELETE t } IN TRANSACTIONS OF 10000 ROWS
    """,
    team_day_totals.DELETE_BY_PREFIX,
    """
    MATCH (d:CommissionDay) WHERE d.beneficiaryId STARTS WITH $prefix
    CALL (d) { DELETE d } IN TRANSACTIONS OF 10000 ROWS
    """,
    """
    MATCH (o:Order) WHERE o.buyerId STARTS WITH $prefix
    CALL (o) {
      OPTIONAL MATCH (o)-[:PAYS|REFUNDED_BY]->(x)
      DETACH DELETE x, o
    } IN TRANSACTIONS OF 2000 ROWS
    """,
    """
    MATCH (e:LedgerEntry) WHERE e.distributorId STARTS WITH $prefix
    CALL (e) { DELETE e } IN TRANSACTIONS OF 10000 ROWS
    """,
    """
    MATCH (w:Withdrawal) WHERE w.distributorId STARTS WITH $prefix
    CALL (w) { DETACH DELETE w } IN TRANSACTIONS OF 10000 ROWS
    """,
    """
    MATCH (d:Distributor) WHERE d.id STARTS WITH $prefix
    CALL (d) { DETACH DELETE d } IN TRANSACTIONS OF 10000 ROWS
    """,
)


async def delete_by_prefix(db: Database, *, prefix: str) -> None:
    """Remove a loaded network with its orders, commissions, ledger entries and
    withdrawals (benchmarks clean up after themselves). Commissions go before ledger
    entries, so a settlement running meanwhile cannot leave entries without them."""
    async with db.driver.session(database=db.name) as session:
        for statement in DELETE_BY_PREFIX:
            await (await session.run(statement, prefix=prefix)).consume()
