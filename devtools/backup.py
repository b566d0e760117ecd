"""Backup and restore of the local Neo4j through its own dump and load (`neo4j-admin`).

Community Edition has no online backup: `neo4j-admin database dump` and `load` refuse a
store that a running server holds. So `backup` stops the local server (if it runs), dumps
the `neo4j` database into one archive, and starts the server again at once: the downtime
is the dump's time, printed. The app keeps running meanwhile; its requests answer
`UNAVAILABLE` and it reconnects by itself. `restore` stops the server, replaces the
database with the archive, and starts it again if it was running.

Next to every archive `NAME.dump` lies `NAME.dump.json` (size and SHA-256 of the archive,
the Neo4j version); `restore` refuses an archive whose checksum differs before it touches
the store. Only the `neo4j` database is dumped: the `system` database holds the user and
password, which the launcher sets from the settings at every start anyway.

A server the launcher did not start (Docker, a remote one) is refused with the commands
to run there instead (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from devtools import neo4j_server
from devtools.neo4j_server import Neo4jServerError, ServerConfig

DATABASE = "neo4j"
# The server must come back: a start that runs out of time is killed, so wait long (a
# start took over 3 minutes on a loaded 2-core machine here).
RESTART_TIMEOUT_S = 900.0
FOREIGN = (
    "a Neo4j answers on {uri} that the launcher did not start here (pid file {pid_file}): "
    "dump or load it where it runs — for Docker, see docs/operations.md."
)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    bytes: int
    sha256: str
    seconds: float
    downtime_s: float | None  # None: the server was not running, nothing stopped
    stop_s: float
    dump_s: float
    start_s: float


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    seconds: float
    restarted: bool


def manifest_path(archive: Path) -> Path:
    return archive.with_name(archive.name + ".json")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def neo4j_version(config: ServerConfig) -> str:
    """The version of the launcher's Neo4j jars (a dump loads into the same or newer)."""
    for jar in (config.launcher_dir / "target" / "lib").glob("neo4j-kernel-*.jar"):
        if found := re.fullmatch(r"neo4j-kernel-(\d[\w.-]*)\.jar", jar.name):
            return found.group(1)
    return "unknown"


def _running_here(config: ServerConfig) -> bool:
    """True if our launcher runs on this home; raises if a stranger holds the port."""
    state = neo4j_server.status(config=config)
    if state.running and state.pid is None:
        raise Neo4jServerError(FOREIGN.format(uri=config.uri, pid_file=config.pid_file))
    return state.running


def backup(*, config: ServerConfig, destination: Path, now: datetime | None = None) -> BackupResult:
    """Dump the database into `destination` (a directory: a new timestamped file in it; or
    a file name ending in .dump), stopping and restarting the local server around it."""
    began = time.monotonic()
    now = now or datetime.now(UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    destination = destination.resolve()
    if destination.suffix == ".dump":
        target = destination
    else:
        target = destination / f"{DATABASE}-{stamp}.dump"
    if target.exists():
        raise Neo4jServerError(f"{target} exists already; choose another name.")
    if not (config.home / "data" / "databases" / DATABASE).is_dir():
        raise Neo4jServerError(f"there is no database under {config.home} to back up.")
    target.parent.mkdir(parents=True, exist_ok=True)
    was_running = _running_here(config)
    marks = [time.monotonic()]  # stop, dump, start
    if was_running:
        neo4j_server.stop(config=config)
    marks.append(time.monotonic())
    try:
        # Into a scratch directory beside the target, then renamed: a half-written dump
        # never carries the final name.
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".dump-") as scratch:
            with neo4j_server.exclusive(config):
                neo4j_server.run_admin_tool(
                    config, "database", "dump", DATABASE, f"--to-path={scratch}"
                )
            os.replace(Path(scratch) / f"{DATABASE}.dump", target)
    finally:
        marks.append(time.monotonic())
        if was_running:
            neo4j_server.start(config=config, timeout_s=RESTART_TIMEOUT_S)
    marks.append(time.monotonic())
    result = BackupResult(
        path=target,
        bytes=target.stat().st_size,
        sha256=_sha256(target),
        seconds=time.monotonic() - began,
        downtime_s=marks[3] - marks[0] if was_running else None,
        stop_s=marks[1] - marks[0],
        dump_s=marks[2] - marks[1],
        start_s=marks[3] - marks[2],
    )
    manifest = {
        "database": DATABASE,
        "created": now.isoformat(timespec="seconds"),
        "bytes": result.bytes,
        "sha256": result.sha256,
        "neo4j": neo4j_version(config),
        "from": str(config.home.resolve()),
    }
    manifest_path(target).write_text(json.dumps(manifest, indent=2) + "\n")
    return result


def verify(archive: Path) -> None:
    """Refuse an archive that is missing or whose checksum differs from its manifest."""
    if not archive.is_file():
        raise Neo4jServerError(f"no archive at {archive}.")
    manifest = manifest_path(archive)
    if manifest.exists():
        expected = json.loads(manifest.read_text()).get("sha256")
        if expected and expected != _sha256(archive):
            raise Neo4jServerError(
                f"{archive} does not match the checksum in {manifest.name}: it is damaged or "
                "not the archive that backup wrote. Nothing was changed."
            )


def restore(*, config: ServerConfig, archive: Path) -> RestoreResult:
    """Replace the database with `archive` (a dump); the server is stopped for it and
    started again if it was running."""
    began = time.monotonic()
    archive = archive.resolve()
    verify(archive)
    was_running = _running_here(config)
    if was_running:
        neo4j_server.stop(config=config)
    try:
        # `load` reads DATABASE.dump from a directory: a link to the archive under that name.
        with tempfile.TemporaryDirectory(prefix="referral-restore-") as scratch:
            (Path(scratch) / f"{DATABASE}.dump").symlink_to(archive)
            with neo4j_server.exclusive(config):
                neo4j_server.run_admin_tool(
                    config,
                    *("database", "load", DATABASE, f"--from-path={scratch}"),
                    "--overwrite-destination=true",
                )
    finally:
        if was_running:
            neo4j_server.start(config=config, timeout_s=RESTART_TIMEOUT_S)
    return RestoreResult(path=archive, seconds=time.monotonic() - began, restarted=was_running)
