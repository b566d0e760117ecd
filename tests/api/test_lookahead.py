"""`distributor(id) { upline }` in one Neo4j query (issue 12): the root field looks
ahead at its selection; answers and refusals are those of the two-query path."""

from __future__ import annotations

from typing import Any

import httpx

from graph.db import Database
from tests.conftest import bearer, error_codes, gql
from tests.helpers import register

UPLINE = """
query($id: ID!, $depth: Int) {
  distributor(id: $id) { id name upline(depth: $depth) { level distributor { id name } } }
}
"""
# The same through a fragment: no look-ahead, the distributor and its upline in two reads.
UPLINE_BY_FRAGMENT = """
query($id: ID!, $depth: Int) {
  distributor(id: $id) { ...up }
}
fragment up on Distributor { id name upline(depth: $depth) { level distributor { id name } } }
"""


def literal_depth(depth: int) -> str:
    """UPLINE with the depth written in the text instead of passed as a variable."""
    return UPLINE.replace(", $depth: Int", "").replace("$depth", str(depth))


def without_locations(body: dict[str, Any]) -> dict[str, Any]:
    """The answer without its errors' locations (the two query texts differ)."""
    errors = [{k: v for k, v in e.items() if k != "locations"} for e in body.get("errors", [])]
    return {**body, "errors": errors}


async def chain(db: Database, uid: str, length: int) -> list[str]:
    ids = [f"{uid}-{n}" for n in range(length)]
    for n, distributor_id in enumerate(ids):
        await register(db, distributor_id, ids[n - 1] if n else None)
    return ids


async def test_distributor_with_its_upline_costs_one_query(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    ids = await chain(db, uid, 5)
    before = db.queries
    body = await gql(client, UPLINE, {"id": ids[4], "depth": 3})
    assert 1 == db.queries - before
    upline = body["data"]["distributor"]["upline"]
    assert [(1, ids[3]), (2, ids[2]), (3, ids[1])] == [
        (e["level"], e["distributor"]["id"]) for e in upline
    ]
    before = db.queries
    await gql(client, UPLINE_BY_FRAGMENT, {"id": ids[4], "depth": 3})
    assert 2 == db.queries - before


async def test_a_literal_depth_looks_ahead_too(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    """`upline(depth: 3)` written in the query text: one query, the same answer as the
    variable's; a literal the field refuses is refused as before."""
    ids = await chain(db, uid, 5)
    for depth in (1, 2, 3):
        literal = literal_depth(depth)
        before = db.queries
        body = await gql(client, literal, {"id": ids[4]})
        assert 1 == db.queries - before
        assert await gql(client, UPLINE, {"id": ids[4], "depth": depth}) == body
    for depth in (0, 4, -1):
        refused = await gql(client, literal_depth(depth), {"id": ids[4]})
        assert ["DEPTH_LIMIT_EXCEEDED"] == error_codes(refused), depth


async def test_look_ahead_answers_as_the_two_query_path(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    """Every depth (and none), the root, an unbound one, an unknown id, a bad depth."""
    ids = await chain(db, uid, 5)
    await register(db, f"{uid}-alone")
    cases = [
        {"id": i, "depth": d}
        for i in (ids[0], ids[2], ids[4], f"{uid}-alone", f"{uid}-nobody")
        for d in (None, 1, 2, 3, 0, 4)
    ]
    for variables in cases:
        one = await gql(client, UPLINE, variables)
        two = await gql(client, UPLINE_BY_FRAGMENT, variables)
        assert without_locations(two) == without_locations(one), variables


async def test_look_ahead_keeps_a_distributors_scope(
    db: Database, uid: str, client: httpx.AsyncClient
) -> None:
    """A DISTRIBUTOR reads its own upline masked as before, and a stranger's upline is
    FORBIDDEN, naming no one, with or without the look-ahead."""
    ids = await chain(db, uid, 5)
    stranger = (await chain(db, uid + "x", 2))[1]
    person = bearer(ids[3], "DISTRIBUTOR")
    for variables in ({"id": ids[3], "depth": 1}, {"id": ids[3], "depth": 3}, {"id": stranger}):
        one = await gql(client, UPLINE, variables, headers=person)
        two = await gql(client, UPLINE_BY_FRAGMENT, variables, headers=person)
        assert without_locations(two) == without_locations(one), variables
    refused = await gql(client, UPLINE, {"id": stranger}, headers=person)
    assert ["FORBIDDEN"] == error_codes(refused)
    assert stranger not in str(refused)
