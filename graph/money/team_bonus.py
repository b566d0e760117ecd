"""`settleTeamBonus(month)` (SPEC §10): each TEAM_LEADER's bonus of one ended month,
written once as a settled (`available`) ledger entry of kind TEAM_BONUS.

Each leader is settled in a transaction of its own that locks the leader, finds no
`(:Reward {key: "TEAM_BONUS|month|leader"})` (a unique key) and writes it with the
entry; a replay or a concurrent call finds it and pays nothing. The team's net sales
are read from the ancestor stamps `a1..aK` of the month's orders, K =
`commission_levels` (never deeper). Refunds after the settlement do not reopen it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import LiteralString

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from domain.models import Actor
from domain.money.ledger import AVAILABLE, Entry
from domain.money.team_bonus import ledger_ref, month_window, team_bonus_fen
from graph import audit
from graph.db import Database, fetch
from graph.locks import lock_distributor
from graph.money.ledger import write_entries

LEADERS = "MATCH (d:Distributor {rank: 'TEAM_LEADER'}) RETURN d.id AS id ORDER BY id"

TEAM_SALES: dict[int, LiteralString] = {
    k: "MATCH (o:Order) WHERE o.a"
    + str(k)
    + " = $id AND o.paidAt >= $since AND o.paidAt < $until AND o.net IS NOT NULL "
    "RETURN coalesce(sum(o.net), 0) AS sales"
    for k in (1, 2, 3)
}

EXISTING = "MATCH (r:Reward {key: $key}) RETURN r.amount AS amount"

CREATE = """
CREATE (:Reward {key: $key, kind: 'TEAM_BONUS', beneficiaryId: $id, month: $month,
                 sales: $sales, amount: $amount, at: $now})
"""


async def settle(
    db: Database, *, month: str, rate: Decimal, levels: int, actor: Actor, now: datetime
) -> int:
    """Pay every leader's bonus of `month` not yet paid; the number of leaders paid now."""
    since, until = month_window(month)
    leaders = [r["id"] for r in await db.read(LEADERS)]

    async def pay(tx: AsyncManagedTransaction, leader_id: str) -> int:
        await lock_distributor(tx, distributor_id=leader_id)
        key = f"TEAM_BONUS|{month}|{leader_id}"
        if await fetch(tx, EXISTING, key=key):
            return 0
        sales = 0
        for k in range(1, levels + 1):
            rows = await fetch(tx, TEAM_SALES[k], id=leader_id, since=since, until=until)
            sales += rows[0]["sales"]
        amount = team_bonus_fen(rate, sales)
        await tx.run(
            CREATE, key=key, id=leader_id, month=month, sales=sales, amount=amount, now=now
        )
        if amount == 0:
            return 0
        ref = ledger_ref(month, leader_id)
        entry = Entry(
            id=f"{ref}/TEAM_BONUS/{AVAILABLE}",
            distributor_id=leader_id,
            account=AVAILABLE,
            kind="TEAM_BONUS",
            amount_fen=amount,
            ref=ref,
        )
        await write_entries(tx, entries=[entry], at=now)
        await audit.record(
            tx,
            actor=actor,
            operation="teamBonusPaid",
            arguments={"month": month, "distributorId": leader_id, "amount": amount},
        )
        return 1

    paid = 0
    for leader_id in leaders:
        try:
            paid += await db.write(partial(pay, leader_id=leader_id))
        except ConstraintError:  # a concurrent call wrote it first
            continue
    return paid
