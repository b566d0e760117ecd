"""The Subscription root (SPEC §11), served over `graphql-transport-ws` at /graphql."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import strawberry

from access.permissions import Analysts, OwnerOrAdmin
from domain import events
from resolvers import events as resolve
from resolvers.context import Info
from schema.fraud.types import FraudAlert
from schema.scalars import Money
from schema.tree.types import Distributor

TeamEventKind = strawberry.enum(events.TeamEventKind, name="TeamEventKind")


@strawberry.type(
    description="Something that happened in a team: `distributor` is whom it is about (the "
    "recruit, the buyer, the beneficiary, the promoted one), masked like in queries; "
    "`amount` is the order's (TEAM_ORDER) or the commission's (COMMISSION_CREDITED)."
)
class TeamEvent:
    kind: TeamEventKind  # type: ignore[valid-type]
    at: datetime
    distributor: Distributor
    amount: Money | None

    @classmethod
    def from_delivered(cls, d: resolve.Delivered) -> TeamEvent:
        amount = d.event.amount_fen
        return cls(
            kind=events.TeamEventKind(d.event.kind),
            at=d.event.at,
            distributor=Distributor.from_model(d.distributor, d.view),
            amount=None if amount is None else Money(amount),
        )


@strawberry.type
class Subscription:
    @strawberry.subscription(
        permission_classes=[Analysts],
        description="Every fraud alert raised from now on, by any app process.",
    )
    async def fraud_alerts(self, info: Info) -> AsyncIterator[FraudAlert]:
        stream = await resolve.fraud_alerts(info.context)
        async for alert in stream:
            yield FraudAlert.from_model(alert)

    @strawberry.subscription(
        permission_classes=[OwnerOrAdmin],
        description="Events about the distributor itself and its downline within "
        "team_depth: ADMIN, or a DISTRIBUTOR for itself.",
    )
    async def team_events(
        self, info: Info, distributor_id: strawberry.ID
    ) -> AsyncIterator[TeamEvent]:
        stream = await resolve.team_events(info.context, distributor_id=distributor_id)
        async for delivered in stream:
            yield TeamEvent.from_delivered(delivered)
