"""The scale benchmark's harness (bench/scale): its generator is deterministic, and its
PostgreSQL designs answer the workload exactly as the product's Cypher does.

The PostgreSQL test starts its own cluster (var/pg-test-scale) and is skipped when
psycopg or PostgreSQL's server programs are missing (`make test` installs psycopg; the
server programs come from Debian's postgresql-15).
"""

from __future__ import annotations

import importlib.util
import socket
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.settings import ROOT
from bench.scale import dataset
from domain.models import NewOrder, OrderItem
from graph.db import Database
from graph.money import orders
from graph.tree import bulk


def test_generate_writes_the_same_files_for_the_same_seed(tmp_path: Path) -> None:
    first = dataset.generate(size=3_000, seed=9, orders=3_000, links=6_000, root=tmp_path / "a")
    again = dataset.generate(size=3_000, seed=9, orders=3_000, links=6_000, root=tmp_path / "b")
    for name in ("distributors.csv", "orders.csv", "links.csv", "meta.json"):
        assert (first.folder / name).read_bytes() == (again.folder / name).read_bytes()


def test_generate_places_sponsors_first_with_big_teams_and_deep_chains(tmp_path: Path) -> None:
    data = dataset.generate(size=5_000, seed=3, orders=100, links=100, root=tmp_path)
    network = dataset.read_network(data)  # layout raises if a sponsor came after a recruit
    assert 5_000 == len(network)
    assert data.meta["max_depth"] >= dataset.CHAIN_DEPTH - 1
    assert data.meta["teams"][0]["size"] >= int(5_000 * dataset.TEAM_SHARE)
    assert 0 < data.meta["unbound"] < 5_000 * 0.1
    paid = [o for o in dataset.read_orders(data)]
    joined = {p.id: p.joined_at_ms for p in network}
    assert all(joined[buyer] <= at < dataset.END_MS for _, buyer, _, at in paid)


def _pg_missing() -> str | None:
    if importlib.util.find_spec("psycopg") is None:
        return "psycopg is not installed (requirements-bench.txt)"
    from bench.scale.pg_server import binaries

    return None if binaries() is not None else "PostgreSQL's server programs are not installed"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(_pg_missing() is not None, reason=str(_pg_missing()))
async def test_pg_designs_answer_like_cypher(db: Database, tmp_path: Path) -> None:
    """upline, downline pages, team metrics, an order's split and a new referral: the
    adjacency list and the closure table give what the product's Cypher gives."""
    from bench.scale import pg_load
    from bench.scale.neo4j_side import POLICY
    from bench.scale.ops_neo4j import Neo4jOps
    from bench.scale.ops_pg import PgOps
    from bench.scale.pg_server import PgServer, binaries
    from bench.scale.workload import make_plan

    prefix = "sct" + uuid.uuid4().hex[:6]
    data = dataset.generate(size=1_500, seed=5, orders=1_500, links=0, root=tmp_path, prefix=prefix)
    network = dataset.read_network(data)
    await db.driver.execute_query(
        "MATCH (r:RuleSet {active: true}) SET r.active = false", database_=db.name
    )
    await bulk.load_network(db, rows=network)
    made = [
        NewOrder(i, b, a, datetime.fromtimestamp(p / 1000, tz=UTC), (OrderItem(amount_fen=a),))
        for i, b, a, p in dataset.read_orders(data)
    ]
    for start in range(0, len(made), 500):
        await orders.record(db, orders=made[start : start + 500], policy=POLICY, now=dataset.END)

    bin_dir = binaries()
    assert bin_dir is not None
    server = PgServer(bin_dir, data=ROOT / "var" / "pg-test-scale", port=_free_port())
    server.start_fresh()
    try:
        pg_load.load(server.dsn, data, network)
        root = data.meta["teams"][0]["id"]
        plan = make_plan(network, root, reads=20, writes=5, seed=5, tag=prefix + "-new")
        neo = Neo4jOps(db)
        systems = [
            neo,
            await PgOps.connect(server.dsn, "adj"),
            await PgOps.connect(server.dsn, "clo"),
        ]
        for i in plan.upline_ids:
            assert len({await s.upline(i) for s in systems}) == 1, i
        for after in plan.cursors:
            assert len({await s.downline(root, after) for s in systems}) == 1, after
        assert len({await s.metrics(root, plan.since, plan.until) for s in systems}) == 1
        for k, (suffix, buyer, amount) in enumerate(plan.orders):
            splits = {
                await s.record_order(f"{prefix}-{k}-{suffix}-{n}", buyer, amount)
                for n, s in enumerate(systems)
            }
            assert len(splits) == 1, buyer
        for new_id, sponsor in plan.referrals:
            assert len({await s.insert_referral(new_id, sponsor) for s in systems}) == 1
            assert len({await s.upline(new_id) for s in systems}) == 1
        for s in systems[1:]:
            await s.close()  # type: ignore[attr-defined]
    finally:
        server.stop()


async def test_the_order_write_is_profiled_and_rolled_back(db: Database) -> None:
    """profile.md's PROFILE of one order's write shows its operators and leaves nothing."""
    from bench.scale import neo4j_side
    from bench.scale.order_latency import apart
    from bench.scale.profile import order_write_profile

    prefix = "pw" + uuid.uuid4().hex[:6]
    rows = dataset.side_network(prefix, 200, fanout=2)
    await bulk.load_network(db, rows=rows)
    try:
        buyers = apart(rows)
        assert buyers and all(rows[int(b.rsplit("-", 1)[1])].depth >= 3 for b in buyers)
        lines = await order_write_profile(db, buyers[0])
        assert "orders.GUARDED_WRITE" in lines[0] and "total db hits" in lines[0]
        assert any("Create" in line and "Order" in line for line in lines)
        assert [] == await orders.get_many(db, ids=["profile-order"])
        counted = await neo4j_side.nodes_by_label(db)
        everyone = await db.read("MATCH (d:Distributor) RETURN count(d) AS n")
        assert everyone[0]["n"] == counted["Distributor"] >= len(rows)
        assert 0 not in counted.values()
    finally:
        await bulk.delete_by_prefix(db, prefix=prefix + "-")
