"""Pure rules of the HTTP edge (issue #10): the query cost, body checks, DateTime bounds
and the database circuit breaker."""

from __future__ import annotations

import pytest
from graphql import parse

from app.http_edge import MAX_JSON_DEPTH, unreadable_part
from domain.errors import BadUserInput
from graph.breaker import Breaker
from schema.cost import LIST_WEIGHT, query_cost
from schema.scalars import parse_datetime
from schema.schema import build_schema

SCHEMA = build_schema()._schema


def cost(query: str) -> int:
    return query_cost(SCHEMA, parse(query))


def test_cost_multiplies_page_sizes_through_nesting() -> None:
    one_page = '{ distributor(id: "x") { downline(first: 100) { edges { node { id } } } } }'
    # distributor, downline, 100 × (edges + node + id)
    assert 1 + 1 + 100 * 3 == cost(one_page)
    nested = (
        '{ distributor(id: "x") { downline(first: 100) { edges { node { '
        "downline(first: 100) { edges { node { id } } } } } } } }"
    )
    assert 1 + 1 + 100 * (1 + 1 + 1 + 100 * 3) == cost(nested)


def test_cost_counts_aliases_defaults_variables_and_plain_lists() -> None:
    default_page = '{ distributor(id: "x") { downline { totalCount edges { cursor } } } }'
    # Connections have no `first` default in the SDL (a `last` alone must not conflict with
    # one): a page of no stated size counts as the largest page.
    assert 1 + 1 + 1 + 100 * 2 == cost(default_page)
    by_variable = "query($n: Int) { leaderboard(metric: SALES, first: $n) { rank } }"
    assert 100 * 2 == cost(by_variable)  # a variable counts as the largest page
    aliased = '{ a: distributor(id: "a") { id } b: distributor(id: "b") { id } }'
    assert 4 == cost(aliased)
    plain_list = '{ distributor(id: "x") { upline { level } } }'
    assert 1 + LIST_WEIGHT * 2 == cost(plain_list)


def test_cost_follows_fragments_and_skips_introspection() -> None:
    spread = (
        'query { distributor(id: "x") { ...Team } } '
        "fragment Team on Distributor { downline(first: 10) { edges { node { id } } } }"
    )
    assert 1 + 1 + 10 * 3 == cost(spread)
    assert 0 == cost("{ __schema { types { name fields { name } } } __typename }")


def test_bodies_nested_too_deep_or_with_lone_surrogates_are_unreadable() -> None:
    deep: object = "x"
    for _ in range(MAX_JSON_DEPTH):
        deep = [deep]
    assert unreadable_part(deep) is None
    assert "levels deep" in str(unreadable_part({"v": deep}))
    assert "surrogate" in str(unreadable_part({"variables": {"name": "\ud800"}}))
    assert "surrogate" in str(unreadable_part({"\udfff": 1}))


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-01T00:00:00+18:01",
        "2026-01-01T00:00:00-23:59",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-00:01",
        "2026-01-01T00:00:00",
    ],
)
def test_datetimes_python_or_neo4j_cannot_hold_are_bad_input(text: str) -> None:
    with pytest.raises(BadUserInput):
        parse_datetime(text)


def test_datetimes_at_the_edges_of_what_is_held_are_accepted() -> None:
    for text in ("2026-01-01T00:00:00+18:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"):
        assert parse_datetime(text).utcoffset() is not None


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_after_an_outage_and_lets_one_probe_through() -> None:
    clock = Clock()
    breaker = Breaker(outage_after=1.0, probe_every=0.5, clock=clock)
    breaker.failed(since=100.0)
    assert breaker.allow()  # one failure is not an outage yet
    clock.now = 101.2
    breaker.failed(since=101.0)
    assert not breaker.allow()  # failing for 1.2 s: open
    clock.now = 101.8
    assert breaker.allow()  # a probe
    clock.now = 103.0
    assert not breaker.allow()  # only one at a time, however long it takes
    breaker.failed(since=101.8)
    clock.now = 103.4
    assert not breaker.allow()  # the next one half a second after it failed
    clock.now = 103.6
    assert breaker.allow()
    breaker.succeeded()
    assert breaker.allow() and breaker.allow()


def test_breaker_forgets_a_failure_long_ago() -> None:
    clock = Clock()
    breaker = Breaker(outage_after=1.0, forget_after=5.0, clock=clock)
    breaker.failed(since=100.0)
    clock.now = 200.0
    breaker.failed(since=199.9)
    assert breaker.allow()
