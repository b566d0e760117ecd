"""Resolvers for the admins' withdrawal queue (every distributor's open withdrawals)."""

from __future__ import annotations

from collections.abc import Collection

from graph import withdrawal_queue
from graph.models import WithdrawalStatus
from graph.rules import inputs
from resolvers.context import Context

OPEN = (WithdrawalStatus.REQUESTED, WithdrawalStatus.APPROVED)


async def queue(
    ctx: Context,
    *,
    statuses: Collection[WithdrawalStatus] | None,
    distributor_id: str | None,
    first: int,
    after: str | None,
) -> withdrawal_queue.QueuePage:
    return await withdrawal_queue.page(
        ctx.db,
        statuses=statuses or OPEN,
        distributor_id=None
        if distributor_id is None
        else inputs.check_id(distributor_id, field="distributorId"),
        first=inputs.check_page_size(first),
        after=after,
    )
