"""What the Explorer needs from the API beyond the original contract: the admins'
withdrawal queue (a keyset connection with totals) and what it takes to draw a ring
(which member uses which shared identifier, and the hot identifiers left out)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from domain.fraud.identifiers import IdentifierKind
from graph.db import Database
from tests.conftest import bearer, error_codes, gql
from tests.helpers import ident, record_order, register

QUEUE = """query Q($status: [WithdrawalStatus!], $d: ID, $first: Int, $after: String) {
  withdrawalQueue(status: $status, distributorId: $d, first: $first, after: $after) {
    totalCount totalAmount totalNet
    edges { cursor node { id distributorId amount status } }
    pageInfo { hasNextPage endCursor }
  }
}"""
REQUEST = """mutation W($d: ID!, $a: Money!, $k: String!) {
  requestWithdrawal(input: {distributorId: $d, amount: $a, idempotencyKey: $k}) { id }
}"""


async def _earner(client: httpx.AsyncClient, db: Database, uid: str) -> str:
    """A distributor with ¥150.00 available (a settled commission)."""
    sponsor, buyer = f"{uid}-s", f"{uid}-b"
    await register(db, sponsor)
    await register(db, buyer, sponsor)
    paid = datetime.now(UTC) - timedelta(days=10)
    await record_order(db, f"{uid}-o", buyer, 100_000, paid_at=paid)
    body = await gql(
        client,
        "mutation($at: DateTime!) { settleCommissions(asOf: $at) }",
        {"at": datetime.now(UTC).isoformat()},
    )
    assert "errors" not in body, body
    return sponsor


async def test_withdrawal_queue_pages_oldest_first_with_totals(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    earner = await _earner(client, db, uid)
    ids = []
    for i, amount in enumerate(["1.00", "2.00", "3.50"]):
        body = await gql(client, REQUEST, {"d": earner, "a": amount, "k": f"k{i}"})
        ids.append(body["data"]["requestWithdrawal"]["id"])
    first = (await gql(client, QUEUE, {"d": earner, "first": 2}))["data"]["withdrawalQueue"]
    assert 3 == first["totalCount"]
    assert "6.50" == first["totalAmount"]
    assert "6.50" == first["totalNet"]
    assert ids[:2] == [e["node"]["id"] for e in first["edges"]]
    assert first["pageInfo"]["hasNextPage"]
    assert first["edges"][-1]["cursor"] == first["pageInfo"]["endCursor"]
    rest = await gql(
        client, QUEUE, {"d": earner, "first": 2, "after": first["pageInfo"]["endCursor"]}
    )
    page = rest["data"]["withdrawalQueue"]
    assert [ids[2]] == [e["node"]["id"] for e in page["edges"]]
    assert not page["pageInfo"]["hasNextPage"]


async def test_withdrawal_queue_filters_by_status_and_an_approved_one_leaves_requested(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    earner = await _earner(client, db, uid)
    body = await gql(client, REQUEST, {"d": earner, "a": "5.00", "k": "k"})
    withdrawal = body["data"]["requestWithdrawal"]["id"]
    await gql(
        client, "mutation($id: ID!) { approveWithdrawal(id: $id) { id } }", {"id": withdrawal}
    )
    requested = await gql(client, QUEUE, {"d": earner, "status": ["REQUESTED"]})
    approved = await gql(client, QUEUE, {"d": earner, "status": ["APPROVED"]})
    default = await gql(client, QUEUE, {"d": earner})
    assert 0 == requested["data"]["withdrawalQueue"]["totalCount"]
    assert [withdrawal] == [e["node"]["id"] for e in approved["data"]["withdrawalQueue"]["edges"]]
    assert 1 == default["data"]["withdrawalQueue"]["totalCount"]  # REQUESTED and APPROVED


async def test_withdrawal_queue_refuses_a_foreign_cursor_and_non_admins(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    bad = await gql(client, QUEUE, {"after": "not-a-cursor"})
    assert ["BAD_USER_INPUT"] == error_codes(bad)
    await register(db, f"{uid}-d")
    for role in ("ANALYST", "SERVICE", "DISTRIBUTOR"):
        refused = await gql(client, QUEUE, {}, headers=bearer(f"{uid}-d", role))
        assert ["FORBIDDEN"] == error_codes(refused), role


RING = """query R($id: ID!) {
  fraudRing(id: $id) {
    members { id }
    identifiers { key kind }
    identifierLinks { distributorId key }
    hotIdentifiers { key kind users }
  }
}"""


async def test_a_ring_tells_who_uses_which_identifier_and_which_hot_ones_were_left_out(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    device = ident(IdentifierKind.DEVICE, f"dev-{uid}")
    hot = ident(IdentifierKind.ADDRESS, f"{uid} hot road 9")
    members = [f"{uid}-{i}" for i in range(3)]
    for member in members:
        await register(db, member, identifiers=[device, hot])
    for i in range(51):  # shared by 54 > hot_identifier_limit (50)
        await register(db, f"{uid}-h{i}", identifiers=[hot])
    assert "errors" not in await gql(client, "mutation { runFraudScan }")
    found = await db.read(
        "MATCH (r:FraudRing {current: true})-[:INCLUDES]->(:Distributor {id: $id}) "
        "RETURN r.id AS id",
        id=members[0],
    )
    ring = (await gql(client, RING, {"id": found[0]["id"]}))["data"]["fraudRing"]
    assert sorted(members) == sorted(m["id"] for m in ring["members"])
    assert [device.key] == [i["key"] for i in ring["identifiers"]]
    assert sorted((m, device.key) for m in members) == sorted(
        (link["distributorId"], link["key"]) for link in ring["identifierLinks"]
    )
    assert [{"key": hot.key, "kind": "ADDRESS", "users": 54}] == ring["hotIdentifiers"]
