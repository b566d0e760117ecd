"""Tokens over HTTP: tampered ones answer UNAUTHENTICATED saying why, on queries and
mutations alike, and change nothing; a genuine one gets through."""

from __future__ import annotations

import httpx
import pytest

from graph.db import Database
from tests.access.forged_tokens import FORGERIES, genuine
from tests.conftest import error_codes, gql
from tests.helpers import register

QUERY = "query($id: ID!) { distributor(id: $id) { id } }"
MUTATION = 'mutation($id: ID!) { freezeDistributor(id: $id, reason: "forged") { id status } }'


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
async def test_tampered_tokens_are_refused_over_http(
    client: httpx.AsyncClient, db: Database, uid: str, forgery: str
) -> None:
    make, reason = FORGERIES[forgery]
    await register(db, uid)
    headers = {"Authorization": f"Bearer {make()}"}
    for operation in (QUERY, MUTATION):
        body = await gql(client, operation, {"id": uid}, headers=headers)
        assert ["UNAUTHENTICATED"] == error_codes(body), body
        assert reason in body["errors"][0]["message"]
    status = await db.read("MATCH (d:Distributor {id: $id}) RETURN d.status AS s", id=uid)
    assert "ACTIVE" == status[0]["s"]


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Token abc"])
async def test_other_authorization_schemes_are_refused(
    client: httpx.AsyncClient, header: str
) -> None:
    body = await gql(client, QUERY, {"id": "x"}, headers={"Authorization": header})
    assert ["UNAUTHENTICATED"] == error_codes(body)
    assert "Bearer <token>" in body["errors"][0]["message"]


async def test_no_token_says_how_to_get_one(anonymous: httpx.AsyncClient) -> None:
    body = await gql(anonymous, QUERY, {"id": "x"})
    assert ["UNAUTHENTICATED"] == error_codes(body)
    assert "referral token" in body["errors"][0]["message"]


async def test_a_genuine_token_gets_through(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    await register(db, uid)
    headers = {"Authorization": f"Bearer {genuine(subject=uid)}"}
    body = await gql(client, QUERY, {"id": uid}, headers=headers)
    assert {"distributor": {"id": uid}} == body["data"]
