"""The GraphQL object types of SPEC §4, each wrapping a `domain.models` record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

import strawberry

from access import scope as access
from access.permissions import NestedLinks, OwnMoney
from access.pii import mask_account, mask_name, mask_phone
from access.roles import View, display_name
from domain import models, pagination
from resolvers.context import Info
from resolvers.fraud import analysis as fraud
from resolvers.money import withdrawals as money
from resolvers.tree import distributors as resolve
from resolvers.tree import invites
from schema.money.ledger import (
    Balance,
    CommissionTotal,
    LedgerConnection,
    LedgerEntry,
    Withdrawal,
    WithdrawalConnection,
)
from schema.pagination import (
    ARGUMENTS,
    Connection,
    Edge,
    connection,
    connection_async,
    page_args,
)
from schema.scalars import Money

DistributorRank = strawberry.enum(models.Rank, name="DistributorRank")
DistributorStatus = strawberry.enum(models.Status, name="DistributorStatus")


@strawberry.type
class LevelCount:
    level: int
    count: int


@strawberry.type(description="Level-1 recruits bound through one channel.")
class ChannelCount:
    channel: str | None = strawberry.field(
        description="As given at binding; null for recruits bound without one."
    )
    count: int


@strawberry.type
class TeamMetrics:
    root: strawberry.Private[models.Distributor]
    since: strawberry.Private[datetime | None]
    until: strawberry.Private[datetime | None]
    level_counts: list[LevelCount]
    team_size: int
    new_members: int
    active_members: int
    team_sales: Money
    own_sales: Money
    commissions: list[CommissionTotal] = strawberry.field(
        description="The distributor's own commissions on orders paid in the window, by status."
    )

    @strawberry.field(description="Level-1 recruits bound in the window, by channel, most first.")
    async def by_channel(self, info: Info) -> list[ChannelCount]:
        counts = await resolve.by_channel(
            info.context, of=self.root, since=self.since, until=self.until
        )
        return [ChannelCount(channel=c.channel, count=c.count) for c in counts]

    @classmethod
    def from_model(
        cls,
        m: models.TeamMetrics,
        *,
        root: models.Distributor,
        since: datetime | None,
        until: datetime | None,
    ) -> TeamMetrics:
        return cls(
            root=root,
            since=since,
            until=until,
            level_counts=[LevelCount(level=i + 1, count=c) for i, c in enumerate(m.level_counts)],
            team_size=m.team_size,
            new_members=m.new_members,
            active_members=m.active_members,
            team_sales=Money(m.team_sales_fen),
            own_sales=Money(m.own_sales_fen),
            commissions=[
                CommissionTotal(status=c.status, amount=Money(c.amount_fen)) for c in m.commissions
            ],
        )


@strawberry.type(description="Names and PII come masked to a DISTRIBUTOR for anyone else.")
class Distributor:
    model: strawberry.Private[models.Distributor]
    view: strawberry.Private[View]
    id: strawberry.ID
    rank: DistributorRank  # type: ignore[valid-type]
    status: DistributorStatus  # type: ignore[valid-type]
    joined_at: datetime

    @classmethod
    def from_model(cls, m: models.Distributor, view: View) -> Distributor:
        return cls(
            model=m,
            view=view,
            id=strawberry.ID(m.id),
            rank=m.rank,
            status=m.status,
            joined_at=m.joined_at,
        )

    @strawberry.field
    def name(self) -> str:
        return display_name(self.model.name, self.view)

    @strawberry.field(description="Stored encrypted; masked like 138****1234.")
    def phone(self, info: Info) -> str | None:
        return self._reveal(info, self.model.phone, "phone", mask_phone)

    @strawberry.field(description="The legal name, when given; stored encrypted.")
    def real_name(self, info: Info) -> str | None:
        return self._reveal(info, self.model.real_name, "realName", mask_name)

    @strawberry.field(description="For payouts, when given; stored encrypted.")
    def payment_account(self, info: Info) -> str | None:
        return self._reveal(info, self.model.payment_account, "paymentAccount", mask_account)

    def _reveal(
        self, info: Info, sealed: str | None, field: str, mask: Callable[[str], str]
    ) -> str | None:
        return access.reveal(
            info.context, sealed=sealed, owner=self.model, field=field, seen=self.view, mask=mask
        )

    @strawberry.field(
        description="8 characters of Crockford base32, issued once it may recruit; "
        "its own and staff's only (null for others)."
    )
    async def invite_code(self, info: Info) -> str | None:
        return await invites.invite_code(info.context, of=self.model, view=self.view)

    @strawberry.field(description="REFERRAL_SHARE_BASE_URL?invite=CODE; like inviteCode.")
    async def share_link(self, info: Info) -> str | None:
        return await invites.link(info.context, of=self.model, view=self.view)

    @strawberry.field(
        description="Refunded share (by amount) of the orders that credited it a "
        "commission in the last 90 days, 0-1; its own and staff's only (null for others)."
    )
    async def refund_rate_90d(self, info: Info) -> float | None:
        return await fraud.refund_rate_90d(info.context, of=self.model, view=self.view)

    @strawberry.field(permission_classes=[NestedLinks])
    async def sponsor(self, info: Info) -> Distributor | None:
        found = await resolve.sponsor(info.context, of=self.model)
        return None if found is None else await present(info, found)

    @strawberry.field(description="Nearest first; level 1 is the sponsor.")
    async def upline(self, info: Info, depth: int | None = None) -> list[UplineEntry]:
        entries = await resolve.upline(info.context, of=self.model, view=self.view, depth=depth)
        return [
            UplineEntry(level=e.level, distributor=await present(info, e.distributor))
            for e in entries
        ]

    @strawberry.field(
        description="By level, then by branch. " + ARGUMENTS + " Without either, first 50."
    )
    async def downline(
        self,
        info: Info,
        depth: int | None = None,
        level: int | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> DownlineConnection:
        found = await resolve.downline(
            info.context,
            of=self.model,
            view=self.view,
            depth=depth,
            level=level,
            page=page_args(first, after, last, before),
        )

        async def edge(
            issued: pagination.Edge[models.DownlineMember], m: models.DownlineMember
        ) -> DownlineEdge:
            return DownlineEdge(
                issued=issued, level=m.level, node=await present(info, m.distributor)
            )

        return await connection_async(DownlineConnection, found, edge)

    @strawberry.field
    async def team_metrics(
        self,
        info: Info,
        since: datetime | None = None,
        until: datetime | None = None,
        depth: int | None = None,
    ) -> TeamMetrics:
        metrics = await resolve.team_metrics(
            info.context, of=self.model, view=self.view, since=since, until=until, depth=depth
        )
        return TeamMetrics.from_model(metrics, root=self.model, since=since, until=until)

    @strawberry.field(permission_classes=[OwnMoney])
    async def balance(self, info: Info) -> Balance:
        return Balance.from_model(await money.balance(info.context, of=self.model))

    @strawberry.field(
        description="Ledger entries, newest first. " + ARGUMENTS + " Without either, first 50.",
        permission_classes=[OwnMoney],
    )
    async def ledger(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> LedgerConnection:
        found = await money.ledger_page(
            info.context, of=self.model, page=page_args(first, after, last, before)
        )
        return connection(
            LedgerConnection,
            found,
            lambda issued, e: Edge(issued=issued, node=LedgerEntry.from_model(e)),
        )

    @strawberry.field(
        description="Withdrawals, newest first. " + ARGUMENTS + " Without either, first 20.",
        permission_classes=[OwnMoney],
    )
    async def withdrawals(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> WithdrawalConnection:
        found = await money.of_distributor(
            info.context, of=self.model, page=page_args(first, after, last, before)
        )
        return connection(
            WithdrawalConnection,
            found,
            lambda issued, w: Edge(issued=issued, node=Withdrawal.from_model(w)),
        )


async def present(info: Info, m: models.Distributor) -> Distributor:
    """`m` as the caller may see it; FORBIDDEN, naming no one, outside a DISTRIBUTOR's
    scope. Every `Distributor` of an answer is made here (SPEC §3.9)."""
    return Distributor.from_model(m, await access.view(info.context, m))


async def present_visible(info: Info, m: models.Distributor) -> Distributor | None:
    """`m` as the caller may see it, or None outside a DISTRIBUTOR's scope."""
    seen = await access.visible(info.context, m)
    return None if seen is None else Distributor.from_model(m, seen)


@strawberry.type
class UplineEntry:
    level: int
    distributor: Annotated[Distributor, strawberry.lazy("schema.tree.types")]


@strawberry.type
class DownlineEdge(Edge[Distributor]):
    level: int = strawberry.field(description="How many levels below the distributor.")


@strawberry.type(description="A distributor's downline within depth (Relay connection).")
class DownlineConnection(Connection[DownlineEdge]):
    pass
