"""A DISTRIBUTOR walks the whole schema and learns nothing of anyone outside SPEC §3.9.

A planted network around the caller `me` (team_depth 3, commission_levels 2):

    Xroot → Xtop → sp → me → d1 → d2 → d3 → Xd4 → Xd5
                    sp → Xsib → Xnephew
    Xs1 → Xs2 → Xs3                      (a team of strangers, top of the leaderboard)

`me` may see itself, `sp` and d1..d3; every `X…` is a stranger: the upline beyond the
sponsor, the downline beyond team_depth, a sibling team, another team. Strangers buy
through people in scope (Xsib through sp, Xd4 and Xd5 through d3 and d2), earn from
`me`'s own order (Xtop, level 2), forfeit a level of it while frozen, and lead the
leaderboards; one of them has a withdrawal.

The walk is generated from the schema the app serves (introspection over HTTP): every
root query and mutation, with arguments drawn from the planted ids (people, orders,
withdrawals, one that exists nowhere) and from each argument's type; then every object
field below whatever came back, with argument variants from the field's types, to a
bounded depth. A path that answers null or an empty list is not followed further (its
children would not be resolved); a set of objects with ids already expanded through
another path is not expanded again. Every answer — `data` and `errors` — must hold
nothing of a stranger: ids, names, real names, phones and payment accounts (plain or
masked), join dates, order and withdrawal ids.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    get_named_type,
)

from access.pii import mask_account, mask_phone
from graph.db import Database
from tests.api.schema_tools import (
    OMIT,
    Enum,
    Path,
    Step,
    client_schema,
    input_value,
    object_type,
    positions,
    root_fields,
)
from tests.conftest import bearer, error_codes, gql

START = datetime(2021, 1, 1, tzinfo=UTC)
SPONSORS: dict[str, str | None] = {
    "Xroot": None, "Xtop": "Xroot", "sp": "Xtop", "me": "sp", "d1": "me", "d2": "d1",
    "d3": "d2", "Xd4": "d3", "Xd5": "Xd4", "Xsib": "sp", "Xnephew": "Xsib",
    "Xs1": None, "Xs2": "Xs1", "Xs3": "Xs2",
}  # fmt: skip
IN_SCOPE = {"me", "sp", "d1", "d2", "d3"}
MAX_STEPS = 10  # the server refuses queries deeper than 12
ROOT_COMBINATIONS = 96  # a root field's argument product, past which one varies at a time
NESTED_COMBINATIONS = 16
CONCURRENCY = 4

REGISTER = """mutation($input: RegisterDistributorInput!) {
  registerDistributor(input: $input) { id joinedAt } }"""
ORDER = """mutation($input: RecordOrderInput!) { recordOrder(input: $input) { id } }"""
STATUS = """mutation($id: ID!) { %s(id: $id, reason: "scope walk") { id } }"""
WITHDRAW = """mutation($id: ID!) { requestWithdrawal(input: {distributorId: $id,
  amount: "10.00", idempotencyKey: "scope-walk"}) { id } }"""
SETTLE = "mutation($asOf: DateTime!) { settleCommissions(asOf: $asOf) }"
PERSON = """
query($id: ID!) { distributor(id: $id) { id name phone realName paymentAccount inviteCode } }
"""


@dataclass
class Planted:
    uid: str
    paid_at: str
    until: str
    started: str
    digits: str = field(default_factory=lambda: f"{random.randrange(10**6):06d}")
    joined: dict[str, str] = field(default_factory=dict)
    orders: dict[str, str] = field(default_factory=dict)  # order id → buyer name
    withdrawals: dict[str, str] = field(default_factory=dict)  # withdrawal id → owner name

    def id(self, name: str) -> str:
        return f"{self.uid}-{name}"

    def phone(self, name: str) -> str:
        return f"1{self.digits}{list(SPONSORS).index(name):04d}"

    def account(self, name: str) -> str:
        return f"6222{self.digits}88{list(SPONSORS).index(name):04d}"

    def pool(self) -> list[str]:
        """Every id worth asking for: `me` first, then people, orders, withdrawals, and
        one that exists nowhere."""
        people = [self.id("me")] + [self.id(n) for n in SPONSORS if n != "me"]
        return [*people, *self.orders, *self.withdrawals, self.id("nobody")]


async def _ok(client: httpx.AsyncClient, query: str, **variables: Any) -> dict[str, Any]:
    body = await gql(client, query, variables)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


@pytest.fixture
async def planted(client: httpx.AsyncClient, db: Database, uid: str) -> Planted:
    second = random.randrange(300 * 86400)
    p = Planted(
        uid=uid,
        paid_at=(START + timedelta(seconds=second)).isoformat(),
        until=(START + timedelta(seconds=second + 1)).isoformat(),
        started=(datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
    )
    for name, sponsor in SPONSORS.items():
        given = {"id": p.id(name), "name": f"张{uid}{name}", "phone": p.phone(name),
                 "realName": f"王{uid}{name}", "paymentAccount": p.account(name)}  # fmt: skip
        if sponsor:
            given["sponsorId"] = p.id(sponsor)
        data = await _ok(client, REGISTER, input=given)
        p.joined[name] = data["registerDistributor"]["joinedAt"]

    async def order(key: str, buyer: str, amount: str = "1000.00") -> None:
        order_id = p.id(("X" if buyer.startswith("X") else "") + f"o-{key}")
        given = {"id": order_id, "buyerId": p.id(buyer), "amount": amount, "paidAt": p.paid_at}
        await _ok(client, ORDER, input=given)
        p.orders[order_id] = buyer

    await order("me-1", "me")  # level 2 earned by Xtop, a stranger
    await _ok(client, STATUS % "freezeDistributor", id=p.id("Xtop"))
    await order("me-2", "me")  # level 2 forfeited by Xtop (FROZEN)
    await order("d1", "d1")
    await _ok(client, STATUS % "freezeDistributor", id=p.id("d2"))
    await order("d3", "d3")  # level 1 forfeited by d2, in scope
    await _ok(client, STATUS % "unfreezeDistributor", id=p.id("d2"))
    for buyer in ("Xsib", "Xd4", "Xd5"):
        await order(buyer, buyer)  # strangers buying through people in scope
    for buyer in ("Xs2", "Xs3"):
        await order(buyer, buyer, "50000.00")  # strangers at the top of the leaderboard
    # Settle these orders' commissions only: due long ago, settled as of then.
    due = datetime.now(UTC) - timedelta(days=9000)
    await db.driver.execute_query(
        "MATCH (c:Commission) WHERE c.orderId IN $ids SET c.dueAt = $due",
        ids=list(p.orders),
        due=due,
        database_=db.name,
    )
    await _ok(client, SETTLE, asOf=(due + timedelta(days=1)).isoformat())
    for owner in ("me", "sp", "Xs1"):
        data = await _ok(client, WITHDRAW, id=p.id(owner))
        p.withdrawals[data["requestWithdrawal"]["id"]] = owner
    return p


def secrets_of_strangers(p: Planted, people: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Every string that would tell a DISTRIBUTOR something of a stranger → what it is."""
    secrets: dict[str, str] = {}
    scope_joined = {p.joined[n] for n in IN_SCOPE}
    for name in SPONSORS:
        if name in IN_SCOPE:
            continue
        seen = people[name]
        assert seen["id"] == p.id(name), seen
        secrets[seen["id"]] = f"{name}'s id"
        secrets[seen["name"]] = f"{name}'s name"
        secrets[seen["realName"]] = f"{name}'s real name"
        secrets[seen["phone"]] = f"{name}'s phone"
        secrets[mask_phone(seen["phone"])] = f"{name}'s masked phone"
        secrets[seen["paymentAccount"]] = f"{name}'s payment account"
        secrets[mask_account(seen["paymentAccount"])] = f"{name}'s masked payment account"
        secrets[seen["inviteCode"]] = f"{name}'s invite code"
        if p.joined[name] not in scope_joined:
            secrets[p.joined[name]] = f"{name}'s join date"
    for order_id, buyer in p.orders.items():
        if buyer not in IN_SCOPE:
            secrets[order_id] = f"the id of {buyer}'s order"
    for withdrawal_id, owner in p.withdrawals.items():
        if owner not in IN_SCOPE:
            secrets[withdrawal_id] = f"the id of {owner}'s withdrawal"
    return secrets


# --- Argument values, from the argument's type ---------------------------------------


@dataclass
class Values:
    """Where generated argument values come from."""

    p: Planted

    def scalar(self, t: GraphQLType, chosen_id: str) -> Any:
        """A well-formed value of a scalar or enum (every ID is `chosen_id`)."""
        named = get_named_type(t)
        if isinstance(named, GraphQLEnumType):
            return Enum(next(iter(named.values)))
        return {
            "ID": chosen_id,
            "Int": 1,
            "Float": 1.0,
            "Boolean": True,
            "Money": "1.00",
            "DateTime": self.p.paid_at,
        }.get(named.name, "scope-walk")

    def root(self, arg: GraphQLArgument) -> list[Any]:
        """The values a root field's argument takes besides the ids."""
        named = get_named_type(arg.type)
        optional = [] if isinstance(arg.type, GraphQLNonNull) else [OMIT]
        if isinstance(named, GraphQLEnumType):
            return optional + [Enum(v) for v in named.values]
        if named.name == "Int":
            return [*optional, 100] if optional else [1]
        if named.name == "Boolean":
            return [*optional, True, False]
        if named.name == "DateTime":
            now = datetime.now(UTC).isoformat()
            return [*optional, self.p.paid_at, self.p.until, self.p.started] if optional else [now]
        return optional or [self.scalar(arg.type, self.p.id("me"))]

    def nested(self, arg: GraphQLArgument) -> list[Any]:
        """The values a nested field's argument takes: small counts, the planted window."""
        named = get_named_type(arg.type)
        required = isinstance(arg.type, GraphQLNonNull)
        optional = [] if required else [OMIT]
        if isinstance(named, GraphQLEnumType):
            return optional + [Enum(v) for v in named.values]
        if named.name == "Int":
            return [*optional, 1, 2, 3]
        if named.name == "Boolean":
            return [*optional, True, False]
        if named.name == "DateTime":
            return [*optional, self.p.paid_at, self.p.until]
        return optional or [self.scalar(arg.type, self.p.id("me"))]


def _takes_ids(t: GraphQLType, seen: frozenset[str] = frozenset()) -> bool:
    if isinstance(t, GraphQLNonNull | GraphQLList):
        return _takes_ids(t.of_type, seen)
    if isinstance(t, GraphQLInputObjectType):
        if t.name in seen:
            return False
        return any(_takes_ids(f.type, seen | {t.name}) for f in t.fields.values())
    return get_named_type(t).name == "ID"


def _combinations(choices: Mapping[str, list[Any]], cap: int) -> Iterator[dict[str, Any]]:
    """The product of the choices, or past `cap` the first of each with one varied."""
    sizes = 1
    for values in choices.values():
        sizes *= max(len(values), 1)
    if sizes <= cap:
        for combo in itertools.product(*choices.values()):
            yield dict(zip(choices, combo, strict=True))
        return
    base = {k: v[0] for k, v in choices.items()}
    yield base
    for k, values in choices.items():
        for v in values[1:]:
            yield {**base, k: v}


def root_variants(
    f: GraphQLField, values: Values, *, ids: list[str]
) -> list[tuple[str, dict[str, Any]]]:
    """(id, arguments): every id of the pool with the other arguments at their first
    value (first for each id); then, for the first id, the product of the others' values."""
    found: list[tuple[str, dict[str, Any]]] = []
    id_args = [k for k, a in f.args.items() if _takes_ids(a.type)]
    for chosen in ids if id_args else [values.p.id("me")]:
        choices = {
            k: [input_value(a.type, lambda t, c=chosen: values.scalar(t, c))]
            if k in id_args
            else values.root(a)
            for k, a in f.args.items()
        }
        combos = list(_combinations(choices, ROOT_COMBINATIONS))
        found.extend((chosen, args) for args in (combos if chosen == ids[0] else combos[:1]))
    return found


def nested_variants(f: GraphQLField, values: Values) -> list[dict[str, Any]]:
    choices = {k: values.nested(a) for k, a in f.args.items()}
    return list(_combinations(choices, NESTED_COMBINATIONS))


# --- The walk -------------------------------------------------------------------------


@dataclass
class Walk:
    schema: GraphQLSchema
    values: Values
    client: httpx.AsyncClient
    headers: dict[str, str]
    secrets: dict[str, str]
    leaks: list[str] = field(default_factory=list)
    requests: int = 0
    reached: dict[str, set[str]] = field(default_factory=dict)  # type → ids seen in data
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # root query → body
    by_id: dict[tuple[str, str], str] = field(default_factory=dict)  # (field, id) → query

    def roots(self) -> list[Path]:
        found: list[Path] = []
        pool = self.values.p.pool()
        for operation, name, f in root_fields(self.schema):
            # Mutations other than a DISTRIBUTOR's own are refused by role before their
            # arguments are read: an id in scope, one outside and one of nobody suffice.
            ids = pool if operation == "query" else self._mutation_pool()
            for chosen, args in root_variants(f, self.values, ids=ids):
                path = Path(operation, (Step(name, tuple(args.items())),), object_type(f.type))
                self.by_id.setdefault((name, chosen), path.query())  # its first variant
                found.append(path)
        return found

    def _mutation_pool(self) -> list[str]:
        return [self.values.p.id(n) for n in ("me", "Xtop", "nobody")]

    async def run(self) -> None:
        frontier = self.roots()
        gate = asyncio.Semaphore(CONCURRENCY)

        async def ask(path: Path) -> tuple[Path, dict[str, Any]]:
            async with gate:
                return path, await gql(self.client, path.query(), headers=self.headers)

        while frontier:
            answers = await asyncio.gather(*(ask(path) for path in frontier))
            self.requests += len(answers)
            frontier = [child for path, body in answers for child in self.follow(path, body)]

    def follow(self, path: Path, body: dict[str, Any]) -> list[Path]:
        """Check one answer for secrets; the paths one field deeper, if worth asking."""
        query = path.query()
        if len(path.steps) == 1:
            self.answers[query] = body
        text = json.dumps(body, ensure_ascii=False)
        for secret, what in self.secrets.items():
            if secret in text and secret not in query:  # not merely the id it asked for
                self.leaks.append(f"{what} ({secret!r}) in {path.operation} {path}: {text[:600]}")
        if path.end is None or len(path.steps) >= MAX_STEPS:
            return []
        children: list[Path] = []
        for below, t in positions(path.end):
            found = path.values(body.get("data"), below)
            ids = {str(v.get("id")) for v in found}
            seen = self.reached.setdefault(t.name, set())
            if not found or ids <= seen:  # nothing there, or expanded already
                continue
            seen.update(ids)
            steps = (*path.steps, *(Step(n) for n in below))
            for name, f in t.fields.items():
                child = object_type(f.type)
                if child is None:
                    continue
                for args in nested_variants(f, self.values):
                    step = Step(name, tuple(args.items()))
                    children.append(Path(path.operation, (*steps, step), child))
        return children

    def confirmations(self) -> list[str]:
        """Root answers that differ between a stranger's id and an id of nobody."""
        p = self.values.p
        differ: list[str] = []
        for (name, chosen), query in self.by_id.items():
            nobody = self.by_id.get((name, p.id("nobody")))
            if nobody is None or chosen == p.id("nobody") or not _stranger(p, chosen):
                continue
            if "RATE_LIMITED" in error_codes(self.answers[query]) + error_codes(
                self.answers[nobody]
            ):  # a limit on the token, whatever the id: nothing to compare
                continue
            mine = json.dumps(self.answers[query]).replace(chosen, "<id>")
            theirs = json.dumps(self.answers[nobody]).replace(p.id("nobody"), "<id>")
            if mine != theirs:
                differ.append(f"{name}({chosen}): {mine[:300]} but for nobody: {theirs[:300]}")
        return differ


def _stranger(p: Planted, chosen: str) -> bool:
    """An id of a stranger, of a stranger's order, or of a stranger's withdrawal."""
    names = {p.id(n): n for n in SPONSORS}
    owner = names.get(chosen) or p.orders.get(chosen) or p.withdrawals.get(chosen)
    return owner is not None and owner not in IN_SCOPE


def _object_types(schema: GraphQLSchema) -> dict[str, GraphQLObjectType]:
    return {
        n: t
        for n, t in schema.type_map.items()
        if isinstance(t, GraphQLObjectType) and not n.startswith("__")
    }


async def test_a_distributor_walking_the_whole_schema_learns_nothing_of_strangers(
    client: httpx.AsyncClient, planted: Planted
) -> None:
    people = {n: (await _ok(client, PERSON, id=planted.id(n)))["distributor"] for n in SPONSORS}
    schema = await client_schema(client)
    assert _object_types(schema)  # the schema was read
    walk = Walk(
        schema=schema,
        values=Values(planted),
        client=client,
        headers=bearer(planted.id("me"), "DISTRIBUTOR"),
        secrets=secrets_of_strangers(planted, people),
    )
    await walk.run()
    assert [] == walk.leaks[:5], f"{len(walk.leaks)} leaks in {walk.requests} requests"
    assert [] == walk.confirmations()[:5]
    # The walk went where a DISTRIBUTOR may go: its whole scope, its orders, its money.
    assert {planted.id(n) for n in IN_SCOPE} <= walk.reached["Distributor"]
    own_orders = {o for o, buyer in planted.orders.items() if buyer in IN_SCOPE}
    assert own_orders <= walk.reached["Order"]
    mine = {w for w, owner in planted.withdrawals.items() if owner == "me"}
    assert mine <= walk.reached["Withdrawal"]
