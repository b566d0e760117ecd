"""Runs the workload's operations on every system and cross-checks the answers.

Per operation, one system at a time (the others idle): the platform through the product's
`graph.*` calls, for upline and downline also a bare driver call of the same Cypher and
the HTTP GraphQL API, then PostgreSQL's adjacency list and closure table. The ring scan
runs once per round on each database (PostgreSQL's identifier tables serve both designs).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bench.scale.ops_neo4j import BareOps, HttpOps, Neo4jOps
from bench.scale.ops_pg import PgOps
from bench.scale.workload import Call, Check, Measured, Plan, cross_check, measure

# Calls run before an operation's measured ones, on every system alike. Neo4j's JVM
# compiles a query's code paths after it has run them many times: team metrics warmed
# with 5 calls paid that compilation in its first measured ones (docs/benchmarks.md,
# session 29), which a server running for hours never does again.
WARM_READS = 50


async def run_all(
    plan: Plan,
    *,
    neo: Neo4jOps,
    bare: BareOps,
    http: HttpOps,
    pg: dict[str, list[PgOps]],
    concurrency: int,
    metrics_calls: int,
    scan_runs: int,
    budget_s: float,
) -> tuple[list[Measured], list[Check]]:
    measured: list[Measured] = []
    checks: list[Check] = []

    async def op(
        name: str,
        systems: Sequence[tuple[str, Sequence[Any]]],
        calls: Sequence[Call],
        *,
        warm: Sequence[Call] | None = None,
        check: bool = True,
    ) -> dict[str, list[Any]]:
        answers = {}
        for system, workers in systems:
            before = neo.db.queries
            m, found = await measure(
                name,
                system,
                workers,
                calls,
                warm=calls[:WARM_READS] if warm is None else warm,
                budget_s=budget_s,
            )
            done = len(m.samples) + len(calls[:WARM_READS] if warm is None else warm)
            if system in (neo.name, http.name):
                m.queries = (neo.db.queries - before) / done
            measured.append(m)
            answers[system] = found
        if check:
            checks.append(cross_check(name, answers))
            print(f"  cross-check {name}: {checks[-1]}", flush=True)
        return answers

    c = concurrency
    readers = [
        (neo.name, [neo] * c),
        (bare.name, [bare] * c),
        (http.name, [http] * c),
        *((pg[d][0].name, pg[d]) for d in pg),
    ]
    product = [(neo.name, [neo] * c), *((pg[d][0].name, pg[d]) for d in pg)]

    await neo.root(plan.root)  # the root as the API would have loaded it
    bare.roots.update(neo.roots)
    await op("upline(3)", readers, [_upline(i) for i in plan.upline_ids])
    await op("downline page of 50", readers, [_downline(plan.root, a) for a in plan.cursors])
    await op(
        "deep investigation (20 levels)",
        [(neo.name, [neo] * c), (pg["adj"][0].name, pg["adj"])],
        [_investigate(i) for i in plan.deep_ids],
    )
    await op(
        "team metrics, largest team, 30 days",
        product,
        [_metrics(plan)] * metrics_calls,
        warm=[_metrics(plan)] * WARM_READS,
    )
    split: dict[str, list[Any]] = {}
    for system, workers, prefix in [
        (neo.name, [neo] * c, "neo-"),
        *((pg[d][0].name, pg[d], f"{d}-") for d in pg),
    ]:
        split |= await op(
            "one order's commission split",
            [(system, workers)],
            [_order(prefix, o) for o in plan.orders],
            warm=[_order(prefix, o) for o in plan.warm_orders],
            check=False,
        )
    checks.append(cross_check("one order's commission split", split))
    print(f"  cross-check: {checks[-1]}", flush=True)
    scan_systems = [(neo.name, [neo]), ("pg (identifier tables of both designs)", pg["adj"][:1])]
    await op("ring scan (full)", scan_systems, [_scan()] * scan_runs, warm=[])
    await op(
        "insert a referral",
        product,
        [_referral(r) for r in plan.referrals],
        warm=[_referral(r) for r in plan.warm_referrals],
    )
    new_ids = [new for new, _ in plan.referrals]
    uplines = {}
    for system, workers in product:
        uplines[system] = [await workers[0].upline(i) for i in new_ids]
    checks.append(cross_check("upline(3) of the inserted referrals", uplines))
    return measured, checks


def _upline(distributor_id: str) -> Call:
    return lambda w: w.upline(distributor_id)


def _investigate(distributor_id: str) -> Call:
    return lambda w: w.investigate(distributor_id)


def _downline(root: str, after: tuple[int, str] | None) -> Call:
    return lambda w: w.downline(root, after)


def _metrics(plan: Plan) -> Call:
    return lambda w: w.metrics(plan.root, plan.since, plan.until)


def _order(prefix: str, order: tuple[str, str, int]) -> Call:
    suffix, buyer, amount = order
    return lambda w: w.record_order(prefix + suffix, buyer, amount)


def _scan() -> Call:
    return lambda w: w.ring_scan()


def _referral(referral: tuple[str, str]) -> Call:
    new_id, sponsor = referral
    return lambda w: w.insert_referral(new_id, sponsor)
