"""Validation of the money-related input: orders, items, refunds, withdrawals."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from domain.errors import BadUserInput
from domain.inputs import check_id
from domain.models import NewOrder, OrderItem
from domain.money.fen import format_fen

MAX_ITEMS = 100
MAX_BATCH = 500
CLOCK_SKEW = timedelta(minutes=5)
KEY_PATTERN = re.compile(r"[A-Za-z0-9_\-.:]{1,128}")


def check_positive(amount_fen: int, *, field: str) -> int:
    if amount_fen <= 0:
        raise BadUserInput(f"{field} must be more than 0.00.")
    return amount_fen


def check_order(
    *,
    order_id: str,
    buyer_id: str,
    amount_fen: int,
    paid_at: datetime,
    items: Sequence[OrderItem] | None,
    now: datetime,
) -> NewOrder:
    """A `NewOrder`; without items the whole amount is one commissionable line."""
    check_id(order_id, field="id")
    check_id(buyer_id, field="buyerId")
    check_positive(amount_fen, field="amount")
    check_not_future(paid_at, now=now, field="paidAt")
    lines = tuple(items) if items else (OrderItem(amount_fen=amount_fen),)
    if len(lines) > MAX_ITEMS:
        raise BadUserInput(f"An order has at most {MAX_ITEMS} items, got {len(lines)}.")
    for i, item in enumerate(lines):
        if item.product_id is not None:
            check_id(item.product_id, field=f"items[{i}].productId")
        if item.brand_id is not None:
            check_id(item.brand_id, field=f"items[{i}].brandId")
    total = sum(item.amount_fen for item in lines)
    if total != amount_fen:
        raise BadUserInput(
            f"The items add up to {format_fen(total)} but the order amount is "
            f"{format_fen(amount_fen)}; they must be equal."
        )
    return NewOrder(
        id=order_id, buyer_id=buyer_id, amount_fen=amount_fen, paid_at=paid_at, items=lines
    )


def check_not_future(at: datetime, *, now: datetime, field: str = "asOf") -> datetime:
    """Times that record or settle money may not lie ahead (beyond clock skew)."""
    if at > now + CLOCK_SKEW:
        raise BadUserInput(f"{field} {at.isoformat()} is in the future.")
    return at


def check_batch_size(count: int) -> None:
    if not 1 <= count <= MAX_BATCH:
        raise BadUserInput(f"A batch holds 1-{MAX_BATCH} orders, got {count}.")


def check_withdrawal(*, amount_fen: int, minimum_fen: int, idempotency_key: str) -> None:
    if amount_fen < minimum_fen:
        raise BadUserInput(
            f"A withdrawal must be at least {format_fen(minimum_fen)}, "
            f"got {format_fen(amount_fen)}."
        )
    if not KEY_PATTERN.fullmatch(idempotency_key):
        raise BadUserInput(
            "idempotencyKey must be 1-128 characters of A-Z a-z 0-9 _ - . : "
            f"(got {idempotency_key[:40]!r})."
        )
