"""The benchmark's data: a network, its orders and identifier links, written to files.

Deterministic for (size, seed): the same files whatever the day, because every time is
placed before a fixed reference instant `END` (the workload's windows end there too).
  - distributors.csv (id, name, sponsor_id, joined_ms), sponsors before their recruits:
    several big teams (three at 1,000,000) of about 11 % of the network each within three
    levels, built with heavy-tailed (Pareto) fan-out; chains 30 deep under fresh roots;
    everyone else joins by preferential attachment (power-law fan-out), 2 % unbound;
  - orders.csv (id, buyer_id, amount_fen, paid_ms): 3 per distributor by default, paid
    after the buyer joined and within the year before END;
  - links.csv (distributor_id, kind, key): about 2 per distributor with planted rings,
    households, hot identifiers and shared IPs (`bench.fraud_1m.plan_links`);
  - meta.json: the counts, the big teams' roots and the planted rings.
Both databases load these files, so they hold exactly the same data.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.settings import default_policy
from bench.fraud_1m import plan_links
from domain.tree.paths import Placement, layout

END = datetime(2026, 11, 1, tzinfo=UTC)
END_MS = int(END.timestamp() * 1000)
DAY_MS = 86_400_000
YEAR_MS = 365 * DAY_MS
PREFIX = "sc"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
TEAM_SHARE = 0.11  # of the network, within three levels of each big team's root
LEVEL1, LEVEL2 = 40, 2_000  # a big team's first two levels; the rest is level 3
CHAIN_DEPTH = 30
UNBOUND_SHARE = 0.02
FORMAT = 1  # bump when the files change shape


@dataclass(frozen=True)
class Dataset:
    """The files of one (size, seed) and what the workload needs to know about them."""

    folder: Path
    meta: dict[str, Any]

    @property
    def distributors(self) -> Path:
        return self.folder / "distributors.csv"

    @property
    def orders(self) -> Path:
        return self.folder / "orders.csv"

    @property
    def links(self) -> Path:
        return self.folder / "links.csv"


def _pareto_split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` split into `parts` counts ≥ 1 with heavy-tailed (Pareto 1.2) weights."""
    weights = [rng.paretovariate(1.2) for _ in range(parts)]
    spare = total - parts
    scale = spare / sum(weights)
    counts = [1 + int(w * scale) for w in weights]
    for k in range(total - sum(counts)):  # hand out what flooring left over
        counts[k % parts] += 1
    return counts


def network_rows(
    size: int, seed: int, prefix: str = PREFIX
) -> list[tuple[str, str, str | None, int]]:
    """(id, name, sponsor_id, joined_ms) for `size` distributors, sponsors first."""
    rng = random.Random(seed)
    sponsor: list[int | None] = []
    joined: list[int] = []

    def add(parent: int | None) -> int:
        start = joined[parent] if parent is not None else END_MS - YEAR_MS
        sponsor.append(parent)
        joined.append(start + int((END_MS - start) * rng.random() ** 2))
        return len(sponsor) - 1

    teams = max(1, round(size / 330_000))
    team_size = max(10, int(size * TEAM_SHARE))
    level1 = min(LEVEL1, max(2, team_size // 2_750))
    level2 = min(LEVEL2, 50 * level1, team_size // 3)
    for _ in range(teams):
        root = add(None)
        firsts = [add(root) for _ in range(level1)]
        seconds = [
            add(p)
            for p, n in zip(firsts, _pareto_split(rng, level2, level1), strict=True)
            for _ in range(n)
        ]
        third = team_size - level1 - level2
        for p, n in zip(seconds, _pareto_split(rng, third, len(seconds)), strict=True):
            for _ in range(n):
                add(p)
    chains = max(2, size // 50_000)
    chain_every = max(1, (size - len(sponsor)) // (chains + 1))
    pool = list(range(len(sponsor)))  # preferential attachment: one entry per recruit + 1
    while len(sponsor) < size:
        due = len(sponsor) % chain_every == 0 and size - len(sponsor) >= CHAIN_DEPTH
        if due and chains > 0:
            chains -= 1
            link = add(None)
            for _ in range(CHAIN_DEPTH - 1):
                link = add(link)
            continue
        parent = rng.choice(pool) if pool and rng.random() >= UNBOUND_SHARE else None
        me = add(parent)
        pool.append(me)
        if parent is not None:
            pool.append(parent)
    rows = []
    for i, parent in enumerate(sponsor):
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        sponsor_id = f"{prefix}-{parent:07d}" if parent is not None else None
        rows.append((f"{prefix}-{i:07d}", name, sponsor_id, joined[i]))
    return rows


def order_rows(
    network: list[Placement], *, count: int, seed: int, prefix: str = PREFIX
) -> Iterator[tuple[str, str, int, int]]:
    """(id, buyer_id, amount_fen, paid_ms): paid after the buyer joined, within the year."""
    rng = random.Random(seed + 1)
    for n in range(count):
        buyer = network[rng.randrange(len(network))]
        low = max(buyer.joined_at_ms, END_MS - YEAR_MS)
        yield (
            f"{prefix}-o{n:08d}",
            buyer.id,
            rng.randrange(100, 100_000),
            rng.randrange(low, END_MS),
        )


def generate(
    *, size: int, seed: int, orders: int, links: int, root: Path, prefix: str = PREFIX
) -> Dataset:
    """Write the files under `root` unless they are there already; ids start `prefix-`."""
    folder = root / f"{prefix}-n{size}-o{orders}-l{links}-s{seed}"
    meta_file = folder / "meta.json"
    if meta_file.exists():
        meta = json.loads(meta_file.read_text())
        if meta.get("format") == FORMAT:
            return Dataset(folder, meta)
    folder.mkdir(parents=True, exist_ok=True)
    network = layout(network_rows(size, seed, prefix), team_leader_recruits=10)
    with (folder / "distributors.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(("id", "name", "sponsor_id", "joined_ms"))
        out.writerows((p.id, p.name, p.sponsor_id or "", p.joined_at_ms) for p in network)
    with (folder / "orders.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(("id", "buyer_id", "amount_fen", "paid_ms"))
        out.writerows(order_rows(network, count=orders, seed=seed, prefix=prefix))
    plan = plan_links(
        network,
        total=links,
        seed=seed,
        token=f"{seed:06x}",
        secret=default_policy().identifier_secret,
    )
    with (folder / "links.csv").open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(("distributor_id", "kind", "key"))
        out.writerows((r["distributorId"], r["kind"], r["key"]) for r in plan.rows)
    big = sorted(network, key=lambda p: -sum(p.counts))[:5]
    meta = {
        "format": FORMAT,
        "size": size,
        "seed": seed,
        "orders": orders,
        "links": len(plan.rows),
        "end": END.isoformat(),
        "unbound": sum(p.sponsor_id is None for p in network),
        "max_depth": max(p.depth for p in network),
        "max_fanout": max(p.counts[0] for p in network),
        "teams": [{"id": p.id, "levels": list(p.counts), "size": sum(p.counts)} for p in big],
        "planted_rings": sorted(list(r.members) for r in plan.planted),
        "hot_identifiers": len(plan.hot),
    }
    meta_file.write_text(json.dumps(meta, indent=1, ensure_ascii=False))
    return Dataset(folder, meta)


def side_network(prefix: str, size: int, *, fanout: int) -> list[Placement]:
    """A regular tree of `size` (everyone recruits `fanout`) for experiments and sweeps."""
    rows = [
        (f"{prefix}-{i}", "试", f"{prefix}-{i // fanout}" if i else None, i) for i in range(size)
    ]
    return layout(rows, team_leader_recruits=10)


def read_network(data: Dataset) -> list[Placement]:
    """The distributors of the files, laid out as the product lays them out."""
    with data.distributors.open(newline="") as f:
        rows = csv.reader(f)
        next(rows)
        members = [(i, name, s or None, int(ms)) for i, name, s, ms in rows]
    return layout(members, team_leader_recruits=10)


def read_orders(data: Dataset) -> Iterator[tuple[str, str, int, int]]:
    with data.orders.open(newline="") as f:
        rows = csv.reader(f)
        next(rows)
        for order_id, buyer, amount, paid in rows:
            yield order_id, buyer, int(amount), int(paid)


def read_links(data: Dataset) -> list[dict[str, str]]:
    with data.links.open(newline="") as f:
        rows = csv.reader(f)
        next(rows)
        return [{"distributorId": d, "kind": k, "key": key} for d, k, key in rows]
