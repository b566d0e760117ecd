"""The offline initial import (`devtools.offline_import`) on a Neo4j of its own.

It replaces a whole database, so it never runs against the shared test server: it starts
the local launcher on a scratch home and port, imports a small network, and checks the
graph against the generator and the product's own reads and writes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.settings import ROOT, Settings
from devtools import neo4j_server
from devtools.demo import generate
from devtools.offline_import import import_network
from domain.models import Actor
from graph.db import Database
from graph.migrations import BUILT_BY_IMPORT
from graph.money import refunds
from graph.tree import registration, team
from graph.tree.distributors import require
from tests.conftest import TEST_BOLT_PORT, server_config
from tests.helpers import (
    NOW,
    assert_ledger_consistent,
    assert_tree_consistent,
    record_order,
    register,
)

PORT = int(os.environ.get("REFERRAL_TEST_IMPORT_PORT", str(TEST_BOLT_PORT + 10)))
HOME = ROOT / "var" / "neo4j-import-test"
pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.skipif(
        bool(os.environ.get("NEO4J_URI")) or shutil.which("java") is None,
        reason="needs the local launcher (Java), not an external Neo4j",
    ),
]


@pytest.fixture(scope="module")
async def imported() -> AsyncIterator[tuple[Database, list[str]]]:
    shutil.rmtree(HOME, ignore_errors=True)
    config = server_config(home=HOME, port=PORT, heap="512m", pagecache="64m")
    rows = generate(size=300, prefix="imp", seed=3)
    db = Settings(neo4j_uri=config.uri, env="test").open_database()
    try:
        report = await import_network(config=config, database=db, rows=rows)
        assert 300 == report.distributors
        yield db, [p.id for p in rows]
    finally:
        await db.close()
        neo4j_server.stop(config=config)


async def test_import_writes_every_distributor_with_its_counters(
    imported: tuple[Database, list[str]],
) -> None:
    db, ids = imported
    rows = {p.id: p for p in generate(size=300, prefix="imp", seed=3)}
    for distributor_id in ids[::7]:
        got = await require(db, distributor_id=distributor_id)
        want = rows[distributor_id]
        assert (want.sponsor_id, want.path, want.depth) == (got.sponsor_id, got.path, got.depth)
        assert tuple(want.counts) == got.level_counts
        assert want.rank.value == got.rank.value
    await assert_tree_consistent(db, ids)


async def test_imported_network_serves_uplines_and_takes_new_recruits(
    imported: tuple[Database, list[str]],
) -> None:
    """The migrations ran: the uniqueness constraint and the tree's indexes work."""
    db, ids = imported
    root = await require(db, distributor_id=ids[0])
    await register(db, "imp-new", ids[0])
    after = await require(db, distributor_id=ids[0])
    assert root.level_counts[0] + 1 == after.level_counts[0]
    above = await team.upline(db, distributor_id="imp-new", depth=3)
    assert [ids[0]] == [e.distributor.id for e in above]
    counted = await db.read("MATCH (d:Distributor {id: $id}) RETURN count(d) AS n", id=ids[5])
    assert 1 == counted[0]["n"]


async def test_imported_roll_ups_take_orders_refunds_and_moves(
    imported: tuple[Database, list[str]],
) -> None:
    """The team roll-ups arrive with the import (their migrations recorded, not run), and
    orders on the days members joined, a refund and a move keep them exact, though an
    imported roll-up holds no buyer list yet."""
    db, ids = imported
    applied = await db.read(
        "MATCH (m:Migration) WHERE m.id IN $ids RETURN count(m) AS n", ids=list(BUILT_BY_IMPORT)
    )
    assert len(BUILT_BY_IMPORT) == applied[0]["n"]
    rows = [p for p in generate(size=300, prefix="imp", seed=3) if p.depth >= 3][:6]
    for k, p in enumerate(rows):
        paid = datetime.fromtimestamp(p.joined_at_ms / 1000, tz=UTC) + timedelta(minutes=1)
        await record_order(db, f"imp-o{k}", p.id, 1_000 + k, paid_at=paid)
    await refunds.refund(db, order_id="imp-o0", refund_id="imp-r0", amount_fen=1_000, now=NOW)
    await registration.reassign(
        db,
        distributor_id=rows[1].id,
        sponsor_id=ids[0],
        reason="test",
        actor=Actor(subject="admin-1", role="ADMIN"),
        now=NOW,
        team_leader_recruits=10,
    )
    await assert_tree_consistent(db, ids)
    await assert_ledger_consistent(db, ids)


async def test_the_importers_report_lands_in_the_servers_home_not_the_working_directory(
    imported: tuple[Database, list[str]],
) -> None:
    """neo4j-admin writes `import.report` where it runs unless told otherwise; one was once
    committed from the repository root."""
    assert (HOME / "import.report").is_file()
    assert not (Path.cwd() / "import.report").exists()
    assert not (ROOT / "import.report").exists()
