"""Issue #10 item 6 / SPEC §11: no input yields a 500; every 4xx body is JSON with
`errors[].extensions.code`.

Over real HTTP through the ASGI app: bodies that are JSON but not an object, not UTF-8,
nested 1,000 levels, of another content type; batches, GETs, persisted-query hashes;
404 and 405 on the GraphQL path; DateTime values Python or Neo4j cannot hold; numbers
past 64 bits in a cursor.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tests.conftest import error_codes


def coded(response: httpx.Response) -> list[str]:
    """The codes of a JSON error body; fails on a 5xx or a body that is not JSON."""
    assert response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    body: dict[str, Any] = response.json()
    return error_codes(body)


NESTED = "[" * 1000 + "]" * 1000
BODIES = {
    "null": b"null",
    "a number": b"5",
    "a string": b'"x"',
    "true": b"true",
    "an empty array": b"[]",
    "a batch": b'[{"query": "{ __typename }"}, {"query": "{ __typename }"}]',
    "not UTF-8": b'{"query": "{ distributor(id: \xff\xfe) { id } }"}',
    "Latin-1 text": '{"query": "{ __typename }", "variables": {"n": "é"}}'.encode("latin-1"),
    "truncated JSON": b'{"query": ',
    "variables nested 1,000 levels": (
        '{"query": "query($v: String) { __typename }", "variables": {"v": ' + NESTED + "}}"
    ).encode(),
    "objects nested 1,000 levels": (
        '{"query": "{ __typename }", "extensions": ' + '{"a": ' * 1000 + "1" + "}" * 1001
    ).encode(),
    "a lone surrogate": (
        b'{"query": "mutation($n: String!) { registerDistributor(input: '
        b'{id: \\"lone-surrogate\\", name: $n}) { id } }", "variables": {"n": "\\ud800"}}'
    ),
    "no query": b"{}",
    "a query that is a number": b'{"query": 5}',
    "variables that are a list": b'{"query": "{ __typename }", "variables": [1]}',
    "a persisted-query hash": (
        b'{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "' + b"a" * 64 + b'"}}}'
    ),
}


@pytest.mark.parametrize("name", list(BODIES))
async def test_malformed_bodies_answer_a_coded_json_error(
    client: httpx.AsyncClient, name: str
) -> None:
    response = await client.post(
        "/graphql", content=BODIES[name], headers={"content-type": "application/json"}
    )
    expected = "PERSISTED_QUERY_NOT_FOUND" if "persisted" in name else "BAD_USER_INPUT"
    assert [expected] == coded(response)


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None]
)
async def test_other_content_types_answer_415_in_json(
    client: httpx.AsyncClient, content_type: str | None
) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    response = await client.post(
        "/graphql", content=b'{"query": "{ __typename }"}', headers=headers
    )
    assert 415 == response.status_code
    assert ["BAD_USER_INPUT"] == coded(response)


async def test_json_with_a_charset_is_still_json(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        content=b'{"query": "{ __typename }"}',
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert {"data": {"__typename": "Query"}} == response.json()


async def test_queries_by_get_and_other_methods_answer_coded_json(
    client: httpx.AsyncClient,
) -> None:
    # Queries may come by GET (Apollo sends persisted queries so); mutations may not.
    by_get = await client.get("/graphql", params={"query": "{ __typename }"})
    assert {"data": {"__typename": "Query"}} == by_get.json()
    mutation = 'mutation { rotateInviteCode(distributorId: "x") { id } }'
    refused_get = await client.get("/graphql", params={"query": mutation})
    assert 400 == refused_get.status_code and ["BAD_USER_INPUT"] == coded(refused_get)
    for method in ("PUT", "DELETE", "PATCH"):
        refused = await client.request(method, "/graphql", content=b"{}")
        assert 405 == refused.status_code and ["BAD_USER_INPUT"] == coded(refused)
    missing = await client.post("/graphql/nothing-here", json={"query": "{ __typename }"})
    assert 404 == missing.status_code and ["NOT_FOUND"] == coded(missing)
    assert ["NOT_FOUND"] == coded(await client.get("/no/such/page"))


async def test_graphiql_is_still_served_to_a_browser(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert 200 == page.status_code and "graphiql" in page.text.lower()


DATETIMES = [
    "2026-01-01T00:00:00+18:01",
    "2026-01-01T00:00:00+23:59",
    "2026-01-01T00:00:00-20:00",
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T08:00:00+08:01",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T20:00:00-05:00",
]


@pytest.mark.parametrize("value", DATETIMES)
async def test_datetimes_the_scalar_cannot_hold_are_bad_user_input(
    client: httpx.AsyncClient, value: str
) -> None:
    """As variables and as literals, on a query and on a mutation."""
    queries = [
        ("query($t: DateTime) { leaderboard(metric: SALES, since: $t) { rank } }", {"t": value}),
        (f'{{ leaderboard(metric: SALES, until: "{value}") {{ rank }} }}', None),
        ("mutation($t: DateTime!) { settleCommissions(asOf: $t) }", {"t": value}),
    ]
    for query, variables in queries:
        response = await client.post("/graphql", json={"query": query, "variables": variables})
        assert ["BAD_USER_INPUT"] == coded(response), (query, response.text)


@pytest.mark.parametrize("number", [2**63, 2**70, -(2**70), 10**30])
async def test_cursors_with_numbers_past_64_bits_are_bad_user_input(
    client: httpx.AsyncClient, number: int
) -> None:
    # A cursor-shaped text carrying the number: the server signs its cursors, so this one
    # is refused whatever it holds, before any number reaches Python's or Neo4j's ints.
    after = base64.urlsafe_b64encode(json.dumps([number, "x"]).encode()).decode().rstrip("=")
    for query in (
        f'{{ fraudRings(first: 1, after: "{after}") {{ __typename }} }}',
        f'{{ fraudAlerts(first: 1, after: "{after}") {{ __typename }} }}',
        f'{{ auditEvents(first: 1, after: "{after}") {{ __typename }} }}',
    ):
        response = await client.post("/graphql", json={"query": query})
        assert ["BAD_USER_INPUT"] == coded(response), response.text
        assert "INTERNAL_SERVER_ERROR" not in response.text and "{error" not in response.text


async def test_page_sizes_past_32_bits_are_bad_user_input(client: httpx.AsyncClient) -> None:
    query = "query($n: Int) { fraudRings(first: $n) { totalCount } }"
    for n in (2**31, 2**64, 10**30):
        response = await client.post("/graphql", json={"query": query, "variables": {"n": n}})
        assert ["BAD_USER_INPUT"] == coded(response)


async def test_a_well_formed_request_still_works(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        content=json.dumps({"query": "{ __typename }"}).encode(),
        headers={"content-type": "application/json"},
    )
    assert {"data": {"__typename": "Query"}} == response.json()
