"""Resolvers for the audit trail: one event per mutation, and the ADMIN's listing."""

from __future__ import annotations

import logging
from typing import Any

from access.redaction import redact
from domain import inputs
from domain.models import AuditPage
from graph import audit
from resolvers.context import Context

log = logging.getLogger("referral.audit")


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
    except Exception:
        log.exception(
            "audit event of %s by %s (request %s) not written",
            operation,
            ctx.actor.subject,
            ctx.request_id,
        )


async def events(ctx: Context, *, first: int, after: str | None, actor: str | None) -> AuditPage:
    return await audit.page(ctx.db, first=inputs.check_page_size(first), after=after, actor=actor)
