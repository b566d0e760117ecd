"""The admins' withdrawal queue as a root field: a Relay connection with totals."""

from __future__ import annotations

import strawberry

from access.permissions import AdminOnly
from domain.models import WithdrawalStatus as Status
from resolvers.context import Info
from resolvers.money import withdrawal_queue as resolve
from schema.money.ledger import Withdrawal, WithdrawalStatus
from schema.pagination import ARGUMENTS, Connection, Edge, PageInfo, page_args
from schema.scalars import Money


@strawberry.type(description="Withdrawals in the asked states, oldest first, with totals.")
class WithdrawalQueue(Connection[Edge[Withdrawal]]):
    total_amount: Money = strawberry.field(description="The sum of every listed amount.")
    total_net: Money = strawberry.field(description="What paying all of them sends out.")


@strawberry.type
class WithdrawalQueueQuery:
    @strawberry.field(
        permission_classes=[AdminOnly],
        description="Admin: every distributor's withdrawals in `status` (default REQUESTED "
        "and APPROVED), oldest first, one distributor's if `distributorId`. "
        + ARGUMENTS
        + " Without either, first 50.",
    )
    async def withdrawal_queue(
        self,
        info: Info,
        status: list[WithdrawalStatus] | None = None,  # type: ignore[valid-type]
        distributor_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> WithdrawalQueue:
        totals, found = await resolve.queue(
            info.context,
            statuses=None if status is None else [Status(s) for s in status],
            distributor_id=distributor_id,
            page=page_args(first, after, last, before),
        )
        return WithdrawalQueue(
            total_count=found.total_count,
            total_amount=Money(totals.amount_fen),
            total_net=Money(totals.net_fen),
            edges=[Edge(issued=e, node=Withdrawal.from_model(e.node)) for e in found.edges],
            page_info=PageInfo.of(found),
        )
