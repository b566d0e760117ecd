"""Resolvers for registration, binding, reassignment, approval and freezing."""

from __future__ import annotations

import re

from access.pii import owner_of
from domain import inputs
from domain.errors import BadUserInput
from domain.fraud.identifiers import Identifier, IdentifierKind, identify_all
from domain.models import Distributor, Status
from domain.tree.invites import check_channel, normalise_code
from graph.tree import admin, registration
from resolvers.context import Context

PHONE_PATTERN = re.compile(r"\+?[0-9][0-9 \-]{4,19}")


def _check_phone(phone: str | None) -> str | None:
    if phone is None:
        return None
    if not PHONE_PATTERN.fullmatch(phone.strip()):
        raise BadUserInput("phone must be 5-20 digits, optionally with a leading + and spaces.")
    return phone.strip()


def _seal(ctx: Context, distributor_id: str, field: str, value: str | None) -> str | None:
    """PII leaves the API process only sealed (access.pii)."""
    if not value:
        return None
    return ctx.keyring.seal(value, owner=owner_of(distributor_id, field))


def _key_of(identifiers: list[Identifier], kind: IdentifierKind) -> str | None:
    return next((i.key for i in identifiers if i.kind is kind), None)


async def register(
    ctx: Context,
    *,
    distributor_id: str,
    name: str,
    sponsor_id: str | None,
    phone: str | None,
    device_id: str | None = None,
    ip: str | None = None,
    payment_account: str | None = None,
    address: str | None = None,
    real_name: str | None = None,
    invite_code: str | None = None,
    channel: str | None = None,
) -> Distributor:
    checked_id = inputs.check_id(distributor_id)
    phone = _check_phone(phone)
    identifiers = identify_all(
        {
            IdentifierKind.DEVICE: device_id,
            IdentifierKind.PHONE: phone,
            IdentifierKind.IP: ip,
            IdentifierKind.PAYMENT: payment_account,
            IdentifierKind.ADDRESS: address,
        },
        secret=ctx.policy.identifier_secret,
    )
    return await registration.register(
        ctx.db,
        distributor_id=checked_id,
        name=inputs.check_name(name),
        sponsor_id=None if sponsor_id is None else inputs.check_id(sponsor_id, field="sponsorId"),
        phone=_seal(ctx, checked_id, "phone", phone),
        phone_hash=_key_of(identifiers, IdentifierKind.PHONE),
        real_name=_seal(
            ctx, checked_id, "realName", None if real_name is None else inputs.check_name(real_name)
        ),
        payment_account=_seal(
            ctx,
            checked_id,
            "paymentAccount",
            None if payment_account is None else payment_account.strip(),
        ),
        now=ctx.now(),
        distribution_mode=ctx.policy.distribution_mode,
        team_leader_recruits=ctx.policy.team_leader_recruits,
        identifiers=identifiers,
        hot_identifier_limit=ctx.policy.hot_identifier_limit,
        invite_code=None if invite_code is None else normalise_code(invite_code),
        channel=check_channel(channel),
    )


async def bind(
    ctx: Context, *, distributor_id: str, sponsor_id: str, channel: str | None = None
) -> Distributor:
    return await registration.bind(
        ctx.db,
        distributor_id=inputs.check_id(distributor_id, field="distributorId"),
        sponsor_id=inputs.check_id(sponsor_id, field="sponsorId"),
        channel=check_channel(channel),
        now=ctx.now(),
        bind_mode=ctx.policy.bind_mode,
        bind_window=ctx.policy.bind_window,
        team_leader_recruits=ctx.policy.team_leader_recruits,
    )


async def reassign(
    ctx: Context, *, distributor_id: str, sponsor_id: str, reason: str
) -> Distributor:
    return await registration.reassign(
        ctx.db,
        distributor_id=inputs.check_id(distributor_id, field="distributorId"),
        sponsor_id=inputs.check_id(sponsor_id, field="sponsorId"),
        reason=inputs.check_reason(reason),
        actor=ctx.actor,
        now=ctx.now(),
        team_leader_recruits=ctx.policy.team_leader_recruits,
    )


async def approve(ctx: Context, *, distributor_id: str) -> Distributor:
    return await admin.approve(
        ctx.db,
        distributor_id=inputs.check_id(distributor_id),
        actor=ctx.actor,
        team_leader_recruits=ctx.policy.team_leader_recruits,
    )


async def set_status(
    ctx: Context, *, distributor_id: str, status: Status, reason: str
) -> Distributor:
    return await admin.set_status(
        ctx.db,
        distributor_id=inputs.check_id(distributor_id),
        status=status,
        reason=inputs.check_reason(reason),
        actor=ctx.actor,
    )
