"""`Distributor.refundRate90d` and the HIGH_REFUND_RATE signal over HTTP (SPEC §10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.conftest import bearer, gql

REGISTER = """
mutation($id: ID!, $s: ID) {
  registerDistributor(input: {id: $id, name: "n", sponsorId: $s}) { id }
}
"""
ORDER = """
mutation($id: ID!, $buyer: ID!, $at: DateTime!) {
  recordOrder(input: {id: $id, buyerId: $buyer, amount: "100.00", paidAt: $at}) { id }
}
"""
REFUND = """
mutation($id: ID!, $amount: Money!) {
  refundOrder(input: {orderId: $id, refundId: $id, amount: $amount}) { id }
}
"""
RATE = "query($id: ID!) { distributor(id: $id) { id refundRate90d } }"
SIGNALS = """
query($id: ID!) { fraudSignals(distributorId: $id) { kind score evidence nodes { label id } } }
"""


async def plant(client: httpx.AsyncClient, uid: str, *, refunded: list[str]) -> list[str]:
    """sponsor → buyer; ten orders of the buyer paid yesterday, refunded as given."""
    for who, sponsor in ((f"{uid}-s", None), (f"{uid}-b", f"{uid}-s")):
        assert "errors" not in await gql(client, REGISTER, {"id": who, "s": sponsor})
    at = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    orders = [f"{uid}-o{k}" for k in range(10)]
    for order_id in orders:
        body = await gql(client, ORDER, {"id": order_id, "buyer": f"{uid}-b", "at": at})
        assert "errors" not in body, body
    for order_id, amount in zip(orders, refunded, strict=False):
        assert "errors" not in await gql(client, REFUND, {"id": order_id, "amount": amount})
    return orders


async def test_refund_rate_90d_and_the_signal(client: httpx.AsyncClient, uid: str) -> None:
    orders = await plant(client, uid, refunded=["100.00", "100.00", "100.00", "100.00", "50.00"])
    body = await gql(client, RATE, {"id": f"{uid}-s"})
    assert {"id": f"{uid}-s", "refundRate90d": 0.45} == body["data"]["distributor"]
    assert (
        0.0 == (await gql(client, RATE, {"id": f"{uid}-b"}))["data"]["distributor"]["refundRate90d"]
    )
    signals = (await gql(client, SIGNALS, {"id": f"{uid}-s"}))["data"]["fraudSignals"]
    (high,) = [s for s in signals if s["kind"] == "HIGH_REFUND_RATE"]
    assert 55 == high["score"]
    assert set(orders[:5]) == {n["id"] for n in high["nodes"] if n["label"] == "Order"}


async def test_no_signal_below_the_limit(client: httpx.AsyncClient, uid: str) -> None:
    await plant(client, uid, refunded=["100.00", "100.00"])
    assert (
        0.2 == (await gql(client, RATE, {"id": f"{uid}-s"}))["data"]["distributor"]["refundRate90d"]
    )
    signals = (await gql(client, SIGNALS, {"id": f"{uid}-s"}))["data"]["fraudSignals"]
    assert "HIGH_REFUND_RATE" not in {s["kind"] for s in signals}


async def test_a_distributor_sees_its_own_refund_rate_only(
    client: httpx.AsyncClient, uid: str
) -> None:
    await plant(client, uid, refunded=["100.00"])
    own = await gql(client, RATE, {"id": f"{uid}-s"}, headers=bearer(f"{uid}-s", "DISTRIBUTOR"))
    assert 0.1 == own["data"]["distributor"]["refundRate90d"]
    recruit = await gql(client, RATE, {"id": f"{uid}-b"}, headers=bearer(f"{uid}-s", "DISTRIBUTOR"))
    assert {"id": f"{uid}-b", "refundRate90d": None} == recruit["data"]["distributor"]
    assert "errors" not in recruit
