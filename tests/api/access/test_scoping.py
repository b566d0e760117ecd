"""A DISTRIBUTOR's team scope over HTTP, through every path that reaches a distributor.

The network: top → sp → me → d1 → d2 → d3 → d4, and sp → sib. `me` (team_depth 3) sees
itself, sp (masked, nothing onward), d1..d3 (masked); top, sib and d4 are FORBIDDEN,
whether asked for directly or reached through sponsor, upline, downline or an order's
buyer, with a message that names no one; an order's commissions and forfeits list only
the levels of people in scope. Leaderboards show outsiders by rank, value and masked
name, with no distributor. `tests/api/access/test_scope_walk.py` walks the whole schema.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from graph.db import Database
from tests.conftest import bearer, error_codes, gql

START = datetime(2021, 1, 1, tzinfo=UTC)
NAMES = ["top", "sp", "me", "d1", "d2", "d3", "d4", "sib"]
SPONSORS = {"sp": "top", "me": "sp", "d1": "me", "d2": "d1", "d3": "d2", "d4": "d3", "sib": "sp"}
REGISTER = """
mutation($input: RegisterDistributorInput!) { registerDistributor(input: $input) { id } }
"""
ORDER = """
mutation($id: ID!, $buyer: ID!, $at: DateTime!) {
  recordOrder(input: {id: $id, buyerId: $buyer, amount: "100.00", paidAt: $at}) { id }
}
"""


class Team:
    def __init__(self, uid: str) -> None:
        self.uid = uid
        # Orders in a second of their own, so the leaderboard window holds only this team.
        self.second = random.randrange(300 * 86400)
        self.paid_at = (START + timedelta(seconds=self.second)).isoformat()
        self.until = (START + timedelta(seconds=self.second + 1)).isoformat()
        # Phones and accounts of its own too: shared ones would raise fraud alerts.
        self.digits = f"{random.randrange(10**6):06d}"

    def phone(self, i: int) -> str:
        return f"1{self.digits}{i:04d}"

    def masked_phone(self, i: int) -> str:
        return f"1{self.digits[:2]}****{i:04d}"

    def id(self, name: str) -> str:
        return f"{self.uid}-{name}"


@pytest.fixture
async def team(client: httpx.AsyncClient, uid: str) -> Team:
    t = Team(uid)
    for i, name in enumerate(NAMES):
        sponsor = SPONSORS.get(name)
        given = {"id": t.id(name), "name": f"张{name}", "phone": t.phone(i),
                 "realName": f"王{name}", "paymentAccount": f"6222 {t.digits} {i:04d}"}  # fmt: skip
        if sponsor:
            given["sponsorId"] = t.id(sponsor)
        assert "errors" not in await gql(client, REGISTER, {"input": given})
    for buyer in ("d1", "sib", "me"):
        body = await gql(
            client, ORDER, {"id": t.id(f"o-{buyer}"), "buyer": t.id(buyer), "at": t.paid_at}
        )
        assert "errors" not in body, body
    return t


async def _as_me(client: httpx.AsyncClient, team: Team, query: str, **variables: Any) -> Any:
    return await gql(client, query, variables, headers=bearer(team.id("me"), "DISTRIBUTOR"))


DISTRIBUTOR = "query($id: ID!) { distributor(id: $id) { %s } }"


async def test_itself_unmasked_with_its_money(client: httpx.AsyncClient, team: Team) -> None:
    body = await _as_me(client, team, DISTRIBUTOR % "name phone realName paymentAccount"
                        " balance { available } ledger { totalCount } withdrawals { totalCount }",
                        id=team.id("me"))  # fmt: skip
    me = body["data"]["distributor"]
    assert ("张me", team.phone(2), "王me") == (me["name"], me["phone"], me["realName"])
    assert f"6222 {team.digits} 0002" == me["paymentAccount"]


async def test_its_sponsor_masked_and_nothing_onward(client: httpx.AsyncClient, team: Team) -> None:
    body = await _as_me(client, team, DISTRIBUTOR % "id name phone realName paymentAccount",
                        id=team.id("sp"))  # fmt: skip
    assert {"id": team.id("sp"), "name": "张**", "phone": team.masked_phone(1), "realName": "王**",
            "paymentAccount": "************0001"} == body["data"]["distributor"]  # fmt: skip
    for nested in ("sponsor { id }", "upline(depth: 1) { level }", "downline { totalCount }",
                   "teamMetrics { teamSize }", "balance { available }", "ledger { totalCount }",
                   "withdrawals { totalCount }"):  # fmt: skip
        body = await _as_me(client, team, DISTRIBUTOR % f"id {nested}", id=team.id("sp"))
        assert ["FORBIDDEN"] == error_codes(body), nested


@pytest.mark.parametrize("outsider", ["top", "sib", "d4"])
async def test_outsiders_are_forbidden(
    client: httpx.AsyncClient, team: Team, outsider: str
) -> None:
    body = await _as_me(client, team, DISTRIBUTOR % "id", id=team.id(outsider))
    assert ["FORBIDDEN"] == error_codes(body)
    message = body["errors"][0]["message"]
    assert "This distributor is outside your scope" in message
    assert team.uid not in message


async def test_an_unknown_id_is_refused_as_an_outsider_is(
    client: httpx.AsyncClient, team: Team
) -> None:
    """So a DISTRIBUTOR cannot tell a stranger from no one; staff still get null."""
    outsider = await _as_me(client, team, DISTRIBUTOR % "id", id=team.id("top"))
    nobody = await _as_me(client, team, DISTRIBUTOR % "id", id=team.id("nobody"))
    assert outsider == nobody
    for query in (ORDER_QUERY % "", "query($id: ID!) { withdrawal(id: $id) { id } }"):
        outsider = await _as_me(client, team, query, id=team.id("o-sib"))
        nobody = await _as_me(client, team, query, id=team.id("nobody"))
        assert ["FORBIDDEN"] == error_codes(nobody)
        assert outsider == nobody, query
    body = await gql(client, DISTRIBUTOR % "id", {"id": team.id("nobody")})
    assert {"distributor": None} == body["data"]
    own = await gql(client, DISTRIBUTOR % "id", {"id": team.id("ghost")},
                    headers=bearer(team.id("ghost"), "DISTRIBUTOR"))  # fmt: skip
    assert {"distributor": None} == own["data"]  # a token for someone not registered yet


async def test_its_own_upline_stops_at_its_sponsor(client: httpx.AsyncClient, team: Team) -> None:
    query = DISTRIBUTOR % "upline(depth: $depth) { level distributor { id name } }"
    query = query.replace("$id: ID!", "$id: ID!, $depth: Int")
    body = await _as_me(client, team, query, id=team.id("me"), depth=1)
    assert [{"level": 1, "distributor": {"id": team.id("sp"), "name": "张**"}}] == body["data"][
        "distributor"
    ]["upline"]
    body = await _as_me(client, team, query, id=team.id("me"), depth=2)
    assert ["FORBIDDEN"] == error_codes(body)


async def test_downline_masked_within_team_depth(client: httpx.AsyncClient, team: Team) -> None:
    fields = "downline(depth: 3) { edges { level node { id name phone sponsor { id } } } }"
    body = await _as_me(client, team, DISTRIBUTOR % fields, id=team.id("me"))
    edges = body["data"]["distributor"]["downline"]["edges"]
    assert [1, 2, 3] == [e["level"] for e in edges]
    assert ["张**", "张**", "张**"] == [e["node"]["name"] for e in edges]
    assert team.masked_phone(3) == edges[0]["node"]["phone"]
    assert [team.id("me"), team.id("d1"), team.id("d2")] == [
        e["node"]["sponsor"]["id"] for e in edges
    ]
    body = await _as_me(client, team, DISTRIBUTOR % "downline { edges { node { id"
                        " balance { available } } } }", id=team.id("me"))  # fmt: skip
    assert "FORBIDDEN" in error_codes(body)


async def test_a_downline_members_team_only_within_the_callers_depth(
    client: httpx.AsyncClient, team: Team
) -> None:
    query = DISTRIBUTOR.replace("$id: ID!", "$id: ID!, $d: Int") % (
        "downline(depth: $d) { totalCount } teamMetrics(depth: $d) { teamSize }"
    )
    body = await _as_me(client, team, query, id=team.id("d1"), d=2)
    assert "errors" not in body, body
    assert 2 == body["data"]["distributor"]["downline"]["totalCount"]
    for field in ("downline(depth: 3) { totalCount }", "teamMetrics(depth: 3) { teamSize }"):
        body = await _as_me(client, team, DISTRIBUTOR % field, id=team.id("d1"))
        assert ["FORBIDDEN"] == error_codes(body), field
    body = await _as_me(client, team, DISTRIBUTOR % "upline(depth: 3) { level }", id=team.id("d1"))
    assert ["FORBIDDEN"] == error_codes(body)  # d1's third level up is top
    body = await _as_me(client, team, DISTRIBUTOR % "balance { available }", id=team.id("d1"))
    assert ["FORBIDDEN"] == error_codes(body)


ORDER_QUERY = "query($id: ID!) { order(id: $id) { id %s } }"


async def test_orders_of_the_team_and_their_links(client: httpx.AsyncClient, team: Team) -> None:
    body = await _as_me(client, team, ORDER_QUERY % "buyer { id name } commissions {"
                        " level beneficiary { id name } }", id=team.id("o-d1"))  # fmt: skip
    order = body["data"]["order"]
    assert {"id": team.id("d1"), "name": "张**"} == order["buyer"]
    assert [team.id("me"), team.id("sp")] == [c["beneficiary"]["id"] for c in order["commissions"]]
    body = await _as_me(client, team, ORDER_QUERY % "buyer { id }", id=team.id("o-sib"))
    assert ["FORBIDDEN"] == error_codes(body)
    body = await _as_me(client, team, ORDER_QUERY % "commissions { level beneficiary { id } }",
                        id=team.id("o-me"))  # fmt: skip
    # Level 2 of its own order is top's: not listed.
    assert [{"level": 1, "beneficiary": {"id": team.id("sp")}}] == body["data"]["order"][
        "commissions"
    ]
    body = await gql(client, ORDER_QUERY % "commissions { level }", {"id": team.id("o-me")})
    assert [1, 2] == [c["level"] for c in body["data"]["order"]["commissions"]]  # staff: all


async def test_leaderboard_shows_outsiders_by_masked_name_only(
    client: httpx.AsyncClient, team: Team
) -> None:
    query = """
    query($since: DateTime, $until: DateTime) {
      leaderboard(metric: SALES, since: $since, until: $until, first: 100) {
        rank value name distributor { id name sponsor { id } } } }
    """
    window = {"since": team.paid_at, "until": team.until}
    body = await _as_me(client, team, query, **window)
    assert "errors" not in body, body
    entries = [(e["name"], e["distributor"]) for e in body["data"]["leaderboard"]]
    assert ("张***", None) in entries  # sib: a stranger, not even its id
    assert ("张**", {"id": team.id("d1"), "name": "张**", "sponsor": {"id": team.id("me")}}) in (
        entries
    )
    assert ("张me", {"id": team.id("me"), "name": "张me", "sponsor": {"id": team.id("sp")}}) in (
        entries
    )
    assert team.id("sib") not in str(body)
    staff = await gql(client, query, window)
    assert team.id("sib") in [e["distributor"]["id"] for e in staff["data"]["leaderboard"]]


async def test_my_rank_and_withdrawals_only_for_the_team_and_itself(
    client: httpx.AsyncClient, team: Team
) -> None:
    rank = "query($id: ID!) { myRank(metric: SALES, distributorId: $id) { rank } }"
    assert "errors" not in await _as_me(client, team, rank, id=team.id("d1"))
    assert ["FORBIDDEN"] == error_codes(await _as_me(client, team, rank, id=team.id("sib")))
    withdraw = """mutation($id: ID!) { requestWithdrawal(input: {distributorId: $id,
                  amount: "1.00", idempotencyKey: "k"}) { id } }"""
    assert ["FORBIDDEN"] == error_codes(await _as_me(client, team, withdraw, id=team.id("d1")))
    body = await _as_me(client, team, withdraw, id=team.id("me"))
    assert ["INSUFFICIENT_BALANCE"] == error_codes(body)


async def test_staff_see_everyone_unmasked(client: httpx.AsyncClient, team: Team) -> None:
    for role in ("ANALYST", "SERVICE", "ADMIN"):
        body = await gql(client, DISTRIBUTOR % "name phone sponsor { name }",
                         {"id": team.id("d4")}, headers=bearer(f"staff-{role}", role))  # fmt: skip
        assert {"name": "张d4", "phone": team.phone(6), "sponsor": {"name": "张d3"}} == body[
            "data"
        ]["distributor"]


async def test_a_distributors_page_costs_one_caller_lookup_more(
    client: httpx.AsyncClient, db: Database, team: Team
) -> None:
    """The caller is loaded once per request, not once per row it is checked against."""
    fields = "downline(depth: 2) { edges { node { id name sponsor { id name } } } }"
    costs = {}
    for role, subject in (("ADMIN", "cost-admin"), ("DISTRIBUTOR", team.id("me"))):
        before = db.queries
        body = await gql(client, DISTRIBUTOR % fields, {"id": team.id("d1")},
                         headers=bearer(subject, role))  # fmt: skip
        assert "errors" not in body, body
        costs[role] = db.queries - before
    assert costs["ADMIN"] + 1 == costs["DISTRIBUTOR"]
