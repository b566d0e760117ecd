"""The analyst's guide holds (docs/fraud.md §11, docs/graph-model.md): its queries are the
ones `referral demo-data` saves, word for word, and each runs over HTTP through
`analystQuery` against a demo network loaded by the project's own loader."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from graphql import parse, validate

from app.settings import ROOT, default_policy
from devtools import demo_fraud
from devtools.demo import load_demo, load_demo_orders
from devtools.investigation_examples import EXAMPLES, GRAPH_MODEL, TEN, for_prefix, save_all
from graph.db import Database
from schema.schema import build_schema
from tests.api.fraud.test_analyst_query import analyst_query, result_of
from tests.conftest import bearer, gql

SIZE = 150
# Ids sort before the other tests' (digits before letters), so that the global queries
# ordered by id show this network's rows within their LIMIT.
PREFIX = "0g" + uuid.uuid4().hex[:8]


def _blocks(doc: str, heading: str) -> list[str]:
    """The ```cypher blocks of the section of `doc` that starts at `heading`."""
    text = (ROOT / "docs" / doc).read_text()
    start = text.index(heading)
    level = heading.split(" ", 1)[0]
    following = re.search(rf"^{level} ", text[start + len(heading) :], re.MULTILINE)
    section = text[start : start + len(heading) + following.start() if following else None]
    return [b.strip() for b in re.findall(r"```cypher\n(.*?)```", section, re.DOTALL)]


def test_docs_show_exactly_the_saved_examples() -> None:
    assert [e.cypher for e in GRAPH_MODEL] == _blocks("graph-model.md", "## Analyst queries")
    assert [e.cypher for e in TEN] == _blocks("fraud.md", "### 11.4 Ten investigation queries")
    assert 10 == len(TEN)
    assert len(EXAMPLES) == len({e.name for e in EXAMPLES})


def _graphql_blocks(doc: str, heading: str) -> list[str]:
    text = (ROOT / "docs" / doc).read_text()
    start = text.index(heading)
    level = heading.split(" ", 1)[0]
    following = re.search(rf"^{level} ", text[start + len(heading) :], re.MULTILINE)
    section = text[start : start + len(heading) + following.start() if following else None]
    return re.findall(r"```graphql\n(.*?)```", section, re.DOTALL)


def test_the_guides_graphql_examples_validate_against_the_schema() -> None:
    schema = build_schema()._schema
    blocks = _graphql_blocks("fraud.md", "## 11. The analyst's workbench")
    blocks += _graphql_blocks("api.md", "## Analyst workbench")
    assert len(blocks) >= 4
    for block in blocks:
        assert [] == validate(schema, parse(block)), block


@pytest.fixture(scope="module")
async def network(db: Database) -> str:
    """A small demo network with the planted patterns, scanned."""
    policy = default_policy()
    assert await load_demo(db, size=SIZE, prefix=PREFIX) is not None
    await load_demo_orders(db, size=SIZE, prefix=PREFIX, policy=policy)
    await demo_fraud.plant(db, prefix=PREFIX, size=SIZE, policy=policy, now=datetime.now(UTC))
    return PREFIX


async def test_the_guides_first_example_answers_as_shown(
    client: httpx.AsyncClient, network: str
) -> None:
    text = (ROOT / "docs" / "fraud.md").read_text()
    variables = json.loads(re.search(r"^Variables `(\{\"cypher.*\})`$", text, re.M).group(1))
    shown = json.loads(re.search(r"^```json\n(\{\"data\": \{\"analystQuery.*?)```", text,
                                 re.M | re.S).group(1))  # fmt: skip
    params = for_prefix(variables["params"], network)
    body = await analyst_query(client, variables["cypher"], params, limit=variables["limit"])
    expected = json.loads(json.dumps(shown).replace("demo-", f"{network}-"))
    assert expected == body


def _ids(rows: list[list[Any]], column: int) -> list[Any]:
    return [row[column] for row in rows]


async def _run(client: httpx.AsyncClient, index: int, prefix: str) -> dict[str, Any]:
    example = TEN[index - 1]
    return result_of(
        await analyst_query(client, example.cypher, for_prefix(example.params, prefix))
    )


async def test_the_ten_queries_run_against_the_demo_network(
    client: httpx.AsyncClient, network: str
) -> None:
    x = f"{network}-x"
    results = {n: await _run(client, n, network) for n in range(1, 11)}
    for n, result in results.items():
        assert result["rows"], (n, result)
        assert not result["truncated"], n
    assert ["ring", "score", "size", "kinds", "reasons"] == results[1]["columns"]
    ring = results[2]["rows"]
    assert [f"{x}-hub"] + [f"{x}-hub-{n}" for n in range(1, 5)] == _ids(ring, 2)
    assert all(sorted(r[4]) == ["ADDRESS", "DEVICE"] for r in ring)
    paths = _ids(results[3]["rows"], 0)
    assert {"path"} == {p["_type"] for p in paths}
    assert {f"{x}-card-2", f"{x}-card-3"} == {p["nodes"][-1]["properties"]["id"] for p in paths}
    assert all(p["nodes"][1]["properties"]["key"].startswith("PAYMENT:") for p in paths)
    kinds_users = {(r[0], r[2], r[3]) for r in results[4]["rows"]}
    assert kinds_users, results[4]
    assert (f"{x}-twin", f"{x}-self", ["PHONE"]) in [tuple(r) for r in results[5]["rows"]]
    farm = [r for r in results[6]["rows"] if r[0] == f"{x}-hub"]
    assert [(f"{x}-hub-{n}", f"{x}-farm-order-{n}", "ADDRESS", 1) for n in range(1, 5)] == [
        (r[1], r[2], r[3], r[4]) for r in farm
    ]
    assert ["sponsor", "recruits", "first", "last"] == results[7]["columns"]
    assert ["sponsor", "recruits", "buyers", "buyerPercent"] == results[8]["columns"]
    assert ["ring", "score", "commissions", "earnedFen"] == results[9]["columns"]
    assert ["upline", "ringMembersBelow", "rings"] == results[10]["columns"]


async def test_the_planted_patterns_show_in_the_scoped_queries(
    client: httpx.AsyncClient, network: str
) -> None:
    """The burst and the hollow downline, asked about this network's sponsor alone."""
    x = f"{network}-x"
    burst = result_of(await analyst_query(
        client,
        "MATCH (s:Distributor {id: $id})-[r:REFERRED]->() "
        "WHERE r.at >= datetime() - duration('P7D') RETURN count(*) AS recruits",
        {"id": f"{x}-burst"},
    ))  # fmt: skip
    assert [[demo_fraud.BURST_RECRUITS]] == burst["rows"]
    parcel = result_of(await analyst_query(client, TEN[3].cypher, {"min": 51, "hot": 50}))
    assert any(r[2] >= demo_fraud.PARCEL_ORDERS and r[3] is True for r in parcel["rows"])


async def test_graph_model_queries_run(client: httpx.AsyncClient, network: str) -> None:
    for example in GRAPH_MODEL:
        result = result_of(
            await analyst_query(client, example.cypher, for_prefix(example.params, network))
        )
        assert result["rows"], example.name
    chain = result_of(await analyst_query(
        client, GRAPH_MODEL[0].cypher, for_prefix(GRAPH_MODEL[0].params, network)
    ))  # fmt: skip
    assert [f"{network}-x-hub", f"{network}-x-hub-1"] == chain["rows"][0][0][-2:]


LIST = """
{ investigations(first: 100) { edges { node { id name cypher params createdBy } } } }
"""
RUN = "query($id: ID!) { runInvestigation(id: $id) { columns rows truncated } }"


async def test_saved_examples_rerun_as_investigations(
    client: httpx.AsyncClient, db: Database, network: str
) -> None:
    assert len(EXAMPLES) == await save_all(db, prefix=network)
    body = await gql(client, LIST, headers=bearer("an-guide", "ANALYST"))
    saved = {e["node"]["name"]: e["node"] for e in body["data"]["investigations"]["edges"]}
    for example in EXAMPLES:
        node = saved[example.name]
        assert (example.cypher, for_prefix(example.params, network), "demo-data") == (
            node["cypher"], node["params"], node["createdBy"]
        )  # fmt: skip
    ring = await gql(client, RUN, {"id": saved[TEN[1].name]["id"]})
    members = [r[2] for r in ring["data"]["runInvestigation"]["rows"]]
    assert f"{network}-x-hub" in members and 5 == len(members)


def test_referral_demo_data_loads_plants_and_saves(neo4j_uri: str) -> None:
    """The command itself, in a process of its own, on a network of its own."""
    prefix = "dd" + uuid.uuid4().hex[:8]
    env = {**os.environ, "NEO4J_URI": neo4j_uri, "REFERRAL_ENV": "test"}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "demo-data", "--size", "100", "--prefix", prefix],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert 0 == done.returncode, done.stderr
    assert "Planted suspicious patterns" in done.stdout
    assert f"Saved {len(EXAMPLES)} example investigations" in done.stdout
