"""SPEC §8: fuzzed GraphQL input never gets a 500, an unmasked error or an uncoded one.

Schema-driven: the root fields come from the schema itself, so every root query and
mutation is fuzzed, for every role and without a token. For each, hypothesis draws the
variables from the argument types, in one of three moods per example: a careful client's
values (ids of a small planted team, small counts, plain money and dates, so calls go
deep), odd but type-correct ones (out-of-range integers, unparsable money and dates,
huge and unicode strings, nulls), or malformed ones anywhere (any JSON type in any
place, nulls for required values).
The query selects the root type's leaves and, below an object with an id, every object
field, its arguments fuzzed too. Every answer must be HTTP < 500 and
every error must carry a code of SPEC §5 or §13.

Deterministic (`derandomize`); `REFERRAL_FUZZ_EXAMPLES` (default 6) sets the examples
per root field and role.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    build_schema,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access.roles import Role
from schema.schema import export_sdl
from tests.api.schema_tools import client_schema, has_id, object_type, root_fields, selection
from tests.conftest import bearer, gql

SPEC_CODES = {
    "BAD_USER_INPUT", "NOT_FOUND", "ALREADY_BOUND", "SELF_REFERRAL", "REFERRAL_CYCLE",
    "SPONSOR_INACTIVE", "DEPTH_LIMIT_EXCEEDED", "CONFLICT", "INSUFFICIENT_BALANCE",
    "FROZEN", "UNAUTHENTICATED", "FORBIDDEN", "UNAVAILABLE",
    "RATE_LIMITED", "PERSISTED_QUERY_NOT_FOUND", "TIMEOUT",  # §13
}  # fmt: skip
EXAMPLES = int(os.environ.get("REFERRAL_FUZZ_EXAMPLES", "6"))
SCHEMA: GraphQLSchema = build_schema(export_sdl())
FIELDS = [(operation, name) for operation, name, _ in root_fields(SCHEMA)]
ROLES: list[Role | None] = [*Role, None]  # None: no token
TEAM = "fz" + uuid.uuid4().hex[:10]  # a planted team: top → me → kid, kid bought once
PEOPLE = [f"{TEAM}-top", f"{TEAM}-me", f"{TEAM}-kid", f"{TEAM}-missing"]
ME = PEOPLE[1]

# --- Values --------------------------------------------------------------------------

JSON_JUNK = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
TEXT = st.text(max_size=60) | st.sampled_from(
    ["", " ", "💥" * 70, "a" * 5000, "' OR 1=1 --", "$id", "{}", "\u0000", "原因", "k-1"]
)
IDS = (
    st.sampled_from([*PEOPLE, f"{TEAM}-o1"])
    | st.from_regex(r"[A-Za-z0-9_.:-]{1,64}", fullmatch=True)
    | st.sampled_from(["x" * 65, "a b", "", "张三"])
    | TEXT
)
# Every offset Python holds (±23:59, Neo4j only ±18:00) and every year 1..9999, so also
# instants that leave 1..9999 once taken to UTC (issue 10 item 6: BAD_USER_INPUT).
OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda m: timezone(timedelta(minutes=m))
)
DATETIMES = (
    st.datetimes(timezones=OFFSETS).map(datetime.isoformat)
    | st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=OFFSETS
    ).map(datetime.isoformat)
    | st.sampled_from(
        [
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "2026-01-01T00:00:00+18:01",
            "2026-01-01T00:00:00-23:59",
            "2026-11-01T00:00:00",
            "2026-02-30T00:00:00Z",
            "yesterday",
            "0001-01-01T00:00:00Z",
            "2026-11-01",
            "2026-11-01T00:00:00+08",
            "1e9",
        ]
    )
    | TEXT
)
MONEY = (
    st.decimals(min_value=0, max_value=10**9, places=2).map(lambda d: f"{d:.2f}")
    | st.sampled_from(
        [
            "0.00",
            "0.01",
            "12.345",
            "-5.00",
            "1e2",
            "7",
            "NaN",
            "-0.00",
            "\uff11\uff12.\uff13\uff14",
            "999999999999999999999.99",
            "1.0",
            ".5",
        ]
    )
    | st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str)
    | TEXT
)
INTS = st.integers(min_value=-3, max_value=120) | st.sampled_from(
    [2**31 - 1, -(2**31), 2**31, -(2**31) - 1, 2**53, 2**70]
)
# Per scalar: values a careful client sends, and type-correct values that are odd.
KNOWN_SCALARS: dict[str, tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]] = {
    "ID": (st.sampled_from([*PEOPLE, f"{TEAM}-o1"]), IDS),
    "String": (st.from_regex(r"[a-z0-9 -]{1,12}", fullmatch=True), TEXT | IDS),
    "Int": (st.integers(min_value=1, max_value=3), INTS),
    "Float": (st.floats(min_value=0, max_value=100), st.floats(allow_nan=False)),
    "Boolean": (st.booleans(), st.booleans()),
    "Money": (st.sampled_from(["0.01", "1.00", "12.34", "100.00"]), MONEY),
    # Output only today (rates, leaderboard values); values for an argument that takes one.
    "Decimal": (st.sampled_from(["15.00", "7", "0.5"]), st.text(max_size=8)),
    "DateTime": (st.sampled_from(["2026-01-01T00:00:00+08:00", "2025-06-30T12:00:00Z"]), DATETIMES),
    "JSON": (
        st.sampled_from([{"id": f"{TEAM}-o1"}, {"n": 1}, {}]),
        st.dictionaries(st.text(max_size=8), JSON_JUNK, max_size=3),
    ),
}
CAREFUL, ODD, MALFORMED = "careful", "odd", "malformed"


class Ungeneratable(Exception):
    """An argument type the fuzzer has no values for: teach it (KNOWN_SCALARS)."""


def values_of(t: GraphQLInputType, *, mode: str) -> st.SearchStrategy[Any]:
    """Values of input type `t`: a careful client's, odd ones, or (MALFORMED) anything
    anywhere, of any JSON type."""
    if isinstance(t, GraphQLNonNull):
        good = _good(t.of_type, mode=mode)
    else:
        good = _good(t, mode=mode) if mode == CAREFUL else st.none() | _good(t, mode=mode)
    return good | JSON_JUNK if mode == MALFORMED else good


def _good(t: GraphQLInputType, *, mode: str) -> st.SearchStrategy[Any]:
    if isinstance(t, GraphQLList):
        return st.lists(values_of(t.of_type, mode=mode), max_size=3)
    if isinstance(t, GraphQLInputObjectType):
        fields = {n: (f.type, values_of(f.type, mode=mode)) for n, f in t.fields.items()}
        return st.fixed_dictionaries(
            {n: v for n, (ft, v) in fields.items() if isinstance(ft, GraphQLNonNull)},
            optional={n: v for n, (ft, v) in fields.items() if not isinstance(ft, GraphQLNonNull)},
        )
    if isinstance(t, GraphQLEnumType):
        named = st.sampled_from(list(t.values))
        return named if mode == CAREFUL else named | st.sampled_from(["sales", "OTHER", ""])
    if isinstance(t, GraphQLScalarType) and t.name in KNOWN_SCALARS:
        careful, odd = KNOWN_SCALARS[t.name]
        return careful if mode == CAREFUL else careful | odd
    raise Ungeneratable(str(t))


# --- Operations ----------------------------------------------------------------------


def operation(kind: str, name: str, f: GraphQLField) -> tuple[str, dict[str, GraphQLInputType]]:
    """The query text for root field `name` and its variables' types: the root's own
    arguments, and below an object with an id, every object field and its arguments."""
    variables: dict[str, GraphQLInputType] = {}

    def bind(prefix: str, args: dict[str, Any]) -> str:
        if not args:
            return ""
        parts = []
        for arg_name, arg in args.items():
            variables[f"{prefix}_{arg_name}"] = arg.type
            parts.append(f"{arg_name}: ${prefix}_{arg_name}")
        return "(" + ", ".join(parts) + ")"

    head = name + bind("r", f.args)
    end = object_type(f.type)
    if end is None:
        body = head
    else:
        inner = [selection(end)]
        if has_id(end):
            for field_name, g in end.fields.items():
                child = object_type(g.type)
                if child is not None:
                    inner.append(f"{field_name}{bind(field_name, g.args)} {{ {selection(child)} }}")
        body = f"{head} {{ {' '.join(inner)} }}"
    declared = ", ".join(f"${v}: {t}" for v, t in variables.items())
    return f"{kind}{f'({declared})' if declared else ''} {{ {body} }}", variables


def _field(kind: str, name: str) -> GraphQLField:
    root = SCHEMA.query_type if kind == "query" else SCHEMA.mutation_type
    assert root is not None
    return root.fields[name]


@st.composite
def variables_for(draw: st.DrawFn, types: dict[str, GraphQLInputType]) -> dict[str, Any]:
    mode = draw(st.sampled_from([CAREFUL, ODD, MALFORMED]))
    found: dict[str, Any] = {}
    for name, t in types.items():
        if isinstance(t, GraphQLNonNull) or draw(st.booleans()):  # optional ones: or absent
            found[name] = draw(values_of(t, mode=mode))
    return found


# --- Tests ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def team(client: httpx.AsyncClient) -> list[str]:
    """top → me → kid, and one order of kid's: so ids in the fuzz reach real data."""
    register = """mutation($input: RegisterDistributorInput!) {
      registerDistributor(input: $input) { id } }"""
    for distributor_id, sponsor in zip(PEOPLE[:3], [None, *PEOPLE[:2]], strict=True):
        given = {"id": distributor_id, "name": "张三", "sponsorId": sponsor}
        assert "errors" not in await gql(client, register, {"input": given})
    order = """mutation($input: RecordOrderInput!) { recordOrder(input: $input) { id } }"""
    given = {"id": f"{TEAM}-o1", "buyerId": PEOPLE[2], "amount": "100.00",
             "paidAt": "2026-01-01T00:00:00+08:00"}  # fmt: skip
    assert "errors" not in await gql(client, order, {"input": given})
    return PEOPLE


def assert_coded(body: dict[str, Any], context: object) -> None:
    for error in body.get("errors", []):
        assert error.get("extensions", {}).get("code") in SPEC_CODES, (context, error)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r.value if r else "NO_TOKEN")
@pytest.mark.parametrize(("kind", "name"), FIELDS, ids=[n for _, n in FIELDS])
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_fuzzed_arguments_get_coded_answers_only(
    client: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    team: list[str],
    kind: str,
    name: str,
    role: Role | None,
    data: st.DataObject,
) -> None:
    query, types = operation(kind, name, _field(kind, name))
    variables = data.draw(variables_for(types), label="variables")
    sender = anonymous if role is None else client
    headers = None if role is None else bearer(ME if role is Role.DISTRIBUTOR else "fz", role)
    try:
        body = await gql(sender, query, variables, headers=headers)  # asserts HTTP < 500
        assert_coded(body, (query, variables))
    finally:  # the fuzz may have activated a rule set: back to the platform defaults
        if name == "activateRuleSet":
            await gql(client, "mutation { activateRuleSet(version: 0) { version } }")


async def test_every_root_field_and_role_is_fuzzed(client: httpx.AsyncClient) -> None:
    """A new root field, role, scalar or input type is fuzzed, or this fails: the served
    schema's root fields are the parametrized ones, and each argument has values."""
    served = await client_schema(client)
    assert sorted(FIELDS) == sorted((kind, name) for kind, name, _ in root_fields(served))
    assert len(FIELDS) >= 36
    assert set(ROLES) == {*Role, None}
    for kind, name, f in root_fields(served):
        _, types = operation(kind, name, f)
        for t in types.values():
            values_of(t, mode=MALFORMED)  # raises Ungeneratable for a type it cannot fill
    scalars = {n for n, t in served.type_map.items() if isinstance(t, GraphQLScalarType)}
    assert scalars <= set(KNOWN_SCALARS), scalars - set(KNOWN_SCALARS)
