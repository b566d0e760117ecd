"""Ring exports over HTTP (SPEC §13): GraphML that networkx parses and that follows the
GraphML structure, and JSON, each with exactly the ring's members, shared identifiers,
USES and REFERRED edges; ANALYST and ADMIN only, coded JSON errors otherwise; audited."""

from __future__ import annotations

import io
import json
import random
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import networkx as nx
import pytest

from domain.fraud.rings import RingDraft
from tests.conftest import bearer, error_codes, gql

NS = "{http://graphml.graphdrawing.org/xmlns}"
REGISTER = """
mutation($input: RegisterDistributorInput!) { registerDistributor(input: $input) { id } }
"""
RING = """
query($id: ID!) {
  fraudRing(id: $id) {
    id size score reasons referralEdges { sponsorId recruitId } identifiers { key kind }
    members { id }
  }
}
"""


def _digits(n: int) -> str:
    return "".join(random.choices("0123456789", k=n))


@pytest.fixture(scope="module")
async def ring(client: httpx.AsyncClient) -> dict[str, Any]:
    """hub → r1, hub → r2, r1 → r3 share a device; r1 and r2 also a card; the hub's other
    recruit shares nothing. Each has a phone of its own (used once: not shared)."""
    uid = "rx" + _digits(10)
    device, card = f"dev-{uid}", "6225" + _digits(12)
    people = [
        ("hub", None, {"deviceId": device}),
        ("r1", "hub", {"deviceId": device, "paymentAccount": card}),
        ("r2", "hub", {"deviceId": device, "paymentAccount": card}),
        ("r3", "r1", {"deviceId": device}),
        ("out", "hub", {}),
    ]
    for name, sponsor, identifiers in people:
        given = {"id": f"{uid}-{name}", "name": "测试", "phone": "135" + _digits(8), **identifiers}
        if sponsor:
            given["sponsorId"] = f"{uid}-{sponsor}"
        body = await gql(client, REGISTER, {"input": given})
        assert "errors" not in body, body
    assert "errors" not in await gql(client, "mutation { runFraudScan }")
    members = sorted(f"{uid}-{n}" for n in ("hub", "r1", "r2", "r3"))
    ring_id = RingDraft(members=members).id
    body = await gql(client, RING, {"id": ring_id})
    found: dict[str, Any] = body["data"]["fraudRing"]
    assert members == sorted(m["id"] for m in found["members"])
    return found


def _analyst() -> dict[str, str]:
    return bearer("export-analyst", "ANALYST")


async def test_graphml_parses_with_networkx_and_matches_the_ring(
    client: httpx.AsyncClient, ring: dict[str, Any]
) -> None:
    response = await client.get(f"/analyst/rings/{ring['id']}.graphml", headers=_analyst())
    assert 200 == response.status_code, response.text
    assert response.headers["content-type"].startswith("application/graphml+xml")
    graph = nx.read_graphml(io.BytesIO(response.content))
    assert isinstance(graph, nx.DiGraph)
    members = {f"d:{m['id']}" for m in ring["members"]}
    identifiers = {f"i:{i['key']}" for i in ring["identifiers"]}
    assert members | identifiers == set(graph.nodes)
    assert (4, 2) == (len(members), len(identifiers))
    referred = {(f"d:{e['sponsorId']}", f"d:{e['recruitId']}") for e in ring["referralEdges"]}
    assert 3 == len(referred)
    edges = {(s, t): a["type"] for s, t, a in graph.edges(data=True)}
    assert referred == {k for k, kind in edges.items() if kind == "REFERRED"}
    uses = {k for k, kind in edges.items() if kind == "USES"}
    assert 6 == len(uses) and {s for s, _ in uses} == members
    assert 9 == graph.number_of_edges()
    assert (ring["score"], "; ".join(ring["reasons"]), 4) == (
        graph.graph["score"], graph.graph["reasons"], graph.graph["size"]
    )  # fmt: skip
    hub = next(m for m in members if m.endswith("-hub"))
    assert ("distributor", hub[2:], "ACTIVE") == (
        graph.nodes[hub]["type"], graph.nodes[hub]["label"], graph.nodes[hub]["status"]
    )  # fmt: skip
    kinds = sorted(graph.nodes[i]["kind"] for i in identifiers)
    assert ["DEVICE", "PAYMENT"] == kinds


async def test_graphml_follows_the_graphml_structure(
    client: httpx.AsyncClient, ring: dict[str, Any]
) -> None:
    """What the GraphML schema requires of this document: the root in the GraphML
    namespace, every <key> before the <graph>, each <data> naming a key declared for its
    element, an edgedefault, unique node ids, and edges between declared nodes."""
    response = await client.get(f"/analyst/rings/{ring['id']}.graphml", headers=_analyst())
    root = ET.fromstring(response.content)
    assert f"{NS}graphml" == root.tag
    children = [c.tag for c in root]
    assert children == [f"{NS}key"] * (len(children) - 1) + [f"{NS}graph"]
    keys = {k.get("id"): k.get("for") for k in root.iter(f"{NS}key")}
    types = {k.get("attr.type") for k in root.iter(f"{NS}key")}
    assert types <= {"boolean", "int", "long", "float", "double", "string"}
    graph = root.find(f"{NS}graph")
    assert graph is not None and "directed" == graph.get("edgedefault")
    for element, domain in [(graph, "graph")] + [
        (e, e.tag.removeprefix(NS)) for e in graph if e.tag != f"{NS}data"
    ]:
        for data in element.findall(f"{NS}data"):
            assert domain == keys[data.get("key")], data.get("key")
    nodes = [n.get("id") for n in graph.iter(f"{NS}node")]
    assert len(nodes) == len(set(nodes))
    for edge in graph.iter(f"{NS}edge"):
        assert {edge.get("source"), edge.get("target")} <= set(nodes)


async def test_json_export_has_the_same_graph(
    client: httpx.AsyncClient, ring: dict[str, Any]
) -> None:
    response = await client.get(f"/analyst/rings/{ring['id']}.json", headers=_analyst())
    assert 200 == response.status_code
    body = response.json()
    assert (ring["id"], ring["score"], 4) == (
        body["ring"]["ringId"], body["ring"]["score"], body["ring"]["size"]
    )  # fmt: skip
    by_type: dict[str, int] = {}
    for node in body["nodes"]:
        by_type[node["type"]] = by_type.get(node["type"], 0) + 1
    assert {"distributor": 4, "identifier": 2} == by_type
    assert {"USES": 6, "REFERRED": 3} == {
        t: sum(1 for e in body["edges"] if e["type"] == t) for t in ("USES", "REFERRED")
    }
    keys = {n["key"] for n in body["nodes"] if n["type"] == "identifier"}
    assert {i["key"] for i in ring["identifiers"]} == keys
    assert all(k.startswith(("DEVICE:", "PAYMENT:")) for k in keys)


async def test_an_admin_may_export_and_the_export_is_audited(
    client: httpx.AsyncClient, ring: dict[str, Any]
) -> None:
    who = "export-admin-" + _digits(6)
    response = await client.get(f"/analyst/rings/{ring['id']}.json", headers=bearer(who, "ADMIN"))
    assert 200 == response.status_code
    body = await gql(
        client,
        "query($a: String) { auditEvents(actor: $a, first: 5) "
        "{ edges { node { operation arguments } } } }",
        {"a": who},
    )
    (event,) = [e["node"] for e in body["data"]["auditEvents"]["edges"]]
    assert "exportFraudRing" == event["operation"]
    assert {"ringId": ring["id"], "format": "json"} == json.loads(event["arguments"])


@pytest.mark.parametrize("suffix", ["graphml", "json"])
@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "UNAUTHENTICATED"),
        ({"Authorization": "Bearer not-a-token"}, 401, "UNAUTHENTICATED"),
        (bearer("someone", "DISTRIBUTOR"), 403, "FORBIDDEN"),
        (bearer("svc", "SERVICE"), 403, "FORBIDDEN"),
    ],
)
async def test_others_get_a_coded_json_error(
    anonymous: httpx.AsyncClient,
    ring: dict[str, Any],
    suffix: str,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    response = await anonymous.get(f"/analyst/rings/{ring['id']}.{suffix}", headers=headers)
    assert status == response.status_code
    assert [code] == error_codes(response.json())


@pytest.mark.parametrize(("ring_id", "status", "code"),
                         [("ring-0000000000000000", 404, "NOT_FOUND"),
                          ("bad%20id", 400, "BAD_USER_INPUT")])  # fmt: skip
async def test_unknown_or_malformed_ring_is_a_coded_json_error(
    anonymous: httpx.AsyncClient, ring_id: str, status: int, code: str
) -> None:
    response = await anonymous.get(f"/analyst/rings/{ring_id}.graphml", headers=_analyst())
    assert status == response.status_code
    assert [code] == error_codes(response.json())
