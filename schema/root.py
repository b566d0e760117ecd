"""The root Query and Mutation types."""

from __future__ import annotations

import strawberry

from graph.models import Status
from resolvers import distributors as read
from resolvers import registration as write
from schema.types import Distributor, Info


@strawberry.input
class RegisterDistributorInput:
    id: strawberry.ID
    name: str
    sponsor_id: strawberry.ID | None = None
    phone: str | None = None
    device_id: str | None = None
    ip: str | None = None
    payment_account: str | None = None
    address: str | None = None


@strawberry.type
class Query:
    @strawberry.field
    async def distributor(self, info: Info, id: strawberry.ID) -> Distributor | None:
        found = await read.distributor(info.context, distributor_id=id)
        return None if found is None else Distributor.from_model(found)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Idempotent: the same id and sponsor return the same one.")
    async def register_distributor(
        self, info: Info, input: RegisterDistributorInput
    ) -> Distributor:
        created = await write.register(
            info.context,
            distributor_id=input.id,
            name=input.name,
            sponsor_id=input.sponsor_id,
            phone=input.phone,
            device_id=input.device_id,
            ip=input.ip,
            payment_account=input.payment_account,
            address=input.address,
        )
        return Distributor.from_model(created)

    @strawberry.mutation(description="Bind an unbound distributor to a sponsor (bind mode).")
    async def bind_sponsor(
        self, info: Info, distributor_id: strawberry.ID, sponsor_id: strawberry.ID
    ) -> Distributor:
        bound = await write.bind(info.context, distributor_id=distributor_id, sponsor_id=sponsor_id)
        return Distributor.from_model(bound)

    @strawberry.mutation(description="Admin: move a distributor and its downline; audited.")
    async def reassign_sponsor(
        self, info: Info, distributor_id: strawberry.ID, sponsor_id: strawberry.ID, reason: str
    ) -> Distributor:
        moved = await write.reassign(
            info.context, distributor_id=distributor_id, sponsor_id=sponsor_id, reason=reason
        )
        return Distributor.from_model(moved)

    @strawberry.mutation(description="Admin (APPROVAL mode): let a MEMBER distribute.")
    async def approve_distributor(self, info: Info, id: strawberry.ID) -> Distributor:
        return Distributor.from_model(await write.approve(info.context, distributor_id=id))

    @strawberry.mutation
    async def freeze_distributor(self, info: Info, id: strawberry.ID, reason: str) -> Distributor:
        frozen = await write.set_status(
            info.context, distributor_id=id, status=Status.FROZEN, reason=reason
        )
        return Distributor.from_model(frozen)

    @strawberry.mutation
    async def unfreeze_distributor(self, info: Info, id: strawberry.ID, reason: str) -> Distributor:
        active = await write.set_status(
            info.context, distributor_id=id, status=Status.ACTIVE, reason=reason
        )
        return Distributor.from_model(active)
