"""Resolvers for withdrawals, balances, the ledger and leaderboards."""

from __future__ import annotations

from datetime import datetime

from access import scope as access
from domain import inputs
from domain.errors import BadUserInput
from domain.models import (
    Balance,
    Distributor,
    LeaderboardEntry,
    LeaderboardMetric,
    LedgerEntry,
    Withdrawal,
    WithdrawalStatus,
)
from domain.money.inputs import check_withdrawal
from domain.money.withdrawals import PAY_BATCH_MAX
from domain.pagination import Connection, PageArgs
from graph.fraud import signals
from graph.money import leaderboard, ledger, withdrawals
from resolvers.context import Context

LEDGER_PAGE = 50  # rows when neither first nor last is given
WITHDRAWALS_PAGE = 20


async def request(
    ctx: Context, *, distributor_id: str, amount_fen: int, idempotency_key: str
) -> Withdrawal:
    access.require_self(ctx, distributor_id)
    check_withdrawal(
        amount_fen=amount_fen,
        minimum_fen=ctx.policy.withdraw_min_fen,
        idempotency_key=idempotency_key,
    )
    checked = inputs.check_id(distributor_id, field="distributorId")
    limit = ctx.policy.withdraw_auto_approve_limit_fen
    top_score: int | None = None
    if 0 < amount_fen <= limit:  # only then are the signals worth computing
        fired = await signals.signals(
            ctx.db, distributor_id=checked, policy=ctx.policy, now=ctx.now()
        )
        top_score = max((s.score for s in fired), default=0)
    return await withdrawals.request(
        ctx.db,
        distributor_id=checked,
        amount_fen=amount_fen,
        idempotency_key=idempotency_key,
        policy=ctx.policy,
        now=ctx.now(),
        actor=ctx.actor,
        top_signal_score=top_score,
    )


async def mark_paid(ctx: Context, *, withdrawal_ids: list[str]) -> int:
    """`markWithdrawalsPaid`: 1-500 ids; the number paid now (graph.money.withdrawals)."""
    if not 1 <= len(withdrawal_ids) <= PAY_BATCH_MAX:
        raise BadUserInput(f"markWithdrawalsPaid takes 1 to {PAY_BATCH_MAX} ids.")
    return await withdrawals.pay_approved(
        ctx.db,
        withdrawal_ids=[inputs.check_id(i) for i in withdrawal_ids],
        actor=ctx.actor,
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


async def of_distributor(
    ctx: Context, *, of: Distributor, page: PageArgs
) -> Connection[Withdrawal]:
    cursors = ctx.cursors(withdrawals.WITHDRAWALS.bound(distributor=of.id))
    window = cursors.window(page, default_size=WITHDRAWALS_PAGE)
    found = await withdrawals.of_distributor(ctx.db, distributor_id=of.id, window=window)
    return cursors.connection(found)


async def balance(ctx: Context, *, of: Distributor) -> Balance:
    return await ledger.balance(ctx.db, distributor_id=of.id)


async def ledger_page(ctx: Context, *, of: Distributor, page: PageArgs) -> Connection[LedgerEntry]:
    cursors = ctx.cursors(ledger.LEDGER.bound(distributor=of.id))
    window = cursors.window(page, default_size=LEDGER_PAGE)
    return cursors.connection(await ledger.history(ctx.db, distributor_id=of.id, window=window))


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
