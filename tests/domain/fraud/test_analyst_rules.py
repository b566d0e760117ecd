"""The analyst workbench's pure rules: inputs, the plan judge, messages, cursors."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import BadUserInput
from domain.fraud.analyst import (
    check_cypher,
    check_limit,
    check_name,
    check_params,
    operators,
    query_hash,
    refusal,
    safe_message,
)

READ_PLAN = {
    "operatorType": "ProduceResults@neo4j",
    "args": {"Details": "n"},
    "children": [{"operatorType": "AllNodesScan@neo4j", "args": {"Details": "n"}}],
}


def test_operators_walk_the_plan_and_drop_the_database() -> None:
    assert [("ProduceResults", "n"), ("AllNodesScan", "n")] == operators(READ_PLAN)
    assert [] == operators(None)


@pytest.mark.parametrize("query_type", ["rw", "w", "s", None, ""])
def test_anything_but_a_read_is_refused(query_type: str | None) -> None:
    assert refusal(query_type=query_type, steps=operators(READ_PLAN)) is not None


def test_a_plain_read_passes() -> None:
    assert refusal(query_type="r", steps=operators(READ_PLAN)) is None


@pytest.mark.parametrize(
    "step",
    [
        ("LoadCSV", "line"),
        ("AdministrationCommand", ""),
        ("ShowTransactions", "allTransactions"),
        ("ShowSettings", "allSettings"),
        ("TerminateTransactions", "transactions(x)"),
        ("ProcedureCall", "dbms.listConfig() :: (name :: STRING)"),
        ("ProcedureCall", "db.clearQueryCaches() :: (value :: STRING)"),
        ("ProcedureCall", "tx.setMetaData($m) :: ()"),
    ],
)
def test_operators_outside_the_graph_are_refused_even_in_a_read(step: tuple[str, str]) -> None:
    assert refusal(query_type="r", steps=[step]) is not None


@pytest.mark.parametrize(
    "step",
    [
        ("ProcedureCall", "db.labels() :: (label :: STRING)"),
        ("ProcedureCall", "db.schema.visualization() :: (nodes :: LIST<NODE>)"),
        ("ShowIndexes", "allIndexes"),
        ("ShowConstraints", "allConstraints"),
    ],
)
def test_schema_look_ups_pass(step: tuple[str, str]) -> None:
    assert refusal(query_type="r", steps=[step]) is None


def test_params_accept_json_values_and_a_json_object_text() -> None:
    given_params = {"id": "a", "n": 1, "x": 1.5, "ok": True, "none": None, "l": [1, {"k": "v"}]}
    assert given_params == check_params(given_params)
    assert {"id": "a"} == check_params('{"id": "a"}')
    assert {} == check_params(None)


@pytest.mark.parametrize(
    "params",
    ["[1]", "nope", 3, [1], {"1a": 1}, {"a-b": 1}, {"n": 2**63}, {"x": float("nan")},
     {"d": [[[[[[[[1]]]]]]]]}, {"s": object()}, {"m": {1: 2}}, {"big": "x" * 70_000}],
)  # fmt: skip
def test_bad_params_are_refused(params: object) -> None:
    with pytest.raises(BadUserInput):
        check_params(params)


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_every_64_bit_integer_passes(n: int) -> None:
    assert {"n": n} == check_params({"n": n})


def test_limits_names_and_texts() -> None:
    assert (1, 10_000) == (check_limit(1), check_limit(10_000))
    for bad in (0, 10_001):
        with pytest.raises(BadUserInput):
            check_limit(bad)
    assert "rings" == check_name("  rings ")
    for bad_name in ("", "   ", "x" * 101):
        with pytest.raises(BadUserInput):
            check_name(bad_name)
    for bad_text in ("", "  \n", "x" * 20_001):
        with pytest.raises(BadUserInput):
            check_cypher(bad_text)


def test_query_hash_is_the_sha256_of_the_text() -> None:
    assert hashlib.sha256(b"RETURN 1").hexdigest() == query_hash("RETURN 1")


def test_safe_message_keeps_the_first_line_and_the_analysts_positions() -> None:
    neo4j = "Invalid input '': expected ')' (line 3, column 9 (offset: 24))\n\"EXPLAIN\"\n  ^"
    assert "Invalid input '': expected ')' (line 2, column 9 (offset: 16))" == safe_message(
        neo4j, explained=True
    )
    assert "(line 3, column 9 (offset: 24))" in safe_message(neo4j, explained=False)
    assert 500 == len(safe_message("x" * 900, explained=False))
