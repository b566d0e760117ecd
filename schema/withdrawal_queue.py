"""The admins' withdrawal queue as a root field: a keyset connection with totals."""

from __future__ import annotations

import strawberry

from graph.models import WithdrawalStatus as Status
from resolvers import withdrawal_queue as resolve
from schema.ledger_types import Withdrawal, WithdrawalStatus
from schema.permissions import AdminOnly
from schema.scalars import Money
from schema.types import Info, PageInfo


@strawberry.type
class WithdrawalQueueEdge:
    cursor: str
    node: Withdrawal


@strawberry.type(description="Withdrawals in the asked states, oldest first, with totals.")
class WithdrawalQueue:
    total_count: int
    total_amount: Money = strawberry.field(description="The sum of every listed amount.")
    total_net: Money = strawberry.field(description="What paying all of them sends out.")
    edges: list[WithdrawalQueueEdge]
    page_info: PageInfo


@strawberry.type
class WithdrawalQueueQuery:
    @strawberry.field(
        permission_classes=[AdminOnly],
        description="Admin: every distributor's withdrawals in `status` (default REQUESTED "
        "and APPROVED), oldest first, one distributor's if `distributorId`; keyset-paginated.",
    )
    async def withdrawal_queue(
        self,
        info: Info,
        status: list[WithdrawalStatus] | None = None,  # type: ignore[valid-type]
        distributor_id: strawberry.ID | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> WithdrawalQueue:
        found = await resolve.queue(
            info.context,
            statuses=None if status is None else [Status(s) for s in status],
            distributor_id=distributor_id,
            first=50 if first is None else first,
            after=after,
        )
        return WithdrawalQueue(
            total_count=found.total_count,
            total_amount=Money(found.total_amount_fen),
            total_net=Money(found.total_net_fen),
            edges=[
                WithdrawalQueueEdge(cursor=c, node=Withdrawal.from_model(w)) for c, w in found.page
            ],
            page_info=PageInfo(has_next_page=found.has_next_page, end_cursor=found.end_cursor),
        )
