"""Neo4j for the benchmark: its own server (home, port, heap, page cache) and the loads.

The server is `devtools.neo4j_server`'s launcher on a fresh store under
var/neo4j-bench (Bolt on 127.0.0.1:7697 unless told otherwise). Everything is loaded
through the product's own paths: `graph.tree.bulk.load_network` (distributors, batched
UNWIND; a batch-size sweep on a side network first), `graph.money.orders.record` (orders with
their commission splits and ledger entries, batches of 500) and
`graph.tree.bulk.load_identifiers`.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from app.settings import ROOT, Settings, default_policy
from bench.scale.dataset import END_MS, Dataset, read_links, read_orders, side_network
from devtools import neo4j_server
from domain.models import NewOrder, OrderItem
from domain.tree.paths import Placement
from domain.tree.team_days import DAY_MS
from graph.db import Database, create_direct, create_driver
from graph.migrations import migrate
from graph.money import orders
from graph.tree import bulk, team_day_totals

HOME = ROOT / "var" / "neo4j-bench"
NETWORK_BATCH = 10_000
ORDER_BATCH = 500
LINK_BATCH = 10_000
TOTALS_SPAN_DAYS = 36_500  # every day of the dataset (its members joined and ordered before END)
SWEEP = (1_000, 5_000, 10_000, 20_000, 50_000)
# Commissions stay PENDING: nothing in the benchmark settles them.
POLICY = default_policy(freeze_days=36_500)


@dataclass
class Loads:
    """Seconds and rows of each load phase, in order."""

    phases: list[tuple[str, int, float]] = field(default_factory=list)

    def add(self, name: str, rows: int, seconds: float) -> None:
        self.phases.append((name, rows, seconds))
        rate = f"{rows / seconds:,.0f}/s" if seconds else "-"
        print(f"  {name}: {rows:,} rows in {seconds:.1f} s ({rate})", flush=True)


def config(*, port: int, heap: str, pagecache: str, home: Path = HOME) -> neo4j_server.ServerConfig:
    """The benchmark's own server, with the settings' credentials (NEO4J_USER/PASSWORD)."""
    settings = Settings()
    return neo4j_server.ServerConfig(
        home=home,
        user=settings.neo4j_user,
        password=settings.neo4j_password,
        port=port,
        heap=heap,
        pagecache=pagecache,
    )


def start_fresh(server: neo4j_server.ServerConfig) -> float:
    """Stop a server left on this home, wipe its store, start it; the start-up seconds."""
    neo4j_server.stop(config=server)
    if neo4j_server.bolt_listening(config=server):
        # `start` would take a stranger's server on this port for ours and load into it.
        raise SystemExit(f"Another Neo4j answers on {server.uri}: choose --bolt-port.")
    for sub in ("data", "logs"):
        shutil.rmtree(server.home / sub, ignore_errors=True)
    started = time.monotonic()
    neo4j_server.start(config=server)  # waits for the launcher's ready line, never Bolt logins
    return time.monotonic() - started


def open_db(server: neo4j_server.ServerConfig) -> Database:
    driver = create_driver(
        uri=server.uri, user=server.user, password=server.password, retry_seconds=30
    )
    direct = create_direct(uri=server.uri, user=server.user, password=server.password)
    return Database(driver, direct=direct, name="neo4j")


async def _timed_network(db: Database, rows: Sequence[Placement], batch: int) -> float:
    started = time.perf_counter()
    await bulk.load_network(db, rows=rows, batch_size=batch)
    return time.perf_counter() - started


async def sweep_batches(db: Database, *, rows: int, loads: Loads) -> list[tuple[int, float]]:
    """Load a side network of `rows` once per batch size (then delete it): distributors/s."""
    found = []
    for batch in SWEEP:
        prefix = f"sweep{batch}"
        side = side_network(prefix, rows, fanout=20)
        seconds = await _timed_network(db, side, batch)
        loads.add(f"batch-size sweep: load_network, batches of {batch:,}", rows, seconds)
        found.append((batch, rows / seconds))
        await bulk.delete_by_prefix(db, prefix=prefix + "-")
    return found


async def load(
    db: Database, data: Dataset, network: Sequence[Placement], *, sweep_rows: int
) -> tuple[Loads, list[tuple[int, float]]]:
    """Migrate, sweep batch sizes, then load the dataset; the phases and the sweep."""
    loads = Loads()
    started = time.perf_counter()
    await migrate(db)
    loads.add("migrate (constraints and indexes)", 0, time.perf_counter() - started)
    sweep = await sweep_batches(db, rows=sweep_rows, loads=loads) if sweep_rows else []
    seconds = await _timed_network(db, network, NETWORK_BATCH)
    loads.add(
        f"distributors: bulk.load_network, batches of {NETWORK_BATCH:,}", len(network), seconds
    )

    now = datetime.now(UTC)
    count = 0
    batch: list[NewOrder] = []
    started = time.perf_counter()
    for order_id, buyer, amount, paid_ms in read_orders(data):
        paid = datetime.fromtimestamp(paid_ms / 1000, tz=UTC)
        item = OrderItem(amount_fen=amount)
        batch.append(NewOrder(order_id, buyer, amount, paid, (item,)))
        if len(batch) == ORDER_BATCH:
            await orders.record(db, orders=batch, policy=POLICY, now=now)
            count += len(batch)
            batch = []
    if batch:
        await orders.record(db, orders=batch, policy=POLICY, now=now)
        count += len(batch)
    loads.add(
        f"orders with splits: orders.record, batches of {ORDER_BATCH}",
        count,
        time.perf_counter() - started,
    )

    # What the `team-day-totals` job does each day, for every day of the orders at once:
    # the dataset's days are all over by END.
    started = time.perf_counter()
    days = await team_day_totals.build(db, today=END_MS // DAY_MS, span_days=TOTALS_SPAN_DAYS)
    loads.add(
        "day totals: team_day_totals.build, every day before END",
        days,
        time.perf_counter() - started,
    )

    links = read_links(data)
    started = time.perf_counter()
    await bulk.load_identifiers(db, rows=links, batch_size=LINK_BATCH, at=now)
    loads.add(
        f"identifier links: bulk.load_identifiers, batches of {LINK_BATCH:,}",
        len(links),
        time.perf_counter() - started,
    )
    return loads, sweep


async def nodes_by_label(db: Database) -> dict[str, int]:
    """Nodes of each label that has any, most first, from Neo4j's count store (no scan)."""
    labels = [r["label"] for r in await db.read("CALL db.labels() YIELD label RETURN label")]
    counts: dict[str, int] = {}
    for label in labels:
        if not label.isidentifier():
            continue  # the product's labels are plain identifiers
        query = "MATCH (n:`" + label + "`) RETURN count(n) AS n"
        counts[label] = (await db.read(query))[0]["n"]
    return dict(sorted(((k, n) for k, n in counts.items() if n), key=lambda kv: -kv[1]))


def store_size(server: neo4j_server.ServerConfig) -> int:
    """Bytes of the store on disk (data/)."""
    return sum(p.stat().st_size for p in (server.home / "data").rglob("*") if p.is_file())
