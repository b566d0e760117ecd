"""Reconciliation of the whole store: every distributor through the ledger invariant.

`reconcile_all` pages through every distributor by id (a keyset over the uniqueness
index, never SKIP), reads each batch's entry sums, commissions (with their orders'
refunds), rewards and withdrawals in four queries, and checks them with the pure
`domain.money.reconcile.check`. Then it pages through the distinct owners of entries,
commissions and withdrawals (in index order too) for money whose distributor does not
exist at all. Every query is an index seek over one batch: nothing scans a label, and no
single query reads the whole store.

The reads are not one snapshot (Neo4j reads at read-committed), so a write that lands
between two of a batch's queries can make a consistent distributor look wrong for a
moment. Every business operation is one transaction, so such a difference is gone when
read again: distributors that differ are read again (`recheck` times, after `pause_s`)
and only differences that persist are reported.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from domain.money.fen import format_fen
from domain.money.reconcile import (
    CommissionRecord,
    Difference,
    EntrySum,
    RewardRecord,
    WithdrawalRecord,
    check,
)
from graph.db import Database

DISTRIBUTOR_PAGE = """
MATCH (d:Distributor) WHERE d.id > $after
RETURN d.id AS id ORDER BY d.id LIMIT $limit
"""

ENTRY_SUMS = """
UNWIND $ids AS id
MATCH (e:LedgerEntry {distributorId: id})
RETURN id, e.ref AS ref, e.kind AS kind, e.account AS account, sum(e.amount) AS amount
"""

# (`IS NOT NULL` on the second key lets the composite indexes serve the lookups.)
COMMISSIONS = """
UNWIND $ids AS id
MATCH (c:Commission {beneficiaryId: id}) WHERE c.paidAt IS NOT NULL
CALL (c) {
  OPTIONAL MATCH (:Order {id: c.orderId})-[:REFUNDED_BY]->(r:Refund)
  RETURN collect(r.id) AS refunds
}
RETURN c.orderId AS orderId, c.level AS level, c.beneficiaryId AS beneficiaryId,
       c.amount AS amount, c.status AS status, refunds
"""

REWARDS = """
UNWIND $ids AS id
MATCH (r:Reward {beneficiaryId: id})
RETURN r.key AS key, r.kind AS kind, r.beneficiaryId AS beneficiaryId, r.amount AS amount,
       r.month AS month, r.campaignId AS campaignId, r.rank AS rank
"""

WITHDRAWALS = """
UNWIND $ids AS id
MATCH (w:Withdrawal {distributorId: id}) WHERE w.month IS NOT NULL
RETURN w.id AS id, w.distributorId AS distributorId, w.amount AS amount, w.fee AS fee,
       w.tax AS tax, w.net AS net, w.status AS status
"""

# Money whose distributor is missing altogether (no batch above would see it): the
# distinct owners of entries, commissions and withdrawals, paged in index order, each
# looked up; then the records of the unknown ones.
ENTRY_OWNERS = """
MATCH (e:LedgerEntry) WHERE e.distributorId > $after
WITH DISTINCT e.distributorId AS id ORDER BY id LIMIT $limit
RETURN id, EXISTS { MATCH (:Distributor {id: id}) } AS known
"""

COMMISSION_OWNERS = """
MATCH (c:Commission) WHERE c.beneficiaryId > $after AND c.paidAt IS NOT NULL
WITH DISTINCT c.beneficiaryId AS id ORDER BY id LIMIT $limit
RETURN id, EXISTS { MATCH (:Distributor {id: id}) } AS known
"""

REWARD_OWNERS = """
MATCH (r:Reward) WHERE r.beneficiaryId > $after
WITH DISTINCT r.beneficiaryId AS id ORDER BY id LIMIT $limit
RETURN id, EXISTS { MATCH (:Distributor {id: id}) } AS known
"""

WITHDRAWAL_OWNERS = """
MATCH (w:Withdrawal) WHERE w.distributorId > $after AND w.month IS NOT NULL
WITH DISTINCT w.distributorId AS id ORDER BY id LIMIT $limit
RETURN id, EXISTS { MATCH (:Distributor {id: id}) } AS known
"""

STRAY_RECORDS = """
UNWIND $ids AS id
CALL (id) {
  MATCH (e:LedgerEntry {distributorId: id})
  RETURN 'entry ' + e.id AS record, e.amount AS amount
  UNION ALL
  MATCH (c:Commission {beneficiaryId: id}) WHERE c.paidAt IS NOT NULL
  RETURN 'commission ' + c.id AS record, c.amount AS amount
  UNION ALL
  MATCH (w:Withdrawal {distributorId: id}) WHERE w.month IS NOT NULL
  RETURN 'withdrawal ' + w.id AS record, w.amount AS amount
  UNION ALL
  MATCH (r:Reward {beneficiaryId: id})
  RETURN 'reward ' + r.key AS record, r.amount AS amount
}
RETURN id, record, amount
ORDER BY id, record
LIMIT $limit
"""


@dataclass
class Summary:
    """What a reconciliation saw, and every difference that persisted."""

    distributors: int = 0
    entries: int = 0
    commissions: int = 0
    withdrawals: int = 0
    rewards: int = 0
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    @property
    def distributors_differing(self) -> int:
        return len({d.distributor_id for d in self.differences})


async def check_batch(
    db: Database, *, distributor_ids: Sequence[str], summary: Summary | None = None
) -> list[Difference]:
    """The differences of these distributors, read now (counted into `summary`)."""
    ids = list(distributor_ids)
    entries: dict[str, list[EntrySum]] = {i: [] for i in ids}
    for r in await db.read(ENTRY_SUMS, ids=ids):
        entries[r["id"]].append(EntrySum(r["id"], r["ref"], r["kind"], r["account"], r["amount"]))
    commissions: dict[str, list[CommissionRecord]] = {i: [] for i in ids}
    for r in await db.read(COMMISSIONS, ids=ids):
        commissions[r["beneficiaryId"]].append(
            CommissionRecord(
                order_id=r["orderId"],
                level=r["level"],
                beneficiary_id=r["beneficiaryId"],
                amount_fen=r["amount"],
                status=r["status"],
                refund_ids=tuple(sorted(r["refunds"])),
            )
        )
    withdrawals: dict[str, list[WithdrawalRecord]] = {i: [] for i in ids}
    for r in await db.read(WITHDRAWALS, ids=ids):
        withdrawals[r["distributorId"]].append(
            WithdrawalRecord(
                id=r["id"],
                distributor_id=r["distributorId"],
                amount_fen=r["amount"],
                fee_fen=r["fee"],
                tax_fen=r["tax"],
                net_fen=r["net"],
                status=r["status"],
            )
        )
    rewards: dict[str, list[RewardRecord]] = {i: [] for i in ids}
    for r in await db.read(REWARDS, ids=ids):
        rewards[r["beneficiaryId"]].append(
            RewardRecord(
                key=r["key"],
                kind=r["kind"],
                beneficiary_id=r["beneficiaryId"],
                amount_fen=r["amount"] or 0,
                month=r["month"],
                campaign_id=r["campaignId"],
                rank=r["rank"],
            )
        )
    if summary is not None:
        summary.distributors += len(ids)
        summary.rewards += sum(len(v) for v in rewards.values())
        summary.entries += sum(len(v) for v in entries.values())
        summary.commissions += sum(len(v) for v in commissions.values())
        summary.withdrawals += sum(len(v) for v in withdrawals.values())
    found: list[Difference] = []
    for i in ids:
        found += check(
            distributor_id=i,
            entries=entries[i],
            commissions=commissions[i],
            withdrawals=withdrawals[i],
            rewards=rewards[i],
        )
    return found


async def strays(db: Database, *, batch_size: int = 500, limit: int = 1000) -> list[Difference]:
    """Entries and records that name a distributor who does not exist (at most `limit`)."""
    unknown: set[str] = set()
    for query in (ENTRY_OWNERS, COMMISSION_OWNERS, WITHDRAWAL_OWNERS, REWARD_OWNERS):
        after = ""
        while len(unknown) < limit:
            page = await db.read(query, after=after, limit=batch_size)
            if not page:
                break
            unknown.update(r["id"] for r in page if not r["known"])
            after = page[-1]["id"]
    if not unknown:
        return []
    return [
        Difference(
            r["id"],
            r["record"],
            f"{r['record']} ({format_fen(r['amount'] or 0)}) names a distributor that does "
            "not exist",
        )
        for r in await db.read(STRAY_RECORDS, ids=sorted(unknown), limit=limit)
    ]


async def reconcile_all(
    db: Database,
    *,
    batch_size: int = 500,
    recheck: int = 2,
    pause_s: float = 1.0,
    progress: Callable[[Summary], None] | None = None,
) -> Summary:
    """Every distributor, `batch_size` at a time; differences that persist after
    `recheck` further reads. `progress` is called after each batch."""
    summary = Summary()
    after = ""
    while True:
        page = [r["id"] for r in await db.read(DISTRIBUTOR_PAGE, after=after, limit=batch_size)]
        if not page:
            break
        differing = await check_batch(db, distributor_ids=page, summary=summary)
        for _ in range(recheck):
            if not differing:
                break
            await asyncio.sleep(pause_s)
            again = sorted({d.distributor_id for d in differing})
            differing = await check_batch(db, distributor_ids=again)
        summary.differences += differing
        after = page[-1]
        if progress is not None:
            progress(summary)
    summary.differences += await strays(db, batch_size=batch_size)
    return summary
