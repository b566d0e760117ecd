"""Withdrawal transitions racing each other (SPEC §3.6, issue 10 item 5).

Each test races one pair of transitions — request, approve, reject, paid — on one
distributor's withdrawals of one month, round after round with `asyncio.gather`, and
checks after every round that what happened is what one of the two serial orders of the
pair would have done (a sequential model of §3.6, written here from the tax formula),
that every withdrawal record equals its ledger entries, that the balances equal their
entries and never go below zero, and that the month is priced by the formula: each
withdrawal not yet paid withholds the month's tax on the gross so far minus what the
ones before it withheld.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from app.settings import default_policy
from domain.models import Actor, WithdrawalStatus
from domain.money.tax import monthly_tax_fen
from graph.db import Database
from graph.money import ledger, settlement, withdrawals
from tests.helpers import NOW, chain, record_order

ADMIN = Actor(subject="test-admin", role="ADMIN")
POLICY = default_policy()
ROUNDS = 6

STATE = """
MATCH (w:Withdrawal {distributorId: $id}) WHERE w.month IS NOT NULL
RETURN substring(w.key, size($id) + 1) AS key, w.id AS id, w.amount AS amount, w.fee AS fee,
       w.tax AS tax, w.net AS net, w.status AS status
"""


@dataclass(frozen=True)
class Op:
    """One transition: `request` (key, amount) or approve / reject / pay (key)."""

    kind: str
    key: str
    amount_fen: int = 0


@dataclass(frozen=True)
class Record:
    amount: int
    fee: int
    tax: int
    net: int
    status: str


@dataclass(frozen=True)
class Model:
    """§3.6 done one transition at a time; `records` in the order they were requested."""

    available: int
    records: tuple[tuple[str, Record], ...] = ()

    def get(self, key: str) -> Record | None:
        return dict(self.records).get(key)

    def apply(self, op: Op) -> tuple[Model, str]:
        """The model after `op`, and its outcome: "ok" or the error class's name."""
        found = self.get(op.key)
        if op.kind == "request":
            if found is not None:
                return self, "ok" if found.amount == op.amount_fen else "Conflict"
            if op.amount_fen > self.available:
                return self, "InsufficientBalance"
            live = [r for _, r in self.records if r.status != "REJECTED"]
            due = monthly_tax_fen(sum(r.amount for r in live) + op.amount_fen)
            tax = max(0, due - sum(r.tax for r in live))
            new = Record(op.amount_fen, 0, tax, op.amount_fen - tax, "REQUESTED")
            return Model(self.available - op.amount_fen, (*self.records, (op.key, new))), "ok"
        assert found is not None
        target, allowed = {
            "approve": ("APPROVED", {"REQUESTED"}),
            "pay": ("PAID", {"APPROVED"}),
            "reject": ("REJECTED", {"REQUESTED", "APPROVED"}),
        }[op.kind]
        if found.status == target:
            return self, "ok"
        if found.status not in allowed:
            return self, "Conflict"
        records = tuple(
            (k, replace(r, status=target) if k == op.key else r) for k, r in self.records
        )
        if target != "REJECTED":
            return Model(self.available, records), "ok"
        return Model(self.available + found.amount, _reprice(records)), "ok"


def _reprice(records: tuple[tuple[str, Record], ...]) -> tuple[tuple[str, Record], ...]:
    """After a rejection: every unpaid withdrawal withholds by the formula again."""
    gross = withheld = 0
    out = []
    for key, r in records:
        if r.status != "REJECTED":
            gross += r.amount
            if r.status != "PAID":
                tax = max(0, monthly_tax_fen(gross) - withheld)
                r = replace(r, tax=tax, net=r.amount - r.fee - tax)
            withheld += r.tax
        out.append((key, r))
    return tuple(out)


class Race:
    """One distributor's withdrawals, driven through the product and through the model."""

    def __init__(self, db: Database, who: str, available: int) -> None:
        self.db = db
        self.who = who
        self.model = Model(available)
        self.ids: dict[str, str] = {}
        self.clock = itertools.count(1)

    @classmethod
    async def of(cls, db: Database, who: str) -> Race:
        return cls(db, who, (await ledger.balance(db, distributor_id=who)).available_fen)

    async def _run(self, op: Op) -> str:
        now = NOW + timedelta(milliseconds=next(self.clock))
        try:
            if op.kind == "request":
                w = await withdrawals.request(
                    self.db,
                    distributor_id=self.who,
                    amount_fen=op.amount_fen,
                    idempotency_key=op.key,
                    policy=POLICY,
                    now=now,
                )
                self.ids[op.key] = w.id
            else:
                status = {
                    "approve": WithdrawalStatus.APPROVED,
                    "pay": WithdrawalStatus.PAID,
                    "reject": WithdrawalStatus.REJECTED,
                }[op.kind]
                await withdrawals.decide(
                    self.db,
                    withdrawal_id=self.ids[op.key],
                    status=status,
                    reason="race" if op.kind == "reject" else None,
                    actor=ADMIN,
                    now=now,
                )
        except Exception as exc:  # the outcome is compared with the model's
            return type(exc).__name__
        return "ok"

    async def step(self, op: Op) -> None:
        """One transition on its own."""
        self.model, expected = self.model.apply(op)
        assert expected == await self._run(op), op

    async def race(self, *ops: Op) -> None:
        """The transitions at once; the result must be one of their serial orders."""
        outcomes = list(await asyncio.gather(*(self._run(op) for op in ops)))
        state = await self._state()
        candidates = []
        for order in itertools.permutations(range(len(ops))):
            model, results = self.model, [""] * len(ops)
            for i in order:
                model, results[i] = model.apply(ops[i])
            candidates.append((model, results))
        for model, results in candidates:
            if results == outcomes and dict(model.records) == state:
                self.model = model
                break
        else:
            pytest.fail(
                f"{ops} gave {outcomes} and {state}, which no serial order gives: "
                + "; ".join(f"{r} and {dict(m.records)}" for m, r in candidates)
            )
        await self.check()

    async def _state(self) -> dict[str, Record]:
        rows = await self.db.read(STATE, id=self.who)
        return {
            r["key"]: Record(r["amount"], r["fee"], r["tax"], r["net"], r["status"]) for r in rows
        }

    async def check(self) -> None:
        """Records = their entries; balances = entries, never overdrawn; the month is
        priced by the formula."""
        mismatches = await ledger.withdrawal_mismatches(self.db, distributor_ids=[self.who])
        assert [] == [m.describe() for m in mismatches]
        assert [] == await ledger.reconcile(self.db, distributor_ids=[self.who])
        balance = await ledger.balance(self.db, distributor_id=self.who)
        assert balance.available_fen >= 0
        assert self.model.available == balance.available_fen
        state = await self._state()
        assert_month_priced([state[key] for key, _ in self.model.records])


def assert_month_priced(records: Sequence[Record]) -> None:
    """In request order: a withdrawal not yet paid withholds the month's tax on the gross
    so far minus what was withheld before it; unless a paid one withheld more than that
    (it keeps what it withheld), the month's withholdings add up to the tax on its gross."""
    gross = withheld = 0
    overpaid = False
    for r in records:
        if r.status == "REJECTED":
            continue
        gross += r.amount
        due = max(0, monthly_tax_fen(gross) - withheld)
        if r.status == "PAID":
            overpaid |= r.tax != due
        else:
            assert due == r.tax, records
        assert r.net == r.amount - r.fee - r.tax
        withheld += r.tax
    if not overpaid:
        assert monthly_tax_fen(gross) == withheld, records


async def _funded(db: Database, uid: str, available_fen: int) -> str:
    """A distributor with `available_fen` (or a little more) settled."""
    ids = await chain(db, uid, 2)
    await record_order(db, f"{uid}-o", ids[1], -(-available_fen * 100 // 15))
    await db.driver.execute_query(
        "MATCH (c:Commission {orderId: $id}) SET c.dueAt = $due",
        id=f"{uid}-o",
        due=NOW - timedelta(days=9000),
        database_=db.name,
    )
    await settlement.settle(db, as_of=NOW - timedelta(days=8999), now=NOW)
    return ids[0]


def _amount(rng: random.Random) -> int:
    """500.00 to 6,000.00 with odd fen, so the month crosses every bracket in a few rounds."""
    return rng.randrange(50_000, 600_000)


def request(key: str, amount: int) -> Op:
    return Op("request", key, amount)


def approve(key: str) -> Op:
    return Op("approve", key)


def reject(key: str) -> Op:
    return Op("reject", key)


def pay(key: str) -> Op:
    return Op("pay", key)


# Per pair: the steps that set up a round (keys are suffixed with the round), then the
# transitions raced. Two variants each, alternating by round.
Round = tuple[list[Op], list[Op]]


def _scenario(pair: str, n: int, rng: random.Random) -> Round:
    a, b, c, new, other = (f"{x}{n}" for x in ("a", "b", "c", "new", "other"))
    odd = n % 2 == 1
    amount = _amount
    match pair:
        case "request-request":
            if odd:  # the same key twice: one request, one replay
                same = amount(rng)
                return [], [request(new, same), request(new, same)]
            return [], [request(new, amount(rng)), request(other, amount(rng))]
        case "request-approve":
            return [request(a, amount(rng))], [request(new, amount(rng)), approve(a)]
        case "request-reject":
            prep = [request(a, amount(rng)), request(b, amount(rng))]
            return prep, [request(new, amount(rng)), reject(a if odd else b)]
        case "request-paid":
            prep = [request(a, amount(rng)), approve(a), request(b, amount(rng))]
            return prep, [request(new, amount(rng)), pay(a)]
        case "approve-approve":
            prep = [request(a, amount(rng)), request(b, amount(rng))]
            return prep, [approve(a), approve(a if odd else b)]
        case "approve-reject":
            prep = [request(a, amount(rng)), request(b, amount(rng))]
            return prep, [approve(b), reject(b if odd else a)]
        case "approve-paid":
            prep = [request(a, amount(rng)), approve(a), request(b, amount(rng))]
            return prep, [pay(a), approve(b)] if odd else [approve(a), pay(a)]
        case "reject-reject":
            prep = [request(a, amount(rng)), request(b, amount(rng)), request(c, amount(rng))]
            return prep, [reject(a), reject(a if odd else b)]
        case "reject-paid":
            # the one rejected was requested before the one paid (which it re-prices), or
            # after it
            prep = [request(a, amount(rng)), request(b, amount(rng)), approve(b)]
            if odd:
                prep += [request(c, amount(rng)), approve(c)]
                return prep, [pay(b), reject(c)]
            return prep, [reject(a), pay(b)]
        case "paid-paid":
            prep = [request(a, amount(rng)), approve(a), request(b, amount(rng)), approve(b)]
            return prep, [pay(a), pay(a if odd else b)]
    raise AssertionError(pair)


PAIRS = [
    "request-request",
    "request-approve",
    "request-reject",
    "request-paid",
    "approve-approve",
    "approve-reject",
    "approve-paid",
    "reject-reject",
    "reject-paid",
    "paid-paid",
]


@pytest.mark.parametrize("pair", PAIRS)
async def test_racing_transitions_keep_records_equal_to_the_ledger(
    db: Database, uid: str, pair: str
) -> None:
    """Round after round on one distributor and month: whatever the interleaving, the
    outcome is a serial one, records equal their entries, the month is priced by §3.6."""
    rng = random.Random(pair)
    # request-request runs out of money after a few rounds: then one or both are refused
    funds = 2_000_000 if pair == "request-request" else 20_000_000
    race = await Race.of(db, await _funded(db, uid, funds))
    for n in range(ROUNDS * 2):
        prep, racing = _scenario(pair, n, rng)
        for op in prep:
            await race.step(op)
        rng.shuffle(racing)  # whichever starts first tends to win: both orders get a turn
        await race.race(*racing)
    assert len(race.model.records) >= ROUNDS


async def test_reject_racing_paid_leaves_the_next_request_withholding_by_the_formula(
    db: Database, uid: str
) -> None:
    """The issue's case: 2,000 then 2,000 (approved); rejecting the first while the
    second is marked paid. Whatever the order, the paid record equals its entries and a
    third withdrawal withholds the formula's tax on the month so far."""
    for n in range(ROUNDS):
        race = await Race.of(db, await _funded(db, f"{uid}{n}", 1_000_000))
        for op in (request("a", 200_000), request("b", 200_000), approve("b")):
            await race.step(op)
        racing = [reject("a"), pay("b")]
        await race.race(*(racing if n % 2 else racing[::-1]))
        await race.step(request("c", 300_000))
        await race.check()


async def test_requests_at_the_same_instant_are_priced_in_the_order_they_ran(
    db: Database, uid: str
) -> None:
    """2,000 (240), 1,000 (200), 500 (100) requested at one instant; rejecting the first
    re-prices the other two in the order they were requested: 1,000 withholds 40, then
    500 withholds 140 − 40 = 100 (not 0 and 140, as the other order would give)."""
    for n in range(8):
        who = await _funded(db, f"{uid}{n}", 400_000)
        made = [
            await withdrawals.request(
                db, distributor_id=who, amount_fen=fen, idempotency_key=key, policy=POLICY, now=NOW
            )
            for key, fen in (("a", 200_000), ("b", 100_000), ("c", 50_000))
        ]
        assert [24_000, 20_000, 10_000] == [w.tax_fen for w in made]
        await withdrawals.decide(
            db,
            withdrawal_id=made[0].id,
            status=WithdrawalStatus.REJECTED,
            reason="r",
            actor=ADMIN,
            now=NOW,
        )
        after = [await withdrawals.find(db, withdrawal_id=w.id) for w in made[1:]]
        assert [4_000, 10_000] == [w.tax_fen for w in after if w is not None]
