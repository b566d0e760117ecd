"""Campaigns (SPEC §10): `(:Campaign {id, name, metric, startsAt, endsAt, prizeRanks,
prizeAmounts, closedAt})`. Closing locks the campaign node: the first close after
`endsAt` pays each prize as a `(:Reward {key: "PRIZE|campaign|rank"})` (unique) and a
settled PRIZE ledger entry, and stamps `closedAt`; a replay or a concurrent close finds
it closed and pays nothing."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from neo4j import AsyncManagedTransaction
from neo4j.exceptions import ConstraintError

from domain.errors import BadUserInput, Conflict, NotFound
from domain.models import Actor, LeaderboardEntry, LeaderboardMetric
from domain.money.campaigns import Campaign, Prize
from domain.money.ledger import AVAILABLE, Entry
from graph import audit
from graph.db import Database, fetch
from graph.money.ledger import write_entries
from graph.values import from_epoch_ms

PROJECTION = (
    "c {.id, .name, .metric, .prizeRanks, .prizeAmounts, startsMs: c.startsAt.epochMillis, "
    "endsMs: c.endsAt.epochMillis, closedMs: c.closedAt.epochMillis}"
)
BY_ID = "MATCH (c:Campaign {id: $id}) RETURN " + PROJECTION + " AS c"
LOCK = (
    "MATCH (c:Campaign {id: $id}) SET c._lock = true REMOVE c._lock RETURN " + PROJECTION + " AS c"
)
CREATE = (
    """
CREATE (c:Campaign {id: $id, name: $name, metric: $metric, startsAt: $startsAt,
  endsAt: $endsAt, prizeRanks: $ranks, prizeAmounts: $amounts, createdAt: $now})
RETURN """
    + PROJECTION
    + " AS c"
)
PRIZE = """
CREATE (:Reward {key: $key, kind: 'PRIZE', beneficiaryId: $id, campaignId: $campaign,
                 rank: $rank, amount: $amount, at: $now})
"""
CLOSE = "MATCH (c:Campaign {id: $id}) SET c.closedAt = $now"


def campaign_from_node(c: Any) -> Campaign:
    return Campaign(
        id=c["id"],
        name=c["name"],
        metric=LeaderboardMetric(c["metric"]),
        starts_at=from_epoch_ms(c["startsMs"]),
        ends_at=from_epoch_ms(c["endsMs"]),
        prizes=tuple(
            Prize(rank=r, amount_fen=a)
            for r, a in zip(c["prizeRanks"], c["prizeAmounts"], strict=True)
        ),
        closed_at=None if c["closedMs"] is None else from_epoch_ms(c["closedMs"]),
    )


async def find(db: Database, *, campaign_id: str) -> Campaign | None:
    records = await db.read(BY_ID, id=campaign_id)
    return campaign_from_node(records[0]["c"]) if records else None


async def create(db: Database, *, campaign: Campaign, actor: Actor, now: datetime) -> Campaign:
    """Store a campaign; the same id again → CONFLICT."""

    async def work(tx: AsyncManagedTransaction) -> Campaign:
        created = await fetch(
            tx,
            CREATE,
            id=campaign.id,
            name=campaign.name,
            metric=campaign.metric.value,
            startsAt=campaign.starts_at,
            endsAt=campaign.ends_at,
            ranks=[p.rank for p in campaign.prizes],
            amounts=[p.amount_fen for p in campaign.prizes],
            now=now,
        )
        return campaign_from_node(created[0]["c"])

    if await find(db, campaign_id=campaign.id) is not None:
        raise Conflict(f"Campaign {campaign.id!r} already exists.")
    try:
        return await db.write(work)
    except ConstraintError:
        raise Conflict(f"Campaign {campaign.id!r} already exists.") from None


async def close(
    db: Database,
    *,
    campaign_id: str,
    standings: list[LeaderboardEntry],
    actor: Actor,
    now: datetime,
) -> Campaign:
    """Pay each prize to the distributor at its rank in `standings` (read after endsAt,
    so final), once; a rank nobody reached pays nothing."""

    async def work(tx: AsyncManagedTransaction) -> None:
        locked = await fetch(tx, LOCK, id=campaign_id)
        if not locked:
            raise NotFound("Campaign", campaign_id)
        campaign = campaign_from_node(locked[0]["c"])
        if campaign.closed_at is not None:
            return
        if now < campaign.ends_at:
            raise BadUserInput(f"Campaign {campaign_id!r} runs until {campaign.ends_at}.")
        by_rank = {e.rank: e.distributor_id for e in standings}
        for prize in campaign.prizes:
            winner = by_rank.get(prize.rank)
            if winner is None:
                continue
            ref = f"prize:{campaign_id}:{prize.rank}"
            await tx.run(
                PRIZE,
                key=f"PRIZE|{campaign_id}|{prize.rank}",
                id=winner,
                campaign=campaign_id,
                rank=prize.rank,
                amount=prize.amount_fen,
                now=now,
            )
            entry = Entry(
                id=f"{ref}/PRIZE/{AVAILABLE}",
                distributor_id=winner,
                account=AVAILABLE,
                kind="PRIZE",
                amount_fen=prize.amount_fen,
                ref=ref,
            )
            await write_entries(tx, entries=[entry], at=now)
            await audit.record(
                tx,
                actor=actor,
                operation="prizePaid",
                arguments={"campaign": campaign_id, "rank": prize.rank, "distributorId": winner},
            )
        await tx.run(CLOSE, id=campaign_id, now=now)

    with contextlib.suppress(ConstraintError):  # a concurrent close paid first
        await db.write(work)
    closed = await find(db, campaign_id=campaign_id)
    assert closed is not None
    return closed
