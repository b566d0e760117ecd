"""The API's schema as a client sees it, for tests that generate their queries from it.

`client_schema` introspects the running app over HTTP, so a new root field, argument or
type is picked up without touching the tests. The rest builds query text: the leaf
fields of a type, argument literals, and one path of nested fields.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
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
    build_client_schema,
    get_introspection_query,
    get_named_type,
    is_leaf_type,
    is_required_argument,
)
from graphql.pyutils import Undefined

OMIT: Any = object()  # an argument left out, so its default applies


async def client_schema(client: httpx.AsyncClient) -> GraphQLSchema:
    """The schema the app serves, read by an introspection query over HTTP."""
    response = await client.post("/graphql", json={"query": get_introspection_query()})
    assert response.status_code == 200, response.text
    return build_client_schema(response.json()["data"])


def root_fields(schema: GraphQLSchema) -> list[tuple[str, str, GraphQLField]]:
    """Every root field as (operation, name, field): queries, then mutations."""
    found: list[tuple[str, str, GraphQLField]] = []
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        if root is not None:
            found.extend((operation, name, f) for name, f in root.fields.items())
    return found


def object_type(t: GraphQLType) -> GraphQLObjectType | None:
    named = get_named_type(t)
    return named if isinstance(named, GraphQLObjectType) else None


def leaf_fields(t: GraphQLObjectType) -> list[str]:
    """The fields of `t` that are scalars or enums and need no argument."""
    return [
        name
        for name, f in t.fields.items()
        if is_leaf_type(get_named_type(f.type))
        and not any(is_required_argument(a) for a in f.args.values())
    ]


def literal(value: Any) -> str:
    """A GraphQL literal for a plain value; `Enum` values print bare."""
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"no literal for {value!r}")


@dataclass(frozen=True)
class Enum:
    """An enum value, printed bare in query text."""

    name: str


def arguments(args: Mapping[str, Any]) -> str:
    given = {k: v for k, v in args.items() if v is not OMIT}
    if not given:
        return ""
    return "(" + ", ".join(f"{k}: {literal(v)}" for k, v in given.items()) + ")"


@dataclass(frozen=True)
class Step:
    """One field of a path, with its arguments."""

    name: str
    args: tuple[tuple[str, Any], ...] = ()

    def text(self) -> str:
        return self.name + arguments(dict(self.args))


def has_id(t: GraphQLObjectType) -> bool:
    return "id" in t.fields


def _plain(f: GraphQLField) -> GraphQLObjectType | None:
    """The object type of a field that needs no argument, else None."""
    if any(is_required_argument(a) for a in f.args.values()):
        return None
    return object_type(f.type)


def selection(t: GraphQLObjectType, seen: frozenset[str] = frozenset()) -> str:
    """Every leaf of `t`; for a type without an id (a connection, an edge, an entry, a set
    of figures), also each of its object fields, down to the next types with an id, of
    which only the leaves."""
    parts = leaf_fields(t)
    if not has_id(t):
        for name, f in t.fields.items():
            child = _plain(f)
            if child is not None and child.name not in seen:
                parts.append(f"{name} {{ {selection(child, seen | {t.name})} }}")
    return " ".join(parts) or "__typename"


def positions(
    t: GraphQLObjectType, seen: frozenset[str] = frozenset()
) -> list[tuple[tuple[str, ...], GraphQLObjectType]]:
    """Where `selection(t)` reaches types with an id: (field names below `t`, type)."""
    if has_id(t):
        return [((), t)]
    found: list[tuple[tuple[str, ...], GraphQLObjectType]] = []
    for name, f in t.fields.items():
        child = _plain(f)
        if child is not None and child.name not in seen:
            found.extend(((name, *sub), c) for sub, c in positions(child, seen | {t.name}))
    return found


@dataclass(frozen=True)
class Path:
    """A root field and nested fields below it, ending at an object type (`end`) whose
    `selection` the query asks for, or at a leaf (`end` None)."""

    operation: str
    steps: tuple[Step, ...]
    end: GraphQLObjectType | None = field(compare=False, hash=False)

    def query(self) -> str:
        text = f"{{ {selection(self.end)} }}" if self.end is not None else ""
        for step in reversed(self.steps):
            text = f"{{ {step.text()} {text} }}"
        return f"{self.operation} {text}"

    def values(self, data: Any, below: tuple[str, ...] = ()) -> list[Any]:
        """The values at the end of this path (and `below` it) in a response's `data`,
        lists flattened, nulls dropped."""
        found = [data]
        for name in (*(s.name for s in self.steps), *below):
            found = [v for item in found if isinstance(item, dict) for v in _flat(item.get(name))]
        return found

    def __str__(self) -> str:
        return ".".join(s.text() for s in self.steps)


def _flat(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return [v for item in value for v in _flat(item)]
    return [value]


def input_value(t: GraphQLType, pick: Any) -> Any:
    """A well-formed value of input type `t`: `pick(name, named_type)` chooses scalars and
    enums; input objects get their required fields; lists one element."""
    if isinstance(t, GraphQLNonNull):
        return input_value(t.of_type, pick)
    if isinstance(t, GraphQLList):
        return [input_value(t.of_type, pick)]
    if isinstance(t, GraphQLInputObjectType):
        return {
            name: input_value(f.type, pick)
            for name, f in t.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
        }
    return pick(t)


def enum_values(t: GraphQLType) -> list[Enum]:
    named = get_named_type(t)
    assert isinstance(named, GraphQLEnumType), named
    return [Enum(v) for v in named.values]


def is_required(arg: GraphQLArgument) -> bool:
    return is_required_argument(arg)
