"""Withdrawals (SPEC §3.6): requested against the available balance, then decided by an admin.

Every transition — request, approve, reject, paid, and the re-pricing of the month's
tax that a rejection causes — runs in one transaction that first locks the
distributor (its node's write lock), before it reads anything it will act on. So one
distributor's transitions run one after another: each sees the holds, taxes and
statuses of those before it, the balance is never overdrawn, a withdrawal is paid with
the tax it holds at that moment, and its record always equals its ledger entries
(`graph.money.ledger.withdrawal_mismatches` checks that). The fee and the tax are set at
request time from the month's cumulative gross (`rules.tax`); a rejection returns the
funds and re-prices the month's withdrawals not yet paid, in request order (`seq`).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from domain.errors import BadUserInput, Conflict, Frozen, InsufficientBalance, NotFound
from domain.models import Actor, Policy, Status, Withdrawal, WithdrawalStatus
from domain.money.fen import format_fen
from domain.money.ledger import withdrawal_held, withdrawal_paid, withdrawal_released
from domain.money.tax import fee_fen, reprice, tax_month, withholding_fen
from domain.money.withdrawals import auto_approves, needs_transition
from domain.pagination import ListKey, Page, Window
from graph import audit
from graph.db import Database, fetch
from graph.fraud.alerts import has_open_alert
from graph.locks import lock_distributor
from graph.money.ledger import available_in, write_entries
from graph.pagination import SortKey, count, fetcher, instant_key, keyset_queries, paginate
from graph.values import from_epoch_ms

PROJECTION = (
    "w {.id, .distributorId, .amount, .fee, .tax, .net, .status, "
    "requestedAtMs: w.requestedAt.epochMillis}"
)


def withdrawal_from_node(w: Any) -> Withdrawal:
    return Withdrawal(
        id=w["id"],
        distributor_id=w["distributorId"],
        amount_fen=w["amount"],
        fee_fen=w["fee"],
        tax_fen=w["tax"],
        net_fen=w["net"],
        status=WithdrawalStatus(w["status"]),
        requested_at=from_epoch_ms(w["requestedAtMs"]),
    )


BY_KEY = "MATCH (w:Withdrawal {key: $key}) RETURN " + PROJECTION + " AS w"

BY_ID = "MATCH (w:Withdrawal {id: $id}) RETURN " + PROJECTION + " AS w"

# The owner is never changed, so it may be read before the owner's lock is taken.
OWNER = "MATCH (w:Withdrawal {id: $id}) RETURN w.distributorId AS distributorId"

# `seq` numbers a distributor's withdrawals of a month in the order their requests ran
# (under the lock), which is the order the month is priced in; records written before
# `seq` existed count as 0 and go first, by request time.
MONTH_SO_FAR = """
MATCH (w:Withdrawal {distributorId: $id, month: $month})
RETURN sum(CASE WHEN w.status <> 'REJECTED' THEN w.amount ELSE 0 END) AS gross,
       sum(CASE WHEN w.status <> 'REJECTED' THEN w.tax ELSE 0 END) AS withheld,
       coalesce(max(w.seq), 0) + 1 AS seq
"""

CREATE = (
    """
MATCH (d:Distributor {id: $distributorId})
CREATE (d)-[:REQUESTED]->(w:Withdrawal {
  id: $id, key: $key, distributorId: $distributorId, amount: $amount, fee: $fee, tax: $tax,
  net: $net, status: 'REQUESTED', month: $month, seq: $seq, requestedAt: $now
})
RETURN """
    + PROJECTION
    + " AS w"
)

MONTH_REMAINING = """
MATCH (w:Withdrawal {distributorId: $id, month: $month})
WHERE w.status <> 'REJECTED'
RETURN w.id AS id, w.amount AS amount, w.fee AS fee, w.tax AS tax, w.status = 'PAID' AS paid
ORDER BY coalesce(w.seq, 0), w.requestedAt, w.id
"""

# Never a paid one: what it withheld is in the ledger for good.
SET_TAX = """
UNWIND $changes AS change
MATCH (w:Withdrawal {id: change.id}) WHERE w.status <> 'PAID'
SET w.tax = change.tax, w.net = w.amount - w.fee - change.tax
"""

SET_STATUS = "MATCH (w:Withdrawal {id: $id}) SET w.status = $status, w.decidedAt = $now"

SYSTEM = Actor(subject="system:auto-approve", role="SYSTEM")

OPERATION = {
    WithdrawalStatus.APPROVED: "approveWithdrawal",
    WithdrawalStatus.PAID: "markWithdrawalPaid",
    WithdrawalStatus.REJECTED: "rejectWithdrawal",
}

# A distributor's withdrawals, newest first (ties by id).
WITHDRAWALS = ListKey(kind="withdrawals", sort="requestedAt desc, id desc", shape=(int, str))
PAGES = keyset_queries(
    match="MATCH (w:Withdrawal {distributorId: $id}) WHERE w.month IS NOT NULL",
    variable="w",
    keys=(instant_key("w.requestedAt", descending=True), SortKey("w.id", descending=True)),
    projection=PROJECTION,
)
COUNT = """
MATCH (w:Withdrawal {distributorId: $id}) WHERE w.month IS NOT NULL
RETURN count(w) AS n
"""


async def request(
    db: Database,
    *,
    distributor_id: str,
    amount_fen: int,
    idempotency_key: str,
    policy: Policy,
    now: datetime,
    actor: Actor | None = None,
    top_signal_score: int | None = None,
) -> Withdrawal:
    """Hold `amount_fen` of the available balance for a new withdrawal (or replay one).

    With `policy.withdraw_auto_approve_limit_fen` set and `top_signal_score` given (the
    highest score of the distributor's fraud signals, read just before), a withdrawal
    within the limit by a distributor with no open alert (read here, under the lock) is
    APPROVED in this same transaction, and audited as `autoApproveWithdrawal`.
    """
    key = f"{distributor_id}|{idempotency_key}"

    async def work(tx: AsyncManagedTransaction) -> Withdrawal:
        locked = await lock_distributor(tx, distributor_id=distributor_id)
        if locked is None:
            raise NotFound("Distributor", distributor_id)
        previous = await fetch(tx, BY_KEY, key=key)
        if previous:
            replay = withdrawal_from_node(previous[0]["w"])
            if replay.amount_fen != amount_fen:
                raise Conflict(
                    f"idempotencyKey {idempotency_key!r} was already used for a withdrawal "
                    f"of {format_fen(replay.amount_fen)}."
                )
            return replay
        if locked[0]["status"] != Status.ACTIVE.value:
            raise Frozen(f"Distributor {distributor_id!r} is frozen and cannot withdraw.")
        available = await available_in(tx, distributor_id=distributor_id)
        if amount_fen > available:
            raise InsufficientBalance(
                f"A withdrawal of {format_fen(amount_fen)} exceeds the available balance "
                f"of {format_fen(available)}."
            )
        month = tax_month(now)
        so_far = (await fetch(tx, MONTH_SO_FAR, id=distributor_id, month=month))[0]
        fee = fee_fen(amount_fen, policy.withdraw_fee_rate)
        tax = withholding_fen(
            gross_before_fen=so_far["gross"] or 0,
            withheld_before_fen=so_far["withheld"] or 0,
            amount_fen=amount_fen,
        )
        withdrawal_id = "w-" + uuid.uuid4().hex
        created = await fetch(
            tx,
            CREATE,
            id=withdrawal_id,
            key=key,
            distributorId=distributor_id,
            amount=amount_fen,
            fee=fee,
            tax=tax,
            net=amount_fen - fee - tax,
            month=month,
            seq=so_far["seq"],
            now=now,
        )
        await write_entries(
            tx,
            entries=withdrawal_held(
                withdrawal_id=withdrawal_id, distributor_id=distributor_id, amount_fen=amount_fen
            ),
            at=now,
        )
        made = withdrawal_from_node(created[0]["w"])
        if top_signal_score is not None and auto_approves(
            amount_fen=amount_fen,
            limit_fen=policy.withdraw_auto_approve_limit_fen,
            open_alert=await has_open_alert(tx, distributor_id=distributor_id),
            top_signal_score=top_signal_score,
        ):
            approved = WithdrawalStatus.APPROVED
            await tx.run(SET_STATUS, id=withdrawal_id, status=approved.value, now=now)
            await audit.record(
                tx,
                actor=actor or SYSTEM,
                operation="autoApproveWithdrawal",
                arguments={"id": withdrawal_id, "status": approved.value},
            )
            made = replace(made, status=approved)
        return made

    try:
        return await db.write(work)
    except ConstraintError:
        return await db.write(work)


async def decide(
    db: Database,
    *,
    withdrawal_id: str,
    status: WithdrawalStatus,
    reason: str | None,
    actor: Actor,
    now: datetime,
) -> Withdrawal:
    """Admin: approve, pay or reject; deciding the same way twice changes nothing."""

    async def work(tx: AsyncManagedTransaction) -> Withdrawal:
        owner = await fetch(tx, OWNER, id=withdrawal_id)
        if not owner:
            raise NotFound("Withdrawal", withdrawal_id)
        locked = await lock_distributor(tx, distributor_id=owner[0]["distributorId"])
        assert locked is not None, "a withdrawal's distributor is never deleted"
        # read under the lock: the latest status, tax and net
        w = withdrawal_from_node((await fetch(tx, BY_ID, id=withdrawal_id))[0]["w"])
        if not needs_transition(w.status, status):
            return w
        if status is not WithdrawalStatus.REJECTED and locked[0]["status"] != Status.ACTIVE.value:
            raise Frozen(f"Distributor {w.distributor_id!r} is frozen; reject or wait.")
        await _transition(tx, w=w, status=status, reason=reason, actor=actor, now=now)
        return replace(w, status=status)

    return await db.write(work)


async def _transition(
    tx: AsyncManagedTransaction,
    *,
    w: Withdrawal,
    status: WithdrawalStatus,
    reason: str | None,
    actor: Actor,
    now: datetime,
) -> None:
    """Move the locked withdrawal `w` to `status`: its ledger entries and audit event."""
    withdrawal_id = w.id
    await tx.run(SET_STATUS, id=withdrawal_id, status=status.value, now=now)
    if status is WithdrawalStatus.REJECTED:
        entries = withdrawal_released(
            withdrawal_id=w.id, distributor_id=w.distributor_id, amount_fen=w.amount_fen
        )
        await _reprice_month(tx, distributor_id=w.distributor_id, requested_at=w.requested_at)
    elif status is WithdrawalStatus.PAID:
        entries = withdrawal_paid(
            withdrawal_id=w.id,
            distributor_id=w.distributor_id,
            amount_fen=w.amount_fen,
            fee_fen=w.fee_fen,
            tax_fen=w.tax_fen,
        )
    else:
        entries = []
    await write_entries(tx, entries=entries, at=now)
    arguments: dict[str, object] = {"id": withdrawal_id, "status": status.value}
    if reason is not None:
        arguments["reason"] = reason
    await audit.record(tx, actor=actor, operation=OPERATION[status], arguments=arguments)


async def _reprice_month(
    tx: AsyncManagedTransaction, *, distributor_id: str, requested_at: datetime
) -> None:
    """A rejected withdrawal leaves its month: the unpaid ones withhold again (rules.tax).

    Runs inside the rejection's transaction, which holds the distributor's lock.
    """
    rows = await fetch(tx, MONTH_REMAINING, id=distributor_id, month=tax_month(requested_at))
    taxes = reprice([(r["amount"], r["tax"], r["paid"]) for r in rows])
    changes = [
        {"id": r["id"], "tax": tax} for r, tax in zip(rows, taxes, strict=True) if tax != r["tax"]
    ]
    if changes:
        await tx.run(SET_TAX, changes=changes)


async def find(db: Database, *, withdrawal_id: str) -> Withdrawal | None:
    records = await db.read(BY_ID, id=withdrawal_id)
    return withdrawal_from_node(records[0]["w"]) if records else None


async def of_distributor(db: Database, *, distributor_id: str, window: Window) -> Page[Withdrawal]:
    """The distributor's withdrawals, newest first, one keyset page."""
    return await paginate(
        window,
        fetch=fetcher(db, PAGES, withdrawal_from_node, id=distributor_id),
        total=count(db, COUNT, id=distributor_id),
    )


KNOWN = "MATCH (w:Withdrawal) WHERE w.id IN $ids RETURN w.id AS id"


async def pay_approved(
    db: Database, *, withdrawal_ids: list[str], actor: Actor, now: datetime
) -> int:
    """`markWithdrawalsPaid`: every APPROVED one of `withdrawal_ids` becomes PAID through
    the one paid transition, each in a transaction of its own that locks its distributor
    and then the withdrawal (so one distributor's payments run one after another). The
    count is of the ones paid now: already PAID, REQUESTED, REJECTED ones and those of a
    frozen distributor count 0 and are left as they are. An unknown id is BAD_USER_INPUT
    and nothing is paid (docs/decisions.md)."""
    ids = sorted(set(withdrawal_ids))
    known = {r["id"] for r in await db.read(KNOWN, ids=ids)}
    unknown = [i for i in ids if i not in known]
    if unknown:
        shown = ", ".join(unknown[:10]) + (" …" if len(unknown) > 10 else "")
        raise BadUserInput(f"No withdrawal has the id(s) {shown}; nothing was paid.")

    async def pay_one(tx: AsyncManagedTransaction, withdrawal_id: str) -> int:
        owner = await fetch(tx, OWNER, id=withdrawal_id)
        locked = await lock_distributor(tx, distributor_id=owner[0]["distributorId"])
        assert locked is not None, "a withdrawal's distributor is never deleted"
        w = withdrawal_from_node((await fetch(tx, BY_ID, id=withdrawal_id))[0]["w"])
        if w.status is not WithdrawalStatus.APPROVED:
            return 0
        if locked[0]["status"] != Status.ACTIVE.value:
            return 0
        await _transition(tx, w=w, status=WithdrawalStatus.PAID, reason=None, actor=actor, now=now)
        return 1

    paid = 0
    for withdrawal_id in ids:
        paid += await db.write(partial(pay_one, withdrawal_id=withdrawal_id))
    return paid
