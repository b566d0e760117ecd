"""The web front ends built from `web/` (`make install` runs the build): the Explorer at
`/explorer/` and the GraphiQL page that `GET /graphql` serves. Both come from the app's
own built assets, so they work with no internet; nothing is loaded from a CDN.

Hashed files under `/explorer/assets/` are cached for good; every other path under
`/explorer/` answers the Explorer's `index.html` (the page routes by the URL's hash).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from app.settings import ROOT

DIST = ROOT / "web" / "dist"
NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>{title} not built</title>
<p>The {title} assets are not built: run <code>make install</code> (it runs
<code>npm ci</code> and <code>npm run build</code> in <code>web/</code>), then reload.</p>
"""


def graphiql_html(dist: Path = DIST) -> str:
    """The GraphiQL page from the built assets, or a note saying how to build them."""
    page = dist / "graphiql.html"
    return page.read_text() if page.is_file() else NOT_BUILT.format(title="GraphiQL")


def mount_explorer(app: FastAPI, dist: Path = DIST) -> None:
    """`/explorer/` and its assets, with the SPA fallback to index.html."""
    assets = dist / "assets"
    app.mount(
        "/explorer/assets",
        StaticFiles(directory=assets, check_dir=False),
        name="explorer-assets",
    )

    @app.get("/explorer", include_in_schema=False)
    async def explorer_root() -> RedirectResponse:
        return RedirectResponse("/explorer/")

    @app.get("/explorer/{path:path}", include_in_schema=False, response_model=None)
    async def explorer(path: str) -> FileResponse | HTMLResponse:
        index = dist / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT.format(title="Explorer"), status_code=503)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
