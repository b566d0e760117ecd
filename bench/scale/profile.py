"""Evidence for what is slow: Neo4j PROFILE of the product's Cypher and PostgreSQL
EXPLAIN ANALYZE of the same operations, on the loaded data, written to profile.md.

For each statement: the total db hits, the rows and db hits of every operator (Neo4j),
or the plan with its timings and buffers (PostgreSQL).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any, LiteralString

import psycopg

from bench.scale.neo4j_side import POLICY
from bench.scale.ops_pg import DOWNLINE, METRICS, UPLINE
from bench.scale.workload import Plan
from domain.fraud.identifiers import RING_KINDS
from domain.inputs import window_bounds
from domain.models import NewOrder, OrderItem
from domain.tree.team_days import at_ms, split_window
from graph.db import Database
from graph.fraud import scan as fraud_scan
from graph.money import orders
from graph.tree import team, team_days
from graph.values import epoch_ms


def _operators(plan: Any, depth: int = 0) -> list[str]:
    args = plan.get("args", {})
    detail = str(args.get("Details", ""))[:140]
    line = (
        f"{'  ' * depth}{plan['operatorType']}: rows {plan.get('rows', 0):,}, "
        f"db hits {plan.get('dbHits', 0):,}{' — ' + detail if detail else ''}"
    )
    out = [line]
    for child in plan.get("children", []):
        out += _operators(child, depth + 1)
    return out


def _total_hits(plan: Any) -> int:
    return int(plan.get("dbHits", 0)) + sum(_total_hits(c) for c in plan.get("children", []))


async def neo4j_profile(
    db: Database, name: str, query: LiteralString, *, roll_back: bool = False, **params: Any
) -> list[str]:
    """PROFILE of `query`; with `roll_back`, in a transaction rolled back (for a write,
    which PROFILE runs)."""
    async with db.driver.session(database=db.name) as session:
        tx = await session.begin_transaction()
        try:
            started = time.perf_counter()
            result = await tx.run("PROFILE " + query, params)  # type: ignore[operator]
            rows = len([record async for record in result])  # PROFILE needs the rows pulled
            summary = await result.consume()
            if roll_back:
                await tx.rollback()
            else:
                await tx.commit()
            ms = (time.perf_counter() - started) * 1000
        finally:
            await tx.close()
    plan = summary.profile or {}
    head = (
        f"### Neo4j: {name}\n\n{ms:.1f} ms wall with PROFILE; server "
        f"{(summary.result_available_after or 0) + (summary.result_consumed_after or 0)} ms; "
        f"total db hits {_total_hits(plan):,}; {rows:,} rows returned\n"
    )
    return [head, "```", *_operators(plan), "```", ""]


async def order_write_profile(
    db: Database, buyer: str, name: str = "orders.GUARDED_WRITE (one order, rolled back)"
) -> list[str]:
    """PROFILE of one order's `GUARDED_WRITE` as the split runs it, rolled back."""
    paid = datetime.now(UTC)
    new = NewOrder("profile-order", buyer, 10_000, paid, (OrderItem(amount_fen=10_000),))
    try:
        planned = await orders.plan_guarded_write(db, orders=[new], policy=POLICY, now=paid)
        if planned is None:
            return [f"### Neo4j: {name}\n\nnot the common case for {buyer}\n"]
        return await neo4j_profile(db, name, orders.GUARDED_WRITE, roll_back=True, **planned.params)
    except Exception as exc:  # evidence is best effort: say what failed, go on
        return [f"### Neo4j: {name}\n\nPROFILE failed: {exc}\n"]


def pg_profile(dsn: str, name: str, query: str, params: dict[str, Any]) -> list[str]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "EXPLAIN (ANALYZE, BUFFERS) " + query,  # type: ignore[operator]
            params,
        ).fetchall()
    return [f"### PostgreSQL: {name}\n", "```", *(r[0] for r in rows), "```", ""]


async def write_profile(db: Database, dsn: str, plan: Plan, root: Any, buyer: str) -> str:
    """profile.md's text: the product's statements on Neo4j, then PostgreSQL's."""
    window = window_bounds(plan.since, plan.until)
    split = split_window(epoch_ms(window["since"]), epoch_ms(window["until"]))
    days = {
        "firstDay": split.first_day,
        "endDay": split.end_day,
        "headUntil": at_ms(split.head_until_ms),
        "tailSince": at_ms(split.tail_since_ms),
    }
    level3 = next(c for c in plan.cursors if c is not None and c[0] == 3)
    upline_id = plan.upline_ids[0]
    lines = [f"# Profiles (root {root.id}, upline of {upline_id}, buyer {buyer})", ""]
    cases: list[tuple[str, LiteralString, dict[str, Any]]] = [
        ("team.UPLINE", team.UPLINE, {"id": upline_id, "depth": 3}),
        (
            "team.DOWNLINE_PAGE, level 3 after a cursor",
            team.DOWNLINE_PAGE,
            {
                "root": root.id,
                "levels": team.levels_reading(
                    [3], forward=True, boundary=(3, level3[1][len(root.path) + 1 :])
                ),
                "limit": 51,
            },
        ),
        (
            "team.DOWNLINE_PAGE, first page (levels 1 to 3)",
            team.DOWNLINE_PAGE,
            {
                "root": root.id,
                "levels": team.levels_reading([1, 2, 3], forward=True, boundary=None),
                "limit": 51,
            },
        ),
        *(
            (
                f"team_days.LEVEL_WINDOWS[{k}] (30-day window)",
                team_days.LEVEL_WINDOWS[k],
                {"id": root.id, **window, **days},
            )
            for k in (1, 2, 3)
        ),
        ("team.OWN_SALES", team.OWN_SALES, {"id": root.id, **window}),
        (
            "team.COMMISSIONS_BY_STATUS (30-day window)",
            team.COMMISSIONS_BY_STATUS,
            {"id": root.id, **window, **days},
        ),
        ("orders.PREPARE (one order)", orders.PREPARE, {"ids": ["none"], "buyerIds": [buyer]}),
        (
            "fraud_scan.SHARED",
            fraud_scan.SHARED,
            {"kinds": sorted(k.value for k in RING_KINDS), "hot": 50},
        ),
    ]
    for name, query, params in cases:
        try:
            lines += await neo4j_profile(db, name, query, **params)
        except Exception as exc:  # evidence is best effort: say what failed, go on
            lines += [f"### Neo4j: {name}\n\nPROFILE failed: {exc}\n"]
    lines += await order_write_profile(db, buyer)
    metrics_params = {"root": root.id, "since": plan.since, "until": plan.until}
    for design in ("adj", "clo"):
        lines += pg_profile(dsn, f"{design} upline", UPLINE[design], {"id": upline_id, "depth": 3})
        lines += pg_profile(
            dsn,
            f"{design} downline page, level 3 cursor",
            DOWNLINE[design],
            {"root": root.id, "level": 3, "path": level3[1]},
        )
        lines += pg_profile(dsn, f"{design} team metrics", METRICS[design], metrics_params)
    return "\n".join(lines) + "\n"
