"""A real Neo4j 5.26 Community without Docker: build, start, stop and probe the launcher.

The launcher (`neo4j-launcher/`, a pom and one Java class) runs Neo4j embedded with Bolt
on a loopback address. `start` builds it with Maven when needed, starts it detached with
a bounded heap and page cache, and polls until it is ready (never a fixed sleep).
The process outlives the caller (its own session); `{home}/neo4j.pid` and `{home}/neo4j.log`
let a later `stop`, `status` or `kill` find it. POSIX only (signals, process groups, flock).

Authentication is on: the launcher gives `user` exactly `password` (passed in its
environment, never on the command line) before it reports ready, on a new store and on one
created while auth was off. Waiting for it never tries a password: Neo4j locks a user for
a few seconds after three failed attempts, so probes use a bare Bolt handshake, and the
credentials are tried once, after the launcher has said it is ready.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, DriverError, Neo4jError

LAUNCHER_DIR = Path(__file__).resolve().parent.parent / "neo4j-launcher"
MAIN_CLASS = "referral.Neo4jLauncher"
ADMIN_TOOL = "org.neo4j.cli.AdminTool"  # `neo4j-admin`, from the same jars
READY_LINE = b"neo4j-launcher: bolt listening"
START_MARKER = b"--- neo4j_server.start"
# Bolt's magic preamble and four version proposals (5.0-5.8, 4.4, none, none).
BOLT_HANDSHAKE = bytes.fromhex("6060b017 00080805 00000404 00000000 00000000")
# Neo4j 5.26's server JVM defaults (conf/neo4j.conf) less the profiling, pre-touch and TLS
# ones, plus exit-on-OOM, a few more module opens, and G1 aiming at young collections of
# 10 ms, not its default 200 (docs/decisions.md, "Shorter garbage-collection pauses").
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=10",
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dlog4j2.disable.jmx=true",
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


@dataclass(frozen=True, kw_only=True)
class ServerConfig:
    """Where and how to run the launcher; `user`/`password` are the Bolt credentials it
    enforces (at least 8 characters, Neo4j's minimum)."""

    home: Path
    password: str = field(repr=False)
    user: str = "neo4j"
    host: str = "127.0.0.1"
    port: int = 7687
    heap: str = "1g"
    pagecache: str = "256m"
    launcher_dir: Path = field(default=LAUNCHER_DIR)

    @property
    def uri(self) -> str:
        """The Bolt address, `bolt://host:port`."""
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


def java_command(config: ServerConfig, main_class: str, *args: str) -> list[str]:
    """A JVM command line for one of Neo4j's (or the launcher's) main classes, built first."""
    build_launcher(config=config)
    target = config.launcher_dir / "target"
    return [
        "java",
        f"-Xms{config.heap}",
        f"-Xmx{config.heap}",
        *JVM_FLAGS,
        "-cp",
        f"{target / 'classes'}:{target / 'lib'}/*",
        main_class,
        *args,
    ]


def run_admin_tool(config: ServerConfig, *args: str) -> str:
    """Run `neo4j-admin ARGS` on the store under `config.home` (the server must be stopped:
    the tool refuses a store in use). Its working directory is the home, so nothing it
    writes lands elsewhere. Returns its output; raises with the output's tail on failure."""
    if status(config=config).running:
        raise Neo4jServerError("stop Neo4j first (`referral neo4j stop`): the store is in use.")
    command = java_command(config, ADMIN_TOOL, *args)
    home = config.home.resolve()  # paths in `args` must be absolute too
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as conf:  # no neo4j.conf: the tool's defaults
        env = {**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": conf}
        done = subprocess.run(
            command, env=env, cwd=home, capture_output=True, text=True, check=False
        )
    output = "\n".join(
        line for line in (done.stdout + done.stderr).splitlines() if not line.startswith("Files:")
    )
    if done.returncode != 0:
        tail = "\n".join(output.splitlines()[-30:])
        raise Neo4jServerError(
            f"neo4j-admin {' '.join(args[:2])} failed (status {done.returncode}):\n{tail}"
        )
    return output


def bolt_listening(*, config: ServerConfig, timeout_s: float = 2.0) -> bool:
    """True when a Bolt server answers the handshake at host:port. No credentials are sent,
    so nothing counts against Neo4j's limit on failed logins (any server, ours or not)."""
    try:
        with socket.create_connection((config.host, config.port), timeout=timeout_s) as sock:
            sock.settimeout(timeout_s)
            sock.sendall(BOLT_HANDSHAKE)
            answer = b""
            while len(answer) < 4:
                chunk = sock.recv(4 - len(answer))
                if not chunk:
                    return False
                answer += chunk
    except OSError:
        return False
    return True


def bolt_ready(*, config: ServerConfig, timeout_s: float = 2.0) -> bool:
    """True when Bolt accepts the configured credentials; raises `Neo4jServerError` when it
    refuses them (one failed login: call it only once the launcher is ready)."""
    driver = GraphDatabase.driver(
        config.uri,
        auth=(config.user, config.password),
        connection_timeout=timeout_s,
        connection_acquisition_timeout=timeout_s,
    )
    try:
        driver.verify_connectivity()
    except AuthError as exc:
        raise Neo4jServerError(
            f"Neo4j at {config.uri} refuses the configured user {config.user!r} and its "
            f"password (NEO4J_USER / NEO4J_PASSWORD): {exc.message}"
        ) from None
    except (DriverError, Neo4jError, OSError):
        return False
    finally:
        driver.close()
    return True


def launcher_ready(*, config: ServerConfig) -> bool:
    """True when the log shows the launcher's ready line after its latest start marker:
    the default database is online and the password is set."""
    try:
        log = config.log_file.read_bytes()
    except OSError:
        return False
    return READY_LINE in log[log.rfind(START_MARKER) :]


def _pid(config: ServerConfig) -> int | None:
    """The launcher's pid from the pid file, if that process lives and is the launcher."""
    try:
        pid = int(config.pid_file.read_text().strip())
        os.kill(pid, 0)
        cmdline = Path(f"/proc/{pid}/cmdline")
        if Path("/proc/self").exists() and MAIN_CLASS.encode() not in cmdline.read_bytes():
            return None  # a reused pid, or our own exited child not yet reaped
    except (OSError, ValueError):
        return None
    return pid


def start(*, config: ServerConfig, timeout_s: float = 180) -> StartResult:
    """Start Neo4j unless it already runs here; return once Bolt answers."""
    began = time.monotonic()
    config.home.mkdir(parents=True, exist_ok=True)
    with _start_lock(config):
        pid = _pid(config)
        if pid is not None or bolt_listening(config=config):
            if pid is not None:  # another caller's start may still be under way
                _wait_ready(config, pid, deadline=began + timeout_s)
            return StartResult(already_running=True, pid=pid or 0, seconds=0.0)
        command = java_command(
            config,
            MAIN_CLASS,
            *("--home", str(config.home), "--host", config.host),
            *("--port", str(config.port), "--pagecache", config.pagecache),
            *("--user", config.user),
        )
        with config.log_file.open("ab") as log:
            log.write(START_MARKER + f" {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
            log.flush()
            started = time.monotonic()
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "NEO4J_PASSWORD": config.password},
                start_new_session=True,
            )
        config.pid_file.write_text(str(process.pid))
        _wait_ready(config, process.pid, deadline=started + timeout_s)
        return StartResult(
            already_running=False, pid=process.pid, seconds=time.monotonic() - started
        )


def _wait_ready(config: ServerConfig, pid: int, *, deadline: float) -> None:
    """Poll the launcher's log every 0.25 s until it says ready, then log in once with the
    credentials; raise if `pid` dies, the login is refused or the deadline passes."""
    while time.monotonic() < deadline:
        if not _alive(pid):
            config.pid_file.unlink(missing_ok=True)
            raise Neo4jServerError(f"Neo4j exited during start-up:\n{_log_tail(config)}")
        if launcher_ready(config=config) and bolt_ready(config=config, timeout_s=5.0):
            return
        time.sleep(0.25)
    _signal(pid, signal.SIGKILL)
    _wait_gone(pid, timeout_s=30)
    config.pid_file.unlink(missing_ok=True)
    raise Neo4jServerError(f"Neo4j did not answer on {config.uri} in time:\n{_log_tail(config)}")


@contextlib.contextmanager
def exclusive(config: ServerConfig) -> Iterator[None]:
    """Hold the home's start lock: no `start` on it begins until this ends (a dump or a
    load runs under it). Not re-entrant: do not call `start` inside."""
    with _start_lock(config):
        yield


@contextlib.contextmanager
def _start_lock(config: ServerConfig) -> Iterator[None]:
    """Serialise concurrent `start` calls on one home (CLI and test sessions)."""
    with (config.home / "neo4j.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        yield


def stop(*, config: ServerConfig, timeout_s: float = 60) -> bool:
    """SIGTERM (clean shutdown), then SIGKILL after `timeout_s`; False if not running."""
    pid = _pid(config)
    if pid is None:
        config.pid_file.unlink(missing_ok=True)
        return False
    _signal(pid, signal.SIGTERM)
    if not _wait_gone(pid, timeout_s=timeout_s):
        _signal(pid, signal.SIGKILL)
        _wait_gone(pid, timeout_s=30)
    config.pid_file.unlink(missing_ok=True)
    return True


def kill(*, config: ServerConfig) -> None:
    """SIGKILL, no clean shutdown: for failure tests that kill Neo4j mid-load."""
    pid = _pid(config)
    if pid is not None:
        _signal(pid, signal.SIGKILL)
        _wait_gone(pid, timeout_s=30)
    config.pid_file.unlink(missing_ok=True)


def status(*, config: ServerConfig) -> ServerStatus:
    """Whether the launcher process lives (by pid file) and whether Bolt answers."""
    pid = _pid(config)
    ready = bolt_listening(config=config) and (pid is None or launcher_ready(config=config))
    return ServerStatus(running=pid is not None or ready, pid=pid, bolt_ready=ready, uri=config.uri)


def _alive(pid: int) -> bool:
    """True while `pid` runs; reaps it when it is our own exited child; zombies are dead."""
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # no procfs (macOS): kill(0) succeeded
    except OSError:
        return False


def _wait_gone(pid: int, *, timeout_s: float) -> bool:
    """Poll until `pid` has exited; False if it still runs after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while _alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
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
