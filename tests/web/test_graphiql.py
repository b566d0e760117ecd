"""GraphiQL at GET /graphql comes from the app's own assets and works with no network
(issue 13, item 1; SPEC §11): the editor loads, a query with a bearer token in the
Headers tab runs, and its result shows."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.web.conftest import Offline, Server, screenshot

EDITOR = ".graphiql-query-editor .monaco-editor"


def _replace_editor_text(page: Any, editor: Any, text: str) -> None:
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def test_graphiql_page_uses_no_cdn(server: Server) -> None:
    """The HTML names only the app's own /explorer/assets/ files."""
    html = httpx.get(f"{server.url}/graphql", headers={"Accept": "text/html"}).text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert all(s.startswith("/explorer/assets/") for s in sources), sources


def test_graphiql_runs_a_query_with_a_token_offline(
    page: Any, server: Server, offline: Offline, tmp_path: Path
) -> None:
    admin = server.token("graphiql-admin", "ADMIN")
    someone = "gq" + uuid.uuid4().hex[:10]
    server.gql(
        "mutation($id: ID!) {"
        ' registerDistributor(input: {id: $id, name: "GraphiQL 测试"}) { id } }',
        {"id": someone},
        token=admin,
    )
    page.goto(f"{server.url}/graphql")
    editor = page.locator(EDITOR)
    editor.wait_for(timeout=60_000)
    _replace_editor_text(page, editor, f'query {{ distributor(id: "{someone}") {{ id name }} }}')
    page.get_by_role("button", name=re.compile("^Headers$")).click()
    headers = page.locator(".graphiql-editor-tool .monaco-editor").last
    headers.wait_for()
    _replace_editor_text(page, headers, json.dumps({"Authorization": f"Bearer {admin}"}))
    page.locator(".graphiql-execute-button").click()
    response = page.locator(".result-window")
    response.get_by_text("GraphiQL 测试").wait_for(timeout=30_000)
    text = response.inner_text()
    assert someone in text
    assert "UNAUTHENTICATED" not in text
    screenshot(page, "graphiql", tmp_path)
    assert [] == offline.refused
    assert [] == page.page_errors
