"""Explicit write locks, taken before reading what a transaction will change.

Neo4j runs at read-committed isolation; taking a node's write lock first (by writing a
throw-away property) makes the reads that follow see the latest committed state and
keeps others from changing it until commit.
"""

from __future__ import annotations

from typing import Any

from neo4j import AsyncManagedTransaction

from graph.db import fetch

LOCK_TREE = "MATCH (l:TreeLock {id: 'referral-tree'}) SET l._lock = true REMOVE l._lock"

LOCK_DISTRIBUTOR = """
MATCH (d:Distributor {id: $id})
SET d._lock = true
REMOVE d._lock
WITH d
OPTIONAL MATCH (s:Distributor)-[:REFERRED]->(d)
RETURN d {.*} AS d, s.id AS sponsorId
"""

# Found by one seek of the invite-code index, then locked: what it returns is read after
# the lock, so a caller compares the code again (a rotation may have committed between).
LOCK_CODE_OWNER = """
MATCH (d:Distributor {inviteCode: $code})
SET d._lock = true
REMOVE d._lock
WITH d
OPTIONAL MATCH (s:Distributor)-[:REFERRED]->(d)
RETURN d {.*} AS d, s.id AS sponsorId
"""

LOCK_DESCENDANTS = """
MATCH (m:Distributor)
WHERE m.path > $lo AND m.path < $hi
SET m._lock = true
REMOVE m._lock
RETURN count(m) AS locked
"""


async def lock_tree(tx: AsyncManagedTransaction) -> None:
    """Serialize structural moves (bind, reassign) across the whole network."""
    await tx.run(LOCK_TREE)


async def lock_distributor(
    tx: AsyncManagedTransaction, *, distributor_id: str
) -> tuple[dict[str, Any], str | None] | None:
    """Lock one distributor; return its properties and sponsor id, or None if unknown."""
    records = await fetch(tx, LOCK_DISTRIBUTOR, id=distributor_id)
    if not records:
        return None
    return dict(records[0]["d"]), records[0]["sponsorId"]


async def lock_code_owner(
    tx: AsyncManagedTransaction, *, code: str
) -> tuple[dict[str, Any], str | None] | None:
    """Lock the distributor that held `code` when the seek ran; its properties as they
    are now (check `inviteCode` again) and its sponsor id, or None if nobody held it."""
    records = await fetch(tx, LOCK_CODE_OWNER, code=code)
    if not records:
        return None
    return dict(records[0]["d"]), records[0]["sponsorId"]


async def lock_descendants(tx: AsyncManagedTransaction, *, lo: str, hi: str) -> int:
    """Lock every descendant in the path range, repeating until no new one appears.

    A registration that locked its sponsor before us commits a child we have not seen;
    the next pass, which waited for that lock, sees and locks it.
    """
    previous = -1
    locked = 0
    while locked != previous:
        previous = locked
        locked = (await fetch(tx, LOCK_DESCENDANTS, lo=lo, hi=hi))[0]["locked"]
    return locked
