"""Every named query of `graph/` finds its starting rows through an index.

A label scan of Distributor, Order, Commission or LedgerEntry would make a query as
slow as the whole network is big; only the few Migration and RuleSet nodes may be
scanned. Plans come from EXPLAIN against the real Neo4j (nothing is executed).
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import graph
from graph.db import Database
from graph.money.leaderboard import AHEAD, BOARDS, MINE, TOP
from graph.pagination import KeysetQueries
from graph.tree.team import METRICS
from graph.tree.team_days import LEVEL_WINDOWS

SMALL_LABELS = ("Migration", "RuleSet")
# Queries whose purpose is to read every node: `referral digest` hashes the whole store.
WHOLE_STORE = frozenset({"digest.NODES"})
STATEMENT_STARTS = ("MATCH", "UNWIND", "OPTIONAL", "CALL", "CREATE", "WITH", "MERGE")


def named_queries() -> dict[str, str]:
    found: dict[str, str] = {}
    for module in pkgutil.walk_packages(graph.__path__, prefix="graph."):
        if module.ispkg or module.name == "graph.money.leaderboard":  # fragments: see below
            continue
        loaded = importlib.import_module(module.name)
        for name, value in vars(loaded).items():
            if name.isupper() and isinstance(value, KeysetQueries):
                for read in ("first", "after", "last", "before"):
                    found[f"{module.name}.{name}.{read}"] = getattr(value, read)
            if name.isupper() and isinstance(value, str):
                text = value.strip()
                if text.split()[0].upper() in STATEMENT_STARTS and "IN TRANSACTIONS" not in text:
                    found[f"{module.name.removeprefix('graph.')}.{name}"] = text
    for metric, board in BOARDS.items():
        found[f"leaderboard {metric.value} top"] = board.everyone + TOP
        found[f"leaderboard {metric.value} mine"] = board.one + MINE
        found[f"leaderboard {metric.value} ahead"] = board.everyone + AHEAD
    for level, query in LEVEL_WINDOWS.items():
        found[f"team_days.LEVEL_WINDOWS[{level}]"] = query
    for depth, query in METRICS.items():
        found[f"team.METRICS[{depth}]"] = query
    return found


def _scans(plan: Any) -> list[str]:
    operator = plan["operatorType"].split("@")[0]
    details = plan.get("args", {}).get("Details", "")
    own = [details] if "LabelScan" in operator or "AllNodesScan" in operator else []
    return own + [scan for child in plan.get("children", []) for scan in _scans(child)]


async def test_no_named_query_scans_a_large_label(db: Database) -> None:
    queries = named_queries()
    assert len(queries) > 40
    offenders = {}
    for name, query in queries.items():
        if name in WHOLE_STORE:
            continue
        result = await db.driver.execute_query("EXPLAIN " + query, database_=db.name)
        scans = [s for s in _scans(result.summary.plan) if not s.endswith(SMALL_LABELS)]
        if scans:
            offenders[name] = scans
    assert {} == offenders
