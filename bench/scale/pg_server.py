"""PostgreSQL 15 for the benchmark: installed from Debian's packages if missing, run on
loopback from its own data directory (var/pg-bench), port 55432, trust auth.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user
(`runuser`), which owns the data directory. Only `python -m bench.scale` installs
anything (`ensure_installed`); tests call `binaries()` and skip when it finds none.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from app.settings import ROOT

DATA = ROOT / "var" / "pg-bench"
PORT = 55432
VERSION = "15"
SETTINGS = (
    "listen_addresses='127.0.0.1'",
    "unix_socket_directories=''",
    "shared_buffers=1GB",
    "effective_cache_size=4GB",
    "work_mem=64MB",
    "maintenance_work_mem=512MB",
    "max_wal_size=4GB",
    "checkpoint_timeout=30min",
    "max_connections=50",
    "jit=off",
)


@dataclass(frozen=True)
class PgServer:
    bin_dir: Path
    data: Path = DATA
    port: int = PORT

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check, timeout=300)

    def start_fresh(self) -> None:
        """initdb a new cluster (the old one is removed) and start it; waits until ready."""
        self.stop()
        shutil.rmtree(self.data, ignore_errors=True)
        self.data.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n".join(SETTINGS) + f"\nport={self.port}\n")
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.data / "server.log"),
            "-w",
            "-t",
            "120",
            "start",
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)

    def version(self) -> str:
        return self._run("postgres", "--version").stdout.strip()


def binaries() -> Path | None:
    """The directory of PostgreSQL 15's server programs, if installed."""
    for candidate in (Path(f"/usr/lib/postgresql/{VERSION}/bin"),):
        if (candidate / "initdb").exists() and (candidate / "postgres").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def ensure_installed() -> Path:
    """PostgreSQL 15's bin directory, installing Debian's postgresql-15 when it is missing."""
    found = binaries()
    if found is not None:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise SystemExit("PostgreSQL 15 is missing: install postgresql-15 (Debian) and retry.")
    print("installing postgresql-15 (apt-get)…", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-q", "postgresql-15"], check=True, env=env)
    found = binaries()
    if found is None:
        raise SystemExit("postgresql-15 installed, but initdb was not found.")
    return found
