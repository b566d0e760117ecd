"""`analystQuery` over HTTP against the real Neo4j (SPEC §13, issue #15): reads run and
come back in the documented shape; every way of writing, administering or reaching
outside the graph is FORBIDDEN and changes nothing; the timeout, the row cap, roles,
PII, the audit trail and the rate limit."""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from domain.fraud.identifiers import IdentifierKind
from graph.db import Database
from tests.conftest import bearer, error_codes, gql
from tests.helpers import ident, register

QUERY = """
query($cypher: String!, $params: JSON, $limit: Int) {
  analystQuery(cypher: $cypher, params: $params, limit: $limit) { columns rows truncated }
}
"""
AUDIT = """
query($actor: String) {
  auditEvents(actor: $actor, first: 20) {
    edges { node { operation arguments outcome role } }
  }
}
"""
# What a refused query could have changed: everything but the audit trail it writes.
STATE = """
CALL () { MATCH (n) WHERE NOT n:AuditEvent RETURN count(n) AS nodes }
CALL () { MATCH ()-[r]->() RETURN count(r) AS relationships }
CALL () { MATCH (d:Distributor {id: $id}) RETURN properties(d) AS target }
CALL () { CALL db.labels() YIELD label RETURN collect(label) AS labels }
RETURN nodes, relationships, target, labels
"""
INDEXES = "SHOW INDEXES YIELD name RETURN collect(name) AS indexes"


async def analyst_query(
    client: httpx.AsyncClient,
    cypher: str,
    params: dict[str, Any] | None = None,
    *,
    limit: int | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    variables: dict[str, Any] = {"cypher": cypher, "params": params}
    if limit is not None:
        variables["limit"] = limit
    return await gql(client, QUERY, variables, headers=headers or bearer("an-1", "ANALYST"))


def result_of(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["analystQuery"]
    return result


async def _state(db: Database, distributor_id: str) -> dict[str, Any]:
    record = (await db.read(STATE, id=distributor_id))[0]
    indexes = (await db.read(INDEXES))[0]["indexes"]
    return {**record.data(), "indexes": sorted(indexes)}


async def test_read_returns_columns_and_rows(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    await register(db, f"{uid}-s")
    await register(db, f"{uid}-r", f"{uid}-s")
    body = await analyst_query(
        client,
        "MATCH (s:Distributor)-[:REFERRED]->(r:Distributor {id: $id}) "
        "RETURN s.id AS sponsor, r.id AS recruit, r.depth AS depth",
        {"id": f"{uid}-r"},
    )
    assert {
        "columns": ["sponsor", "recruit", "depth"],
        "rows": [[f"{uid}-s", f"{uid}-r", 1]],
        "truncated": False,
    } == result_of(body)


async def test_nodes_relationships_paths_and_values_have_the_documented_shape(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    await register(db, f"{uid}-s")
    await register(db, f"{uid}-r", f"{uid}-s")
    body = await analyst_query(
        client,
        "MATCH p = (s:Distributor {id: $s})-[e:REFERRED]->(r:Distributor) "
        "RETURN s, e, p, r.joinedAt AS joined, date('2026-01-02') AS day, "
        "duration('PT1H30M') AS took, point({x: 1.5, y: 2}) AS at, 0.0 / 0.0 AS nan, "
        "{one: 1, list: [true, null, 'x']} AS map",
        {"s": f"{uid}-s"},
    )
    s, e, p, joined, day, took, at, nan, value = result_of(body)["rows"][0]
    assert "node" == s["_type"] and ["Distributor"] == s["labels"]
    assert f"{uid}-s" == s["properties"]["id"] and s["elementId"]
    assert {"_type", "elementId", "labels", "properties"} == set(s)
    assert "relationship" == e["_type"] and "REFERRED" == e["type"]
    assert s["elementId"] == e["start"] and e["end"] != e["start"]
    assert "path" == p["_type"]
    assert [s["elementId"], e["end"]] == [n["elementId"] for n in p["nodes"]]
    assert [e["elementId"]] == [r["elementId"] for r in p["relationships"]]
    assert s["properties"]["joinedAt"].startswith("2026-11-01T12:00:00")
    assert joined.startswith("2026-11-01T12:00:00") and ("Z" in joined or "+00:00" in joined)
    assert ("2026-01-02", "PT1H30M", "NaN") == (day, took, nan)
    assert {"_type": "point", "srid": 7203, "coordinates": [1.5, 2.0]} == at
    assert {"one": 1, "list": [True, None, "x"]} == value


async def test_row_cap_sets_truncated(client: httpx.AsyncClient) -> None:
    cypher = "UNWIND range(1, 25) AS n RETURN n"
    capped = result_of(await analyst_query(client, cypher, limit=10))
    assert ([[n] for n in range(1, 11)], True) == (capped["rows"], capped["truncated"])
    whole = result_of(await analyst_query(client, cypher, limit=25))
    assert (25, False) == (len(whole["rows"]), whole["truncated"])
    default = result_of(await analyst_query(client, "UNWIND range(1, 1001) AS n RETURN n"))
    assert (1000, True) == (len(default["rows"]), default["truncated"])


@pytest.mark.parametrize("limit", [0, -1, 10_001])
async def test_limit_outside_1_to_10000_is_bad_user_input(
    client: httpx.AsyncClient, limit: int
) -> None:
    body = await analyst_query(client, "RETURN 1 AS one", limit=limit)
    assert ["BAD_USER_INPUT"] == error_codes(body)


WRITES = {
    "create": "CREATE (:AnalystProbe {tag: $tag})",
    "create-returning": "CREATE (n:AnalystProbe {tag: $tag}) RETURN n",
    "merge": "MERGE (:AnalystProbe {tag: $tag})",
    "set": "MATCH (d:Distributor {id: $id}) SET d.name = 'changed'",
    "set-label": "MATCH (d:Distributor {id: $id}) SET d:AnalystProbe",
    "remove": "MATCH (d:Distributor {id: $id}) REMOVE d.rank",
    "delete": "MATCH (d:Distributor {id: $id}) DETACH DELETE d",
    "foreach": "FOREACH (x IN [1] | CREATE (:AnalystProbe {tag: $tag}))",
    "call-in-transactions": "UNWIND [1, 2] AS x CALL (x) { CREATE (:AnalystProbe {tag: $tag}) } "
    "IN TRANSACTIONS OF 1 ROW",
    "write-procedure": "CALL db.createLabel('AnalystProbe')",
    "create-index": "CREATE INDEX analyst_probe IF NOT EXISTS FOR (n:AnalystProbe) ON (n.tag)",
    "create-constraint": "CREATE CONSTRAINT analyst_probe IF NOT EXISTS "
    "FOR (n:AnalystProbe) REQUIRE n.tag IS UNIQUE",
    "drop-index": "DROP INDEX distributor_joined_at",
    "load-csv-file": "LOAD CSV FROM 'file:///etc/hostname' AS line RETURN line",
    "load-csv-write": "LOAD CSV FROM 'file:///etc/hostname' AS line "
    "CREATE (:AnalystProbe {tag: $tag})",
    "dbms-procedure": "CALL dbms.listConfig() YIELD name RETURN name",
    "dbms-components": "CALL dbms.components()",
    "clear-caches": "CALL db.clearQueryCaches()",
    "tx-metadata": "CALL tx.setMetaData({by: 'analyst'})",
    "show-transactions": "SHOW TRANSACTIONS",
    "terminate-transactions": "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
    "show-settings": "SHOW SETTINGS YIELD name RETURN name",
    "show-users": "SHOW USERS",
    "create-user": "CREATE USER analyst_probe SET PASSWORD 'not-a-real-one-1'",
}


@pytest.mark.parametrize("name", sorted(WRITES))
async def test_writes_admin_and_outside_reads_are_forbidden_and_change_nothing(
    client: httpx.AsyncClient, db: Database, uid: str, name: str
) -> None:
    await register(db, uid)
    before = await _state(db, uid)
    body = await analyst_query(client, WRITES[name], {"tag": uid, "id": uid})
    assert ["FORBIDDEN"] == error_codes(body), body
    assert body["data"] is None
    assert "read-only" in body["errors"][0]["message"]
    assert before == await _state(db, uid)
    probes = await db.read("MATCH (n:AnalystProbe) RETURN count(n) AS n")
    assert 0 == probes[0]["n"]


async def test_schema_reads_stay_open(client: httpx.AsyncClient) -> None:
    reads = [
        "CALL db.labels()",
        "SHOW INDEXES YIELD name RETURN name",
        "SHOW CONSTRAINTS YIELD name RETURN name",
        "CALL db.schema.visualization()",
    ]
    for cypher in reads:
        assert result_of(await analyst_query(client, cypher))["rows"], cypher


async def test_cartesian_product_stops_at_the_timeout(
    settings: Settings, db: Database, uid: str
) -> None:
    await register(db, uid)
    quick = settings.model_copy(update={"analyst_query_timeout": 1.0})
    transport = httpx.ASGITransport(app=create_app(quick, database=db))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        started = time.monotonic()
        body = await analyst_query(
            c,
            "MATCH (a), (b), (c) UNWIND range(1, 1000000000) AS i RETURN count(*) AS n",
        )
        took = time.monotonic() - started
    assert ["TIMEOUT"] == error_codes(body), body
    assert "1 s" in body["errors"][0]["message"]
    assert took < 15, took


async def test_bad_cypher_is_bad_user_input_with_the_analysts_positions(
    client: httpx.AsyncClient,
) -> None:
    body = await analyst_query(client, "MATCH (n\nRETURN n")
    assert ["BAD_USER_INPUT"] == error_codes(body)
    message = body["errors"][0]["message"]
    assert "(line 2, column 1 (offset: 9))" in message, message
    assert "EXPLAIN" not in message and "\n" not in message


@pytest.mark.parametrize(
    "params",
    ["not json", [1, 2], {"bad name": 1}, {"n": 2**70}, {"deep": [[[[[[[[[1]]]]]]]]]}],
)
async def test_bad_params_are_bad_user_input(client: httpx.AsyncClient, params: Any) -> None:
    body = await gql(
        client,
        QUERY,
        {"cypher": "RETURN $n AS n", "params": params},
        headers=bearer("an-1", "ANALYST"),
    )
    assert ["BAD_USER_INPUT"] == error_codes(body), body


async def test_params_as_a_json_object_reach_the_query(client: httpx.AsyncClient) -> None:
    params = {"n": 7, "names": ["a", "b"], "map": {"k": 1.5}, "none": None}
    body = await analyst_query(client, "RETURN $n AS n, $names AS names, $map.k AS k, $none AS x",
                               params)  # fmt: skip
    assert [[7, ["a", "b"], 1.5, None]] == result_of(body)["rows"]
    missing = await analyst_query(client, "RETURN $absent AS x")
    assert ["BAD_USER_INPUT"] == error_codes(missing)


@pytest.mark.parametrize("role", ["DISTRIBUTOR", "SERVICE"])
async def test_other_roles_are_forbidden(client: httpx.AsyncClient, role: str) -> None:
    body = await analyst_query(client, "RETURN 1 AS one", headers=bearer("someone", role))
    assert ["FORBIDDEN"] == error_codes(body)


async def test_without_a_token_is_unauthenticated(anonymous: httpx.AsyncClient) -> None:
    body = await gql(anonymous, QUERY, {"cypher": "RETURN 1 AS one"})
    assert ["UNAUTHENTICATED"] == error_codes(body)


async def test_admin_may_query(client: httpx.AsyncClient) -> None:
    body = await analyst_query(client, "RETURN 1 AS one", headers=bearer("ad-1", "ADMIN"))
    assert [[1]] == result_of(body)["rows"]


async def test_pii_comes_back_sealed_and_identifiers_as_hmac_keys(
    client: httpx.AsyncClient, uid: str
) -> None:
    phone = "137" + "".join(random.choices("0123456789", k=8))
    plain = {
        "phone": phone,
        "realName": f"司马{uid[-3:]}",
        "paymentAccount": "6217" + "".join(random.choices("0123456789", k=12)),
        "address": f"{uid} 南京路 8 号",
        "deviceId": f"device-{uid}",
    }
    registered = await gql(
        client,
        "mutation($input: RegisterDistributorInput!) { registerDistributor(input: $input) { id } }",
        {"input": {"id": uid, "name": "显示名", **plain}},
    )
    assert "errors" not in registered, registered
    body = await analyst_query(
        client,
        "MATCH (d:Distributor {id: $id}) OPTIONAL MATCH (d)-[u:USES]->(i:Identifier) "
        "RETURN d, collect(i) AS identifiers, collect(i.key) AS keys, d.phone AS phone",
        {"id": uid},
    )
    row = result_of(body)["rows"][0]
    text = json.dumps(body, ensure_ascii=False)
    for value in plain.values():
        assert value not in text
    assert phone[-8:] not in text and phone[:7] not in text
    for field in ("phone", "realName", "paymentAccount"):
        assert row[0]["properties"][field].startswith("pii1:"), field
    assert row[3].startswith("pii1:")
    expected = {
        ident(IdentifierKind.PHONE, phone).key,
        ident(IdentifierKind.PAYMENT, plain["paymentAccount"]).key,
        ident(IdentifierKind.ADDRESS, plain["address"]).key,
        ident(IdentifierKind.DEVICE, plain["deviceId"]).key,
    }
    assert expected == set(row[2])
    assert expected == {i["properties"]["key"] for i in row[1]}


async def test_every_run_is_audited_with_its_text_and_hash(
    client: httpx.AsyncClient, uid: str
) -> None:
    analyst = f"an-{uid}"
    read = f"RETURN '{uid}' AS tag"
    write = f"CREATE (:AnalystProbe {{tag: '{uid}'}})"
    assert "errors" not in await analyst_query(client, read, headers=bearer(analyst, "ANALYST"))
    refused = await analyst_query(client, write, headers=bearer(analyst, "ANALYST"))
    assert ["FORBIDDEN"] == error_codes(refused)
    body = await gql(client, AUDIT, {"actor": analyst})
    events = [e["node"] for e in body["data"]["auditEvents"]["edges"]]
    found = {json.loads(e["arguments"])["cypher"]: (e, json.loads(e["arguments"])) for e in events}
    (ok, ok_args), (no, no_args) = found[read], found[write]
    assert ("analystQuery", "OK", "ANALYST") == (ok["operation"], ok["outcome"], ok["role"])
    assert hashlib.sha256(read.encode()).hexdigest() == ok_args["sha256"]
    assert (1, False, 1000) == (ok_args["rows"], ok_args["truncated"], ok_args["limit"])
    assert ("analystQuery", "FORBIDDEN") == (no["operation"], no["outcome"])
    assert hashlib.sha256(write.encode()).hexdigest() == no_args["sha256"]


@pytest.fixture
async def limited(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    strict = settings.model_copy(update={"mutation_rate_limit": 2})
    transport = httpx.ASGITransport(app=create_app(strict, database=db))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_runs_are_rate_limited_per_token(limited: httpx.AsyncClient, uid: str) -> None:
    headers = bearer(f"an-{uid}", "ANALYST")
    for _ in range(2):
        assert "errors" not in await analyst_query(limited, "RETURN 1 AS one", headers=headers)
    body = await analyst_query(limited, "RETURN 1 AS one", headers=headers)
    assert ["RATE_LIMITED"] == error_codes(body)
    other = await analyst_query(limited, "RETURN 1 AS one", headers=bearer(f"b-{uid}", "ANALYST"))
    assert "errors" not in other
