"""Recording paid orders with their commission splits: one transaction per call.

`record` takes a batch (the single-order mutation is a batch of one), so the same code
serves the API and bulk imports. Its transaction is two round trips in the common case:
one read (replays, the active rule set, each buyer's upline), then, after
`rules.commission.split`, one write of the orders, their commissions, the ledger
entries and the subscriptions' events (graph/events.py): a crash leaves all of it or
none. When a rank (SPEND_THRESHOLD) or a tier bonus depends on someone's own sales, those
people are locked first. A replayed order id with the same content is returned as it
is; with other content it is a `CONFLICT`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, LiteralString, NamedTuple, TypedDict

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from domain.errors import Conflict, NotFound
from domain.events import NewEvent, TeamEventKind
from domain.models import (
    DistributionMode,
    NewOrder,
    Order,
    Policy,
    Rank,
    Status,
)
from domain.money.commission import DEFAULT_RULES, Candidate, RuleSet, beneficiary_ids, split
from domain.money.ledger import Entry, commission_earned, commission_ref
from domain.money.rulesets import from_json
from domain.money.tax import month_start
from graph import events
from graph.db import Database, fetch
from graph.fraud.identifiers import LINK_ORDERS
from graph.locks import lock_distributor
from graph.money.commission_days import ORDER_COMMISSION_DAYS
from graph.money.ledger import WRITE_ENTRIES
from graph.money.order_rows import (
    ORDER_FIELDS,
    OrderRow,
    as_recorded,
    fingerprint,
    order_from_record,
    order_row,
)
from graph.tree.structure import set_tally
from graph.tree.team_days import ORDER_DAYS

# One round trip before any write: which ids are replays, the active rule set, and
# each buyer with its upline (nearest first), found by path prefix as in
# `graph.tree.team.UPLINE` (12 is `PATH_STEP`): unique-index seeks, no edge expanded.
PREPARE = """
CALL () {
  OPTIONAL MATCH (o:Order) WHERE o.id IN $ids
  RETURN collect(o {.id, .fingerprint}) AS existing
}
CALL () {
  OPTIONAL MATCH (r:RuleSet {active: true})
  RETURN r.version AS version, r.rules AS rules
}
CALL () {
  OPTIONAL MATCH (b:Distributor) WHERE b.id IN $buyerIds
  CALL (b) {
    UNWIND range(1, CASE WHEN b.depth < 3 THEN b.depth ELSE 3 END) AS level
    MATCH (a:Distributor {path: left(b.path, size(b.path) - 12 * level)})
    WITH a, level ORDER BY level
    RETURN collect(a {.id, .rank, .status}) AS upline
  }
  RETURN collect(b {.id, .rank, .status, .path, upline: upline}) AS buyers
}
RETURN existing, version, rules, buyers
"""

# Only when a rank or a tier bonus depends on it: lock the people whose own sales are
# read (buyers, level-1 beneficiaries), then read their rank and status again.
LOCK_PEOPLE = """
UNWIND $ids AS id
MATCH (d:Distributor {id: id})
SET d._lock = true
REMOVE d._lock
RETURN d.id AS id, d.rank AS rank, d.status AS status
"""

MONTH_SALES = """
UNWIND $asks AS ask
OPTIONAL MATCH (o:Order)
WHERE o.buyerId = ask.buyerId AND o.paidAt >= ask.since AND o.paidAt < ask.until
RETURN ask.orderId AS orderId, sum(o.amount - o.refunded) AS sales
"""

OWN_TOTALS = """
UNWIND $ids AS id
OPTIONAL MATCH (o:Order)
WHERE o.buyerId = id AND o.paidAt IS NOT NULL
RETURN id, sum(o.amount - o.refunded) AS total
"""

PROMOTE = "MATCH (d:Distributor {id: $id}) SET d.rank = $rank"

CREATE_ORDERS: LiteralString = """
UNWIND $orders AS row
MATCH (b:Distributor {id: row.buyerId})
CREATE (b)-[:PLACED]->(o:Order {
  id: row.id, buyerId: row.buyerId, amount: row.amount, refunded: 0, net: row.amount,
  paidAt: datetime({epochMillis: row.paidAtMs}), a1: b.a1, a2: b.a2, a3: b.a3,
  ruleSetVersion: row.ruleSetVersion, fingerprint: row.fingerprint, recordedAt: $now,
  itemAmounts: row.itemAmounts, itemProducts: row.itemProducts, itemBrands: row.itemBrands,
  itemCommissionable: row.itemCommissionable, forfeits: row.forfeits
})
WITH o, row, coalesce(b.joinedAt.epochMillis, 0) % 32 AS bucket
UNWIND row.commissions AS c
CREATE (o)-[:PAYS]->(:Commission {
  id: c.id, orderId: o.id, level: c.level, beneficiaryId: c.beneficiaryId, base: c.base,
  rate: c.rate, original: c.amount, amount: c.amount, status: 'PENDING',
  paidAt: o.paidAt, dueAt: o.paidAt + duration({days: $freezeDays}), bucket: bucket
})
"""

# The buyers first, in id order: their live days (`graph.tree.team_days`) change under
# their lock only, and taking it before anything else keeps the order of locks the same
# in every order's transaction.
LOCK_BUYERS: LiteralString = """
UNWIND $orders AS row
WITH DISTINCT row.buyerId AS id ORDER BY id
MATCH (b:Distributor {id: id})
SET b._lock = true
REMOVE b._lock
"""

# The write's parts in their order, each a subquery of `WRITE`: the subscriptions' events
# (TEAM_ORDER, COMMISSION_CREDITED) in the same statement, so the common case stays two
# round trips; appended last. Named for the benchmark's attribution of the write's cost
# (bench/scale/order_latency.py).
WRITE_PARTS: tuple[tuple[str, LiteralString], ...] = (
    ("lock the buyers", LOCK_BUYERS),
    ("orders and commissions", CREATE_ORDERS),
    ("ledger entries", WRITE_ENTRIES),
    ("team roll-ups", ORDER_DAYS),
    ("commission days", ORDER_COMMISSION_DAYS),
    ("events", events.APPEND),
)


def subqueries(parts: Sequence[LiteralString]) -> LiteralString:
    """`parts` one after the other, each in a `CALL () { … }` of its own."""
    joined: LiteralString = ""
    for part in parts:
        joined = joined + " CALL () { " + part + " }"
    return joined


WRITE: LiteralString = subqueries([part for _, part in WRITE_PARTS])

# The common case in one auto-commit statement (one round trip, commit included), after
# an auto-commit PREPARE: it writes only if what the split was computed from still
# holds (no order id recorded since, the same active rule set, each buyer still at the
# same path, so with the same ancestors, and every person's rank and status unchanged),
# and answers no row otherwise, so the caller falls back to the full transaction.
# A fragment (named in lower case, like the other fragments, so that
# tests/graph/test_query_plans.py does not take it for a whole query).
_guard: LiteralString = """
CALL () {
  OPTIONAL MATCH (o:Order) WHERE o.id IN $ids
  RETURN count(o) AS replays
}
CALL () {
  OPTIONAL MATCH (r:RuleSet {active: true})
  RETURN collect(r.version) AS versions
}
CALL () {
  UNWIND $expect AS e
  OPTIONAL MATCH (d:Distributor {id: e.id})
  RETURN sum(CASE WHEN d.rank = e.rank AND d.status = e.status
                   AND (e.path IS NULL OR d.path = e.path) THEN 1 ELSE 0 END) AS unchanged
}
WITH replays, versions, unchanged
WHERE replays = 0 AND versions = $versions AND unchanged = size($expect)
"""


def guarded(write: LiteralString) -> LiteralString:
    """`write` behind `_guard`, answering one row when it ran and none when refused."""
    return _guard + write + " RETURN true AS written"


GUARDED_WRITE: LiteralString = guarded(WRITE)
# Only for batches whose orders carry identifiers: linking them reads what the batch just
# created, which makes the planner add an Eager barrier to the whole statement.
WRITE_AND_LINK: LiteralString = WRITE + subqueries([LINK_ORDERS])

GET_MANY = (
    """
UNWIND $ids AS id
MATCH (o:Order {id: id})
CALL (o) {
  OPTIONAL MATCH (o)-[:PAYS]->(c:Commission)
  WITH c ORDER BY c.level
  RETURN collect(c {.level, .beneficiaryId, .base, .rate, .original, .amount, .status})
    AS commissions
}
RETURN """
    + ORDER_FIELDS
    + """ AS o, commissions
"""
)


async def record(
    db: Database, *, orders: Sequence[NewOrder], policy: Policy, now: datetime
) -> list[Order]:
    """Record `orders` (already validated) and their commissions; replays are no-ops.

    One result per input, in input order: an id given twice in the batch is recorded
    once and answered in both places, like a replay of an order recorded earlier.
    """
    wanted: dict[str, NewOrder] = {}
    prints: dict[str, str] = {}
    for order in orders:
        print_ = fingerprint(order)
        if prints.setdefault(order.id, print_) != print_:
            raise Conflict(f"Order {order.id!r} appears twice in the batch with other content.")
        wanted.setdefault(order.id, order)

    async def work(tx: AsyncManagedTransaction) -> dict[str, Order]:
        buyer_ids = sorted({o.buyer_id for o in wanted.values()})
        prepared = (await fetch(tx, PREPARE, ids=list(wanted), buyerIds=buyer_ids))[0]
        for row in prepared["existing"]:
            if row["fingerprint"] != prints[row["id"]]:
                raise Conflict(
                    f"Order {row['id']!r} was already recorded with other content "
                    "(buyer, amount, paidAt or items); an order id stands for one order."
                )
        replayed = {row["id"] for row in prepared["existing"]}
        new = [o for o in wanted.values() if o.id not in replayed]
        if not new:
            return {}
        rules = DEFAULT_RULES
        if prepared["version"] is not None:
            rules = from_json(prepared["version"], prepared["rules"])
        buyers = {b["id"]: b for b in prepared["buyers"]}
        for order in new:
            if order.buyer_id not in buyers:
                raise NotFound("Buyer", order.buyer_id)
        recorded = await _record_new(
            tx, orders=new, buyers=buyers, rules=rules, prints=prints, policy=policy, now=now
        )
        return {o.id: o for o in recorded}

    # The common case in two round trips: PREPARE as an auto-commit read and the split,
    # then `GUARDED_WRITE`.
    plan = await _plan_at_once(db, wanted=wanted, prints=prints, policy=policy, now=now)
    created = None if plan is None else await _write_at_once(db, plan)
    if created is not None:
        return [created[o.id] for o in orders]
    try:
        created = await db.write(work)
    except ConstraintError:
        # a concurrent replay of the same id won; decide as a replay
        created = await db.write(work)
    if len(created) < len(wanted):
        replays = await get_many(db, ids=[i for i in wanted if i not in created])
        created |= {o.id: o for o in replays}
    return [created[o.id] for o in orders]


class GuardedWrite(NamedTuple):
    """`GUARDED_WRITE`'s parameters, and the orders as they are recorded if it writes."""

    params: dict[str, Any]
    recorded: list[Order]


async def plan_guarded_write(
    db: Database, *, orders: Sequence[NewOrder], policy: Policy, now: datetime
) -> GuardedWrite | None:
    """The common case's write of `orders` (distinct ids), planned but not run (the
    benchmark profiles it), or None when the full transaction must decide."""
    prints = {o.id: fingerprint(o) for o in orders}
    return await _plan_at_once(
        db, wanted={o.id: o for o in orders}, prints=prints, policy=policy, now=now
    )


async def _write_at_once(db: Database, plan: GuardedWrite) -> dict[str, Order] | None:
    """The second round trip of the common case: `GUARDED_WRITE` as planned. None
    (nothing written) when the guard refuses and the full transaction must decide."""
    try:
        written = await db.write_at_once(GUARDED_WRITE, **plan.params)
    except ConstraintError:  # a concurrent replay of the same id won
        return None
    if not written:
        return None
    return {o.id: o for o in plan.recorded}


async def _plan_at_once(
    db: Database,
    *,
    wanted: dict[str, NewOrder],
    prints: dict[str, str],
    policy: Policy,
    now: datetime,
) -> GuardedWrite | None:
    """PREPARE as an auto-commit read, then the split. None when the full transaction
    must decide: a replay, an unknown buyer, identifiers, or a rank or a tier that reads
    own sales (a change since the read is left to the guard, so no split is written
    from stale facts)."""
    if policy.distribution_mode is DistributionMode.SPEND_THRESHOLD or any(
        o.identifiers for o in wanted.values()
    ):
        return None
    buyer_ids = sorted({o.buyer_id for o in wanted.values()})
    prepared = (await db.read(PREPARE, ids=list(wanted), buyerIds=buyer_ids))[0]
    if prepared["existing"]:
        return None
    rules = DEFAULT_RULES
    if prepared["version"] is not None:
        rules = from_json(prepared["version"], prepared["rules"])
    if rules.tiers:
        return None
    buyers = {b["id"]: b for b in prepared["buyers"]}
    if any(o.buyer_id not in buyers for o in wanted.values()):
        return None
    new = list(wanted.values())
    chains = _chains(new, buyers, policy)
    people = _people(buyers)
    rows, entries, recorded = _splits(new, chains, people, {}, rules, prints)
    expect = {
        who: {"id": who, "rank": people[who]["rank"], "status": people[who]["status"]}
        for chain in chains.values()
        for who in chain
    }
    expect |= {
        b["id"]: {"id": b["id"], "rank": b["rank"], "status": b["status"], "path": b["path"]}
        for b in buyers.values()
    }
    params = {
        "ids": list(wanted),
        "versions": [] if prepared["version"] is None else [prepared["version"]],
        "expect": list(expect.values()),
        "orders": rows,
        "entries": [e.as_row() for e in entries],
        "now": now,
        "at": now,
        "freezeDays": policy.freeze_days,
        "events": [e.as_row() for e in _order_events(new, recorded)],
    }
    return GuardedWrite(params, recorded)


async def get_many(db: Database, *, ids: Sequence[str]) -> list[Order]:
    """The orders with these ids, in the same order (unknown ids are left out)."""
    found = {
        r["o"]["id"]: order_from_record(r["o"], r["commissions"])
        for r in await db.read(GET_MANY, ids=list(ids))
    }
    return [found[i] for i in ids if i in found]


async def _record_new(
    tx: AsyncManagedTransaction,
    *,
    orders: list[NewOrder],
    buyers: dict[str, Any],
    rules: RuleSet,
    prints: dict[str, str],
    policy: Policy,
    now: datetime,
) -> list[Order]:
    """Write new orders with their splits; return them as recorded (no read-back)."""
    chains = _chains(orders, buyers, policy)
    people = _people(buyers)
    spend_mode = policy.distribution_mode is DistributionMode.SPEND_THRESHOLD
    if spend_mode or rules.tiers:
        first_levels = {chain[0] for chain in chains.values() if chain}
        ids = sorted({o.buyer_id for o in orders} | first_levels)
        for row in await fetch(tx, LOCK_PEOPLE, ids=ids):
            people[row["id"]] = people[row["id"]] | dict(row)
    monthly = await _level1_monthly_sales(tx, orders=orders, chains=chains, rules=rules)
    rows, entries, recorded = _splits(orders, chains, people, monthly, rules, prints)
    await tx.run(
        WRITE_AND_LINK if any(row["identifiers"] for row in rows) else WRITE,
        orders=rows,
        entries=[e.as_row() for e in entries],
        now=now,
        at=now,
        freezeDays=policy.freeze_days,
        events=[e.as_row() for e in _order_events(orders, recorded)],
    )
    if spend_mode:
        members = [buyers[b] for b in buyers if people[b]["rank"] == Rank.MEMBER.value]
        await _promote_spenders(tx, members=members, policy=policy)
    return recorded


def _chains(
    orders: Sequence[NewOrder], buyers: dict[str, Any], policy: Policy
) -> dict[str, list[str]]:
    """Each order's beneficiaries, level 1 first."""
    return {
        o.id: beneficiary_ids(
            buyer_id=o.buyer_id,
            upline_ids=[a["id"] for a in buyers[o.buyer_id]["upline"]],
            levels=policy.commission_levels,
            self_purchase=policy.self_purchase_commission,
        )
        for o in orders
    }


def _people(buyers: dict[str, Any]) -> dict[str, Any]:
    """Every buyer and upline member read by PREPARE, by id."""
    people = {b["id"]: b for b in buyers.values()}
    people |= {a["id"]: a for b in buyers.values() for a in b["upline"]}
    return people


def _splits(
    orders: Sequence[NewOrder],
    chains: dict[str, list[str]],
    people: dict[str, Any],
    monthly: dict[str, int],
    rules: RuleSet,
    prints: dict[str, str],
) -> tuple[list[OrderRow], list[Entry], list[Order]]:
    """The split of each order: its write parameters, ledger entries and recorded form."""
    rows: list[OrderRow] = []
    entries: list[Entry] = []
    recorded: list[Order] = []
    for order in orders:
        chain = [
            Candidate(
                level=level,
                distributor_id=who,
                rank=Rank(people[who]["rank"]),
                status=Status(people[who]["status"]),
                monthly_sales_fen=monthly.get(order.id, 0) if level == 1 else 0,
            )
            for level, who in enumerate(chains[order.id], start=1)
        ]
        shares = split(items=order.items, chain=chain, rules=rules)
        rows.append(order_row(order, shares, rules, prints[order.id]))
        recorded.append(as_recorded(order, shares, rules))
        for share in shares:
            if share.forfeit is None and share.amount_fen > 0:
                entries += commission_earned(
                    ref=commission_ref(order.id, share.level),
                    beneficiary_id=share.distributor_id,
                    amount_fen=share.amount_fen,
                )
    return rows, entries, recorded


def _order_events(orders: list[NewOrder], recorded: list[Order]) -> list[NewEvent]:
    """TEAM_ORDER for each new order, COMMISSION_CREDITED for each commission it pays."""
    found: list[NewEvent] = []
    for order, done in zip(orders, recorded, strict=True):
        found.append(
            NewEvent(
                kind=TeamEventKind.TEAM_ORDER.value,
                distributor_id=order.buyer_id,
                amount_fen=order.amount_fen,
            )
        )
        found += [
            NewEvent(
                kind=TeamEventKind.COMMISSION_CREDITED.value,
                distributor_id=c.beneficiary_id,
                amount_fen=c.amount_fen,
            )
            for c in done.commissions
            if c.amount_fen > 0
        ]
    return found


class MonthAsk(TypedDict):
    """One row of `MONTH_SALES`'s `$asks`: a level-1 beneficiary's month before an order."""

    orderId: str
    buyerId: str
    since: datetime
    until: datetime


async def _level1_monthly_sales(
    tx: AsyncManagedTransaction,
    *,
    orders: list[NewOrder],
    chains: dict[str, list[str]],
    rules: RuleSet,
) -> dict[str, int]:
    """For each order, its level-1 beneficiary's own net sales this month before it.

    Only read when the rule set has tiers. Orders earlier in the same batch count too.
    """
    if not rules.tiers:
        return {}
    asks: list[MonthAsk] = [
        {
            "orderId": o.id,
            "buyerId": chains[o.id][0],
            "since": month_start(o.paid_at),
            "until": o.paid_at,
        }
        for o in orders
        if chains[o.id]
    ]
    sales: dict[str, int] = {
        r["orderId"]: r["sales"] for r in await fetch(tx, MONTH_SALES, asks=asks)
    }
    for ask in asks:
        earlier_in_batch = [
            o.amount_fen
            for o in orders
            if o.buyer_id == ask["buyerId"] and ask["since"] <= o.paid_at < ask["until"]
        ]
        sales[ask["orderId"]] += sum(earlier_in_batch)
    return sales


async def _promote_spenders(
    tx: AsyncManagedTransaction, *, members: list[dict[str, Any]], policy: Policy
) -> None:
    """SPEND_THRESHOLD: a MEMBER whose own net paid orders reach the threshold distributes.

    The order that crosses the threshold is split with the rank held before it.
    """
    if not members:
        return
    sponsors = {m["id"]: m["upline"][0]["id"] for m in members if m["upline"]}
    totals = await fetch(tx, OWN_TOTALS, ids=[m["id"] for m in members])
    for row in totals:
        if row["total"] < policy.spend_threshold_fen:
            continue
        await tx.run(PROMOTE, id=row["id"], rank=Rank.DISTRIBUTOR.value)
        changed = NewEvent(kind=TeamEventKind.RANK_CHANGED.value, distributor_id=row["id"])
        await events.append(tx, events=[changed])
        sponsor = sponsors.get(row["id"])
        locked = await lock_distributor(tx, distributor_id=sponsor) if sponsor else None
        if locked is not None:
            await set_tally(tx, sponsor=locked[0], change=1, threshold=policy.team_leader_recruits)
