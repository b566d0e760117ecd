"""Operations on a Neo4j of their own (issue 10 items 9 and 13): `referral backup` and
`referral restore` round-trip the data exactly, `referral reconcile` is green on a
consistent store and fails on any record or entry changed behind the product's back, and
the launcher resets a changed password at start.

Backup and restore stop and start the server, so these never run against the shared test
server: the module starts the launcher on a scratch home and port
(REFERRAL_TEST_OPS_PORT, default the test port + 11). The commands run as the real CLI in
a subprocess, with the environment an operator would set.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from neo4j import AsyncGraphDatabase
from neo4j.exceptions import AuthError

from app.settings import ROOT, Settings, default_policy
from devtools import neo4j_server
from devtools.neo4j_server import ServerConfig
from domain.models import Actor, LeaderboardEntry, LeaderboardMetric, WithdrawalStatus
from domain.money.campaigns import Campaign, Prize
from graph.db import Database
from graph.digest import StoreDigest, digest
from graph.migrations import migrate
from graph.money import campaigns, refunds, settlement, withdrawals
from tests.conftest import TEST_BOLT_PORT, server_config
from tests.helpers import NOW, chain, record_order, register

PORT = int(os.environ.get("REFERRAL_TEST_OPS_PORT", str(TEST_BOLT_PORT + 11)))
HOME = ROOT / "var" / "neo4j-ops-test"
CONFIG = server_config(home=HOME, port=PORT, heap="512m", pagecache="64m")
ADMIN = Actor(subject="test-admin", role="ADMIN")
pytestmark = [
    pytest.mark.neo4j,
    pytest.mark.skipif(
        bool(os.environ.get("NEO4J_URI")) or shutil.which("java") is None,
        reason="needs the local launcher (Java), not an external Neo4j",
    ),
]


@pytest.fixture(scope="module")
def server() -> Iterator[ServerConfig]:
    shutil.rmtree(HOME, ignore_errors=True)
    if neo4j_server.start(config=CONFIG).already_running:
        pytest.fail(f"another Neo4j answers on {CONFIG.uri}: set REFERRAL_TEST_OPS_PORT")
    try:
        yield CONFIG
    finally:
        neo4j_server.stop(config=CONFIG)
        shutil.rmtree(HOME, ignore_errors=True)


@pytest.fixture
async def db(server: ServerConfig) -> AsyncIterator[Database]:
    """A driver on the ops server, opened per test (the server restarts in between)."""
    database = Settings(neo4j_uri=server.uri, env="test", neo4j_retry_seconds=30).open_database()
    await migrate(database)
    yield database
    await database.close()


def referral(*args: str) -> subprocess.CompletedProcess[str]:
    """The `referral` command as an operator runs it against the ops server, from the
    repository root with a relative home."""
    env = {
        **os.environ,
        "REFERRAL_ENV": "test",
        "NEO4J_URI": CONFIG.uri,
        "NEO4J_USER": CONFIG.user,
        "NEO4J_PASSWORD": CONFIG.password,
        "REFERRAL_NEO4J_HOME": str(CONFIG.home.relative_to(ROOT)),  # as in a shell, relative
        "REFERRAL_NEO4J_HEAP": CONFIG.heap,
        "REFERRAL_NEO4J_PAGECACHE": CONFIG.pagecache,
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


async def populate(db: Database, prefix: str) -> list[str]:
    """A small economy through the product's own paths: orders, a refund, settlement, a
    paid withdrawal and a rejected one, a campaign prize. Returns the distributors' ids."""
    ids = await chain(db, prefix, 3)
    buyers = [f"{prefix}-b{i}" for i in range(3)]
    for buyer in buyers:
        await register(db, buyer, ids[2])
    for i, buyer in enumerate(buyers):
        await record_order(db, f"{prefix}-o{i}", buyer, 1_000_000 + i * 999)
    await refunds.refund(
        db, order_id=f"{prefix}-o1", refund_id=f"{prefix}-r1", amount_fen=333_333, now=NOW
    )
    later = NOW + timedelta(days=8)
    await settlement.settle(db, as_of=later, now=later)
    await refunds.refund(
        db, order_id=f"{prefix}-o2", refund_id=f"{prefix}-r2", amount_fen=100_000, now=later
    )
    policy = default_policy()
    for key, status in (("paid", WithdrawalStatus.PAID), ("no", WithdrawalStatus.REJECTED)):
        w = await withdrawals.request(
            db, distributor_id=ids[2], amount_fen=10_000, idempotency_key=key, policy=policy,
            now=later,
        )  # fmt: skip
        steps = [WithdrawalStatus.APPROVED, status] if status is WithdrawalStatus.PAID else [status]
        for step in steps:
            await withdrawals.decide(
                db, withdrawal_id=w.id, status=step, reason="test", actor=ADMIN, now=later
            )
    campaign = Campaign(
        id=f"{prefix}-c",
        name="race",
        metric=LeaderboardMetric.SALES,
        starts_at=NOW - timedelta(days=30),
        ends_at=NOW,
        prizes=(Prize(rank=1, amount_fen=8_800),),
    )
    await campaigns.create(db, campaign=campaign, actor=ADMIN, now=NOW)
    await campaigns.close(
        db,
        campaign_id=campaign.id,
        standings=[LeaderboardEntry(rank=1, distributor_id=ids[0], value=1)],
        actor=ADMIN,
        now=later,
    )
    return [*ids, *buyers]


async def current(server: ServerConfig) -> StoreDigest:
    """The digest read through a fresh driver (after a restart the old one may be stale)."""
    database = Settings(neo4j_uri=server.uri, env="test", neo4j_retry_seconds=30).open_database()
    try:
        return await digest(database)
    finally:
        await database.close()


@pytest.fixture(scope="module")
async def backed_up(
    server: ServerConfig, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, StoreDigest]:
    """Data written, its digest, then `referral backup` (the server stops and restarts)."""
    database = Settings(neo4j_uri=server.uri, env="test").open_database()
    try:
        await migrate(database)
        await populate(database, "bk" + uuid.uuid4().hex[:6])
        before = await digest(database)
    finally:
        await database.close()
    folder = tmp_path_factory.mktemp("backups")
    done = referral("backup", "--to", str(folder))
    assert 0 == done.returncode, done.stdout + done.stderr
    assert "Neo4j was down" in done.stdout
    (archive,) = folder.glob("*.dump")
    return archive, before


async def test_backup_writes_an_archive_with_its_checksum_and_the_server_comes_back(
    server: ServerConfig, backed_up: tuple[Path, StoreDigest]
) -> None:
    archive, before = backed_up
    manifest = json.loads(archive.with_name(archive.name + ".json").read_text())
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == manifest["sha256"]
    assert ("neo4j", archive.stat().st_size) == (manifest["database"], manifest["bytes"])
    assert neo4j_server.status(config=server).bolt_ready
    assert before == await current(server)


async def test_restore_gives_back_exactly_what_was_backed_up(
    server: ServerConfig, backed_up: tuple[Path, StoreDigest], db: Database
) -> None:
    """Counts and the content digest of every node, relationship and property agree after
    a round trip, though the store changed in between (new data, a deleted node)."""
    archive, before = backed_up
    await populate(db, "after" + uuid.uuid4().hex[:6])
    await db.driver.execute_query(
        "MATCH (r:Refund) WITH r LIMIT 1 DETACH DELETE r", database_=db.name
    )
    changed = await digest(db)
    assert before.sha256 != changed.sha256 and before.nodes != changed.nodes

    done = referral("restore", str(archive), "--yes")
    assert 0 == done.returncode, done.stdout + done.stderr
    restored = await current(server)
    assert (before.nodes, before.relationships, before.properties) == (
        restored.nodes,
        restored.relationships,
        restored.properties,
    )
    assert before.labels == restored.labels
    assert before.sha256 == restored.sha256


async def test_restore_refuses_a_damaged_archive_and_changes_nothing(
    server: ServerConfig, backed_up: tuple[Path, StoreDigest], tmp_path: Path
) -> None:
    archive, _ = backed_up
    damaged = tmp_path / archive.name
    damaged.write_bytes(archive.read_bytes()[:-10] + b"0123456789")
    shutil.copy(archive.with_name(archive.name + ".json"), tmp_path)
    unchanged = await current(server)
    done = referral("restore", str(damaged), "--yes")
    assert 0 != done.returncode
    assert "does not match the checksum" in done.stderr
    asked = referral("restore", str(archive))  # no --yes: it explains and stops
    assert 0 != asked.returncode and "REPLACES the whole database" in asked.stderr
    assert unchanged == await current(server)


async def test_reconcile_is_green_on_a_consistent_store(db: Database) -> None:
    await populate(db, "rc" + uuid.uuid4().hex[:6])
    done = referral("reconcile", "--batch-size", "7")
    assert 0 == done.returncode, done.stdout + done.stderr
    assert "OK: every balance is the sum of its entries" in done.stdout


async def _corrupted(db: Database, corrupt: str, repair: str, **params: object) -> str:
    """Run `reconcile` with one change made directly in Neo4j; repair it afterwards.
    Returns what reconcile printed, after checking that it failed."""
    await db.driver.execute_query(corrupt, params, database_=db.name)
    try:
        done = referral("reconcile")
    finally:
        await db.driver.execute_query(repair, params, database_=db.name)
    assert 1 == done.returncode, done.stdout + done.stderr
    assert "DIFFERENCES: " in done.stderr
    return done.stdout


async def test_reconcile_fails_on_a_ledger_entry_changed_in_neo4j(db: Database) -> None:
    prefix = "ce" + uuid.uuid4().hex[:6]
    ids = await populate(db, prefix)  # order o0's level 1 is ids[2], settled
    printed = await _corrupted(
        db,
        "MATCH (e:LedgerEntry {id: $id}) SET e.amount = e.amount + 1",
        "MATCH (e:LedgerEntry {id: $id}) SET e.amount = e.amount - 1",
        id=f"commission:{prefix}-o0#1/COMMISSION_SETTLED/available",
    )
    assert (
        f"{ids[2]}: commission {prefix}-o0#1 (SETTLED): available expected 1500.00, found 1500.01"
    ) in printed
    assert 0 == referral("reconcile").returncode


async def test_reconcile_fails_on_a_withdrawal_record_changed_in_neo4j(db: Database) -> None:
    """The shape of issue 10 item 5: a paid record whose tax and net were rewritten."""
    ids = await populate(db, "cw" + uuid.uuid4().hex[:6])
    printed = await _corrupted(
        db,
        "MATCH (w:Withdrawal {key: $key}) SET w.tax = w.tax + 100, w.net = w.net - 100",
        "MATCH (w:Withdrawal {key: $key}) SET w.tax = w.tax - 100, w.net = w.net + 100",
        key=f"{ids[2]}|paid",
    )
    assert f"{ids[2]}: withdrawal w-" in printed and "ledger lacks TAX tax +1.00" in printed


async def test_reconcile_fails_on_an_entry_that_no_record_explains(db: Database) -> None:
    ids = await populate(db, "co" + uuid.uuid4().hex[:6])
    printed = await _corrupted(
        db,
        "CREATE (:LedgerEntry {id: $id, distributorId: $who, account: 'available', "
        "kind: 'COMMISSION_SETTLED', amount: 5000, ref: 'commission:nowhere#1', "
        "at: datetime()})",
        "MATCH (e:LedgerEntry {id: $id}) DELETE e",
        id=f"stray-{uuid.uuid4().hex}",
        who=ids[0],
    )
    assert (
        f"{ids[0]}: entry commission:nowhere#1: COMMISSION_SETTLED available 50.00 "
        "without its record"
    ) in printed


async def test_the_launcher_resets_a_changed_password_when_it_starts(
    server: ServerConfig,
) -> None:
    """A store whose user holds another password (changed by hand, or left by another
    configuration) gets the configured one back at start; the other stops working."""
    other = "other-password-" + uuid.uuid4().hex[:6]
    async with AsyncGraphDatabase.driver(server.uri, auth=(server.user, server.password)) as d:
        await d.execute_query(
            "ALTER CURRENT USER SET PASSWORD FROM $old TO $new",
            old=server.password,
            new=other,
            database_="system",
        )
    neo4j_server.stop(config=server)
    neo4j_server.start(config=server)
    assert (await current(server)).nodes >= 0  # the configured password gets in
    async with AsyncGraphDatabase.driver(server.uri, auth=(server.user, other)) as d:
        with pytest.raises(AuthError):
            await d.verify_connectivity()
    assert "(password set)" in server.log_file.read_text().rsplit("--- neo4j_server.start", 1)[1]


async def test_reconcile_fails_on_money_of_a_distributor_who_does_not_exist(
    db: Database,
) -> None:
    """An entry whose distributorId names no one: no batch of distributors would see it."""
    nobody = "nobody-" + uuid.uuid4().hex[:8]
    entry = f"commission:{nobody}-o#1/COMMISSION_PENDING/pending"
    printed = await _corrupted(
        db,
        "CREATE (:LedgerEntry {id: $id, distributorId: $who, account: 'pending', "
        "kind: 'COMMISSION_PENDING', amount: 700, ref: $ref, at: datetime()})",
        "MATCH (e:LedgerEntry {id: $id}) DELETE e",
        id=entry,
        who=nobody,
        ref=f"commission:{nobody}-o#1",
    )
    assert f"{nobody}: entry {entry} (7.00) names a distributor that does not exist" in printed


async def test_reconcile_fails_on_a_prize_record_changed_in_neo4j(db: Database) -> None:
    """Rewards (prizes, team bonuses) are records too: their entry must equal them."""
    prefix = "cp" + uuid.uuid4().hex[:6]
    ids = await populate(db, prefix)
    printed = await _corrupted(
        db,
        "MATCH (r:Reward {key: $key}) SET r.amount = r.amount + 100",
        "MATCH (r:Reward {key: $key}) SET r.amount = r.amount - 100",
        key=f"PRIZE|{prefix}-c|1",
    )
    assert (
        f"{ids[0]}: reward PRIZE|{prefix}-c|1: available expected 89.00, found 88.00"
    ) in printed
