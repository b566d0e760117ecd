"""The root Query and Mutation types for distributors, and the audit trail."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry
from strawberry.types.nodes import SelectedField

from access import audit
from access.permissions import (
    AdminOnly,
    Analysts,
    AnyRole,
    BackEnd,
    OwnerOrAdmin,
    Staff,
    guarded,
)
from domain import models
from domain.models import Status
from resolvers.context import Info
from resolvers.tree import distributors as read
from resolvers.tree import invites
from resolvers.tree import registration as write
from schema.pagination import ARGUMENTS, Connection, Edge, connection, page_args
from schema.tree.types import Distributor, present


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
    real_name: str | None = None
    invite_code: str | None = strawberry.field(
        default=None,
        description="The sponsor's invite code (instead of, or agreeing with, sponsorId).",
    )
    channel: str | None = strawberry.field(
        default=None,
        description="How the recruit came (wechat_share, qr_code, poster, live…): "
        "1-32 characters, kept on the REFERRED edge.",
    )


@strawberry.enum(description="The role an audited action ran as: a token's, or the platform's.")
class AuditRole(enum.Enum):
    ADMIN = "ADMIN"
    ANALYST = "ANALYST"
    SERVICE = "SERVICE"
    DISTRIBUTOR = "DISTRIBUTOR"
    SYSTEM = "SYSTEM"  # the platform itself (auto-approved withdrawals)
    NONE = "NONE"  # no valid token


@strawberry.type(description="One mutation (or domain change): who, as whom, what, outcome.")
class AuditEvent:
    id: strawberry.ID
    at: datetime
    actor: str
    role: AuditRole
    operation: str
    arguments: str = strawberry.field(description="JSON; PII and secrets read [redacted].")
    outcome: str = strawberry.field(description='"OK", or the error code it ended with.')
    request_id: str | None

    @classmethod
    def from_model(cls, e: models.AuditEvent) -> AuditEvent:
        return cls(
            id=strawberry.ID(e.id),
            at=e.at,
            actor=e.actor,
            role=AuditRole(e.role),
            operation=e.operation,
            arguments=e.arguments,
            outcome=e.outcome,
            request_id=e.request_id,
        )


@strawberry.type(description="Audit events, newest first (Relay connection).")
class AuditEventConnection(Connection[Edge[AuditEvent]]):
    pass


def _the_one_field(info: Info, name: str) -> SelectedField | None:
    """The field `name`, when a root field selects it once beside plain fields (no
    fragment, no directive on it); None for anything else."""
    if len(info.selected_fields) != 1:
        return None
    selections = info.selected_fields[0].selections
    if not all(isinstance(s, SelectedField) for s in selections):
        return None
    named = [s for s in selections if isinstance(s, SelectedField) and s.name == name]
    if len(named) != 1 or named[0].directives:
        return None
    return named[0]


class _Unread(Exception):
    """An argument the look-ahead leaves to the field itself (which refuses it)."""


def _int_argument(value: object) -> int | None:
    """An Int argument as strawberry hands it: a literal (`depth: 3`) as its text, "3"
    (the document was validated, so such a text is an Int literal's), a variable as its
    value."""
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise _Unread


def _str_argument(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise _Unread


def upline_asked(info: Info) -> int | None:
    """The depth of the one `upline` a root `distributor` selects, so both are read in one
    query; None (no look-ahead) for anything else, or a depth the field will refuse."""
    upline = _the_one_field(info, "upline")
    if upline is None:
        return None
    try:
        depth = _int_argument(upline.arguments.get("depth"))
    except _Unread:
        return None
    return read.upline_depth_asked(info.context, depth)


def downline_asked(info: Info) -> read.DownlineAsked | None:
    """The arguments of the one `downline` a root `distributor` selects, so the
    distributor and the page are read in one query; None for anything else."""
    downline = _the_one_field(info, "downline")
    if downline is None:
        return None
    given = downline.arguments
    try:
        depth, level, first, last = (
            _int_argument(given.get(name)) for name in ("depth", "level", "first", "last")
        )
        after, before = (_str_argument(given.get(name)) for name in ("after", "before"))
    except _Unread:
        return None
    return read.DownlineAsked(depth=depth, level=level, page=page_args(first, after, last, before))


@strawberry.type
class Query:
    @strawberry.field(permission_classes=[AnyRole])
    async def distributor(self, info: Info, id: strawberry.ID) -> Distributor | None:
        found = await read.distributor(
            info.context,
            distributor_id=id,
            upline_depth=upline_asked(info),
            downline=downline_asked(info),
        )
        return None if found is None else await present(info, found)

    @strawberry.field(
        permission_classes=[AnyRole],
        description="The owner of an invite code; a DISTRIBUTOR sees it only within its "
        "scope, masked (SPEC §3.9).",
    )
    async def inviter(self, info: Info, code: str) -> Distributor | None:
        found = await invites.inviter(info.context, code=code)
        return None if found is None else await present(info, found)

    @strawberry.field(
        permission_classes=[Staff], description="Found through the phone's keyed hash."
    )
    async def distributors_by_phone(
        self, info: Info, phone: str, first: int | None = 10
    ) -> list[Distributor]:
        found = await read.by_phone(info.context, phone=phone, first=10 if first is None else first)
        return [await present(info, d) for d in found]

    @strawberry.field(
        permission_classes=[AdminOnly],
        description="Newest first. " + ARGUMENTS + " Without either, first 50.",
    )
    async def audit_events(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        actor: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> AuditEventConnection:
        found = await audit.events(
            info.context, page=page_args(first, after, last, before), actor=actor
        )
        return connection(
            AuditEventConnection,
            found,
            lambda issued, e: Edge(issued=issued, node=AuditEvent.from_model(e)),
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        extensions=guarded(BackEnd),
        description="Idempotent: the same id and sponsor return the same one.",
    )
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
            real_name=input.real_name,
            invite_code=input.invite_code,
            channel=input.channel,
        )
        return await present(info, created)

    @strawberry.mutation(
        extensions=guarded(BackEnd),
        description="Bind an unbound distributor to a sponsor (bind mode).",
    )
    async def bind_sponsor(
        self,
        info: Info,
        distributor_id: strawberry.ID,
        sponsor_id: strawberry.ID,
        channel: str | None = None,
    ) -> Distributor:
        bound = await write.bind(
            info.context, distributor_id=distributor_id, sponsor_id=sponsor_id, channel=channel
        )
        return await present(info, bound)

    @strawberry.mutation(
        extensions=guarded(BackEnd),
        description="Bind an unbound distributor to the owner of an invite code (bind mode).",
    )
    async def bind_by_invite_code(
        self,
        info: Info,
        distributor_id: strawberry.ID,
        invite_code: str,
        channel: str | None = None,
    ) -> Distributor:
        bound = await invites.bind_by_code(
            info.context, distributor_id=distributor_id, invite_code=invite_code, channel=channel
        )
        return await present(info, bound)

    @strawberry.mutation(
        extensions=guarded(OwnerOrAdmin),
        description="A new invite code; the old one stops working at once. The owner "
        "itself or an ADMIN.",
    )
    async def rotate_invite_code(self, info: Info, distributor_id: strawberry.ID) -> Distributor:
        rotated = await invites.rotate(info.context, distributor_id=distributor_id)
        return await present(info, rotated)

    @strawberry.mutation(
        extensions=guarded(AdminOnly),
        description="Admin: move a distributor and its downline; audited.",
    )
    async def reassign_sponsor(
        self, info: Info, distributor_id: strawberry.ID, sponsor_id: strawberry.ID, reason: str
    ) -> Distributor:
        moved = await write.reassign(
            info.context, distributor_id=distributor_id, sponsor_id=sponsor_id, reason=reason
        )
        return await present(info, moved)

    @strawberry.mutation(
        extensions=guarded(AdminOnly),
        description="Admin (APPROVAL mode): let a MEMBER distribute.",
    )
    async def approve_distributor(self, info: Info, id: strawberry.ID) -> Distributor:
        return await present(info, await write.approve(info.context, distributor_id=id))

    @strawberry.mutation(extensions=guarded(Analysts))
    async def freeze_distributor(self, info: Info, id: strawberry.ID, reason: str) -> Distributor:
        frozen = await write.set_status(
            info.context, distributor_id=id, status=Status.FROZEN, reason=reason
        )
        return await present(info, frozen)

    @strawberry.mutation(extensions=guarded(Analysts))
    async def unfreeze_distributor(self, info: Info, id: strawberry.ID, reason: str) -> Distributor:
        active = await write.set_status(
            info.context, distributor_id=id, status=Status.ACTIVE, reason=reason
        )
        return await present(info, active)
