"""Parsing of Neo4j values into the typed records of `graph.models`, in one place."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, LiteralString

from neo4j.time import DateTime as Neo4jDateTime

from domain.models import (
    AuditEvent,
    Commission,
    CommissionStatus,
    Distributor,
    Forfeit,
    Order,
    OrderItem,
    Rank,
    Status,
    Withdrawal,
    WithdrawalStatus,
)

# What every query returning a distributor projects. `joinedAt` travels as epoch
# milliseconds: hydrating a zoned DateTime costs the driver about 0.25 ms per value.
DISTRIBUTOR_FIELDS: LiteralString = (
    "{.id, .name, .phone, .realName, .paymentAccount, .rank, .status, .path, .depth, "
    ".down1, .down2, .down3, "
    "joinedAtMs: {0}.joinedAt.epochMillis}"
)


def fields(variable: LiteralString) -> LiteralString:
    """`variable {…}`: the projection of a distributor bound to `variable`."""
    return variable + " " + DISTRIBUTOR_FIELDS.replace("{0}", variable)


def epoch_ms(value: datetime) -> int:
    return round(value.timestamp() * 1000)


def from_epoch_ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def to_datetime(value: Any) -> datetime:
    if isinstance(value, Neo4jDateTime):
        native: datetime = value.to_native()
        return native
    if isinstance(value, datetime):
        return value
    raise TypeError(f"expected a DateTime, got {type(value).__name__}")


def distributor_from_node(node: Any, *, sponsor_id: str | None) -> Distributor:
    """A `Distributor` from a `fields()` projection (or a node) and its sponsor's id."""
    return Distributor(
        id=node["id"],
        name=node["name"],
        phone=node.get("phone"),
        rank=Rank(node["rank"]),
        status=Status(node["status"]),
        joined_at=(
            from_epoch_ms(node["joinedAtMs"])
            if "joinedAtMs" in node
            else to_datetime(node["joinedAt"])
        ),
        sponsor_id=sponsor_id,
        path=node["path"],
        depth=node["depth"],
        level_counts=(node["down1"], node["down2"], node["down3"]),
        real_name=node.get("realName"),
        payment_account=node.get("paymentAccount"),
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


def withdrawal_from_node(w: Any) -> Withdrawal:
    return Withdrawal(
        id=w["id"],
        distributor_id=w["distributorId"],
        amount_fen=w["amount"],
        fee_fen=w["fee"],
        tax_fen=w["tax"],
        net_fen=w["net"],
        status=WithdrawalStatus(w["status"]),
        requested_at=from_epoch_ms(w["requestedAtMs"]),
    )


def audit_event_from_row(row: Any) -> AuditEvent:
    return AuditEvent(
        id=row["id"],
        at=to_datetime(row["at"]),
        actor=row["actor"],
        role=row["role"],
        operation=row["operation"],
        arguments=row["arguments"],
        outcome=row["outcome"],
        request_id=row["requestId"],
    )
