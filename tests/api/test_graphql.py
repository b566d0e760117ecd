"""The GraphQL API over HTTP: SPEC §4 names, §5 codes, loaders, probes."""

from __future__ import annotations

import httpx
import pytest

from domain.models import Distributor
from graph.db import Database
from graph.tree import distributors
from schema.schema import SDL_PATH, export_sdl
from tests.conftest import error_codes, gql
from tests.helpers import register

REGISTER = """
mutation($input: RegisterDistributorInput!) {
  registerDistributor(input: $input) { id name rank status joinedAt sponsor { id } }
}
"""
TEAM = """
query($id: ID!, $depth: Int, $level: Int, $first: Int, $after: String) {
  distributor(id: $id) {
    id
    upline(depth: $depth) { level distributor { id } }
    downline(depth: $depth, level: $level, first: $first, after: $after) {
      totalCount
      edges { cursor level node { id sponsor { id } } }
      pageInfo { hasNextPage endCursor }
    }
    teamMetrics(depth: $depth) {
      levelCounts { level count } teamSize newMembers activeMembers teamSales ownSales
    }
    balance { pending available withdrawn }
  }
}
"""


async def test_register_and_read_a_team_over_http(client: httpx.AsyncClient, uid: str) -> None:
    body = await gql(client, REGISTER, {"input": {"id": f"{uid}-s", "name": "张三"}})
    assert body["data"]["registerDistributor"]["rank"] == "DISTRIBUTOR"
    for i in range(3):
        body = await gql(
            client,
            REGISTER,
            {"input": {"id": f"{uid}-r{i}", "name": "李四", "sponsorId": f"{uid}-s"}},
        )
        assert {"id": f"{uid}-s"} == body["data"]["registerDistributor"]["sponsor"]
    body = await gql(client, TEAM, {"id": f"{uid}-s", "first": 2})
    team = body["data"]["distributor"]
    assert team["downline"]["totalCount"] == 3
    assert len(team["downline"]["edges"]) == 2 and team["downline"]["pageInfo"]["hasNextPage"]
    levels = [(c["level"], c["count"]) for c in team["teamMetrics"]["levelCounts"]]
    assert [(1, 3), (2, 0), (3, 0)] == levels
    assert (team["teamMetrics"]["teamSales"], team["balance"]["available"]) == ("0.00", "0.00")
    more = await gql(
        client, TEAM, {"id": f"{uid}-s", "after": team["downline"]["pageInfo"]["endCursor"]}
    )
    assert len(more["data"]["distributor"]["downline"]["edges"]) == 1
    up = await gql(client, TEAM, {"id": f"{uid}-r0"})
    assert [{"level": 1, "distributor": {"id": f"{uid}-s"}}] == up["data"]["distributor"]["upline"]


async def test_unknown_distributor_is_null(client: httpx.AsyncClient, uid: str) -> None:
    body = await gql(client, "query($id: ID!) { distributor(id: $id) { id } }", {"id": f"{uid}-x"})
    assert body["data"] == {"distributor": None}


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"depth": 0}, "DEPTH_LIMIT_EXCEEDED"),
        ({"depth": 4}, "DEPTH_LIMIT_EXCEEDED"),
        ({"depth": -3}, "DEPTH_LIMIT_EXCEEDED"),
        ({"level": 4}, "DEPTH_LIMIT_EXCEEDED"),
        ({"depth": 1, "level": 2}, "DEPTH_LIMIT_EXCEEDED"),
        ({"first": -1}, "BAD_USER_INPUT"),
        ({"first": 101}, "BAD_USER_INPUT"),
        ({"after": "garbage"}, "BAD_USER_INPUT"),
        ({"depth": "three"}, "BAD_USER_INPUT"),
        ({"first": 2**40}, "BAD_USER_INPUT"),
    ],
)
async def test_bad_team_arguments_get_coded_errors(
    client: httpx.AsyncClient, uid: str, variables: dict[str, object], code: str
) -> None:
    await gql(client, REGISTER, {"input": {"id": f"{uid}-s", "name": "n"}})
    body = await gql(client, TEAM, {"id": f"{uid}-s", **variables})
    assert code in error_codes(body)
    assert all(c is not None for c in error_codes(body))


@pytest.mark.parametrize(
    ("input_", "code"),
    [
        ({"id": "bad id", "name": "n"}, "BAD_USER_INPUT"),
        ({"id": "x" * 65, "name": "n"}, "BAD_USER_INPUT"),
        ({"id": "ok", "name": "   "}, "BAD_USER_INPUT"),
        ({"id": "ok", "name": "n", "sponsorId": "no such!"}, "BAD_USER_INPUT"),
        ({"id": "ok", "name": "n", "phone": "call me"}, "BAD_USER_INPUT"),
        ({"id": "ok", "name": 5}, "BAD_USER_INPUT"),
        ({"name": "n"}, "BAD_USER_INPUT"),
    ],
)
async def test_bad_registration_input_gets_bad_user_input(
    client: httpx.AsyncClient, input_: dict[str, object], code: str
) -> None:
    body = await gql(client, REGISTER, {"input": input_})
    assert [code] == error_codes(body)


async def test_registration_rules_carry_their_codes(client: httpx.AsyncClient, uid: str) -> None:
    s, r = f"{uid}-s", f"{uid}-r"
    assert error_codes(
        await gql(client, REGISTER, {"input": {"id": s, "name": "n", "sponsorId": s}})
    ) == ["SELF_REFERRAL"]
    assert error_codes(
        await gql(client, REGISTER, {"input": {"id": r, "name": "n", "sponsorId": s}})
    ) == ["NOT_FOUND"]
    await gql(client, REGISTER, {"input": {"id": s, "name": "n"}})
    await gql(client, REGISTER, {"input": {"id": f"{uid}-o", "name": "n"}})
    await gql(client, REGISTER, {"input": {"id": r, "name": "n", "sponsorId": s}})
    assert error_codes(
        await gql(client, REGISTER, {"input": {"id": r, "name": "n", "sponsorId": f"{uid}-o"}})
    ) == ["ALREADY_BOUND"]
    bind = "mutation($d: ID!, $s: ID!) { bindSponsor(distributorId: $d, sponsorId: $s) { id } }"
    assert error_codes(await gql(client, bind, {"d": s, "s": r})) == ["REFERRAL_CYCLE"]
    freeze = 'mutation($id: ID!) { freezeDistributor(id: $id, reason: "ring") { status } }'
    assert (await gql(client, freeze, {"id": f"{uid}-o"}))["data"]["freezeDistributor"][
        "status"
    ] == "FROZEN"
    assert error_codes(
        await gql(
            client, REGISTER, {"input": {"id": f"{uid}-n", "name": "n", "sponsorId": f"{uid}-o"}}
        )
    ) == ["SPONSOR_INACTIVE"]


async def test_a_page_of_50_with_sponsors_costs_one_batch(
    client: httpx.AsyncClient, db: Database, uid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """50 sponsors, one recruit each, under one root: the sponsors load in one batch
    (one call of the loader's batch function with all 50 ids), not one query each."""
    await register(db, f"{uid}-root")
    for i in range(50):
        await register(db, f"{uid}-s{i:02d}", f"{uid}-root")
        await register(db, f"{uid}-r{i:02d}", f"{uid}-s{i:02d}")
    batches: list[list[str]] = []
    get_many = distributors.get_many

    async def recorded(db: Database, *, ids: list[str]) -> list[Distributor | None]:
        batches.append(list(ids))
        return await get_many(db, ids=ids)

    monkeypatch.setattr(distributors, "get_many", recorded)
    body = await gql(client, TEAM, {"id": f"{uid}-root", "level": 2, "first": 50, "depth": 2})
    edges = body["data"]["distributor"]["downline"]["edges"]
    assert len(edges) == 50
    sponsors = {f"{uid}-s{i:02d}" for i in range(50)}
    assert sponsors == {e["node"]["sponsor"]["id"] for e in edges}
    assert [sorted(sponsors)] == [sorted(b) for b in batches if sponsors & set(b)]


async def test_unexpected_errors_are_masked_with_a_request_id(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, uid: str
) -> None:
    from resolvers.money import withdrawals as money

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    await gql(client, REGISTER, {"input": {"id": f"{uid}-s", "name": "n"}})
    monkeypatch.setattr(money, "balance", broken)
    response = await client.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { distributor(id: $id) { balance { pending } } }",
            "variables": {"id": f"{uid}-s"},
        },
        headers={"x-request-id": "req-0123456789"},
    )
    error = response.json()["errors"][0]
    assert "secret" not in response.text
    assert "req-0123456789" in error["message"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"


async def test_syntax_errors_and_batches_are_refused_without_500(
    client: httpx.AsyncClient,
) -> None:
    assert error_codes(await gql(client, "query { distributor(id: ")) == ["BAD_USER_INPUT"]
    assert error_codes(await gql(client, "query { nope }")) == ["BAD_USER_INPUT"]
    batch = await client.post("/graphql", json=[{"query": "{ __typename }"}] * 2)
    assert batch.status_code == 400


async def test_probes(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert (await client.get("/readyz")).status_code == 200


async def test_graphiql_is_served_in_development(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


def test_schema_graphql_matches_the_code() -> None:
    """Run `referral schema` after changing a type; this fails until you do."""
    assert export_sdl() == SDL_PATH.read_text()


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        (
            "mutation($d: ID!, $s: ID!) { bindSponsor(distributorId: $d, sponsorId: $s) { id } }",
            {"d": "bad id", "s": "ok"},
            "BAD_USER_INPUT",
        ),
        (
            "mutation($d: ID!, $s: ID!) { bindSponsor(distributorId: $d, sponsorId: $s) { id } }",
            {"d": "same", "s": "same"},
            "SELF_REFERRAL",
        ),
        (
            "mutation($d: ID!, $s: ID!) { bindSponsor(distributorId: $d, sponsorId: $s) { id } }",
            {"d": "nobody-here-1", "s": "nobody-here-2"},
            "NOT_FOUND",
        ),
        (
            "mutation($d: ID!, $s: ID!, $r: String!) "
            "{ reassignSponsor(distributorId: $d, sponsorId: $s, reason: $r) { id } }",
            {"d": "a1", "s": "b1", "r": "  "},
            "BAD_USER_INPUT",
        ),
        (
            'mutation($id: ID!) { freezeDistributor(id: $id, reason: "x") { id } }',
            {"id": "nobody-here-3"},
            "NOT_FOUND",
        ),
        (
            "query($id: ID!, $s: DateTime) { distributor(id: $id) { teamMetrics(since: $s) "
            "{ teamSize } } }",
            {"id": "x", "s": "2026-01-01T00:00:00"},
            "BAD_USER_INPUT",
        ),
        (
            "query($id: ID!, $s: DateTime) { distributor(id: $id) { teamMetrics(since: $s) "
            "{ teamSize } } }",
            {"id": "x", "s": "yesterday"},
            "BAD_USER_INPUT",
        ),
        (
            "query($id: ID!) { distributor(id: $id) { id } }",
            {"id": "no spaces allowed"},
            "BAD_USER_INPUT",
        ),
    ],
)
async def test_bad_arguments_of_every_operation_get_coded_errors(
    client: httpx.AsyncClient, query: str, variables: dict[str, object], code: str
) -> None:
    assert [code] == error_codes(await gql(client, query, variables))


async def test_team_metrics_window_must_be_ordered(client: httpx.AsyncClient, uid: str) -> None:
    await gql(client, REGISTER, {"input": {"id": f"{uid}-s", "name": "n"}})
    query = (
        "query($id: ID!, $s: DateTime, $u: DateTime) "
        "{ distributor(id: $id) { teamMetrics(since: $s, until: $u) { teamSize } } }"
    )
    body = await gql(
        client, query, {"id": f"{uid}-s", "s": "2026-02-01T00:00:00Z", "u": "2026-01-01T00:00:00Z"}
    )
    assert ["BAD_USER_INPUT"] == error_codes(body)
