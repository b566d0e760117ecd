"""docs/api.md is a walk-through that works: every ```graphql block, verbatim and in
order, on a fresh database (a Neo4j of this test's own), answers without errors; each
block is one operation and every id it names was created by an earlier block. And the
README's demo ids exist after `make run`'s demo load, where its examples run too."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, parse

from app.main import create_app
from app.settings import ROOT, Settings
from devtools import neo4j_server
from devtools.demo import load_demo
from graph.db import Database
from graph.migrations import migrate
from tests.conftest import bearer, server_config

# Runs only while the crash test's server is stopped (tests run one at a time), on its port.
CONFIG = server_config(
    home=ROOT / "var" / "neo4j-docs",
    port=int(os.environ.get("REFERRAL_TEST_CRASH_BOLT_PORT", "7689")),
    heap="512m",
    pagecache="64m",
)
pytestmark = pytest.mark.neo4j  # starts a Neo4j of its own
BLOCK = re.compile(r"```graphql\n(.*?)```", re.S)
AS = re.compile(r"#\s*as:\s*(\w+)\s+(\S+)")
VARIABLES = re.compile(r"#\s*variables:\s*(\{.*\})\s*$", re.M)
# The code the doc's invite examples show (real ones are random), given to wx_1000.
DOC_CODE = "7KQ2M9XD"
SET_CODE = "MATCH (d:Distributor {id: 'wx_1000'}) SET d.inviteCode = $code"


def blocks(path: str) -> list[str]:
    return [textwrap_dedent(b) for b in BLOCK.findall((ROOT / path).read_text())]


def textwrap_dedent(block: str) -> str:
    """Blocks inside list items are indented; GraphQL does not mind, JSON comments do."""
    lines = block.splitlines()
    indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    return "\n".join(x[indent:] for x in lines)


@pytest.fixture
async def fresh() -> AsyncIterator[tuple[Database, httpx.AsyncClient]]:
    shutil.rmtree(CONFIG.home, ignore_errors=True)
    if neo4j_server.start(config=CONFIG).already_running:
        pytest.fail(f"another Neo4j answers on {CONFIG.uri}: set REFERRAL_TEST_CRASH_BOLT_PORT")
    settings = Settings(
        neo4j_uri=CONFIG.uri,
        env="test",
        settle_interval_seconds=0,
        fraud_scan_interval_seconds=0,
        mutation_rate_limit=0,
    )
    db = settings.open_database()
    try:
        await migrate(db)
        app = create_app(settings, database=db)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
        ) as client:
            yield db, client
    finally:
        await db.close()
        neo4j_server.stop(config=CONFIG)
        shutil.rmtree(CONFIG.home, ignore_errors=True)


async def run_block(client: httpx.AsyncClient, block: str) -> dict[str, Any]:
    """One block as the doc says to run it: its role, its variables, its text verbatim."""
    operations = [d for d in parse(block).definitions if isinstance(d, OperationDefinitionNode)]
    assert 1 == len(operations), f"one operation per block:\n{block}"
    role = AS.search(block)
    headers = bearer(role.group(2), role.group(1)) if role else bearer("back-office", "ADMIN")
    given = VARIABLES.search(block)
    variables = json.loads(given.group(1)) if given else {}
    response = await client.post(
        "/graphql", json={"query": block, "variables": variables}, headers=headers
    )
    body: dict[str, Any] = response.json()
    assert response.status_code == 200 and "errors" not in body, f"{block}\n→ {body}"
    return body


async def test_every_api_md_example_runs_in_order_on_a_fresh_database(
    fresh: tuple[Database, httpx.AsyncClient],
) -> None:
    db, client = fresh
    found = blocks("docs/api.md")
    assert len(found) >= 30
    answers = []
    for block in found:
        assert "…" not in block and "..." not in block, block
        if DOC_CODE in block or DOC_CODE.lower()[:4] in block:
            await db.driver.execute_query(SET_CODE, code=DOC_CODE, database_=db.name)
        answers.append(await run_block(client, block))
    # The walk-through's money adds up: the withdrawal was accepted, the rule set is 1.
    withdrawal = next(
        a["data"]["requestWithdrawal"] for a in answers if "requestWithdrawal" in a["data"]
    )
    assert ("5.00", "REQUESTED") == (withdrawal["amount"], withdrawal["status"])
    assert any(a["data"].get("activateRuleSet") == {"version": 1, "active": True} for a in answers)


async def test_readme_demo_ids_exist_after_the_demo_load_and_its_examples_run(
    fresh: tuple[Database, httpx.AsyncClient],
) -> None:
    """`make run` loads `referral demo-data --size $(DEMO_SIZE)` (prefix `demo`)."""
    db, client = fresh
    makefile = (ROOT / "Makefile").read_text()
    assert "referral demo-data --size $(DEMO_SIZE)" in makefile
    readme = (ROOT / "README.md").read_text()
    ids = sorted(set(re.findall(r"demo-\d{7}", readme)))
    assert ids
    size = int(re.search(r"DEMO_SIZE \?= (\d+)", makefile).group(1))  # type: ignore[union-attr]
    assert all(int(i.split("-")[1]) < min(size, 50) for i in ids)
    await load_demo(db, size=50, batch_size=50, prefix="demo")
    for demo_id in ids:
        body = await run_block(client, f'query {{ distributor(id: "{demo_id}") {{ id }} }}')
        assert {"id": demo_id} == body["data"]["distributor"]
    for block in blocks("README.md"):
        await run_block(client, block)
