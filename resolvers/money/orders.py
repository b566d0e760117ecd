"""Resolvers for orders, refunds, settlement and commission rule sets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from access import scope as access
from domain import inputs
from domain.fraud.identifiers import IdentifierKind, identify_all
from domain.models import Order, OrderItem, StoredRuleSet
from domain.money.inputs import (
    check_batch_size,
    check_not_future,
    check_order,
    check_positive,
)
from domain.money.rulesets import build_rule_set
from graph.money import orders, refunds, rulesets, settlement
from resolvers.context import Context


@dataclass(frozen=True)
class OrderRequest:
    """An order as the API received it, before validation."""

    id: str
    buyer_id: str
    amount_fen: int
    paid_at: datetime
    items: Sequence[OrderItem] | None
    identifiers: dict[IdentifierKind, str | None] | None = None


async def record(ctx: Context, *, requests: Sequence[OrderRequest]) -> list[Order]:
    check_batch_size(len(requests))
    now = ctx.now()
    secret = ctx.policy.identifier_secret
    checked = [
        replace(
            check_order(
                order_id=r.id,
                buyer_id=r.buyer_id,
                amount_fen=r.amount_fen,
                paid_at=r.paid_at,
                items=r.items,
                now=now,
            ),
            identifiers=tuple(i.key for i in identify_all(r.identifiers or {}, secret=secret)),
        )
        for r in requests
    ]
    if len(checked) == 1 and ctx.order_groups is not None:
        return [await ctx.order_groups.record(checked[0], policy=ctx.policy, now=now)]
    return await orders.record(ctx.db, orders=checked, policy=ctx.policy, now=now)


async def order(ctx: Context, *, order_id: str) -> Order | None:
    """A DISTRIBUTOR sees the orders of itself and its downline; any other id, known or
    not, is the same FORBIDDEN."""
    found = await orders.get_many(ctx.db, ids=[inputs.check_id(order_id)])
    if not found:
        return access.require_found(ctx, None, what=access.ORDER)
    await access.require_own_team(ctx, found[0].buyer_id, what=access.ORDER)
    return found[0]


async def refund(ctx: Context, *, order_id: str, refund_id: str, amount_fen: int) -> Order:
    return await refunds.refund(
        ctx.db,
        order_id=inputs.check_id(order_id, field="orderId"),
        refund_id=inputs.check_id(refund_id, field="refundId"),
        amount_fen=check_positive(amount_fen, field="amount"),
        now=ctx.now(),
    )


async def settle(ctx: Context, *, as_of: datetime) -> int:
    now = ctx.now()
    return await settlement.settle(ctx.db, as_of=check_not_future(as_of, now=now), now=now)


async def create_rule_set(
    ctx: Context,
    *,
    level_rates: Sequence[str],
    brand_rates: dict[str, Sequence[str]],
    product_rates: dict[str, Sequence[str]],
    tiers: Sequence[tuple[int, str]],
) -> StoredRuleSet:
    for key in [*brand_rates, *product_rates]:
        inputs.check_id(key, field="key")
    rules = build_rule_set(
        version=0,
        level_rates=level_rates,
        brand_rates=brand_rates,
        product_rates=product_rates,
        tiers=tiers,
    )
    return await rulesets.create(ctx.db, rules=rules, actor=ctx.actor, now=ctx.now())


async def activate_rule_set(ctx: Context, *, version: int) -> StoredRuleSet:
    return await rulesets.activate(ctx.db, version=version, actor=ctx.actor, now=ctx.now())


async def rule_sets(ctx: Context) -> list[StoredRuleSet]:
    return await rulesets.list_all(ctx.db)
