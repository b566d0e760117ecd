"""Resolvers for fraud detection: scans, rings, signals, alerts, investigations."""

from __future__ import annotations

from access.roles import View
from domain import inputs
from domain.errors import DepthLimitExceeded
from domain.models import Distributor, FraudAlert, FraudRing, FraudSignal, Status, UplineEntry
from domain.pagination import Connection, PageArgs
from graph.fraud import alerts, investigation, ring_graph
from graph.fraud import scan as fraud_scan
from graph.fraud import signals as fraud_signals
from graph.tree import admin
from resolvers.context import Context

RINGS_PAGE = 20  # rows when neither first nor last is given
ALERTS_PAGE = 20


def _investigation_depth(depth: int) -> int:
    if not 1 <= depth <= investigation.INVESTIGATION_CAP:
        raise DepthLimitExceeded(
            f"investigation depth must be between 1 and {investigation.INVESTIGATION_CAP}, "
            f"got {depth}."
        )
    return depth


async def run_scan(ctx: Context) -> int:
    return await fraud_scan.scan(ctx.db, hot_limit=ctx.policy.hot_identifier_limit, now=ctx.now())


async def rings(
    ctx: Context, *, min_size: int, min_score: int, page: PageArgs
) -> Connection[FraudRing]:
    min_size = max(3, min_size)  # a ring has three members at least; smaller asks mean "all"
    min_score = max(0, min_score)
    cursors = ctx.cursors(fraud_scan.FRAUD_RINGS.bound(min_size=min_size, min_score=min_score))
    window = cursors.window(page, default_size=RINGS_PAGE)
    found = await fraud_scan.rings(ctx.db, min_size=min_size, min_score=min_score, window=window)
    return cursors.connection(found)


async def ring(ctx: Context, *, ring_id: str) -> FraudRing | None:
    return await fraud_scan.ring(ctx.db, ring_id=inputs.check_id(ring_id))


async def ring_links(ctx: Context, *, ring_id: str) -> list[tuple[str, str]]:
    """Which member uses which of the ring's shared identifiers (to draw it)."""
    return await ring_graph.identifier_links(ctx.db, ring_id=ring_id)


async def ring_hot_identifiers(
    ctx: Context, *, ring_id: str, first: int
) -> list[tuple[str, str, int]]:
    """Hot identifiers the ring's members use, which the scan left out."""
    return await ring_graph.hot_identifiers_of(
        ctx.db,
        ring_id=ring_id,
        hot_limit=ctx.policy.hot_identifier_limit,
        first=inputs.check_page_size(first),
    )


async def signals(ctx: Context, *, distributor_id: str) -> list[FraudSignal]:
    return await fraud_signals.signals(
        ctx.db,
        distributor_id=inputs.check_id(distributor_id, field="distributorId"),
        policy=ctx.policy,
        now=ctx.now(),
    )


async def set_ring_status(ctx: Context, *, ring_id: str, status: Status, reason: str) -> list[str]:
    return await admin.set_ring_status(
        ctx.db,
        ring_id=inputs.check_id(ring_id),
        status=status,
        reason=inputs.check_reason(reason),
        actor=ctx.actor,
    )


async def list_alerts(
    ctx: Context, *, acknowledged: bool, page: PageArgs
) -> Connection[FraudAlert]:
    cursors = ctx.cursors(alerts.FRAUD_ALERTS.bound(acknowledged=acknowledged))
    window = cursors.window(page, default_size=ALERTS_PAGE)
    found = await alerts.list_alerts(ctx.db, acknowledged=acknowledged, window=window)
    return cursors.connection(found)


async def acknowledge(ctx: Context, *, alert_id: str) -> FraudAlert:
    return await alerts.acknowledge(ctx.db, alert_id=inputs.check_id(alert_id), actor=ctx.actor)


async def hot_identifiers(ctx: Context, *, first: int) -> list[tuple[str, str, int]]:
    return await fraud_scan.hot_identifiers(
        ctx.db, hot_limit=ctx.policy.hot_identifier_limit, first=inputs.check_page_size(first)
    )


async def chain_above(ctx: Context, *, distributor_id: str, depth: int) -> list[UplineEntry]:
    return await investigation.chain_above(
        ctx.db,
        distributor_id=inputs.check_id(distributor_id, field="distributorId"),
        depth=_investigation_depth(depth),
    )


async def level_sizes(ctx: Context, *, distributor_id: str, depth: int) -> list[int] | None:
    """Sizes by level below the distributor, or None if it does not exist."""
    return await investigation.level_sizes(
        ctx.db,
        distributor_id=inputs.check_id(distributor_id, field="distributorId"),
        depth=_investigation_depth(depth),
    )


async def heaviest(ctx: Context, *, first: int) -> list[Distributor]:
    return await investigation.heaviest(ctx.db, first=inputs.check_page_size(first))


async def refund_rate_90d(ctx: Context, *, of: Distributor, view: View) -> float | None:
    """The refunded share of the orders that credited `of` a commission in 90 days, for
    those who see its private side (itself, staff); None for anyone else."""
    if not view.private:
        return None
    return (await ctx.loaders.refund_rate.load(of.id)).rate
