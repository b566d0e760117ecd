"""Root fields for anti-fraud analysts: scans, rings, signals, alerts, investigations."""

from __future__ import annotations

import strawberry

from access.permissions import Analysts, guarded
from domain.models import Status
from resolvers.context import Info
from resolvers.fraud import analysis as resolve
from resolvers.tree import distributors as read
from schema.fraud.types import (
    FraudAlert,
    FraudAlertConnection,
    FraudRing,
    FraudRingConnection,
    FraudSignal,
    HotIdentifier,
)
from schema.pagination import ARGUMENTS, Edge, connection, page_args
from schema.tree.types import Distributor, LevelCount, UplineEntry, present


@strawberry.type
class FraudQuery:
    @strawberry.field(
        permission_classes=[Analysts],
        description="Rings of the latest scan, by score. "
        + ARGUMENTS
        + " Without either, first 20.",
    )
    async def fraud_rings(
        self,
        info: Info,
        min_size: int | None = 3,
        min_score: int | None = 0,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> FraudRingConnection:
        found = await resolve.rings(
            info.context,
            min_size=3 if min_size is None else min_size,
            min_score=0 if min_score is None else min_score,
            page=page_args(first, after, last, before),
        )
        return connection(
            FraudRingConnection,
            found,
            lambda issued, r: Edge(issued=issued, node=FraudRing.from_model(r)),
        )

    @strawberry.field(permission_classes=[Analysts])
    async def fraud_ring(self, info: Info, id: strawberry.ID) -> FraudRing | None:
        found = await resolve.ring(info.context, ring_id=id)
        return None if found is None else FraudRing.from_model(found)

    @strawberry.field(
        permission_classes=[Analysts],
        description="Every signal that fires for this distributor, fresh.",
    )
    async def fraud_signals(self, info: Info, distributor_id: strawberry.ID) -> list[FraudSignal]:
        found = await resolve.signals(info.context, distributor_id=distributor_id)
        return [FraudSignal.from_model(s) for s in found]

    @strawberry.field(
        permission_classes=[Analysts],
        description="Alerts raised at registration, newest first. "
        + ARGUMENTS
        + " Without either, first 20.",
    )
    async def fraud_alerts(
        self,
        info: Info,
        acknowledged: bool | None = False,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> FraudAlertConnection:
        found = await resolve.list_alerts(
            info.context,
            acknowledged=bool(acknowledged),
            page=page_args(first, after, last, before),
        )
        return connection(
            FraudAlertConnection,
            found,
            lambda issued, a: Edge(issued=issued, node=FraudAlert.from_model(a)),
        )

    @strawberry.field(permission_classes=[Analysts])
    async def hot_identifiers(self, info: Info, first: int | None = 20) -> list[HotIdentifier]:
        found = await resolve.hot_identifiers(info.context, first=20 if first is None else first)
        return [HotIdentifier(key=k, kind=kind, users=n) for k, kind, n in found]

    @strawberry.field(
        permission_classes=[Analysts], description="Analysts: everyone above, up to 20 levels."
    )
    async def investigate_upline(
        self, info: Info, distributor_id: strawberry.ID, depth: int | None = 20
    ) -> list[UplineEntry]:
        entries = await resolve.chain_above(
            info.context, distributor_id=distributor_id, depth=20 if depth is None else depth
        )
        return [
            UplineEntry(level=e.level, distributor=await present(info, e.distributor))
            for e in entries
        ]

    @strawberry.field(
        permission_classes=[Analysts],
        description="Analysts: subtree sizes by level, up to 20 levels.",
    )
    async def investigate_levels(
        self, info: Info, distributor_id: strawberry.ID, depth: int | None = 20
    ) -> list[LevelCount] | None:
        sizes = await resolve.level_sizes(
            info.context, distributor_id=distributor_id, depth=20 if depth is None else depth
        )
        if sizes is None:
            return None
        return [LevelCount(level=i + 1, count=n) for i, n in enumerate(sizes)]

    @strawberry.field(
        permission_classes=[Analysts],
        description="Analysts: the largest teams (within three levels).",
    )
    async def heaviest_teams(self, info: Info, first: int | None = 10) -> list[Distributor]:
        found = await resolve.heaviest(info.context, first=10 if first is None else first)
        return [await present(info, d) for d in found]


@strawberry.type
class FraudMutation:
    @strawberry.mutation(
        extensions=guarded(Analysts),
        description="Scan the whole graph for rings; how many were found.",
    )
    async def run_fraud_scan(self, info: Info) -> int:
        return await resolve.run_scan(info.context)

    @strawberry.mutation(
        extensions=guarded(Analysts),
        description="Freeze every member of a ring, with a reason (audited).",
    )
    async def freeze_fraud_ring(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> list[Distributor]:
        return await _set_ring(info, id, Status.FROZEN, reason)

    @strawberry.mutation(
        extensions=guarded(Analysts), description="Unfreeze every member of a ring (audited)."
    )
    async def unfreeze_fraud_ring(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> list[Distributor]:
        return await _set_ring(info, id, Status.ACTIVE, reason)

    @strawberry.mutation(extensions=guarded(Analysts))
    async def acknowledge_fraud_alert(self, info: Info, id: strawberry.ID) -> FraudAlert:
        return FraudAlert.from_model(await resolve.acknowledge(info.context, alert_id=id))


async def _set_ring(info: Info, ring_id: str, status: Status, reason: str) -> list[Distributor]:
    members = await resolve.set_ring_status(
        info.context, ring_id=ring_id, status=status, reason=reason
    )
    return [await present(info, d) for d in await read.by_ids(info.context, ids=members)]
