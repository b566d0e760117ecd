"""Saved investigations over HTTP (SPEC §13): save, list (shared by analysts, paged),
rerun with other parameters through the same safe path, audited."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx

from graph.db import Database
from tests.conftest import bearer, error_codes, gql
from tests.helpers import register

SAVE = """
mutation($input: SaveInvestigationInput!) {
  saveInvestigation(input: $input) {
    id name cypher params createdBy createdAt updatedBy updatedAt
  }
}
"""
RUN = """
query($id: ID!, $params: JSON, $limit: Int) {
  runInvestigation(id: $id, params: $params, limit: $limit) { columns rows truncated }
}
"""
LIST = """
query($first: Int, $after: String) {
  investigations(first: $first, after: $after) {
    totalCount
    edges { cursor node { id name createdBy } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
AUDIT = """
query($actor: String) {
  auditEvents(actor: $actor, first: 50) { edges { node { operation arguments outcome } } }
}
"""
RECRUITS = (
    "MATCH (:Distributor {id: $id})-[:REFERRED]->(r:Distributor) "
    "RETURN r.id AS recruit ORDER BY recruit"
)


def analyst(subject: str) -> dict[str, str]:
    return bearer(subject, "ANALYST")


async def save(
    client: httpx.AsyncClient, who: str, name: str, cypher: str, params: Any = None
) -> dict[str, Any]:
    return await gql(
        client,
        SAVE,
        {"input": {"name": name, "cypher": cypher, "params": params}},
        headers=analyst(who),
    )


async def test_save_and_rerun_with_other_params(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    for sponsor in ("a", "b"):
        await register(db, f"{uid}-{sponsor}")
        for n in range(2 if sponsor == "a" else 1):
            await register(db, f"{uid}-{sponsor}{n}", f"{uid}-{sponsor}")
    body = await save(client, f"an-{uid}", f"recruits {uid}", RECRUITS, {"id": f"{uid}-a"})
    saved = body["data"]["saveInvestigation"]
    assert {"name": f"recruits {uid}", "cypher": RECRUITS, "params": {"id": f"{uid}-a"},
            "createdBy": f"an-{uid}", "updatedBy": None, "updatedAt": None} == {
        k: saved[k] for k in ("name", "cypher", "params", "createdBy", "updatedBy", "updatedAt")
    }  # fmt: skip
    assert saved["id"].startswith("inv-") and saved["createdAt"]
    other = f"other-{uid}"  # shared: another analyst runs it
    with_saved = await gql(client, RUN, {"id": saved["id"]}, headers=analyst(other))
    assert [[f"{uid}-a0"], [f"{uid}-a1"]] == with_saved["data"]["runInvestigation"]["rows"]
    with_b = await gql(
        client, RUN, {"id": saved["id"], "params": {"id": f"{uid}-b"}}, headers=analyst(other)
    )
    assert [[f"{uid}-b0"]] == with_b["data"]["runInvestigation"]["rows"]
    capped = await gql(client, RUN, {"id": saved["id"], "limit": 1}, headers=analyst(other))
    assert {"columns": ["recruit"], "rows": [[f"{uid}-a0"]], "truncated": True} == capped["data"][
        "runInvestigation"
    ]


async def test_saving_a_name_again_updates_it_and_keeps_the_id(
    client: httpx.AsyncClient, uid: str
) -> None:
    first = (await save(client, f"an-{uid}", uid, "RETURN 1 AS n"))["data"]["saveInvestigation"]
    second = (await save(client, f"bn-{uid}", f"  {uid} ", "RETURN 2 AS n"))["data"][
        "saveInvestigation"
    ]
    assert first["id"] == second["id"]
    assert ("RETURN 2 AS n", f"an-{uid}", f"bn-{uid}") == (
        second["cypher"], second["createdBy"], second["updatedBy"]
    )  # fmt: skip
    assert second["updatedAt"] and first["createdAt"] == second["createdAt"]
    rerun = await gql(client, RUN, {"id": first["id"]}, headers=analyst(f"an-{uid}"))
    assert [[2]] == rerun["data"]["runInvestigation"]["rows"]


async def test_a_write_is_refused_at_save_and_not_saved(
    client: httpx.AsyncClient, uid: str
) -> None:
    body = await save(client, f"an-{uid}", uid, "MATCH (d:Distributor) SET d.rank = 'X'")
    assert ["FORBIDDEN"] == error_codes(body)
    load = await save(
        client, f"an-{uid}", uid, "LOAD CSV FROM 'file:///etc/hostname' AS l RETURN l"
    )
    assert ["FORBIDDEN"] == error_codes(load)
    syntax = await save(client, f"an-{uid}", uid, "MATCH (n RETURN n")
    assert ["BAD_USER_INPUT"] == error_codes(syntax)
    names = await _all_names(client)
    assert uid not in names


async def test_unknown_investigation_is_not_found(client: httpx.AsyncClient, uid: str) -> None:
    body = await gql(client, RUN, {"id": f"inv-{uid}"}, headers=analyst(f"an-{uid}"))
    assert ["NOT_FOUND"] == error_codes(body)


async def _all_names(client: httpx.AsyncClient) -> list[str]:
    names: list[str] = []
    after = None
    while True:
        body = await gql(client, LIST, {"first": 100, "after": after}, headers=analyst("x"))
        page = body["data"]["investigations"]
        names += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return names
        after = page["pageInfo"]["endCursor"]


async def test_investigations_are_listed_by_name_for_every_analyst_in_pages(
    client: httpx.AsyncClient, uid: str
) -> None:
    mine = [f"{uid} {n}" for n in ("c", "a", "b")]
    for name in mine:
        assert "errors" not in await save(client, f"an-{uid}", name, "RETURN 1 AS one")
    names = await _all_names(client)
    assert sorted(mine) == [n for n in names if n.startswith(uid)]
    assert names == sorted(names)
    first = await gql(client, LIST, {"first": 1}, headers=bearer(f"ad-{uid}", "ADMIN"))
    page = first["data"]["investigations"]
    assert page["totalCount"] == len(names) and 1 == len(page["edges"])
    assert page["pageInfo"]["hasNextPage"]
    assert page["pageInfo"]["endCursor"] == page["edges"][0]["cursor"]
    bad = await gql(client, LIST, {"first": 1, "after": "nope"}, headers=analyst("x"))
    assert ["BAD_USER_INPUT"] == error_codes(bad)


async def test_saves_and_runs_are_audited(client: httpx.AsyncClient, uid: str) -> None:
    who = f"an-{uid}"
    cypher = f"RETURN '{uid}' AS tag, $n AS n"
    saved = (await save(client, who, uid, cypher, {"n": 1}))["data"]["saveInvestigation"]
    await gql(client, RUN, {"id": saved["id"], "params": {"n": 2}}, headers=analyst(who))
    edges = (await gql(client, AUDIT, {"actor": who}))["data"]["auditEvents"]["edges"]
    events = [e["node"] for e in edges]
    by_operation: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_operation.setdefault(event["operation"], []).append(json.loads(event["arguments"]))
    digest = hashlib.sha256(cypher.encode()).hexdigest()
    domain = [a for a in by_operation["saveInvestigation"] if "investigationId" in a]
    assert [(saved["id"], uid, digest, cypher)] == [
        (a["investigationId"], a["investigationName"], a["sha256"], a["cypher"]) for a in domain
    ]
    (run,) = by_operation["runInvestigation"]
    assert (saved["id"], digest, {"n": 2}, 1) == (
        run["investigationId"], run["sha256"], run["params"], run["rows"]
    )  # fmt: skip


async def test_a_distributor_may_not_save_list_or_run(client: httpx.AsyncClient) -> None:
    headers = bearer("someone", "DISTRIBUTOR")
    for query, variables in (
        (SAVE, {"input": {"name": "x", "cypher": "RETURN 1"}}),
        (LIST, {}),
        (RUN, {"id": "inv-x"}),
    ):
        assert ["FORBIDDEN"] == error_codes(await gql(client, query, variables, headers=headers))
