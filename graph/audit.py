"""Audit events: who did what, as whom, with which outcome, and when (SPEC §3.9).

Domain operations write theirs inside the transaction of the change (`record`); the
GraphQL edge appends one for every mutation, whatever its outcome (`append`). ADMINs
list them newest first, one keyset page at a time (`page`).
"""

from __future__ import annotations

import json
from typing import Any

from neo4j import AsyncManagedTransaction

from domain.models import Actor, AuditEvent
from domain.pagination import ListKey, Page, Window
from graph.db import Database
from graph.pagination import SortKey, count, fetcher, keyset_queries, paginate, time_key
from graph.values import to_datetime

WRITE_EVENT = """
CREATE (:AuditEvent {
  id: randomUUID(), at: datetime(), actor: $actor, role: $role, operation: $operation,
  arguments: $arguments, outcome: $outcome, requestId: $requestId
})
"""


# Events newest first (ties by id). Times come from the database's clock, in UTC, so
# the order the `at` indexes keep is the order of the instants.
AUDIT_EVENTS = ListKey(kind="auditEvents", sort="at desc, id desc", shape=(int, str))
AUDIT_KEYS = (time_key("e.at", descending=True), SortKey("e.id", descending=True))
PROJECTION = "e {.id, .actor, .role, .operation, .arguments, .outcome, .requestId, .at}"
PAGES_ALL = keyset_queries(
    match="MATCH (e:AuditEvent) WHERE e.at IS NOT NULL",
    variable="e",
    keys=AUDIT_KEYS,
    projection=PROJECTION,
)
PAGES_OF_ACTOR = keyset_queries(
    match="MATCH (e:AuditEvent) WHERE e.actor = $actor AND e.at IS NOT NULL",
    variable="e",
    keys=AUDIT_KEYS,
    projection=PROJECTION,
)
COUNT_ALL = "MATCH (e:AuditEvent) RETURN count(e) AS n"
COUNT_OF_ACTOR = """
MATCH (e:AuditEvent) WHERE e.actor = $actor AND e.at IS NOT NULL
RETURN count(e) AS n
"""


def _json(arguments: dict[str, Any]) -> str:
    return json.dumps(arguments, sort_keys=True, default=str, ensure_ascii=False)


async def record(
    tx: AsyncManagedTransaction,
    *,
    actor: Actor,
    operation: str,
    arguments: dict[str, Any],
    outcome: str = "OK",
    request_id: str | None = None,
) -> None:
    """Append one event; `arguments` must already be free of secrets and PII."""
    await tx.run(
        WRITE_EVENT,
        actor=actor.subject,
        role=actor.role,
        operation=operation,
        arguments=_json(arguments),
        outcome=outcome,
        requestId=request_id,
    )


async def append(
    db: Database,
    *,
    actor: Actor,
    operation: str,
    arguments: dict[str, Any],
    outcome: str,
    request_id: str,
) -> None:
    """`record` in a transaction of its own (the GraphQL edge, after the outcome)."""

    async def work(tx: AsyncManagedTransaction) -> None:
        await record(
            tx,
            actor=actor,
            operation=operation,
            arguments=arguments,
            outcome=outcome,
            request_id=request_id,
        )

    await db.write(work)


async def page(db: Database, *, window: Window, actor: str | None) -> Page[AuditEvent]:
    """Events newest first (ties by id), all of them or one actor's, one keyset page."""
    if actor is None:
        fetch = fetcher(db, PAGES_ALL, audit_event_from_row)
        return await paginate(window, fetch=fetch, total=count(db, COUNT_ALL))
    fetch = fetcher(db, PAGES_OF_ACTOR, audit_event_from_row, actor=actor)
    return await paginate(window, fetch=fetch, total=count(db, COUNT_OF_ACTOR, actor=actor))


def audit_event_from_row(row: Any) -> AuditEvent:
    return AuditEvent(
        id=row["id"],
        at=to_datetime(row["at"]),
        actor=row["actor"],
        role=row["role"],
        operation=row["operation"],
        arguments=row["arguments"],
        outcome=row["outcome"],
        request_id=row["requestId"],
    )
