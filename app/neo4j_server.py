"""A real Neo4j 5.26 Community without Docker: build, start, stop and probe the launcher.

The launcher (`neo4j-launcher/`, a pom and one Java class) runs Neo4j embedded with Bolt
on a loopback address. `start` builds it with Maven when needed, starts it detached with
a bounded heap and page cache, and polls Bolt until it answers (never a fixed sleep).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

LAUNCHER_DIR = Path(__file__).resolve().parent.parent / "neo4j-launcher"
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:+ExitOnOutOfMemoryError",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Dio.netty.tryReflectionSetAccessible=true",
)


class Neo4jServerError(RuntimeError):
    """The launcher could not be built, started or stopped; the message says why."""


@dataclass(frozen=True)
class ServerConfig:
    home: Path
    host: str = "127.0.0.1"
    port: int = 7687
    heap: str = "1g"
    pagecache: str = "256m"
    launcher_dir: Path = field(default=LAUNCHER_DIR)

    @property
    def uri(self) -> str:
        return f"bolt://{self.host}:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.home / "neo4j.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "neo4j.log"


@dataclass(frozen=True)
class StartResult:
    already_running: bool
    pid: int
    seconds: float


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    bolt_ready: bool
    uri: str


def build_launcher(*, config: ServerConfig) -> None:
    """Compile the launcher and copy Neo4j's jars, unless they are up to date."""
    target = config.launcher_dir / "target"
    compiled = target / "classes" / "referral" / "Neo4jLauncher.class"
    sources = [config.launcher_dir / "pom.xml", *config.launcher_dir.rglob("*.java")]
    fresh = compiled.exists() and (target / "lib").is_dir()
    if fresh and max(s.stat().st_mtime for s in sources) <= compiled.stat().st_mtime:
        return
    for tool in ("mvn", "java"):
        if shutil.which(tool) is None:
            raise Neo4jServerError(f"`{tool}` is not on PATH; Java 17 and Maven are needed.")
    done = subprocess.run(
        ["mvn", "-q", "-B", "-f", str(config.launcher_dir / "pom.xml"), "package"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        raise Neo4jServerError(f"building the Neo4j launcher failed:\n{tail}")


def bolt_ready(*, config: ServerConfig, timeout_s: float = 2.0) -> bool:
    """True when Bolt at host:port accepts a connection and a handshake."""
    driver = GraphDatabase.driver(config.uri, auth=("neo4j", "neo4j"), connection_timeout=timeout_s)
    try:
        driver.verify_connectivity()
    except (ServiceUnavailable, AuthError, OSError):
        return False
    finally:
        driver.close()
    return True


def _pid(config: ServerConfig) -> int | None:
    try:
        pid = int(config.pid_file.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def start(*, config: ServerConfig, timeout_s: float = 180) -> StartResult:
    """Start Neo4j unless Bolt already answers at the configured address."""
    if bolt_ready(config=config):
        return StartResult(already_running=True, pid=_pid(config) or 0, seconds=0.0)
    build_launcher(config=config)
    config.home.mkdir(parents=True, exist_ok=True)
    target = config.launcher_dir / "target"
    command = [
        "java",
        f"-Xms{config.heap}",
        f"-Xmx{config.heap}",
        *JVM_FLAGS,
        "-cp",
        f"{target / 'classes'}:{target / 'lib'}/*",
        "referral.Neo4jLauncher",
        *("--home", str(config.home), "--host", config.host),
        *("--port", str(config.port), "--pagecache", config.pagecache),
    ]
    started = time.monotonic()
    with config.log_file.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    config.pid_file.write_text(str(process.pid))
    while time.monotonic() - started < timeout_s:
        if process.poll() is not None:
            raise Neo4jServerError(f"Neo4j exited during start-up:\n{_log_tail(config)}")
        if bolt_ready(config=config, timeout_s=1.0):
            return StartResult(
                already_running=False, pid=process.pid, seconds=time.monotonic() - started
            )
        time.sleep(0.25)
    _signal(process.pid, signal.SIGKILL)
    raise Neo4jServerError(f"Neo4j did not answer within {timeout_s:.0f} s:\n{_log_tail(config)}")


def stop(*, config: ServerConfig, timeout_s: float = 60) -> bool:
    """SIGTERM (clean shutdown), then SIGKILL after `timeout_s`; False if not running."""
    pid = _pid(config)
    if pid is None:
        return False
    _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.2)
    if _alive(pid):
        _signal(pid, signal.SIGKILL)
    config.pid_file.unlink(missing_ok=True)
    return True


def kill(*, config: ServerConfig) -> None:
    """SIGKILL, no clean shutdown: for failure tests that kill Neo4j mid-load."""
    pid = _pid(config)
    if pid is not None:
        _signal(pid, signal.SIGKILL)
        while _alive(pid):
            time.sleep(0.1)
        config.pid_file.unlink(missing_ok=True)


def status(*, config: ServerConfig) -> ServerStatus:
    pid = _pid(config)
    ready = bolt_ready(config=config)
    return ServerStatus(running=pid is not None or ready, pid=pid, bolt_ready=ready, uri=config.uri)


def _alive(pid: int) -> bool:
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        waited = 0
    if waited == pid:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _signal(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except OSError:
        with contextlib.suppress(OSError):
            os.kill(pid, sig)


def _log_tail(config: ServerConfig, lines: int = 30) -> str:
    try:
        return "\n".join(config.log_file.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
