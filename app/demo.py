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

from graph import bulk
from graph.db import Database
from graph.rules.tree import Placement, layout

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
