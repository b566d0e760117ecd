"""PostgreSQL schema and loads: the same files as Neo4j, in two designs.

- `adj`: an adjacency list (`adj.distributor.sponsor_id`), queried with recursive CTEs;
- `clo`: the same table plus a closure table `clo.closure(ancestor, depth, dpath,
  descendant)` for depth ≤ 3, keyed `(ancestor, depth, dpath)` so a downline page is one
  index range in (level, path) order.
Both carry the product's `path`, `depth` and `rank` (from `rules.tree.layout`), so pages
come in the same order as the product's. Orders, their commissions (split here by the
product's own `rules.commission.split`, default rates, commission_levels 2),
identifier links and the identifiers two or more distributors share are shared
(`public`). Rows go in with COPY; indexes are built after,
then ANALYZE.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import psycopg

from bench.scale.dataset import Dataset, read_links, read_orders
from bench.scale.neo4j_side import POLICY, Loads
from domain.models import OrderItem, Status
from domain.money.commission import DEFAULT_RULES, Candidate, Share, beneficiary_ids, split
from domain.tree.paths import Placement

DISTRIBUTOR_TABLE = """
CREATE TABLE {s}.distributor (
  id text PRIMARY KEY, name text NOT NULL, sponsor_id text, rank text NOT NULL,
  status text NOT NULL, joined_at timestamptz NOT NULL, path text NOT NULL, depth int NOT NULL
)"""
SCHEMA = (
    "CREATE SCHEMA adj",
    "CREATE SCHEMA clo",
    DISTRIBUTOR_TABLE.format(s="adj"),
    DISTRIBUTOR_TABLE.format(s="clo"),
    """CREATE TABLE clo.closure (
         ancestor text NOT NULL, depth smallint NOT NULL, dpath text NOT NULL,
         descendant text NOT NULL)""",
    """CREATE TABLE orders (
         id text PRIMARY KEY, buyer_id text NOT NULL, amount bigint NOT NULL,
         refunded bigint NOT NULL DEFAULT 0, paid_at timestamptz NOT NULL)""",
    """CREATE TABLE commission (
         id text PRIMARY KEY, order_id text NOT NULL, level smallint NOT NULL,
         beneficiary_id text NOT NULL, base bigint NOT NULL, rate int NOT NULL,
         original bigint NOT NULL, amount bigint NOT NULL, status text NOT NULL,
         paid_at timestamptz NOT NULL)""",
    """CREATE TABLE identifier_link (
         distributor_id text NOT NULL, kind text NOT NULL, key text NOT NULL)""",
    # The identifiers two or more distributors use, as the product marks them
    # (`Identifier.shared`): the ring scan joins from these, not from every link.
    """CREATE TABLE shared_identifier (key text NOT NULL, kind text NOT NULL)""",
    """CREATE TABLE fraud_ring (
         id text PRIMARY KEY, scan_id text NOT NULL, members text[] NOT NULL,
         keys text[] NOT NULL, score int NOT NULL, edges text[] NOT NULL,
         commissions bigint NOT NULL)""",
)
INDEXES = (
    ("adj.distributor(sponsor_id)", "CREATE INDEX ON adj.distributor (sponsor_id)"),
    (
        "clo.closure primary key (ancestor, depth, dpath)",
        "ALTER TABLE clo.closure ADD PRIMARY KEY (ancestor, depth, dpath)",
    ),
    (
        "clo.closure(descendant, depth)",
        "CREATE INDEX ON clo.closure (descendant, depth) INCLUDE (ancestor)",
    ),
    ("clo.distributor(sponsor_id)", "CREATE INDEX ON clo.distributor (sponsor_id)"),
    (
        "orders(buyer_id, paid_at)",
        "CREATE INDEX ON orders (buyer_id, paid_at) INCLUDE (amount, refunded)",
    ),
    (
        "commission(beneficiary_id, paid_at)",
        "CREATE INDEX ON commission (beneficiary_id, paid_at) INCLUDE (status, amount, original)",
    ),
    ("commission(order_id)", "CREATE INDEX ON commission (order_id)"),
    (
        "identifier_link primary key (key, distributor_id)",
        "ALTER TABLE identifier_link ADD PRIMARY KEY (key, distributor_id)",
    ),
    ("identifier_link(distributor_id)", "CREATE INDEX ON identifier_link (distributor_id)"),
    (
        "shared_identifier primary key (key)",
        "ALTER TABLE shared_identifier ADD PRIMARY KEY (key)",
    ),
    ("shared_identifier(kind)", "CREATE INDEX ON shared_identifier (kind)"),
)
SHARED_IDENTIFIERS = """
INSERT INTO shared_identifier
SELECT key, min(kind) FROM identifier_link GROUP BY key HAVING count(*) >= 2"""


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _distributors(network: Sequence[Placement]) -> Iterator[tuple[object, ...]]:
    for p in network:
        yield (
            p.id,
            p.name,
            p.sponsor_id,
            p.rank.value,
            "ACTIVE",
            at(p.joined_at_ms),
            p.path,
            p.depth,
        )


def _closure(network: Sequence[Placement]) -> Iterator[tuple[object, ...]]:
    for p in network:
        for depth, ancestor in enumerate(p.ancestors, start=1):
            if ancestor is not None:
                yield ancestor, depth, p.path, p.id


def commissions_of(
    order_id: str, buyer_id: str, amount: int, paid_ms: int, by_id: dict[str, Placement]
) -> list[tuple[object, ...]]:
    """The commission rows of one order, split as the product splits it."""
    upline = [a for a in by_id[buyer_id].ancestors if a is not None]
    ids = beneficiary_ids(
        buyer_id=buyer_id,
        upline_ids=upline,
        levels=POLICY.commission_levels,
        self_purchase=POLICY.self_purchase_commission,
    )
    chain = [
        Candidate(level=k, distributor_id=who, rank=by_id[who].rank, status=Status.ACTIVE)
        for k, who in enumerate(ids, start=1)
    ]
    shares = split(items=(OrderItem(amount_fen=amount),), chain=chain, rules=DEFAULT_RULES)
    return [
        commission_row(order_id, share, at(paid_ms))
        for share in shares
        if share.forfeit is None and share.amount_fen > 0
    ]


def commission_row(order_id: str, share: Share, paid_at: datetime) -> tuple[object, ...]:
    """A `commission` row of a share that pays (PENDING, nothing refunded yet)."""
    return (
        f"{order_id}#{share.level}",
        order_id,
        share.level,
        share.distributor_id,
        share.base_fen,
        share.rate_bp,
        share.amount_fen,
        share.amount_fen,
        "PENDING",
        paid_at,
    )


def _copy(conn: psycopg.Connection, table: str, rows: Iterator[tuple[object, ...]]) -> int:
    n = 0
    with conn.cursor() as cur, cur.copy(f"COPY {table} FROM STDIN") as copy:  # type: ignore[arg-type]
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def load(dsn: str, data: Dataset, network: Sequence[Placement]) -> Loads:
    """Create the schema, COPY every row, build the indexes, ANALYZE."""
    loads = Loads()
    by_id = {p.id: p for p in network}
    with psycopg.connect(dsn, autocommit=True) as conn:
        for statement in SCHEMA:
            conn.execute(statement)  # type: ignore[arg-type]

        def timed(name: str, table: str, rows: Iterator[tuple[object, ...]]) -> None:
            started = time.perf_counter()
            with conn.transaction():
                n = _copy(conn, table, rows)
            loads.add(name, n, time.perf_counter() - started)

        timed("adj.distributor (COPY)", "adj.distributor", _distributors(network))
        timed("clo.distributor (COPY)", "clo.distributor", _distributors(network))
        timed("clo.closure, depth ≤ 3 (COPY)", "clo.closure", _closure(network))
        orders = list(read_orders(data))
        timed(
            "orders (COPY)",
            "orders (id, buyer_id, amount, paid_at)",
            ((o, b, a, at(p)) for o, b, a, p in orders),
        )
        timed(
            "commissions, split in Python (COPY)",
            "commission",
            (row for o in orders for row in commissions_of(*o, by_id)),
        )
        timed(
            "identifier links (COPY)",
            "identifier_link",
            ((r["distributorId"], r["kind"], r["key"]) for r in read_links(data)),
        )
        started = time.perf_counter()
        conn.execute(SHARED_IDENTIFIERS)
        loads.add(
            "shared_identifier (INSERT … SELECT: keys with 2 or more users)",
            0,
            time.perf_counter() - started,
        )
        for name, statement in INDEXES:
            started = time.perf_counter()
            conn.execute(statement)  # type: ignore[arg-type]
            loads.add(f"index {name}", 0, time.perf_counter() - started)
        started = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        loads.add("VACUUM ANALYZE", 0, time.perf_counter() - started)
    return loads


def database_size(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        return int(row[0]) if row else 0
