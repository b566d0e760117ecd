"""An order's shapes besides the input: Cypher parameters, the recorded `Order`, and the
projection a read returns with its parser.

`order_row` is what `graph.money.orders` writes; `as_recorded` is what a read of that write
returns (a test holds the two equal), so recording needs no read-back; `ORDER_FIELDS` and
`order_from_record` are that read.
"""

from __future__ import annotations

import json
from typing import Any, LiteralString, TypedDict

from domain.models import Commission, CommissionStatus, Forfeit, NewOrder, Order, OrderItem
from domain.money.commission import RuleSet, Share
from graph.values import epoch_ms, from_epoch_ms


class IdentifierRow(TypedDict):
    key: str
    kind: str


class CommissionRow(TypedDict):
    id: str
    level: int
    beneficiaryId: str
    base: int
    rate: int
    amount: int


class OrderRow(TypedDict):
    """The `$orders` parameter of `graph.money.orders.WRITE`, one order."""

    id: str
    buyerId: str
    amount: int
    paidAtMs: int
    ruleSetVersion: int
    fingerprint: str
    identifiers: list[IdentifierRow]
    itemAmounts: list[int]
    itemProducts: list[str]
    itemBrands: list[str]
    itemCommissionable: list[bool]
    forfeits: list[str]
    commissions: list[CommissionRow]


def fingerprint(order: NewOrder) -> str:
    """The content an order id stands for; a replay must carry the same."""
    content: list[object] = [
        order.buyer_id,
        order.amount_fen,
        epoch_ms(order.paid_at),
        [[i.amount_fen, i.product_id, i.brand_id, i.commissionable] for i in order.items],
    ]
    if order.identifiers:
        content.append(sorted(order.identifiers))
    return json.dumps(content)


def order_row(order: NewOrder, shares: list[Share], rules: RuleSet, print_: str) -> OrderRow:
    """The parameters of one order; times travel as epoch millis (cheap to send)."""
    return {
        "id": order.id,
        "buyerId": order.buyer_id,
        "amount": order.amount_fen,
        "paidAtMs": epoch_ms(order.paid_at),
        "ruleSetVersion": rules.version,
        "fingerprint": print_,
        "identifiers": [
            {"key": key, "kind": key.split(":", 1)[0]} for key in sorted(order.identifiers)
        ],
        "itemAmounts": [i.amount_fen for i in order.items],
        "itemProducts": [i.product_id or "" for i in order.items],
        "itemBrands": [i.brand_id or "" for i in order.items],
        "itemCommissionable": [i.commissionable for i in order.items],
        "forfeits": [f"{s.level}|{s.forfeit}|{s.distributor_id}" for s in shares if s.forfeit],
        "commissions": [
            {
                "id": f"{order.id}#{s.level}",
                "level": s.level,
                "beneficiaryId": s.distributor_id,
                "base": s.base_fen,
                "rate": s.rate_bp,
                "amount": s.amount_fen,
            }
            for s in shares
            if s.forfeit is None and s.amount_fen > 0
        ],
    }


def as_recorded(order: NewOrder, shares: list[Share], rules: RuleSet) -> Order:
    """The order as `get_many` would read it back right after it was written."""
    paid_at = from_epoch_ms(epoch_ms(order.paid_at))
    return Order(
        id=order.id,
        buyer_id=order.buyer_id,
        amount_fen=order.amount_fen,
        refunded_fen=0,
        paid_at=paid_at,
        rule_set_version=rules.version,
        items=list(order.items),
        commissions=[
            Commission(
                order_id=order.id,
                level=s.level,
                beneficiary_id=s.distributor_id,
                base_fen=s.base_fen,
                rate_bp=s.rate_bp,
                original_fen=s.amount_fen,
                amount_fen=s.amount_fen,
                status=CommissionStatus.PENDING,
                paid_at=paid_at,
            )
            for s in shares
            if s.forfeit is None and s.amount_fen > 0
        ],
        forfeits=[
            Forfeit(level=s.level, distributor_id=s.distributor_id, reason=s.forfeit)
            for s in shares
            if s.forfeit
        ],
    )


ORDER_FIELDS: LiteralString = (
    "o {.id, .buyerId, .amount, .refunded, .ruleSetVersion, .itemAmounts, .itemProducts, "
    ".itemBrands, .itemCommissionable, .forfeits, paidAtMs: o.paidAt.epochMillis}"
)


def order_from_record(o: Any, commissions: list[Any]) -> Order:
    """An `Order` from an `ORDER_FIELDS` projection and its commissions' projections."""
    paid_at = from_epoch_ms(o["paidAtMs"])
    return Order(
        id=o["id"],
        buyer_id=o["buyerId"],
        amount_fen=o["amount"],
        refunded_fen=o["refunded"],
        paid_at=paid_at,
        rule_set_version=o["ruleSetVersion"],
        items=[
            OrderItem(
                amount_fen=amount,
                product_id=product or None,
                brand_id=brand or None,
                commissionable=commissionable,
            )
            for amount, product, brand, commissionable in zip(
                o["itemAmounts"],
                o["itemProducts"],
                o["itemBrands"],
                o["itemCommissionable"],
                strict=True,
            )
        ],
        commissions=[
            Commission(
                order_id=o["id"],
                level=c["level"],
                beneficiary_id=c["beneficiaryId"],
                base_fen=c["base"],
                rate_bp=c["rate"],
                original_fen=c["original"],
                amount_fen=c["amount"],
                status=CommissionStatus(c["status"]),
                paid_at=paid_at,
            )
            for c in commissions
        ],
        forfeits=[_forfeit(text) for text in o["forfeits"]],
    )


def _forfeit(text: str) -> Forfeit:
    level, reason, distributor_id = text.split("|", 2)
    return Forfeit(level=int(level), distributor_id=distributor_id, reason=reason)
