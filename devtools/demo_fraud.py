"""Suspicious patterns planted in a demo network, so that an analyst has something to find
(docs/fraud.md, "The analyst's workbench"). Written through the product's own paths
(registration, orders, the ring scan), once, right after the network itself is loaded.

With the prefix `demo` (ids `demo-x-…`), under the demo tree's own members:
- a device farm: `demo-x-hub` and its four recruits share one phone (device) and one
  address, and the recruits' orders ship to the hub's address;
- a card ring: `demo-x-card-1..3`, in three unrelated places of the tree, pay with one card;
- a twin: `demo-x-self` was recruited by `demo-x-twin` with the same phone number;
- a burst: `demo-x-burst` recruited 22 people within half an hour, none of whom buys;
- a parcel station: 51 orders of ordinary members ship to one address (a hot identifier).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.fraud.identifiers import Identifier, IdentifierKind, identify
from domain.models import NewOrder, OrderItem, Policy
from graph.db import Database
from graph.fraud import scan as fraud_scan
from graph.money import orders
from graph.tree import registration

BURST_RECRUITS = 22
PARCEL_ORDERS = 51  # one more than the default hot-identifier limit
MIN_SIZE = 12 + PARCEL_ORDERS  # distinct buyers for the parcel station


def _ident(policy: Policy, kind: IdentifierKind, value: str) -> Identifier:
    return identify(kind, value, secret=policy.identifier_secret)


async def _register(
    db: Database,
    policy: Policy,
    distributor_id: str,
    sponsor_id: str | None,
    *,
    now: datetime,
    identifiers: tuple[Identifier, ...] = (),
) -> None:
    phone = next((i.key for i in identifiers if i.kind is IdentifierKind.PHONE), None)
    await registration.register(
        db,
        distributor_id=distributor_id,
        name="演示" + distributor_id.rsplit("-", 1)[-1][:4],
        sponsor_id=sponsor_id,
        phone=None,
        phone_hash=phone,
        now=now,
        distribution_mode=policy.distribution_mode,
        team_leader_recruits=policy.team_leader_recruits,
        identifiers=identifiers,
        hot_identifier_limit=policy.hot_identifier_limit,
    )


def _order(order_id: str, buyer: str, fen: int, paid: datetime, *keys: Identifier) -> NewOrder:
    return NewOrder(
        id=order_id,
        buyer_id=buyer,
        amount_fen=fen,
        paid_at=paid,
        items=(OrderItem(amount_fen=fen),),
        identifiers=tuple(k.key for k in keys),
    )


async def plant(db: Database, *, prefix: str, size: int, policy: Policy, now: datetime) -> int:
    """Plant the patterns under the demo network `prefix` of `size` members (at least
    `MIN_SIZE`), scan for rings, and return how many rings the scan found."""
    member = [f"{prefix}-{i:07d}" for i in range(size)]
    x = f"{prefix}-x"
    day = now - timedelta(days=20)
    device = _ident(policy, IdentifierKind.DEVICE, f"{x} farm phone")
    address = _ident(policy, IdentifierKind.ADDRESS, f"{x} 朝阳区建国路 88 号")
    await _register(db, policy, f"{x}-hub", member[1], now=day, identifiers=(device, address))
    for n in range(1, 5):
        await _register(db, policy, f"{x}-hub-{n}", f"{x}-hub",
                        now=day + timedelta(minutes=n), identifiers=(device, address))  # fmt: skip
    card = _ident(policy, IdentifierKind.PAYMENT, f"{x} 6222 0200 0000 0001")
    for n, sponsor in enumerate((member[3], member[6], member[10]), start=1):
        own = _ident(policy, IdentifierKind.DEVICE, f"{x} card phone {n}")
        await _register(db, policy, f"{x}-card-{n}", sponsor, now=day, identifiers=(card, own))
    twin_phone = _ident(policy, IdentifierKind.PHONE, f"{x} 138 0000 0000")
    await _register(db, policy, f"{x}-twin", member[2], now=day, identifiers=(twin_phone,))
    await _register(db, policy, f"{x}-self", f"{x}-twin", now=day, identifiers=(twin_phone,))
    burst_at = now - timedelta(days=1)
    await _register(db, policy, f"{x}-burst", member[4], now=burst_at - timedelta(days=30))
    for n in range(1, BURST_RECRUITS + 1):
        await _register(db, policy, f"{x}-burst-{n:02d}", f"{x}-burst",
                        now=burst_at + timedelta(seconds=80 * n))  # fmt: skip
    parcel = _ident(policy, IdentifierKind.ADDRESS, f"{x} 菜鸟驿站 望京 12 号")
    made = [
        _order(f"{x}-farm-order-{n}", f"{x}-hub-{n}", 19_900 + n, day + timedelta(hours=n), address)
        for n in range(1, 5)
    ]
    made += [
        _order(
            f"{x}-parcel-order-{n:02d}",
            member[12 + n % (size - 12)],
            4_990,
            now - timedelta(days=2, minutes=n),
            parcel,
        )
        for n in range(PARCEL_ORDERS)
    ]
    await orders.record(db, orders=made, policy=policy, now=now)
    return await fraud_scan.scan(db, hot_limit=policy.hot_identifier_limit, now=now)
