"""Benchmark: a downline page and team metrics for a 100,000-member team.

Builds one team of 50 x 50 x 40 (102,550 members within three levels) through the
product's bulk path, records `--orders` paid orders of its members over the past year
through the product's order path (with their commission splits), then times, warm,
over many runs:
  - a downline page of 50 at a random keyset position (all levels / level 3 only),
  - teamMetrics with no window and with a 30-day window,
  - the same downline page and metrics through the GraphQL endpoint (in-process ASGI).
Prints p50/p99 in milliseconds. Uses NEO4J_URI (default bolt://127.0.0.1:7687).

    python bench/team_100k.py [--runs 200] [--orders 100000] [--keep]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from access.roles import Role
from access.tokens import issue
from app.main import create_app
from app.settings import Settings, default_policy
from devtools.demo import demo_orders
from domain.pagination import CursorCodec, Window
from domain.tree.paths import layout
from graph.migrations import migrate
from graph.money import orders
from graph.tree import bulk, team
from graph.tree.distributors import require

FANOUT = (50, 50, 40)
DAY_MS = 86_400_000

PAGE = """
query($id: ID!, $after: String, $level: Int) {
  distributor(id: $id) {
    downline(first: 50, after: $after, level: $level) { totalCount edges { level node { id } } }
  }
}
"""
METRICS = """
query($id: ID!, $since: DateTime) {
  distributor(id: $id) {
    teamMetrics(since: $since) { teamSize newMembers activeMembers teamSales }
  }
}
"""


def build_team(prefix: str) -> list[Any]:
    now_ms = int(time.time() * 1000)
    rng = random.Random(11)
    rows: list[tuple[str, str, str | None, int]] = [(f"{prefix}-root", "团长", None, now_ms)]
    frontier = [f"{prefix}-root"]
    for level, fan in enumerate(FANOUT, start=1):
        nxt = []
        for parent in frontier:
            for k in range(fan):
                member = f"{parent}.{k}" if level > 1 else f"{prefix}-{k}"
                rows.append((member, "成员", parent, now_ms - rng.randrange(365) * DAY_MS))
                nxt.append(member)
        frontier = nxt
    return layout(rows, team_leader_recruits=10)


async def timed(runs: int, call: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    for _ in range(10):
        await call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


async def main(runs: int, keep: bool, order_count: int) -> None:
    settings = Settings()
    db = settings.open_database()
    await migrate(db)
    prefix = "bench" + uuid.uuid4().hex[:6]
    rows = build_team(prefix)
    started = time.perf_counter()
    await bulk.load_network(db, rows=rows, batch_size=10_000)
    load_s = time.perf_counter() - started
    print(f"loaded {len(rows):,} distributors in {load_s:.1f} s ({len(rows) / load_s:,.0f}/s)")

    made = demo_orders(
        rows=rows, count=order_count, prefix=prefix, now=datetime.now(UTC), days=365, seed=13
    )
    started = time.perf_counter()
    now = datetime.now(UTC)
    for i in range(0, len(made), 1_000):
        await orders.record(db, orders=made[i : i + 1_000], policy=default_policy(), now=now)
    order_s = time.perf_counter() - started
    if made:
        print(f"recorded {len(made):,} orders in {order_s:.1f} s ({len(made) / order_s:,.0f}/s)")

    root = await require(db, distributor_id=f"{prefix}-root")
    # Level-3 positions (level, path below the root), as the API's signed cursors too.
    level3 = [(3, p.path[len(root.path) + 1 :]) for p in rows if p.depth == 3]
    rng = random.Random(5)
    cursors = CursorCodec(settings.cursor_secret.encode()).bind(
        team.DOWNLINE.bound(root=root.id, depth=3, level=3)
    )

    def position() -> Window:
        return Window(forward=True, size=50, boundary=rng.choice(level3))

    def cursor() -> str:
        return cursors.cursor(rng.choice(level3))

    since = datetime.now(UTC) - timedelta(days=30)
    app = create_app(settings, database=db)
    token = issue(
        config=settings.token_config,
        subject="bench",
        role=Role.ADMIN,
        ttl=timedelta(hours=2),
        now=datetime.now(UTC),
    )
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://bench",
        headers={"Authorization": f"Bearer {token}"},
    )

    async def gql(query: str, variables: dict[str, Any]) -> None:
        response = await client.post("/graphql", json={"query": query, "variables": variables})
        assert "errors" not in response.json(), response.text

    cases: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        (
            "downline page 50, first page",
            lambda: team.downline(db, root=root, depth=3, level=None, window=Window(True, 50)),
        ),
        (
            "downline page 50, random level-3 cursor",
            lambda: team.downline(db, root=root, depth=3, level=3, window=position()),
        ),
        (
            "teamMetrics, no window",
            lambda: team.metrics(db, root=root, depth=3, since=None, until=None),
        ),
        (
            "teamMetrics, 30-day window",
            lambda: team.metrics(db, root=root, depth=3, since=since, until=None),
        ),
        (
            "HTTP GraphQL downline page 50 (cursor)",
            lambda: gql(PAGE, {"id": root.id, "after": cursor(), "level": 3}),
        ),
        (
            "HTTP GraphQL teamMetrics (30-day window)",
            lambda: gql(METRICS, {"id": root.id, "since": since.isoformat()}),
        ),
    ]
    print(f"\nteam of {sum(root.level_counts):,} members within 3 levels; {runs} runs each, warm")
    print("| query | p50 ms | p99 ms |\n|---|---:|---:|")
    for name, call in cases:
        p50, p99 = await timed(runs, call)
        print(f"| {name} | {p50:.1f} | {p99:.1f} |")
    await client.aclose()
    if not keep:
        await bulk.delete_by_prefix(db, prefix=prefix + "-")
    await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--orders", type=int, default=100_000, help="orders of team members")
    parser.add_argument("--keep", action="store_true", help="leave the team in the database")
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.keep, args.orders))
