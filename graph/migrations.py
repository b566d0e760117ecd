"""Schema migrations: constraints and indexes, each applied once and recorded.

A migration is an id and a list of idempotent statements. Applied ids are stored as
`(:Migration {id, appliedAt})`, so `referral migrate` (also run at start-up) only runs
what is new. Append new migrations; never edit an applied one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from graph.db import Database
from graph.money import commission_days
from graph.tree import team_day_totals, team_days


@dataclass(frozen=True)
class Migration:
    id: str
    statements: tuple[LiteralString, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "0001-distributors",
        (
            "CREATE CONSTRAINT distributor_id IF NOT EXISTS "
            "FOR (d:Distributor) REQUIRE d.id IS UNIQUE",
            "CREATE CONSTRAINT distributor_path IF NOT EXISTS "
            "FOR (d:Distributor) REQUIRE d.path IS UNIQUE",
            "CREATE INDEX distributor_depth_path IF NOT EXISTS "
            "FOR (d:Distributor) ON (d.depth, d.path)",
            "CREATE INDEX distributor_joined_at IF NOT EXISTS FOR (d:Distributor) ON (d.joinedAt)",
            "CREATE CONSTRAINT migration_id IF NOT EXISTS FOR (m:Migration) REQUIRE m.id IS UNIQUE",
        ),
    ),
    Migration(
        "0002-audit-and-orders",
        (
            "CREATE CONSTRAINT audit_event_id IF NOT EXISTS "
            "FOR (e:AuditEvent) REQUIRE e.id IS UNIQUE",
            "CREATE INDEX audit_event_at IF NOT EXISTS FOR (e:AuditEvent) ON (e.at)",
            "CREATE CONSTRAINT order_id IF NOT EXISTS FOR (o:Order) REQUIRE o.id IS UNIQUE",
            "CREATE INDEX ledger_entry_distributor IF NOT EXISTS "
            "FOR (e:LedgerEntry) ON (e.distributorId)",
            "CREATE CONSTRAINT tree_lock_id IF NOT EXISTS FOR (l:TreeLock) REQUIRE l.id IS UNIQUE",
            "MERGE (:TreeLock {id: 'referral-tree'})",
        ),
    ),
    Migration(
        "0003-team-index-with-joined-at",
        (
            # One index serves downline pages (depth =, path range, in order) and windowed
            # team metrics (joinedAt read from the index, not from each node).
            "CREATE INDEX distributor_team IF NOT EXISTS "
            "FOR (d:Distributor) ON (d.depth, d.path, d.joinedAt)",
            "DROP INDEX distributor_depth_path IF EXISTS",
        ),
    ),
    Migration(
        "0004-money",
        (
            "CREATE CONSTRAINT ledger_entry_id IF NOT EXISTS "
            "FOR (e:LedgerEntry) REQUIRE e.id IS UNIQUE",
            "CREATE CONSTRAINT commission_id IF NOT EXISTS "
            "FOR (c:Commission) REQUIRE c.id IS UNIQUE",
            "CREATE CONSTRAINT refund_id IF NOT EXISTS FOR (r:Refund) REQUIRE r.id IS UNIQUE",
            "CREATE CONSTRAINT withdrawal_id IF NOT EXISTS "
            "FOR (w:Withdrawal) REQUIRE w.id IS UNIQUE",
            "CREATE CONSTRAINT withdrawal_key IF NOT EXISTS "
            "FOR (w:Withdrawal) REQUIRE w.key IS UNIQUE",
            "CREATE CONSTRAINT rule_set_version IF NOT EXISTS "
            "FOR (r:RuleSet) REQUIRE r.version IS UNIQUE",
            "CREATE INDEX order_buyer_paid_at IF NOT EXISTS FOR (o:Order) ON (o.buyerId, o.paidAt)",
            "CREATE INDEX order_paid_at IF NOT EXISTS FOR (o:Order) ON (o.paidAt)",
            "CREATE INDEX commission_beneficiary_paid_at IF NOT EXISTS "
            "FOR (c:Commission) ON (c.beneficiaryId, c.paidAt)",
            "CREATE INDEX commission_paid_at IF NOT EXISTS FOR (c:Commission) ON (c.paidAt)",
            "CREATE INDEX commission_status_due_at IF NOT EXISTS "
            "FOR (c:Commission) ON (c.status, c.dueAt)",
            "CREATE INDEX withdrawal_distributor_month IF NOT EXISTS "
            "FOR (w:Withdrawal) ON (w.distributorId, w.month)",
            "CREATE INDEX referred_at IF NOT EXISTS FOR ()-[r:REFERRED]-() ON (r.at)",
        ),
    ),
    Migration(
        "0005-ancestor-stamps",
        (
            # a1..a3: the ids 1..3 levels up, on distributors and on their orders, so a
            # team's new members and orders in a window are index seeks (docs/decisions.md).
            "CREATE INDEX distributor_a1_joined_at IF NOT EXISTS "
            "FOR (d:Distributor) ON (d.a1, d.joinedAt)",
            "CREATE INDEX distributor_a2_joined_at IF NOT EXISTS "
            "FOR (d:Distributor) ON (d.a2, d.joinedAt)",
            "CREATE INDEX distributor_a3_joined_at IF NOT EXISTS "
            "FOR (d:Distributor) ON (d.a3, d.joinedAt)",
            "CREATE INDEX order_a1_paid_at IF NOT EXISTS "
            "FOR (o:Order) ON (o.a1, o.paidAt, o.net, o.buyerId)",
            "CREATE INDEX order_a2_paid_at IF NOT EXISTS "
            "FOR (o:Order) ON (o.a2, o.paidAt, o.net, o.buyerId)",
            "CREATE INDEX order_a3_paid_at IF NOT EXISTS "
            "FOR (o:Order) ON (o.a3, o.paidAt, o.net, o.buyerId)",
            """
            MATCH (m:Distributor) WHERE m.a1 IS NULL
            CALL (m) {
              OPTIONAL MATCH (s1:Distributor)-[:REFERRED]->(m)
              OPTIONAL MATCH (s2:Distributor)-[:REFERRED]->(s1)
              OPTIONAL MATCH (s3:Distributor)-[:REFERRED]->(s2)
              SET m.a1 = s1.id, m.a2 = s2.id, m.a3 = s3.id
            } IN TRANSACTIONS OF 10000 ROWS
            """,
            """
            MATCH (o:Order) WHERE o.net IS NULL
            CALL (o) {
              MATCH (b:Distributor {id: o.buyerId})
              SET o.net = o.amount - o.refunded, o.a1 = b.a1, o.a2 = b.a2, o.a3 = b.a3
            } IN TRANSACTIONS OF 10000 ROWS
            """,
        ),
    ),
    Migration(
        "0006-fewer-commission-indexes",
        # The COMMISSION leaderboard finds commissions through their orders' paidAt.
        ("DROP INDEX commission_paid_at IF EXISTS",),
    ),
    Migration(
        "0007-fraud",
        (
            "CREATE CONSTRAINT identifier_key IF NOT EXISTS "
            "FOR (i:Identifier) REQUIRE i.key IS UNIQUE",
            "CREATE INDEX identifier_kind IF NOT EXISTS FOR (i:Identifier) ON (i.kind)",
            "CREATE CONSTRAINT fraud_ring_id IF NOT EXISTS "
            "FOR (r:FraudRing) REQUIRE r.id IS UNIQUE",
            "CREATE INDEX fraud_ring_current_score IF NOT EXISTS "
            "FOR (r:FraudRing) ON (r.current, r.score)",
            "CREATE INDEX fraud_ring_scan IF NOT EXISTS FOR (r:FraudRing) ON (r.scanId)",
            "CREATE CONSTRAINT fraud_alert_id IF NOT EXISTS "
            "FOR (a:FraudAlert) REQUIRE a.id IS UNIQUE",
            "CREATE INDEX fraud_alert_acknowledged_at IF NOT EXISTS "
            "FOR (a:FraudAlert) ON (a.acknowledged, a.at)",
            # teamSize = down1 + down2 + down3, maintained with them: the heaviest teams.
            "CREATE INDEX distributor_team_size IF NOT EXISTS FOR (d:Distributor) ON (d.teamSize)",
            """
            MATCH (d:Distributor) WHERE d.teamSize IS NULL
            CALL (d) { SET d.teamSize = d.down1 + d.down2 + d.down3 } IN TRANSACTIONS OF 10000 ROWS
            """,
        ),
    ),
    Migration(
        "0008-security",
        (
            # A phone is found by its keyed hash; the plain number is never stored.
            "CREATE INDEX distributor_phone_hash IF NOT EXISTS "
            "FOR (d:Distributor) ON (d.phoneHash)",
            "CREATE INDEX audit_event_actor_at IF NOT EXISTS FOR (e:AuditEvent) ON (e.actor, e.at)",
        ),
    ),
    Migration(
        "0009-commission-totals",
        (
            # Team metrics' commissions by status read index entries only (a busy leader
            # has thousands of commissions a month; reading each node cost most of it).
            "CREATE INDEX commission_beneficiary_totals IF NOT EXISTS "
            "FOR (c:Commission) ON (c.beneficiaryId, c.paidAt, c.status, c.amount, c.original)",
        ),
    ),
    Migration(
        "0010-investigations",
        (
            # Saved analyst queries (SPEC §13): by id, and one per name (saving a name
            # again updates it).
            "CREATE CONSTRAINT investigation_id IF NOT EXISTS "
            "FOR (i:Investigation) REQUIRE i.id IS UNIQUE",
            "CREATE CONSTRAINT investigation_name IF NOT EXISTS "
            "FOR (i:Investigation) REQUIRE i.name IS UNIQUE",
        ),
    ),
    Migration(
        "0011-rate-counters",
        (
            # Mutation counters shared by every app process (graph/rate_limits.py).
            "CREATE CONSTRAINT rate_counter_id IF NOT EXISTS "
            "FOR (c:RateCounter) REQUIRE c.id IS UNIQUE",
            "CREATE INDEX rate_counter_expires_at IF NOT EXISTS "
            "FOR (c:RateCounter) ON (c.expiresAt)",
        ),
    ),
    Migration(
        "0012-rewards",
        (
            # Auto-approval asks whether a distributor has an open alert; the bank's batch
            # lists APPROVED withdrawals; the tax statement reads one month's.
            "CREATE INDEX fraud_alert_distributor IF NOT EXISTS "
            "FOR (a:FraudAlert) ON (a.distributorId)",
            "CREATE INDEX withdrawal_status IF NOT EXISTS FOR (w:Withdrawal) ON (w.status)",
            "CREATE INDEX withdrawal_month IF NOT EXISTS FOR (w:Withdrawal) ON (w.month)",
            # Team bonuses and prizes: one (:Reward) per key, so nothing is paid twice.
            "CREATE CONSTRAINT reward_key IF NOT EXISTS FOR (r:Reward) REQUIRE r.key IS UNIQUE",
            "CREATE INDEX reward_beneficiary IF NOT EXISTS FOR (r:Reward) ON (r.beneficiaryId)",
            "CREATE INDEX distributor_rank IF NOT EXISTS FOR (d:Distributor) ON (d.rank)",
            "CREATE CONSTRAINT campaign_id IF NOT EXISTS FOR (c:Campaign) REQUIRE c.id IS UNIQUE",
        ),
    ),
    Migration(
        "0013-invite-codes",
        (
            # One code per distributor, found by one seek of the constraint's index.
            # Distributors that predate it get theirs on first read (docs/decisions.md).
            "CREATE CONSTRAINT distributor_invite_code IF NOT EXISTS "
            "FOR (d:Distributor) REQUIRE d.inviteCode IS UNIQUE",
        ),
    ),
    Migration(
        "0014-persisted-queries",
        (
            "CREATE CONSTRAINT persisted_query_hash IF NOT EXISTS "
            "FOR (q:PersistedQuery) REQUIRE q.hash IS UNIQUE",
        ),
    ),
    Migration(
        "0015-withdrawal-queue",
        # The admins' queue lists withdrawals by state, oldest first (graph/withdrawal_queue).
        (
            "CREATE INDEX withdrawal_status_requested_at IF NOT EXISTS "
            "FOR (w:Withdrawal) ON (w.status, w.requestedAt)",
        ),
    ),
    Migration(
        "0016-job-leases",
        (
            # One lease per scheduler job, taken by one app process at a time
            # (graph/leases.py): the constraint makes concurrent MERGEs meet on one node.
            "CREATE CONSTRAINT job_lease_name IF NOT EXISTS "
            "FOR (l:JobLease) REQUIRE l.name IS UNIQUE",
        ),
    ),
    Migration(
        "0017-team-days",
        (
            # Daily team roll-ups per ancestor and level (graph/tree/team_days.py): a
            # window of team metrics reads one per day and level, not every order in it.
            "CREATE CONSTRAINT team_day_key IF NOT EXISTS FOR (t:TeamDay) REQUIRE t.key IS UNIQUE",
            "CREATE INDEX team_day_window IF NOT EXISTS "
            "FOR (t:TeamDay) ON (t.ancestorId, t.level, t.day)",
            "CALL db.awaitIndexes(300)",
            # The roll-ups themselves are built by 0021, which builds them whole.
        ),
    ),
    Migration(
        "0018-events",
        (
            # The subscriptions' event log (graph/events.py): polled and pruned by written.
            "CREATE INDEX event_written IF NOT EXISTS FOR (e:Event) ON (e.written)",
        ),
    ),
    Migration(
        "0019-shared-identifiers",
        (
            # The ring scan reads only identifiers two or more distributors use
            # (graph/fraud/identifiers.py marks them as they become shared).
            "CREATE INDEX identifier_shared IF NOT EXISTS FOR (i:Identifier) ON (i.shared, i.kind)",
            "MATCH (i:Identifier) WHERE i.shared IS NULL AND COUNT { (i)<-[:USES]-() } >= 2 "
            "CALL (i) { SET i.shared = true } IN TRANSACTIONS OF 10000 ROWS",
        ),
    ),
    Migration(
        "0020-team-day-buckets",
        # The roll-ups again, a day of a team now spread over buckets
        # (domain/tree/team_days.py): built by 0021, which builds them whole.
        (),
    ),
    Migration(
        "0021-buyer-live-days",
        # The roll-ups again, each buyer with their previous live day, after every
        # buyer's live days (domain/tree/team_days.py): any earlier ones are dropped.
        team_days.BUILD,
    ),
    Migration(
        "0022-commission-days",
        (
            # Daily commission roll-ups per beneficiary (graph/money/commission_days.py):
            # team metrics read a window's whole days from them, not every commission.
            "CREATE CONSTRAINT commission_day_key IF NOT EXISTS "
            "FOR (d:CommissionDay) REQUIRE d.key IS UNIQUE",
            "CREATE INDEX commission_day_window IF NOT EXISTS "
            "FOR (d:CommissionDay) ON (d.beneficiaryId, d.day)",
            "CALL db.awaitIndexes(300)",
            *commission_days.BUILD,
        ),
    ),
    Migration(
        "0023-team-day-older-counts",
        # Each team roll-up's buyers counted by how old their previous live day is
        # (domain/tree/team_days.py, `older_counts`), for those built before.
        (team_days.BUILD_OLDER,),
    ),
    Migration(
        "0024-commission-day-totals",
        (
            # Team metrics read the commission roll-ups' sums from this index alone; it
            # replaces the one on (beneficiaryId, day) (graph/tree/team.py).
            "CREATE INDEX commission_day_totals IF NOT EXISTS FOR (d:CommissionDay) "
            "ON (d.beneficiaryId, d.day, d.pending, d.settled, d.cancelled)",
            "CALL db.awaitIndexes(300)",
            "DROP INDEX commission_day_window IF EXISTS",
        ),
    ),
    Migration(
        "0025-team-day-totals",
        (
            # The sums of each team day's 32 roll-ups (graph/tree/team_day_totals.py):
            # a window of team metrics reads one per whole day, not 32. The index on
            # TeamDay(day) finds the days the scheduler's job gives a total.
            "CREATE CONSTRAINT team_day_total_key IF NOT EXISTS "
            "FOR (s:TeamDayTotal) REQUIRE s.key IS UNIQUE",
            "CREATE INDEX team_day_total_window IF NOT EXISTS "
            "FOR (s:TeamDayTotal) ON (s.ancestorId, s.level, s.day)",
            "CREATE INDEX team_day_day IF NOT EXISTS FOR (t:TeamDay) ON (t.day)",
            "CALL db.awaitIndexes(300)",
            team_day_totals.BUILD_ALL,
        ),
    ),
)

APPLIED = "MATCH (m:Migration) RETURN m.id AS id"
RECORD = "MERGE (m:Migration {id: $id}) ON CREATE SET m.appliedAt = datetime()"

# The migrations whose only work is building the team roll-ups from the members and
# orders: an offline import writes a network's roll-ups with its members (it has no
# orders yet, so no buyers to count), so it records these as applied instead of running
# them (devtools/offline_import.py).
BUILT_BY_IMPORT = ("0021-buyer-live-days", "0023-team-day-older-counts")


async def _auto_commit(db: Database, statement: LiteralString) -> None:
    """Run one statement in its own transaction (`CALL … IN TRANSACTIONS` needs that)."""
    async with db.driver.session(database=db.name) as session:
        await (await session.run(statement)).consume()


async def record_applied(db: Database, *, migration_id: str) -> None:
    """Record `migration_id` as applied without running it (its work is already done)."""
    await db.driver.execute_query(RECORD, {"id": migration_id}, database_=db.name)


async def migrate(db: Database, *, index_timeout_s: int = 300) -> list[str]:
    """Apply every migration not yet recorded, wait until every index is online, and
    return the ids applied now."""
    await db.driver.execute_query(MIGRATIONS[0].statements[-1], database_=db.name)
    done = {record["id"] for record in await db.read(APPLIED)}
    applied: list[str] = []
    for migration in MIGRATIONS:
        if migration.id in done:
            continue
        for statement in migration.statements:
            await _auto_commit(db, statement)
        await db.driver.execute_query(RECORD, {"id": migration.id}, database_=db.name)
        applied.append(migration.id)
    await db.driver.execute_query(
        "CALL db.awaitIndexes($seconds)", seconds=index_timeout_s, database_=db.name
    )
    return applied
