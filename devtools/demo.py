"""A realistic demo network: power-law fan-out, a few large teams, some unbound people.

Sponsors are chosen by preferential attachment (a newcomer joins someone with
probability proportional to their recruits + 1), which gives the heavy-tailed fan-out
of real distribution networks: most people recruit nobody, a few recruit hundreds.
Deterministic for a given seed.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.models import NewOrder, OrderItem, Policy
from domain.tree.paths import Placement, layout
from graph.db import Database
from graph.money import orders, settlement
from graph.tree import bulk

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
DAY_MS = 86_400_000


@dataclass(frozen=True)
class LoadReport:
    size: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.size / self.seconds if self.seconds else 0.0


def generate(
    *,
    size: int,
    prefix: str = "demo",
    seed: int = 7,
    unbound_share: float = 0.02,
    now_ms: int | None = None,
    team_leader_recruits: int = 10,
) -> list[Placement]:
    """`size` distributors joining over the past year, sponsors first."""
    rng = random.Random(seed)
    end = now_ms if now_ms is not None else int(time.time() * 1000)
    start = end - 365 * DAY_MS
    attach_pool: list[int] = []
    members: list[tuple[str, str, str | None, int]] = []
    for i in range(size):
        member_id = f"{prefix}-{i:07d}"
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        joined_ms = start + (end - start) * i // max(size, 1)
        sponsor = None
        if attach_pool and rng.random() >= unbound_share:
            sponsor = members[rng.choice(attach_pool)][0]
            attach_pool.append(int(sponsor.rsplit("-", 1)[1]))
        attach_pool.append(i)
        members.append((member_id, name, sponsor, joined_ms))
    return layout(members, team_leader_recruits=team_leader_recruits)


async def load_demo(
    db: Database, *, size: int, prefix: str = "demo", batch_size: int = 10_000
) -> LoadReport | None:
    """Load the network unless it is already there (then None)."""
    if await bulk.exists(db, distributor_id=f"{prefix}-0000000"):
        return None
    rows = generate(size=size, prefix=prefix)
    started = time.perf_counter()
    await bulk.load_network(db, rows=rows, batch_size=batch_size)
    return LoadReport(size=size, seconds=time.perf_counter() - started)


def demo_orders(
    *,
    rows: list[Placement],
    count: int,
    prefix: str,
    now: datetime,
    days: int = 30,
    seed: int = 11,
) -> list[NewOrder]:
    """`count` orders of bound members, paid over the past `days` (never before the buyer
    joined), 9.90-998.99 each, one commissionable line of one of five brands."""
    rng = random.Random(seed)
    bound = [row for row in rows if row.sponsor_id is not None]
    now_ms = int(now.timestamp() * 1000)
    made: list[NewOrder] = []
    for n in range(count if bound else 0):
        buyer = rng.choice(bound)
        amount = rng.randrange(990, 99_900)
        paid_ms = rng.randrange(max(buyer.joined_at_ms, now_ms - days * DAY_MS), now_ms)
        made.append(
            NewOrder(
                id=f"{prefix}-order-{n:07d}",
                buyer_id=buyer.id,
                amount_fen=amount,
                paid_at=datetime.fromtimestamp(paid_ms / 1000, tz=UTC),
                items=(OrderItem(amount_fen=amount, brand_id=f"{prefix}-brand-{n % 5}"),),
            )
        )
    return made


async def load_demo_orders(
    db: Database, *, size: int, prefix: str, policy: Policy, batch_size: int = 500
) -> LoadReport:
    """Record one order per two distributors (batches), then settle what is due."""
    now = datetime.now(UTC)
    made = demo_orders(
        rows=generate(size=size, prefix=prefix), count=size // 2, prefix=prefix, now=now
    )
    started = time.perf_counter()
    for i in range(0, len(made), batch_size):
        await orders.record(db, orders=made[i : i + batch_size], policy=policy, now=now)
    await settlement.settle(db, as_of=now, now=now)
    return LoadReport(size=len(made), seconds=time.perf_counter() - started)
