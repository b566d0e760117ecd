"""Resolvers for withdrawals, balances, the ledger and leaderboards."""

from __future__ import annotations

from datetime import datetime

from access import scope as access
from domain import inputs
from domain.models import (
    Balance,
    Distributor,
    LeaderboardEntry,
    LeaderboardMetric,
    LedgerPage,
    Withdrawal,
    WithdrawalStatus,
)
from domain.money.inputs import check_withdrawal
from graph.money import leaderboard, ledger, withdrawals
from resolvers.context import Context


async def request(
    ctx: Context, *, distributor_id: str, amount_fen: int, idempotency_key: str
) -> Withdrawal:
    access.require_self(ctx, distributor_id)
    check_withdrawal(
        amount_fen=amount_fen,
        minimum_fen=ctx.policy.withdraw_min_fen,
        idempotency_key=idempotency_key,
    )
    return await withdrawals.request(
        ctx.db,
        distributor_id=inputs.check_id(distributor_id, field="distributorId"),
        amount_fen=amount_fen,
        idempotency_key=idempotency_key,
        policy=ctx.policy,
        now=ctx.now(),
    )


async def decide(
    ctx: Context, *, withdrawal_id: str, status: WithdrawalStatus, reason: str | None = None
) -> Withdrawal:
    return await withdrawals.decide(
        ctx.db,
        withdrawal_id=inputs.check_id(withdrawal_id),
        status=status,
        reason=None if reason is None else inputs.check_reason(reason),
        actor=ctx.actor,
        now=ctx.now(),
    )


async def withdrawal(ctx: Context, *, withdrawal_id: str) -> Withdrawal | None:
    found = await withdrawals.find(ctx.db, withdrawal_id=inputs.check_id(withdrawal_id))
    if found is not None:
        access.require_self(ctx, found.distributor_id, what=access.WITHDRAWAL)
    return access.require_found(ctx, found, what=access.WITHDRAWAL)


async def of_distributor(ctx: Context, *, of: Distributor, first: int) -> list[Withdrawal]:
    return await withdrawals.of_distributor(
        ctx.db, distributor_id=of.id, first=inputs.check_page_size(first)
    )


async def balance(ctx: Context, *, of: Distributor) -> Balance:
    return await ledger.balance(ctx.db, distributor_id=of.id)


async def ledger_page(
    ctx: Context, *, of: Distributor, first: int, after: str | None
) -> LedgerPage:
    return await ledger.history(
        ctx.db, distributor_id=of.id, first=inputs.check_page_size(first), after=after
    )


async def top(
    ctx: Context,
    *,
    metric: LeaderboardMetric,
    since: datetime | None,
    until: datetime | None,
    first: int,
) -> list[LeaderboardEntry]:
    since, until = inputs.check_window(since, until)
    return await leaderboard.top(
        ctx.db, metric=metric, since=since, until=until, first=inputs.check_page_size(first)
    )


async def rank_of(
    ctx: Context,
    *,
    metric: LeaderboardMetric,
    distributor_id: str,
    since: datetime | None,
    until: datetime | None,
) -> LeaderboardEntry | None:
    since, until = inputs.check_window(since, until)
    checked = inputs.check_id(distributor_id, field="distributorId")
    await access.require_own_team(ctx, checked)
    return await leaderboard.rank_of(
        ctx.db,
        metric=metric,
        distributor_id=checked,
        since=since,
        until=until,
    )
