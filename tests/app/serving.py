"""`referral serve` as a real process on a free loopback port, for tests of several
worker processes; always stopped (its whole process group) at the end."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.settings import ROOT

SERVE = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1"]
START_SECONDS = 120.0  # workers import the app and check the migrations on a busy machine


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@asynccontextmanager
async def serve(*, neo4j_uri: str, workers: int, env: dict[str, str]) -> AsyncIterator[Served]:
    """`referral serve --workers N` on 127.0.0.1, ready when every worker has started."""
    port = free_port()
    environment = {
        **os.environ,
        "REFERRAL_ENV": "test",
        "NEO4J_URI": neo4j_uri,
        "REFERRAL_SETTLE_INTERVAL_SECONDS": "0",
        "REFERRAL_FRAUD_SCAN_INTERVAL_SECONDS": "0",
        **env,
    }
    with tempfile.NamedTemporaryFile(prefix="serve-", suffix=".log", delete=False) as f:
        log = Path(f.name)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*SERVE, "--port", str(port), "--workers", str(workers)],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the workers stop with it
        )
    served = Served(f"http://127.0.0.1:{port}", process, log)
    try:
        await _until_ready(served, workers)
        yield served
    finally:
        _stop(process)
        log.unlink(missing_ok=True)


async def _until_ready(served: Served, workers: int) -> None:
    deadline = time.monotonic() + START_SECONDS
    async with httpx.AsyncClient(base_url=served.url, timeout=2) as client:
        while time.monotonic() < deadline:
            if served.process.poll() is not None:
                raise AssertionError(f"serve exited early:\n{served.output()}")
            started = served.output().count("Application startup complete")
            if started >= workers:
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            await asyncio.sleep(0.25)
    raise AssertionError(f"serve not ready in {START_SECONDS} s:\n{served.output()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT (uvicorn's supervisor stops its workers), then SIGKILL to the group."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
