"""Resolvers of the analyst workbench (SPEC §13): own Cypher, saved investigations.

Every run, whatever its outcome (a refused write, a timeout, a syntax error), writes one
audit event with the query text and its SHA-256; each run counts against the caller's
rate limit first (a refusal there is not audited, as for mutations).
"""

from __future__ import annotations

from typing import Any

from access import audit
from access import scope as access
from domain import inputs
from domain.errors import NotFound, ReferralError
from domain.fraud.analyst import check_cypher, check_limit, check_name, check_params, query_hash
from domain.pagination import Connection, PageArgs
from graph.fraud import analyst
from graph.fraud import saved_investigations as investigations
from graph.fraud.analyst import AnalystResult
from graph.fraud.saved_investigations import Investigation
from resolvers.context import Context

INVESTIGATIONS_PAGE = 20  # rows when neither first nor last is given


async def _run_audited(
    ctx: Context,
    *,
    operation: str,
    cypher: str,
    params: object,
    limit: int,
    saved: Investigation | None = None,
) -> AnalystResult:
    arguments: dict[str, Any] = {
        "cypher": cypher,
        "sha256": query_hash(cypher),
        "params": params,
        "limit": limit,
    }
    if saved is not None:
        arguments["investigationId"] = saved.id
    outcome = "ERROR"
    try:
        merged = {**(saved.params if saved else {}), **check_params(params)}
        arguments["params"] = merged
        result = await analyst.run(
            ctx.db,
            cypher=check_cypher(cypher),
            params=merged,
            limit=check_limit(limit),
            timeout=ctx.policy.analyst_query_timeout,
        )
        arguments.update(rows=len(result.rows), truncated=result.truncated)
        outcome = "OK"
        return result
    except ReferralError as exc:
        outcome = exc.code
        raise
    finally:
        await audit.mutation_done(ctx, operation=operation, arguments=arguments, outcome=outcome)


async def query(ctx: Context, *, cypher: str, params: object, limit: int) -> AnalystResult:
    await access.check_rate(ctx)
    return await _run_audited(
        ctx, operation="analystQuery", cypher=cypher, params=params, limit=limit
    )


async def run_saved(
    ctx: Context, *, investigation_id: str, params: object, limit: int
) -> AnalystResult:
    """A saved investigation with its saved parameters, overridden by `params`."""
    await access.check_rate(ctx)
    saved = await investigations.get(ctx.db, investigation_id=inputs.check_id(investigation_id))
    if saved is None:
        raise NotFound("Investigation", investigation_id)
    return await _run_audited(
        ctx,
        operation="runInvestigation",
        cypher=saved.cypher,
        params=params,
        limit=limit,
        saved=saved,
    )


async def save(ctx: Context, *, name: str, cypher: str, params: object) -> Investigation:
    """Check the query as a run would (compiled, never executed), then save it."""
    checked_name, checked_cypher = check_name(name), check_cypher(cypher)
    checked_params = check_params(params)
    await analyst.check(
        ctx.db,
        cypher=checked_cypher,
        params=checked_params,
        timeout=ctx.policy.analyst_query_timeout,
    )
    return await investigations.save(
        ctx.db, name=checked_name, cypher=checked_cypher, params=checked_params, actor=ctx.actor
    )


async def listing(ctx: Context, *, page: PageArgs) -> Connection[Investigation]:
    cursors = ctx.cursors(investigations.INVESTIGATIONS)
    window = cursors.window(page, default_size=INVESTIGATIONS_PAGE)
    return cursors.connection(await investigations.page(ctx.db, window=window))
