"""Initial load of a whole network into an empty database, offline (SPEC §7's bulk load).

The online path (`graph.tree.bulk.load_network`) writes every distributor through Cypher with
its ten index entries: about 7,000 distributors/s on this machine. For an initial load
(a platform moving its network onto this service, a benchmark) Neo4j's own importer,
`neo4j-admin database import full` from the jars the launcher already has, writes the
store files directly. The local server is stopped, the default database **replaced**,
the server started again, and the migrations then build every constraint and index in
one population pass. The rows are the same `Placement`s as the online path (counters,
paths and ancestor stamps computed by `rules.tree.layout`). The team roll-ups of the
members' joining days (`domain.tree.team_days.joined_counts`) are imported with them, and
the migrations that would build them are recorded as applied
(`graph.migrations.BUILT_BY_IMPORT`): creating millions of roll-ups one transaction at a
time was most of an import's time. An imported roll-up has no `buyers` or `prevs` until
an order of that day (writers read a missing list as empty).
"""

from __future__ import annotations

import csv
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from devtools import neo4j_server
from devtools.neo4j_server import Neo4jServerError, ServerConfig
from domain.tree.paths import Placement
from domain.tree.team_days import day_key, joined_counts
from graph.db import Database
from graph.migrations import BUILT_BY_IMPORT, migrate, record_applied

NODE_HEADER = (
    "id:ID", "name", "rank", "status", "joinedAt:datetime", "path", "depth:int",
    "down1:int", "down2:int", "down3:int", "teamSize:int", "qualifiedRecruits:int",
    "a1", "a2", "a3",
)  # fmt: skip
EDGE_HEADER = (":START_ID", ":END_ID", "at:datetime")
TEAM_DAY_HEADER = (
    "key:ID(TeamDay)", "ancestorId", "level:int", "day:int", "bucket:int", "sales:int",
    "joined:int",
)  # fmt: skip


@dataclass(frozen=True)
class ImportReport:
    distributors: int
    csv_seconds: float
    import_seconds: float
    start_seconds: float
    index_seconds: float

    @property
    def seconds(self) -> float:
        return self.csv_seconds + self.import_seconds + self.start_seconds + self.index_seconds

    @property
    def rate(self) -> float:
        return self.distributors / self.seconds if self.seconds else 0.0


def _iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class ImportFiles:
    distributors: Path
    referred: Path
    team_days: Path


def write_csv(rows: Sequence[Placement], directory: Path) -> ImportFiles:
    """The importer's files for `rows` (sponsors before recruits): the distributors, their
    `REFERRED` edges, and the team roll-ups of the days they joined."""
    nodes, edges = directory / "distributors.csv", directory / "referred.csv"
    with nodes.open("w", newline="") as node_file, edges.open("w", newline="") as edge_file:
        node_csv, edge_csv = csv.writer(node_file), csv.writer(edge_file)
        node_csv.writerow(NODE_HEADER)
        edge_csv.writerow(EDGE_HEADER)
        for p in rows:
            joined = _iso(p.joined_at_ms)
            node_csv.writerow(
                (p.id, p.name, p.rank.value, "ACTIVE", joined, p.path, p.depth, *p.counts,
                 sum(p.counts), p.qualified_recruits, *(a or "" for a in p.ancestors))
            )  # fmt: skip
            if p.sponsor_id is not None:
                edge_csv.writerow((p.sponsor_id, p.id, joined))
    team_days = directory / "team_days.csv"
    with team_days.open("w", newline="") as day_file:
        day_csv = csv.writer(day_file)
        day_csv.writerow(TEAM_DAY_HEADER)
        counts = joined_counts((p.ancestors, p.joined_at_ms) for p in rows)
        day_csv.writerows(
            (day_key(a, k, d, b), a, k, d, b, 0, n) for (a, k, d, b), n in counts.items()
        )
    return ImportFiles(distributors=nodes, referred=edges, team_days=team_days)


def report_file(config: ServerConfig) -> Path:
    """Where the importer writes its report (bad rows, if any): the server's home, under
    var/, never the directory the command runs in."""
    return config.home.resolve() / "import.report"


def run_importer(*, config: ServerConfig, files: ImportFiles) -> None:
    """Replace the default database with the contents of `files` (server stopped)."""
    if neo4j_server.status(config=config).running:
        raise Neo4jServerError("stop Neo4j before an offline import (`referral neo4j stop`).")
    neo4j_server.run_admin_tool(
        config,
        *("database", "import", "full", "neo4j", "--overwrite-destination"),
        f"--report-file={report_file(config)}",
        f"--nodes=Distributor={files.distributors}",
        f"--nodes=TeamDay={files.team_days}",
        f"--relationships=REFERRED={files.referred}",
    )


async def import_network(
    *,
    config: ServerConfig,
    database: Database,
    rows: Sequence[Placement],
    work_dir: Path | None = None,
    index_timeout_s: int = 3600,
) -> ImportReport:
    """Stop the local Neo4j, replace its database with `rows`, start it, and build the
    schema (every migration, then wait until every index is online). `database` is a
    handle on that server; its driver reconnects once the server is back."""
    neo4j_server.stop(config=config)
    with tempfile.TemporaryDirectory(dir=work_dir) as scratch:
        began = time.monotonic()
        files = write_csv(rows, Path(scratch))
        written = time.monotonic()
        run_importer(config=config, files=files)
        imported = time.monotonic()
    neo4j_server.start(config=config)
    started = time.monotonic()
    for migration_id in BUILT_BY_IMPORT:
        await record_applied(database, migration_id=migration_id)
    await migrate(database, index_timeout_s=index_timeout_s)
    return ImportReport(
        distributors=len(rows),
        csv_seconds=written - began,
        import_seconds=imported - written,
        start_seconds=started - imported,
        index_seconds=time.monotonic() - started,
    )
