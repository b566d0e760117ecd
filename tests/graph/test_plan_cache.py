"""The Neo4j the product runs on plans without the sizes of parameters
(`internal.cypher.use_parameter_size=false`, docs/decisions.md, "No plan per parameter
size"): with sizes, every new order of magnitude of a path's or a list's length compiled
a statement again (up to 360 ms), and the plan cache kept one plan per combination.

EXPLAIN shows it without timing anything: with sizes, the planner estimates a prefix
match (`STARTS WITH $prefix`) the more selective the longer the prefix (150 against
0.15 rows of 500 for one and 500 characters, measured); without them, the same for any
length. An upgrade of Neo4j that renames or drops the internal setting fails here.
"""

from __future__ import annotations

from typing import Any

from app.settings import ROOT
from graph.db import Database


def _estimates(plan: dict[str, Any]) -> dict[str, float]:
    found = {plan["operatorType"].split("@")[0]: plan["args"]["EstimatedRows"]}
    for child in plan.get("children", []):
        found |= _estimates(child)
    return found


async def _prefix_estimate(db: Database, prefix: str) -> float:
    result = await db.driver.execute_query(
        "EXPLAIN MATCH (d:Distributor) WHERE d.name STARTS WITH $prefix RETURN d.id",
        {"prefix": prefix},
        database_=db.name,
    )
    assert result.summary.plan is not None
    return _estimates(result.summary.plan)["Filter"]


async def test_a_string_parameter_is_planned_without_its_length(db: Database) -> None:
    short, long = await _prefix_estimate(db, "a"), await _prefix_estimate(db, "a" * 500)
    assert short == long, f"the planner used the string's length ({short} vs {long} rows)"


def test_the_operators_guide_names_the_setting_every_server_here_runs_with() -> None:
    """docs/operations.md's block is the setting the launcher, docker-compose and the
    tests' container set (their spellings: Java constant, Docker environment)."""
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    block = guide.split("## Running your own Neo4j", 1)[1].split("```")[1].strip()
    assert block == "internal.cypher.use_parameter_size=false"
    launcher = ROOT / "neo4j-launcher" / "src" / "main" / "java" / "referral" / "Neo4jLauncher.java"
    assert "cypher_size_hint_parameters, false" in launcher.read_text(encoding="utf-8")
    docker = "NEO4J_internal_cypher_use__parameter__size"
    assert f'{docker}: "false"' in (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert docker in (ROOT / "tests" / "conftest.py").read_text(encoding="utf-8")
