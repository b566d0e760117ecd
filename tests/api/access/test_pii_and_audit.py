"""PII at rest (a raw read of Neo4j finds no plain phone) and the audit trail (an event
for every mutation, redacted, listed by ADMIN with keyset paging)."""

from __future__ import annotations

import json
import random
from typing import Any

import httpx

from graph.db import Database
from tests.api.access.test_access_matrix import CALLS, MISSING, code_matrix
from tests.conftest import bearer, error_codes, gql

REGISTER = """
mutation($input: RegisterDistributorInput!) {
  registerDistributor(input: $input) { id phone realName paymentAccount }
}
"""
# Every string and list-of-strings property of every node and relationship.
ANY_PROPERTY_CONTAINS = """
MATCH (n) WHERE any(k IN keys(n) WHERE
  (n[k] IS :: STRING AND n[k] CONTAINS $needle)
  OR (n[k] IS :: LIST<STRING NOT NULL> AND any(x IN n[k] WHERE x CONTAINS $needle)))
RETURN count(n) AS n
UNION ALL
MATCH ()-[r]->() WHERE any(k IN keys(r) WHERE
  (r[k] IS :: STRING AND r[k] CONTAINS $needle)
  OR (r[k] IS :: LIST<STRING NOT NULL> AND any(x IN r[k] WHERE x CONTAINS $needle)))
RETURN count(r) AS n
"""
AUDIT = """
query($actor: String, $first: Int, $after: String) {
  auditEvents(actor: $actor, first: $first, after: $after) {
    edges { node { id actor role operation arguments outcome requestId at } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def _phone() -> str:
    return "139" + "".join(random.choices("0123456789", k=8))


async def _mentions(db: Database, needle: str) -> int:
    return sum(r["n"] for r in await db.read(ANY_PROPERTY_CONTAINS, needle=needle))


async def test_no_plain_pii_in_a_raw_read_of_the_database(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    phone, account = _phone(), "6222" + "".join(random.choices("0123456789", k=12))
    real_name = f"欧阳{uid[-4:]}"
    given = {"id": uid, "name": "显示名", "phone": phone, "realName": real_name,
             "paymentAccount": account, "address": f"{uid} 北京路 1 号"}  # fmt: skip
    body = await gql(client, REGISTER, {"input": given})
    assert {"id": uid, "phone": phone, "realName": real_name, "paymentAccount": account} == body[
        "data"
    ]["registerDistributor"]
    for needle in (phone, phone[3:], account, real_name, f"{uid} 北京路"):
        assert 0 == await _mentions(db, needle), needle
    stored = await db.read(
        "MATCH (d:Distributor {id: $id}) RETURN d.phone AS p, d.phoneHash AS h", id=uid
    )
    assert stored[0]["p"].startswith("pii1:") and stored[0]["h"].startswith("PHONE:")


async def test_a_phone_is_found_through_its_keyed_hash(client: httpx.AsyncClient, uid: str) -> None:
    phone = _phone()
    await gql(client, REGISTER, {"input": {"id": uid, "name": "n", "phone": phone}})
    spelled = f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"
    query = "query($p: String!) { distributorsByPhone(phone: $p) { id phone } }"
    body = await gql(client, query, {"p": spelled})
    assert [{"id": uid, "phone": phone}] == body["data"]["distributorsByPhone"]


async def _events(client: httpx.AsyncClient, actor: str, first: int = 100) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        body = await gql(client, AUDIT, {"actor": actor, "first": first, "after": after})
        page = body["data"]["auditEvents"]
        found += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def test_every_mutation_writes_one_audit_event(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    actor = f"auditor-{uid}"
    mutations = sorted(name for name in code_matrix() if CALLS[name].startswith("mutation"))
    outcomes = {}
    for name in mutations:
        query = CALLS[name]
        variables = {k: v for k, v in {"me": uid, "missing": MISSING}.items() if f"${k}" in query}
        body = await gql(client, query, variables, headers=bearer(actor, "ADMIN"))
        outcomes[name] = (error_codes(body) or ["OK"])[0]
    events = await _events(client, actor)
    edge_events = [e for e in events if e["operation"] in outcomes]
    assert sorted(outcomes) == sorted(e["operation"] for e in edge_events)
    assert outcomes == {e["operation"]: e["outcome"] for e in edge_events}
    assert {("ADMIN", actor)} == {(e["role"], e["actor"]) for e in events}
    assert all(e["requestId"] for e in edge_events)


async def test_refused_calls_are_audited_and_arguments_are_redacted(
    client: httpx.AsyncClient, uid: str
) -> None:
    actor = f"analyst-{uid}"
    phone = _phone()
    given = {"id": uid, "name": "张三", "phone": phone, "realName": "张三丰"}
    body = await gql(client, REGISTER, {"input": given}, headers=bearer(actor, "ANALYST"))
    assert ["FORBIDDEN"] == error_codes(body)
    (event,) = await _events(client, actor)
    assert ("registerDistributor", "FORBIDDEN", "ANALYST") == (
        event["operation"], event["outcome"], event["role"]
    )  # fmt: skip
    arguments = json.loads(event["arguments"])
    assert {"id": uid, "name": "[redacted]", "phone": "[redacted]", "realName": "[redacted]"} == {
        k: v for k, v in arguments["input"].items() if v is not None
    }
    assert phone not in event["arguments"] and "张三" not in event["arguments"]


async def test_calls_without_a_token_are_not_audited(
    anonymous: httpx.AsyncClient, client: httpx.AsyncClient, uid: str
) -> None:
    body = await gql(anonymous, REGISTER, {"input": {"id": uid, "name": "n"}})
    assert ["UNAUTHENTICATED"] == error_codes(body)
    assert [] == await _events(client, "anonymous")


async def test_audit_pages_are_keyset_and_complete(client: httpx.AsyncClient, uid: str) -> None:
    actor = f"pager-{uid}"
    freeze = 'mutation($id: ID!) { freezeDistributor(id: $id, reason: "r") { id } }'
    for i in range(7):
        await gql(client, freeze, {"id": f"{uid}-{i}"}, headers=bearer(actor, "ADMIN"))
    whole = await _events(client, actor)
    paged = await _events(client, actor, first=2)
    assert 7 == len(whole) and [e["id"] for e in whole] == [e["id"] for e in paged]
    assert [e["at"] for e in whole] == sorted((e["at"] for e in whole), reverse=True)
    assert [f"{uid}-{i}" for i in reversed(range(7))] == [
        json.loads(e["arguments"])["id"] for e in whole
    ]
    body = await gql(client, AUDIT, {"after": "not-a-cursor"})
    assert ["BAD_USER_INPUT"] == error_codes(body)


async def test_only_admins_list_audit_events(client: httpx.AsyncClient) -> None:
    for role in ("ANALYST", "SERVICE", "DISTRIBUTOR"):
        body = await gql(client, AUDIT, {"first": 1}, headers=bearer("someone", role))
        assert ["FORBIDDEN"] == error_codes(body)
