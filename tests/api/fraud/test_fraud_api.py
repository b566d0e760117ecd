"""Fraud detection over HTTP: identifiers on input, scan, rings, signals, alerts, freezing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import error_codes, gql

REGISTER = """
mutation($input: RegisterDistributorInput!) { registerDistributor(input: $input) { id } }
"""
RINGS = """
query($min: Int, $first: Int, $after: String) {
  fraudRings(minScore: $min, first: $first, after: $after) {
    totalCount
    edges { cursor node {
      id size score reasons identifierKinds identifiers { kind } current members { id status }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def _register(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    fields.setdefault("name", "测试")
    return await gql(client, REGISTER, {"input": fields})


async def test_scan_list_inspect_and_freeze_a_ring(client: httpx.AsyncClient, uid: str) -> None:
    for i in range(4):
        body = await _register(client, id=f"{uid}-m{i}", deviceId=f"{uid}-TABLET ")
        assert "errors" not in body, body
    scanned = await gql(client, "mutation { runFraudScan }")
    assert scanned["data"]["runFraudScan"] >= 1
    ring = None
    after = None
    while ring is None:
        page = (await gql(client, RINGS, {"min": 0, "first": 100, "after": after}))["data"]
        found = page["fraudRings"]
        ring = next(
            (e["node"] for e in found["edges"] if e["node"]["members"][0]["id"].startswith(uid)),
            None,
        )
        after = found["pageInfo"]["endCursor"]
        assert ring is not None or found["pageInfo"]["hasNextPage"]
    assert (4, ["DEVICE"]) == (ring["size"], ring["identifierKinds"])
    assert ([{"kind": "DEVICE"}], True) == (ring["identifiers"], ring["current"])
    signals = await gql(
        client,
        "query($id: ID!) { fraudSignals(distributorId: $id) "
        "{ kind score evidence nodes { label id kind } edges { type source target } } }",
        {"id": f"{uid}-m0"},
    )
    by_kind = {s["kind"]: s for s in signals["data"]["fraudSignals"]}
    proof = by_kind["SHARED_IDENTIFIER_RING"]
    assert {f"{uid}-m{i}" for i in range(4)} == {
        e["source"] for e in proof["edges"] if e["type"] == "USES"
    }
    assert {"DEVICE"} == {n["kind"] for n in proof["nodes"] if n["label"] == "Identifier"}
    freeze = 'mutation($id: ID!) { freezeFraudRing(id: $id, reason: "device farm") { id status } }'
    frozen = await gql(client, freeze, {"id": ring["id"]})
    assert {"FROZEN"} == {m["status"] for m in frozen["data"]["freezeFraudRing"]}
    recruit = await _register(client, id=f"{uid}-late", sponsorId=f"{uid}-m1")
    assert ["SPONSOR_INACTIVE"] == error_codes(recruit)


async def test_alert_at_registration_and_acknowledge(client: httpx.AsyncClient, uid: str) -> None:
    await _register(client, id=f"{uid}-s", paymentAccount="6222 0000 " + uid[-6:])
    await _register(
        client, id=f"{uid}-r", sponsorId=f"{uid}-s", paymentAccount="6222-0000-" + uid[-6:]
    )
    query = """
    query($after: String) {
      fraudAlerts(first: 100, after: $after) {
        edges { node { id reasons evidence distributor { id } } }
        pageInfo { hasNextPage endCursor }
      }
    }
    """
    alert, after = None, None
    while alert is None:
        page = (await gql(client, query, {"after": after}))["data"]["fraudAlerts"]
        alerts = [e["node"] for e in page["edges"]]
        alert = next((a for a in alerts if a["distributor"]["id"] == f"{uid}-r"), None)
        after = page["pageInfo"]["endCursor"]
        assert alert is not None or page["pageInfo"]["hasNextPage"]
    assert ["SHARES_WITH_SPONSOR"] == alert["reasons"]
    ack = "mutation($id: ID!) { acknowledgeFraudAlert(id: $id) { acknowledged } }"
    assert {"acknowledged": True} == (await gql(client, ack, {"id": alert["id"]}))["data"][
        "acknowledgeFraudAlert"
    ]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ('{ fraudSignals(distributorId: "bad id") { kind } }', "BAD_USER_INPUT"),
        ('{ investigateUpline(distributorId: "x", depth: 21) { level } }', "DEPTH_LIMIT_EXCEEDED"),
        ('{ investigateLevels(distributorId: "x", depth: 0) { level } }', "DEPTH_LIMIT_EXCEEDED"),
        ('{ investigateLevels(distributorId: "no-such-one") { level } }', None),
        ('{ fraudRings(first: 101) { totalCount } }', "BAD_USER_INPUT"),
        ('{ fraudRings(after: "nonsense") { totalCount } }', "BAD_USER_INPUT"),
        ('mutation { freezeFraudRing(id: "ring-none", reason: "r") { id } }', "NOT_FOUND"),
        ('mutation { freezeFraudRing(id: "ring-none", reason: " ") { id } }', "BAD_USER_INPUT"),
        ('mutation { acknowledgeFraudAlert(id: "alert-none") { id } }', "NOT_FOUND"),
        ('mutation { registerDistributor(input: {id: "x1", name: "n", address: "，。"}) { id } }',
         "BAD_USER_INPUT"),
    ],
)  # fmt: skip
async def test_bad_fraud_arguments_get_their_code(
    client: httpx.AsyncClient, query: str, code: str | None
) -> None:
    body = await gql(client, query)
    assert ([code] if code else []) == error_codes(body), body


async def test_investigations_over_http(client: httpx.AsyncClient, uid: str) -> None:
    previous = None
    for i in range(22):
        await _register(client, id=f"{uid}-{i}", sponsorId=previous)
        previous = f"{uid}-{i}"
    body = await gql(
        client,
        "query($id: ID!) { investigateUpline(distributorId: $id) { level distributor { id } }"
        " investigateLevels(distributorId: $id, depth: 3) { level count } }",
        {"id": f"{uid}-21"},
    )
    assert 20 == len(body["data"]["investigateUpline"])
    assert [0, 0, 0] == [c["count"] for c in body["data"]["investigateLevels"]]
    heavy = await gql(client, "{ heaviestTeams(first: 3) { id teamMetrics { teamSize } } }")
    sizes = [d["teamMetrics"]["teamSize"] for d in heavy["data"]["heaviestTeams"]]
    assert sizes == sorted(sizes, reverse=True)
