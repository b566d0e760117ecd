"""Resolvers for the admins' withdrawal queue (every distributor's open withdrawals)."""

from __future__ import annotations

from collections.abc import Collection

from domain import inputs
from domain.models import Withdrawal, WithdrawalStatus
from domain.pagination import Connection, PageArgs
from graph.money import withdrawal_queue
from resolvers.context import Context

OPEN = (WithdrawalStatus.REQUESTED, WithdrawalStatus.APPROVED)
QUEUE_PAGE = 50


async def queue(
    ctx: Context,
    *,
    statuses: Collection[WithdrawalStatus] | None,
    distributor_id: str | None,
    page: PageArgs,
) -> tuple[withdrawal_queue.QueueTotals, Connection[Withdrawal]]:
    """The queue's totals and one page of it."""
    chosen = sorted(set(statuses or OPEN), key=lambda s: s.value)
    checked = (
        None if distributor_id is None else inputs.check_id(distributor_id, field="distributorId")
    )
    cursors = ctx.cursors(
        withdrawal_queue.WITHDRAWAL_QUEUE.bound(
            statuses=",".join(s.value for s in chosen), distributor=checked or ""
        )
    )
    window = cursors.window(page, default_size=QUEUE_PAGE)
    totals = await withdrawal_queue.totals(ctx.db, statuses=chosen, distributor_id=checked)
    found = await withdrawal_queue.page(
        ctx.db, statuses=chosen, distributor_id=checked, window=window, total=totals.count
    )
    return totals, cursors.connection(found)
