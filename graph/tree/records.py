"""The distributor's projection (what every query returning one projects) and its parser.

Each other record is parsed beside its own projection: orders in `graph.money.order_rows`,
withdrawals, ledger entries, rings and alerts in their modules, audit events in
`graph.audit`; Neo4j's time values in `graph.values`."""

from __future__ import annotations

from typing import Any, LiteralString

from domain.models import Distributor, Rank, Status
from graph.values import from_epoch_ms, to_datetime

# What every query returning a distributor projects. `joinedAt` travels as epoch
# milliseconds: hydrating a zoned DateTime costs the driver about 0.25 ms per value.
DISTRIBUTOR_FIELDS: LiteralString = (
    "{.id, .name, .phone, .realName, .paymentAccount, .inviteCode, .rank, .status, .path, "
    ".depth, "
    ".down1, .down2, .down3, "
    "joinedAtMs: {0}.joinedAt.epochMillis}"
)


def fields(variable: LiteralString) -> LiteralString:
    """`variable {…}`: the projection of a distributor bound to `variable`."""
    return variable + " " + DISTRIBUTOR_FIELDS.replace("{0}", variable)


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
        invite_code=node.get("inviteCode"),
    )
