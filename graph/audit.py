"""Audit events: who did what, as whom, with which outcome, and when (SPEC §3.9).

Domain operations write theirs inside the transaction of the change (`record`); the
GraphQL edge appends one for every mutation, whatever its outcome (`append`). ADMINs
list them newest first with a keyset cursor (`page`).
"""

from __future__ import annotations

import json
from typing import Any, LiteralString

from neo4j import AsyncManagedTransaction

from domain.models import Actor, AuditEvent, AuditPage
from domain.pagination import decode_keyset, encode_keyset
from graph.db import Database
from graph.values import to_datetime

WRITE_EVENT = """
CREATE (:AuditEvent {
  id: randomUUID(), at: datetime(), actor: $actor, role: $role, operation: $operation,
  arguments: $arguments, outcome: $outcome, requestId: $requestId
})
"""


def _page_query(where: LiteralString) -> LiteralString:
    """Events matching `where`, newest first (ties by id), after an optional cursor."""
    return (
        """
WITH CASE WHEN $after THEN datetime({epochSeconds: $seconds, nanosecond: $nanos}) END AS at
MATCH (e:AuditEvent) WHERE """
        + where
        + """ AND e.at IS NOT NULL
  AND (at IS NULL OR e.at < at OR (e.at = at AND e.id < $afterId))
WITH e ORDER BY e.at DESC, e.id DESC LIMIT $limit
RETURN e {.id, .actor, .role, .operation, .arguments, .outcome, .requestId, .at,
          seconds: e.at.epochSeconds, nanos: e.at.nanosecond} AS e
"""
    )


PAGE_ALL = _page_query("true")
PAGE_OF_ACTOR = _page_query("e.actor = $actor")


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


async def page(db: Database, *, first: int, after: str | None, actor: str | None) -> AuditPage:
    """Events newest first (ties by id), `first` of them after the cursor `after`."""
    nanos_total, after_id = decode_keyset(after) if after is not None else (0, "")
    records = await db.read(
        PAGE_ALL if actor is None else PAGE_OF_ACTOR,
        after=after is not None,
        seconds=nanos_total // 1_000_000_000,
        nanos=nanos_total % 1_000_000_000,
        afterId=after_id,
        actor=actor,
        limit=first + 1,
    )
    rows = [r["e"] for r in records]
    cursor = None
    if len(rows) > first:
        last = rows[first - 1]
        cursor = encode_keyset(last["seconds"] * 1_000_000_000 + last["nanos"], last["id"])
    events = [audit_event_from_row(row) for row in rows[:first]]
    return AuditPage(events=events, has_next_page=cursor is not None, end_cursor=cursor)


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
