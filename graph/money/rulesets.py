"""Commission rule sets: created by an admin, one active at a time, versioned.

`(:RuleSet {version, rules, active, createdAt, activatedAt})`; `rules` is the JSON of
`rules.rulesets.to_json`. Until one is activated the platform defaults (version 0:
15 % / 5 % / 2 %) apply. Every order records the version it was split with.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from domain.errors import NotFound
from domain.models import Actor, StoredRuleSet
from domain.money.commission import DEFAULT_RULES, RuleSet
from domain.money.rulesets import to_json
from graph import audit
from graph.db import Database, fetch
from graph.values import from_epoch_ms

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
PROJECTION = "{.version, .rules, .active, createdAtMs: r.createdAt.epochMillis}"

NEXT_VERSION = "OPTIONAL MATCH (r:RuleSet) RETURN coalesce(max(r.version), 0) + 1 AS version"

CREATE = (
    """
CREATE (r:RuleSet {version: $version, rules: $rules, active: false, createdAt: $now})
RETURN r """
    + PROJECTION
    + " AS r"
)

ACTIVATE = (
    """
MATCH (each:RuleSet)
WITH each ORDER BY each.version
SET each._lock = true REMOVE each._lock
WITH collect(each) AS sets
UNWIND sets AS r
SET r.active = (r.version = $version),
    r.activatedAt = CASE WHEN r.version = $version THEN $now ELSE r.activatedAt END
WITH r WHERE r.version = $version
RETURN r """
    + PROJECTION
    + " AS r"
)

ALL = "MATCH (r:RuleSet) RETURN r " + PROJECTION + " AS r ORDER BY r.version DESC"

EXISTS = "MATCH (r:RuleSet {version: $version}) RETURN r.version AS version"


def _stored(r: Any) -> StoredRuleSet:
    return StoredRuleSet(
        version=r["version"],
        active=r["active"],
        created_at=from_epoch_ms(r["createdAtMs"]),
        rules_json=r["rules"],
    )


async def create(db: Database, *, rules: RuleSet, actor: Actor, now: datetime) -> StoredRuleSet:
    """Store `rules` (already validated) as the next version, inactive."""

    async def work(tx: AsyncManagedTransaction) -> StoredRuleSet:
        version = (await fetch(tx, NEXT_VERSION))[0]["version"]
        created = await fetch(tx, CREATE, version=version, rules=to_json(rules), now=now)
        await audit.record(
            tx, actor=actor, operation="createRuleSet", arguments={"version": version}
        )
        return _stored(created[0]["r"])

    try:
        return await db.write(work)
    except ConstraintError:
        return await db.write(work)  # another admin took the version number first


async def activate(db: Database, *, version: int, actor: Actor, now: datetime) -> StoredRuleSet:
    """Make `version` the only active rule set; orders from now on use it. Version 0
    deactivates them all: the platform defaults apply again."""

    async def work(tx: AsyncManagedTransaction) -> StoredRuleSet:
        if version != 0 and not await fetch(tx, EXISTS, version=version):
            raise NotFound("Rule set", str(version))
        activated = await fetch(tx, ACTIVATE, version=version, now=now)
        await audit.record(
            tx, actor=actor, operation="activateRuleSet", arguments={"version": version}
        )
        if version == 0:
            return StoredRuleSet(
                version=0, active=True, created_at=EPOCH, rules_json=to_json(DEFAULT_RULES)
            )
        return _stored(activated[0]["r"])

    return await db.write(work)


async def list_all(db: Database) -> list[StoredRuleSet]:
    return [_stored(r["r"]) for r in await db.read(ALL)]
