"""Resolvers for the audit trail: one event per mutation, and the ADMIN's listing."""

from __future__ import annotations

import logging
from typing import Any

from access.redaction import redact
from domain.errors import Unavailable
from domain.models import AuditEvent
from domain.pagination import Connection, PageArgs
from graph import audit
from resolvers.context import Context

log = logging.getLogger("referral.audit")
AUDIT_PAGE = 50  # rows when neither first nor last is given


async def mutation_done(
    ctx: Context, *, operation: str, arguments: dict[str, Any], outcome: str
) -> None:
    """Append the event of one mutation. A failure to write it is logged, not raised:
    the mutation's own outcome stands (docs/security.md)."""
    try:
        await audit.append(
            ctx.db,
            actor=ctx.actor,
            operation=operation,
            arguments=redact(arguments),
            outcome=outcome,
            request_id=ctx.request_id,
        )
    except Unavailable:  # the mutation itself has said UNAVAILABLE (or could not be told)
        log.warning(
            "audit event of %s by %s (request %s) not written: Neo4j is unreachable",
            operation,
            ctx.actor.subject,
            ctx.request_id,
        )
    except Exception:
        log.exception(
            "audit event of %s by %s (request %s) not written",
            operation,
            ctx.actor.subject,
            ctx.request_id,
        )


async def events(ctx: Context, *, page: PageArgs, actor: str | None) -> Connection[AuditEvent]:
    cursors = ctx.cursors(audit.AUDIT_EVENTS.bound(actor=actor))
    window = cursors.window(page, default_size=AUDIT_PAGE)
    return cursors.connection(await audit.page(ctx.db, window=window, actor=actor))
