"""`distributor(id) { upline }` and `distributor(id) { downline }` in one Neo4j query
(issue 12): the root field looks ahead at its selection; answers and refusals are those
of the two-query path."""

from __future__ import annotations

import json
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


# `distributor(id) { downline }`: the distributor and its page's first read in one query.
DOWNLINE_FIELDS = """
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor level node { id name sponsor { id } } }
"""
DOWNLINE = (
    """
query($id: ID!, $depth: Int, $level: Int, $first: Int, $after: String, $last: Int,
      $before: String) {
  distributor(id: $id) {
    id name
    downline(depth: $depth, level: $level, first: $first, after: $after, last: $last,
             before: $before) {"""
    + DOWNLINE_FIELDS
    + "} } }"
)
DOWNLINE_BY_FRAGMENT = (
    """
query($id: ID!, $depth: Int, $level: Int, $first: Int, $after: String, $last: Int,
      $before: String) {
  distributor(id: $id) { ...down }
}
fragment down on Distributor {
  id name
  downline(depth: $depth, level: $level, first: $first, after: $after, last: $last,
           before: $before) {"""
    + DOWNLINE_FIELDS
    + "} }"
)


async def team(db: Database, uid: str) -> list[str]:
    """A root, three recruits, two recruits under each, one more level under the first:
    ids[0] is the root."""
    ids = [f"{uid}-r"]
    await register(db, ids[0])
    for a in range(3):
        ids.append(f"{uid}-{a}")
        await register(db, ids[-1], ids[0])
        for b in range(2):
            ids.append(f"{uid}-{a}{b}")
            await register(db, ids[-1], f"{uid}-{a}")
    ids.append(f"{uid}-000")
    await register(db, ids[-1], f"{uid}-00")
    return ids


async def test_distributor_with_its_downline_page_costs_one_query(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    """The first page: one query; a page from a cursor too (its other side is read in
    the same query); without the look-ahead, the root's load and the page."""
    ids = await team(db, uid)
    bare, by_fragment = (
        query.replace(" sponsor { id }", "") for query in (DOWNLINE, DOWNLINE_BY_FRAGMENT)
    )
    before = db.queries
    first = await gql(client, bare, {"id": ids[0], "first": 4})
    assert 1 == db.queries - before
    page = first["data"]["distributor"]["downline"]
    assert 10 == page["totalCount"]
    assert [1, 1, 1, 2] == [e["level"] for e in page["edges"]]
    assert {f"{uid}-0", f"{uid}-1", f"{uid}-2"} == {e["node"]["id"] for e in page["edges"][:3]}
    before = db.queries
    after = page["pageInfo"]["endCursor"]
    second = await gql(client, bare, {"id": ids[0], "first": 4, "after": after})
    assert 1 == db.queries - before
    assert second["data"]["distributor"]["downline"]["pageInfo"]["hasPreviousPage"]
    before = db.queries
    await gql(client, by_fragment, {"id": ids[0], "first": 4, "after": after})
    assert 2 == db.queries - before


async def test_downline_look_ahead_answers_as_the_two_query_path(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    """Every way through the list (both directions, every cursor, a level, a depth), and
    every refusal (a bad size, mixed arguments, a foreign or forged cursor, a bad depth
    or level, an unknown or unbound root), with variables and with literals."""
    ids = await team(db, uid)
    await register(db, f"{uid}-alone")
    other = await gql(client, DOWNLINE, {"id": ids[1], "first": 1})
    foreign = other["data"]["distributor"]["downline"]["pageInfo"]["endCursor"]
    everything = await gql(client, DOWNLINE, {"id": ids[0], "first": 100})
    cursors = [e["cursor"] for e in everything["data"]["distributor"]["downline"]["edges"]]
    cases: list[dict[str, Any]] = [{"id": ids[0]}]
    for cursor in cursors:
        cases += [
            {"id": ids[0], "first": 3, "after": cursor},
            {"id": ids[0], "last": 3, "before": cursor},
            {"id": ids[0], "after": cursor, "level": 2},
        ]
    cases += [
        {"id": ids[0], "last": 2},
        {"id": ids[0], "first": 0},
        {"id": ids[0], "depth": 1},
        {"id": ids[0], "depth": 2, "level": 2, "first": 2},
        {"id": ids[0], "level": 3},
        {"id": ids[0], "first": 101},
        {"id": ids[0], "first": -1},
        {"id": ids[0], "first": 2, "last": 2},
        {"id": ids[0], "after": cursors[0], "before": cursors[1]},
        {"id": ids[0], "after": foreign},
        {"id": ids[0], "after": cursors[0][:-2] + "xx"},
        {"id": ids[0], "after": "not a cursor"},
        {"id": ids[0], "depth": 4},
        {"id": ids[0], "depth": 0},
        {"id": ids[0], "depth": 2, "level": 3},
        {"id": ids[1]},
        {"id": ids[-1]},
        {"id": f"{uid}-alone"},
        {"id": f"{uid}-nobody"},
    ]
    for variables in cases:
        one = await gql(client, DOWNLINE, variables)
        two = await gql(client, DOWNLINE_BY_FRAGMENT, variables)
        assert without_locations(two) == without_locations(one), variables
        literal = literal_arguments(DOWNLINE, variables)
        assert without_locations(await gql(client, literal, {"id": variables["id"]})) == (
            without_locations(one)
        ), variables


def literal_arguments(query: str, variables: dict[str, Any]) -> str:
    """`query` with every variable but `id` written in the text (absent ones as null)."""
    for name in ("depth", "level", "first", "after", "last", "before"):
        kind = "Int" if name in ("depth", "level", "first", "last") else "String"
        value = variables.get(name)
        text = "null" if value is None else json.dumps(value)
        query = query.replace(f", ${name}: {kind}", "").replace(f"${name}: {kind}", "")
        query = query.replace(f"${name}", text)
    return query


async def test_downline_look_ahead_keeps_a_distributors_scope(
    db: Database, uid: str, client: httpx.AsyncClient
) -> None:
    """A DISTRIBUTOR reads its own downline as before, and a stranger's is FORBIDDEN,
    naming no one and showing none of its members, with or without the look-ahead."""
    ids = await team(db, uid)
    stranger = await team(db, uid + "x")
    person = bearer(ids[1], "DISTRIBUTOR")
    for variables in ({"id": ids[1]}, {"id": ids[1], "first": 1}, {"id": stranger[0]}):
        one = await gql(client, DOWNLINE, variables, headers=person)
        two = await gql(client, DOWNLINE_BY_FRAGMENT, variables, headers=person)
        assert without_locations(two) == without_locations(one), variables
    refused = await gql(client, DOWNLINE, {"id": stranger[0]}, headers=person)
    assert ["FORBIDDEN"] == error_codes(refused)
    assert not any(member in str(refused) for member in stranger)
