"""Browser tests: the app served by uvicorn on 127.0.0.1 (a free port) against the real
test Neo4j, driven in Debian's headless Chromium by Playwright for Python.

They skip only where Chromium is missing outside CI; in CI (`CI=true`) a missing browser
fails them (`.ci/install-browser` installs it). Every request the page makes to another
origin is refused and recorded, so a page that reached for a CDN would fail its test.
Screenshots go to `docs/explorer/` when `REFERRAL_EXPLORER_SCREENSHOTS=1`, else to the
test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.settings import ROOT
from tests.conftest import token_for

CHROMIUM = os.environ.get("REFERRAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "docs" / "explorer"
TIME_ZONE = "Asia/Shanghai"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if Path(CHROMIUM).is_file() or shutil.which(CHROMIUM):
        return CHROMIUM
    if _in_ci():
        pytest.fail(f"{CHROMIUM} is missing in CI: .ci/install-browser should have installed it")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium); browser tests skipped")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    log: Path

    def token(self, subject: str, role: str) -> str:
        return token_for(subject, role)

    def gql(self, query: str, variables: dict[str, Any] | None = None, *, token: str) -> Any:
        """One GraphQL operation over real HTTP; the data, or the test fails with the errors."""
        response = httpx.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        body = response.json()
        assert "errors" not in body, body
        return body["data"]


@pytest.fixture(scope="session")
def server(neo4j_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`referral serve` in its own process, on a free port of 127.0.0.1."""
    if not (ROOT / "web" / "dist" / "index.html").is_file():
        pytest.fail("web/dist is not built: run make install (npm ci and npm run build in web/)")
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "uvicorn.log"
    env = {
        **os.environ,
        "NEO4J_URI": neo4j_uri,
        "REFERRAL_ENV": "test",
        "REFERRAL_SETTLE_INTERVAL_SECONDS": "0",
        "REFERRAL_FRAUD_SCAN_INTERVAL_SECONDS": "0",
        "REFERRAL_MUTATION_RATE_LIMIT": "1000000",
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the app did not start: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield Server(url=url, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Offline:
    """Requests the page tried to send anywhere but the app; all were refused."""

    refused: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright starts Chromium with a new, empty profile of its own (a temporary
    # --user-data-dir) and gives every test a fresh context on top of it.
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def offline() -> Offline:
    return Offline()


@pytest.fixture
def open_page(browser: Any, server: Server, offline: Offline) -> Iterator[Callable[..., Any]]:
    """Opens fresh pages (each with its own storage, in China's time zone) that can reach
    only the app: every other request is aborted and recorded in `offline.refused`."""
    contexts: list[Any] = []

    def only_the_app(route: Any) -> None:
        url = route.request.url
        if url.startswith((server.url + "/", "data:", "blob:")):
            route.continue_()
        else:
            offline.refused.append(url)
            route.abort()

    def open_one(locale: str = "en-US") -> Any:
        context = browser.new_context(
            locale=locale, timezone_id=TIME_ZONE, viewport={"width": 1280, "height": 900}
        )
        contexts.append(context)
        context.route("**/*", only_the_app)
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda exc: errors.append(str(exc)))
        tab.page_errors = errors
        return tab

    yield open_one
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page: Callable[..., Any]) -> Any:
    """One fresh page in English."""
    return open_page()


def screenshot(page: Any, name: str, tmp_path: Path) -> Path:
    """Save a PNG of the page: docs/explorer/NAME.png when asked for, else in tmp_path."""
    folder = SCREENSHOTS if os.environ.get("REFERRAL_EXPLORER_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
