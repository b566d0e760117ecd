"""The ledger in Neo4j: writing entries, balances, a distributor's history, reconciliation.

Entries are `(:LedgerEntry {id, distributorId, account, kind, amount, ref, at})`, never
updated or deleted. A balance is always computed as the sum of its entries, and
`reconcile` checks those sums against the commissions and withdrawals they come from;
`withdrawal_mismatches` checks each withdrawal record against its own entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from domain.models import Balance, LedgerEntry
from domain.money.ledger import AVAILABLE, Entry, Move, WithdrawalMismatch, withdrawal_mismatch
from domain.pagination import ListKey, Page, Window
from graph.db import Database, fetch
from graph.pagination import SortKey, count, fetcher, instant_key, keyset_queries, paginate
from graph.values import from_epoch_ms

WRITE_ENTRIES = """
UNWIND $entries AS e
CREATE (:LedgerEntry {
  id: e.id, distributorId: e.distributorId, account: e.account, kind: e.kind,
  amount: e.amount, ref: e.ref, at: $at
})
"""

BALANCE = """
MATCH (e:LedgerEntry {distributorId: $id})
RETURN e.account AS account, sum(e.amount) AS total
"""

AVAILABLE_BALANCE = """
MATCH (e:LedgerEntry {distributorId: $id})
WHERE e.account = $account
RETURN sum(e.amount) AS total
"""

# A distributor's entries, newest first (ties by id), one keyset page at a time.
LEDGER = ListKey(kind="ledger", sort="at desc, id desc", shape=(int, str))
LEDGER_PAGES = keyset_queries(
    match="MATCH (e:LedgerEntry {distributorId: $id}) WHERE e.at IS NOT NULL",
    variable="e",
    keys=(instant_key("e.at", descending=True), SortKey("e.id", descending=True)),
    projection="e {.id, .distributorId, .account, .kind, .amount, .ref, atMs: e.at.epochMillis}",
)
LEDGER_COUNT = """
MATCH (e:LedgerEntry {distributorId: $id}) WHERE e.at IS NOT NULL
RETURN count(e) AS n
"""

# What the entries should add up to, from the commissions and withdrawals themselves.
# (`IS NOT NULL` on the second key lets the composite indexes serve the lookups.)
RECONCILE = """
UNWIND $ids AS id
CALL (id) {
  OPTIONAL MATCH (e:LedgerEntry {distributorId: id})
  RETURN sum(CASE e.account WHEN 'pending' THEN e.amount ELSE 0 END) AS pending,
         sum(CASE WHEN e.account IN ['available','held','withdrawn','fees','tax']
                  THEN e.amount ELSE 0 END) AS settledSide,
         sum(CASE e.account WHEN 'held' THEN e.amount ELSE 0 END) AS held,
         sum(CASE WHEN e.account IN ['withdrawn','fees','tax'] THEN e.amount ELSE 0 END) AS paid
}
CALL (id) {
  OPTIONAL MATCH (c:Commission {beneficiaryId: id}) WHERE c.paidAt IS NOT NULL
  RETURN sum(CASE c.status WHEN 'PENDING' THEN c.amount ELSE 0 END) AS pendingCommissions,
         sum(CASE c.status WHEN 'SETTLED' THEN c.amount ELSE 0 END) AS settledCommissions
}
CALL (id) {
  OPTIONAL MATCH (r:Reward {beneficiaryId: id})
  RETURN coalesce(sum(r.amount), 0) AS rewards
}
CALL (id) {
  OPTIONAL MATCH (w:Withdrawal {distributorId: id}) WHERE w.month IS NOT NULL
  RETURN sum(CASE WHEN w.status IN ['REQUESTED','APPROVED'] THEN w.amount ELSE 0 END)
           AS inFlight,
         sum(CASE w.status WHEN 'PAID' THEN w.amount ELSE 0 END) AS paidOut
}
WITH id, pending, settledSide, held, paid, pendingCommissions, settledCommissions,
     rewards, inFlight, paidOut
WHERE pending <> pendingCommissions OR settledSide <> settledCommissions + rewards
   OR held <> inFlight OR paid <> paidOut
RETURN id
"""


# Every withdrawal record of the distributors with the entries its events wrote, and the
# withdrawal entries of theirs (ref `withdrawal:{id}`) that no record accounts for.
WITHDRAWALS_AND_ENTRIES = """
UNWIND $ids AS id
CALL (id) {
  OPTIONAL MATCH (w:Withdrawal {distributorId: id}) WHERE w.month IS NOT NULL
  RETURN collect(w {.id, .status, .amount, .fee, .tax, .net}) AS records
}
CALL (id) {
  OPTIONAL MATCH (e:LedgerEntry {distributorId: id}) WHERE e.ref STARTS WITH 'withdrawal:'
  RETURN collect(e {.ref, .kind, .account, .amount}) AS entries
}
RETURN id, records, entries
"""


async def write_entries(
    tx: AsyncManagedTransaction, *, entries: Sequence[Entry], at: datetime
) -> None:
    if entries:
        await tx.run(WRITE_ENTRIES, entries=[e.as_row() for e in entries], at=at)


def ledger_entry_from_node(e: Any) -> LedgerEntry:
    """A `LedgerEntry` from the projection `PAGE` returns."""
    return LedgerEntry(
        id=e["id"],
        distributor_id=e["distributorId"],
        account=e["account"],
        kind=e["kind"],
        amount_fen=e["amount"],
        ref=e["ref"],
        at=from_epoch_ms(e["atMs"]),
    )


async def balance(db: Database, *, distributor_id: str) -> Balance:
    """Each balance is the sum of the distributor's ledger entries in that account."""
    totals = {r["account"]: r["total"] for r in await db.read(BALANCE, id=distributor_id)}
    return Balance(
        pending_fen=totals.get("pending", 0),
        available_fen=totals.get("available", 0),
        held_fen=totals.get("held", 0),
        withdrawn_fen=totals.get("withdrawn", 0),
    )


async def available_in(tx: AsyncManagedTransaction, *, distributor_id: str) -> int:
    """The available balance, read inside a transaction that holds the distributor's lock."""
    records = await fetch(tx, AVAILABLE_BALANCE, id=distributor_id, account=AVAILABLE)
    total: int = records[0]["total"] or 0
    return total


def _entry(e: Any) -> LedgerEntry:
    return LedgerEntry(
        id=e["id"],
        distributor_id=e["distributorId"],
        account=e["account"],
        kind=e["kind"],
        amount_fen=e["amount"],
        ref=e["ref"],
        at=from_epoch_ms(e["atMs"]),
    )


async def history(db: Database, *, distributor_id: str, window: Window) -> Page[LedgerEntry]:
    """The distributor's entries, newest first, one keyset page at a time."""
    return await paginate(
        window,
        fetch=fetcher(db, LEDGER_PAGES, _entry, id=distributor_id),
        total=count(db, LEDGER_COUNT, id=distributor_id),
    )


async def reconcile(db: Database, *, distributor_ids: Sequence[str]) -> list[str]:
    """The distributors whose entries disagree with their commissions and withdrawals."""
    return [r["id"] for r in await db.read(RECONCILE, ids=list(distributor_ids))]


async def withdrawal_mismatches(
    db: Database, *, distributor_ids: Sequence[str]
) -> list[WithdrawalMismatch]:
    """Every withdrawal of these distributors whose record (amount, fee, tax, net,
    status) differs from its ledger entries, and any withdrawal entries without a record
    (`rules.ledger.withdrawal_mismatch`); empty when all agree."""
    found: list[WithdrawalMismatch] = []
    for row in await db.read(WITHDRAWALS_AND_ENTRIES, ids=list(distributor_ids)):
        moves: dict[str, list[Move]] = {}
        for e in row["entries"]:
            moves.setdefault(e["ref"].removeprefix("withdrawal:"), []).append(
                (e["kind"], e["account"], e["amount"])
            )
        for w in row["records"]:
            mismatch = withdrawal_mismatch(
                withdrawal_id=w["id"],
                distributor_id=row["id"],
                status=w["status"],
                amount_fen=w["amount"],
                fee_fen=w["fee"],
                tax_fen=w["tax"],
                net_fen=w["net"],
                entries=moves.pop(w["id"], []),
            )
            if mismatch is not None:
                found.append(mismatch)
        for orphan, entries in moves.items():
            mismatch = withdrawal_mismatch(
                withdrawal_id=orphan,
                distributor_id=row["id"],
                status=None,
                amount_fen=0,
                fee_fen=0,
                tax_fen=0,
                net_fen=0,
                entries=entries,
            )
            if mismatch is not None:
                found.append(mismatch)
    return found
