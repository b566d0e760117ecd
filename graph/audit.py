"""Audit events, written inside the transaction of the change they describe."""

from __future__ import annotations

import json
from typing import Any

from neo4j import AsyncManagedTransaction

from graph.models import Actor

WRITE_EVENT = """
CREATE (:AuditEvent {
  id: randomUUID(), at: datetime(), actor: $actor, role: $role,
  operation: $operation, arguments: $arguments, outcome: $outcome
})
"""


async def record(
    tx: AsyncManagedTransaction,
    *,
    actor: Actor,
    operation: str,
    arguments: dict[str, Any],
    outcome: str = "OK",
) -> None:
    """Append one event; `arguments` must already be free of secrets and PII."""
    await tx.run(
        WRITE_EVENT,
        actor=actor.subject,
        role=actor.role,
        operation=operation,
        arguments=json.dumps(arguments, sort_keys=True, default=str),
        outcome=outcome,
    )
