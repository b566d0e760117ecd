"""The app serves the built web assets: the Explorer with its SPA fallback, GraphiQL,
and a page saying how to build them when they are missing."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from app.web import graphiql_html, mount_explorer


def _dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir(parents=True)
    (tmp_path / "index.html").write_text("<div id=app></div>")
    (tmp_path / "graphiql.html").write_text("<div id=graphiql></div>")
    (tmp_path / "assets" / "main-abc.js").write_text("console.log(1)")
    return tmp_path


async def test_explorer_paths_answer_the_index_and_assets_are_files(tmp_path: Path) -> None:
    app = FastAPI()
    mount_explorer(app, dist=_dist(tmp_path))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        assert "/explorer/" == (await c.get("/explorer")).headers["location"]
        for path in ("/explorer/", "/explorer/rings/ring-1", "/explorer/team"):
            response = await c.get(path)
            assert 200 == response.status_code, path
            assert "<div id=app></div>" == response.text
        asset = await c.get("/explorer/assets/main-abc.js")
        assert "console.log(1)" == asset.text
        assert 404 == (await c.get("/explorer/assets/missing.js")).status_code


async def test_unbuilt_assets_say_how_to_build_them(tmp_path: Path) -> None:
    app = FastAPI()
    mount_explorer(app, dist=tmp_path)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        response = await c.get("/explorer/")
    assert 503 == response.status_code
    assert "make install" in response.text
    assert "make install" in graphiql_html(tmp_path)
    assert "<div id=graphiql></div>" == graphiql_html(_dist(tmp_path / "built"))


def test_graphiql_html_never_names_a_cdn() -> None:
    html = graphiql_html()
    for host in ("unpkg", "jsdelivr", "esm.sh", "cdnjs"):
        assert host not in html
