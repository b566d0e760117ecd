"""Every paginated list over HTTP (SPEC §11, issue 10 item 3): one Relay connection,
keyset pages both ways, and cursors that only work for the list that issued them.

The lists: `Distributor.downline`, `.ledger`, `.withdrawals`, `auditEvents`,
`fraudRings`, `fraudAlerts` and `investigations`. For each: pages forwards to the end
and backwards to the start give the rows of one big page; rows inserted between two
pages never make one repeat or vanish; and a forged, tampered, truncated, foreign
(another list, root or filter) or oversized cursor is BAD_USER_INPUT whose message
names nobody — as ADMIN, and as the DISTRIBUTOR whose lists they are.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from domain.tree.paths import node_key
from tests.conftest import bearer, error_codes, gql

ARGS = "$first: Int, $after: String, $last: Int, $before: String"
PAGE = "first: $first, after: $after, last: $last, before: $before"
SELECT = (
    "{ totalCount edges { cursor node { id } } "
    "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }"
)


def _of_distributor(field: str, args: str = "", given: str = "") -> str:
    return (
        f"query($id: ID!, {ARGS}{args}) {{ distributor(id: $id) "
        f"{{ list: {field}({PAGE}{given}) {SELECT} }} }}"
    )


DOWNLINE = _of_distributor(
    "downline", ", $depth: Int, $level: Int", ", depth: $depth, level: $level"
)
LEDGER = _of_distributor("ledger")
WITHDRAWALS = _of_distributor("withdrawals")
AUDIT = f"query({ARGS}, $actor: String) {{ list: auditEvents({PAGE}, actor: $actor) {SELECT} }}"
RINGS = (
    f"query({ARGS}, $minSize: Int, $minScore: Int) "
    f"{{ list: fraudRings({PAGE}, minSize: $minSize, minScore: $minScore) {SELECT} }}"
)
ALERTS = (
    f"query({ARGS}, $acknowledged: Boolean) "
    f"{{ list: fraudAlerts({PAGE}, acknowledged: $acknowledged) {SELECT} }}"
)
INVESTIGATIONS = f"query({ARGS}) {{ list: investigations({PAGE}) {SELECT} }}"
SAVE = "mutation($input: SaveInvestigationInput!) { saveInvestigation(input: $input) { id } }"
REGISTER = (
    "mutation($input: RegisterDistributorInput!) { registerDistributor(input: $input) { id } }"
)
ORDER = """
mutation($id: ID!, $buyer: ID!, $at: DateTime!) {
  recordOrder(input: {id: $id, buyerId: $buyer, amount: "100.00", paidAt: $at}) { id }
}
"""
WITHDRAW = """
mutation($id: ID!, $key: String!) {
  requestWithdrawal(input: {distributorId: $id, amount: "1.00", idempotencyKey: $key}) { id }
}
"""
FREEZE = 'mutation($id: ID!) { freezeDistributor(id: $id, reason: "paging") { id } }'
RING_SIZES = (8, 8, 9, 10)  # two alike: their scores tie


@dataclass
class World:
    """Two teams, one leader's money, an auditor's trail, rings and alerts, all new."""

    uid: str
    made: dict[str, int] = field(default_factory=dict)

    def id(self, name: str) -> str:
        return f"{self.uid}-{name}"

    @property
    def root(self) -> str:
        return self.id("root")

    @property
    def auditor(self) -> str:
        return self.id("auditor")

    def next(self, kind: str) -> str:
        self.made[kind] = self.made.get(kind, 0) + 1
        return self.id(f"{kind}{self.made[kind]}")


async def _ok(client: httpx.AsyncClient, query: str, variables: dict[str, Any], **kw: Any) -> Any:
    body = await gql(client, query, variables, **kw)
    assert "errors" not in body, body
    return body["data"]


async def _register(client: httpx.AsyncClient, distributor_id: str, **given: Any) -> None:
    await _ok(client, REGISTER, {"input": {"id": distributor_id, "name": "张三"} | given})


@pytest.fixture(scope="module")
async def world(client: httpx.AsyncClient) -> World:
    w = World("pg" + uuid.uuid4().hex[:10])
    # root -> a0..a2 -> b{i}0, b{i}1 -> c00, c01; a stranger team beside it.
    await _register(client, w.root)
    for i in range(3):
        await _register(client, w.id(f"a{i}"), sponsorId=w.root)
        for j in range(2):
            await _register(client, w.id(f"b{i}{j}"), sponsorId=w.id(f"a{i}"))
    for j in range(2):
        await _register(client, w.id(f"c0{j}"), sponsorId=w.id("b00"))
    await _register(client, w.id("stranger"))
    for i in range(3):
        await _register(client, w.id(f"s{i}"), sponsorId=w.id("stranger"))
    # The root's money: commissions on a0's orders, settled, then withdrawals.
    paid = (datetime.now(UTC) - timedelta(days=30)).isoformat()
    for k in range(6):
        await _ok(client, ORDER, {"id": w.id(f"o{k}"), "buyer": w.id("a0"), "at": paid})
    for k in range(2):  # and the stranger's, for cursors of another root
        await _ok(client, ORDER, {"id": w.id(f"so{k}"), "buyer": w.id("s0"), "at": paid})
    await _ok(client, "mutation($t: DateTime!) { settleCommissions(asOf: $t) }",
              {"t": datetime.now(UTC).isoformat()})  # fmt: skip
    for _ in range(5):
        await _withdraw(client, w)
    for k in range(2):
        await _ok(client, WITHDRAW, {"id": w.id("stranger"), "key": w.id(f"skey{k}")})
    # An auditor's trail.
    for _ in range(7):
        await _audit(client, w)
    # Rings of 8 to 10 members (one device each), and alerts: recruits who share
    # their sponsor's payment account.
    for r, size in enumerate(RING_SIZES):
        for m in range(size):
            await _register(client, w.id(f"r{r}m{m}"), deviceId=f"{w.uid}-device-{r}")
    await _ok(client, "mutation { runFraudScan }", {})
    await _register(client, w.id("p"), paymentAccount=f"6222 {w.uid}")
    for _ in range(4):
        await _alert(client, w)
    for _ in range(4):  # saved investigations, listed by name among everyone's
        await _investigation(client, w)
    return w


async def _withdraw(client: httpx.AsyncClient, w: World) -> None:
    await _ok(client, WITHDRAW, {"id": w.root, "key": w.next("key")})


async def _audit(client: httpx.AsyncClient, w: World) -> None:
    await gql(client, FREEZE, {"id": w.next("frozen")}, headers=bearer(w.auditor, "ADMIN"))


async def _alert(client: httpx.AsyncClient, w: World) -> None:
    await _register(client, w.next("q"), sponsorId=w.id("p"), paymentAccount=f"6222-{w.uid}")


async def _investigation(client: httpx.AsyncClient, w: World) -> None:
    name = f"{w.uid} {w.next('investigation')}"
    await _ok(client, SAVE, {"input": {"name": name, "cypher": "RETURN 1 AS one"}})


async def _join(client: httpx.AsyncClient, w: World) -> None:
    """Recruits at every level of the root's team, and in the stranger's."""
    for sponsor in ("root", "a1", "b10", "a2", "stranger"):
        await _register(client, w.next("late"), sponsorId=w.id(sponsor))


async def _earn(client: httpx.AsyncClient, w: World) -> None:
    at = datetime.now(UTC).isoformat()
    await _ok(client, ORDER, {"id": w.next("late-order"), "buyer": w.id("a1"), "at": at})


async def _ring(client: httpx.AsyncClient, w: World) -> None:
    device = f"{w.uid}-device-{w.next('ring')}"
    for _ in range(9):
        await _register(client, w.next("ring-member"), deviceId=device)
    await _ok(client, "mutation { runFraudScan }", {})


@dataclass(frozen=True)
class Listing:
    name: str
    query: str
    variables: Callable[[World], dict[str, Any]]
    insert: Callable[[httpx.AsyncClient, World], Awaitable[None]]
    distributor_sees: bool = False  # the root's own DISTRIBUTOR token may read it

    def args(self, w: World, **page: Any) -> dict[str, Any]:
        return self.variables(w) | page


LISTS = [
    Listing("downline", DOWNLINE, lambda w: {"id": w.root}, _join, distributor_sees=True),
    Listing("ledger", LEDGER, lambda w: {"id": w.root}, _earn, distributor_sees=True),
    Listing("withdrawals", WITHDRAWALS, lambda w: {"id": w.root}, _withdraw, True),
    Listing("auditEvents", AUDIT, lambda w: {"actor": w.auditor}, _audit),
    Listing("fraudRings", RINGS, lambda w: {"minSize": RING_SIZES[0]}, _ring),
    Listing("fraudAlerts", ALERTS, lambda w: {}, _alert),
    Listing("investigations", INVESTIGATIONS, lambda w: {}, _investigation),
]
BY_NAME = {listing.name: listing for listing in LISTS}


def _connection(data: Any) -> dict[str, Any]:
    found: dict[str, Any] = data["distributor"]["list"] if "distributor" in data else data["list"]
    return found


async def _page(
    client: httpx.AsyncClient, listing: Listing, w: World, **page: Any
) -> dict[str, Any]:
    return _connection(await _ok(client, listing.query, listing.args(w, **page)))


def _ids(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in connection["edges"]]


def _check_page_info(connection: dict[str, Any]) -> None:
    edges, info = connection["edges"], connection["pageInfo"]
    assert info["startCursor"] == (edges[0]["cursor"] if edges else None)
    assert info["endCursor"] == (edges[-1]["cursor"] if edges else None)


async def _forwards(
    client: httpx.AsyncClient, listing: Listing, w: World, *, size: int, until: str | None
) -> list[str]:
    """Pages of `size` from the start, to the end or until row `until` is seen."""
    seen: list[str] = []
    after = None
    while True:
        connection = await _page(client, listing, w, first=size, after=after)
        _check_page_info(connection)
        assert connection["pageInfo"]["hasPreviousPage"] == bool(seen)
        seen += _ids(connection)
        if not connection["pageInfo"]["hasNextPage"] or (until is not None and until in seen):
            return seen
        after = connection["pageInfo"]["endCursor"]


async def _backwards(
    client: httpx.AsyncClient, listing: Listing, w: World, *, size: int, before: str | None
) -> list[str]:
    """Pages of `size` back to the start, from the end or from cursor `before`."""
    seen: list[str] = []
    while True:
        connection = await _page(client, listing, w, last=size, before=before)
        _check_page_info(connection)
        assert connection["pageInfo"]["hasNextPage"] == (bool(seen) or before is not None)
        seen = _ids(connection) + seen
        if not connection["pageInfo"]["hasPreviousPage"]:
            return seen
        before = connection["pageInfo"]["startCursor"]


@pytest.mark.parametrize("listing", LISTS, ids=lambda listing: listing.name)
async def test_pages_both_ways_give_the_rows_of_one_big_page(
    client: httpx.AsyncClient, world: World, listing: Listing
) -> None:
    """Lists that other tests share (rings, alerts, investigations) are compared over
    their first 100 rows."""
    big = await _page(client, listing, world, first=100)
    rows = _ids(big)
    assert len(rows) >= 4 and len(set(rows)) == len(rows)
    assert not big["pageInfo"]["hasPreviousPage"]
    assert big["totalCount"] >= len(rows)
    whole = not big["pageInfo"]["hasNextPage"]
    if whole:
        assert big["totalCount"] == len(rows)
    forwards = await _forwards(client, listing, world, size=3, until=None if whole else rows[-1])
    # a list longer than the big page: the last page of 3 may reach past its last row
    assert rows == (forwards if whole else forwards[: len(rows)])
    if whole:
        assert rows == await _backwards(client, listing, world, size=3, before=None)
        last = await _page(client, listing, world, last=2)
        assert rows[-2:] == _ids(last) and not last["pageInfo"]["hasNextPage"]
    end = big["edges"][-1]["cursor"]
    assert rows[:-1] == await _backwards(client, listing, world, size=3, before=end)
    empty = await _page(client, listing, world, first=0)
    assert ([], big["totalCount"]) == (empty["edges"], empty["totalCount"])
    assert empty["pageInfo"]["hasNextPage"] and not empty["pageInfo"]["hasPreviousPage"]


@pytest.mark.parametrize("listing", LISTS, ids=lambda listing: listing.name)
async def test_a_page_from_the_first_or_last_row_knows_that_row_is_there(
    client: httpx.AsyncClient, world: World, listing: Listing
) -> None:
    """Only the boundary row itself lies on the other side (nothing beyond it): the flag
    comes from the row next to the page, not from the read beyond the boundary."""
    first = await _page(client, listing, world, first=1)
    after_first = await _page(client, listing, world, first=2, after=first["pageInfo"]["endCursor"])
    assert after_first["edges"] and after_first["pageInfo"]["hasPreviousPage"]
    last = await _page(client, listing, world, last=1)
    before_last = await _page(
        client, listing, world, last=2, before=last["pageInfo"]["startCursor"]
    )
    assert before_last["edges"] and before_last["pageInfo"]["hasNextPage"]


@pytest.mark.parametrize("listing", LISTS, ids=lambda listing: listing.name)
async def test_rows_inserted_between_pages_neither_repeat_nor_vanish(
    client: httpx.AsyncClient, world: World, listing: Listing
) -> None:
    before = _ids(await _page(client, listing, world, first=100))[:30]
    first = await _page(client, listing, world, first=3)
    seen = _ids(first)
    await listing.insert(client, world)
    after = first["pageInfo"]["endCursor"]
    while before[-1] not in seen:
        page = await _page(client, listing, world, first=4, after=after)
        assert page["pageInfo"]["hasPreviousPage"]
        seen += _ids(page)
        assert page["pageInfo"]["hasNextPage"] or before[-1] in seen
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)), "a row repeated"
    assert before == [row for row in seen if row in before], "a row vanished or moved"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _forgeries(w: World) -> dict[str, str]:
    """Cursors nobody issued: the old unsigned shapes and signed-looking ones, naming
    strangers, with numbers past 64 bits and values of the wrong types."""
    stranger = w.id("s0")
    payloads = [
        [w.id("stranger"), 1, stranger],
        [1, stranger],
        [2**70, stranger],
        [-(2**70), "x"],
        [10**400, "x"],
        [["x"], {"a": stranger}],
        [True, None],
        "not a list",
    ]
    forged: dict[str, str] = {"empty": "", "junk": "!!not-base64!!", "unicode": "游标💥"}
    for k, payload in enumerate(payloads):
        text = json.dumps(payload).encode()
        forged[f"plain{k}"] = _b64(text)
        forged[f"zero-tag{k}"] = _b64(bytes([1]) + bytes(32) + text)
        forged[f"ff-tag{k}"] = _b64(bytes([1]) + b"\xff" * 32 + text)
    forged["long"] = "A" * 5000
    return forged


def _spoiled(cursor: str) -> dict[str, str]:
    """A valid cursor tampered with: one character changed, cut short, extended."""
    middle = len(cursor) // 2
    changed = "B" if cursor[middle] != "B" else "C"
    return {
        "changed": cursor[:middle] + changed + cursor[middle + 1 :],
        "truncated": cursor[:-4],
        "extended": cursor + "AAAA",
        "padded": cursor + "==",
        "spaced": " " + cursor,
    }


async def _cursor(client: httpx.AsyncClient, listing: Listing, w: World, **given: Any) -> str:
    """The cursor of a list's first row (variables `given` replace the listing's)."""
    body = await _ok(client, listing.query, listing.args(w, first=1) | given)
    cursor: str = _connection(body)["edges"][0]["cursor"]
    return cursor


async def _foreign(client: httpx.AsyncClient, w: World, listing: Listing) -> dict[str, str]:
    """Valid cursors of other lists: other kinds, another root, other filters."""
    foreign = {
        f"from {other.name}": await _cursor(client, other, w)
        for other in LISTS
        if other.name != listing.name
    }
    if listing.name == "downline":
        foreign["another root"] = await _cursor(client, listing, w, id=w.id("stranger"))
        foreign["another level"] = await _cursor(client, listing, w, level=2)
        foreign["another depth"] = await _cursor(client, listing, w, depth=2)
        foreign["a member's downline"] = await _cursor(client, listing, w, id=w.id("a0"))
    elif listing.name in ("ledger", "withdrawals"):
        foreign["another root"] = await _cursor(client, listing, w, id=w.id("stranger"))
    elif listing.name == "auditEvents":
        foreign["every actor"] = await _cursor(client, listing, w, actor=None)
    elif listing.name == "fraudRings":
        foreign["another minSize"] = await _cursor(client, listing, w, minSize=9)
        foreign["another minScore"] = await _cursor(client, listing, w, minScore=1)
    elif listing.name == "fraudAlerts":
        ack = "mutation($id: ID!) { acknowledgeFraudAlert(id: $id) { id } }"
        newest = _ids(await _page(client, listing, w, first=1))[0]
        await _ok(client, ack, {"id": newest})
        foreign["acknowledged ones"] = await _cursor(client, listing, w, acknowledged=True)
    return foreign


async def _assert_refused(
    client: httpx.AsyncClient,
    listing: Listing,
    w: World,
    cursors: dict[str, str],
    headers: dict[str, str] | None = None,
) -> None:
    for how, cursor in cursors.items():
        for argument in ("after", "before"):
            body = await gql(
                client, listing.query, listing.args(w, **{argument: cursor}), headers=headers
            )
            assert ["BAD_USER_INPUT"] == error_codes(body), (listing.name, how, argument, body)
            message = body["errors"][0]["message"]
            assert w.uid not in message and (not cursor or cursor not in message), message
            assert argument in message, message


@pytest.mark.parametrize("listing", LISTS, ids=lambda listing: listing.name)
async def test_cursors_not_issued_for_this_list_are_refused_and_name_nobody(
    client: httpx.AsyncClient, world: World, listing: Listing
) -> None:
    valid = await _cursor(client, listing, world)
    cursors = _forgeries(world) | _spoiled(valid) | await _foreign(client, world, listing)
    await _assert_refused(client, listing, world, cursors)
    if listing.distributor_sees:
        mine = bearer(world.root, "DISTRIBUTOR")
        await _assert_refused(client, listing, world, cursors, headers=mine)
        page = await gql(client, listing.query, listing.args(world, after=valid), headers=mine)
        assert "errors" not in page, page


async def test_a_hand_made_downline_cursor_cannot_reach_another_team(
    client: httpx.AsyncClient, world: World
) -> None:
    """Issue 10's attack: an unsigned cursor positioned in a stranger's team gave an
    ADMIN other teams' rows (totalCount 1) and a DISTRIBUTOR FORBIDDEN errors naming them."""
    query = """
    query($id: ID!, $after: String) {
      distributor(id: $id) { downline(first: 100, after: $after) { edges { node { id } } } }
    }
    """
    a0, stranger = node_key(world.id("a0")), node_key(world.id("stranger"))
    attacks = [
        _b64(json.dumps([a0, 1, ""]).encode()),  # from the start of every team at that depth
        _b64(json.dumps([a0, 1, f"{stranger}/{node_key(world.id('s0'))}"]).encode()),
        *_forgeries(world).values(),
    ]
    for headers in (None, bearer(world.id("a0"), "DISTRIBUTOR")):
        for cursor in attacks:
            body = await gql(
                client, query, {"id": world.id("a0"), "after": cursor}, headers=headers
            )
            assert ["BAD_USER_INPUT"] == error_codes(body), body
            assert world.uid not in json.dumps(body)


@pytest.mark.parametrize(
    ("field", "variables"),
    [
        ("distributor(id: $id) { ledger(after: $after) { __typename } }", {"id": "root"}),
        ("auditEvents(after: $after) { __typename }", {}),
        ("fraudRings(after: $after) { __typename }", {}),
        ("fraudAlerts(after: $after) { __typename }", {}),
        ("investigations(after: $after) { __typename }", {}),
    ],
)
async def test_hand_made_cursors_of_every_list_are_refused(
    client: httpx.AsyncClient, world: World, field: str, variables: dict[str, str]
) -> None:
    """Unsigned positions (the format of every list before) and numbers past 64 bits."""
    ids = {k: world.id(v) for k, v in variables.items()}
    declared = "$id: ID!, " if ids else ""
    query = f"query({declared}$after: String) {{ {field} }}"
    for payload in ([1, world.id("s0")], [2**62, ""], [2**70, "x"], [-(2**70), world.id("s0")]):
        cursor = _b64(json.dumps(payload).encode())
        body = await gql(client, query, ids | {"after": cursor})
        assert ["BAD_USER_INPUT"] == error_codes(body), (payload, body)
        assert world.uid not in body["errors"][0]["message"]


@pytest.mark.parametrize("listing", LISTS, ids=lambda listing: listing.name)
@pytest.mark.parametrize(
    "page",
    [
        {"first": 2, "last": 2},
        {"first": 2, "before": "x"},
        {"last": 2, "after": "x"},
        {"after": "x", "before": "x"},
        {"first": -1},
        {"last": -1},
        {"first": 101},
        {"last": 101},
    ],
)
async def test_contradicting_or_oversized_page_arguments_are_refused(
    client: httpx.AsyncClient, world: World, listing: Listing, page: dict[str, Any]
) -> None:
    body = await gql(client, listing.query, listing.args(world, **page))
    assert ["BAD_USER_INPUT"] == error_codes(body)
    assert world.uid not in body["errors"][0]["message"]


def _documented_example() -> str:
    """The GraphQL block of docs/api.md's *Pagination* section, verbatim."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    section = text.split("\n## Pagination\n", 1)[1]
    return section.split("```graphql\n", 1)[1].split("```", 1)[0]


async def test_the_documented_paging_example_runs_both_ways(
    client: httpx.AsyncClient, world: World
) -> None:
    query = _documented_example()
    pages = []
    variables: dict[str, Any] = {"id": world.root, "first": 4}
    while True:
        found = (await _ok(client, query, variables))["distributor"]["downline"]
        pages.append([e["node"]["id"] for e in found["edges"]])
        if not found["pageInfo"]["hasNextPage"]:
            break
        variables = {"id": world.root, "first": 4, "after": found["pageInfo"]["endCursor"]}
    forwards = [row for page in pages for row in page]
    back: list[str] = []
    variables = {"id": world.root, "last": 4}
    while True:
        found = (await _ok(client, query, variables))["distributor"]["downline"]
        back = [e["node"]["id"] for e in found["edges"]] + back
        if not found["pageInfo"]["hasPreviousPage"]:
            break
        variables = {"id": world.root, "last": 4, "before": found["pageInfo"]["startCursor"]}
    assert len(forwards) == found["totalCount"] and forwards == back
