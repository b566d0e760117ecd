"""Money as integer fen and its decimal string ("12.34"): round trips and refusals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import BadUserInput
from domain.money.fen import format_fen, parse_money


@given(st.integers(min_value=0, max_value=10**14 - 1))
def test_money_round_trips_through_its_string(fen: int) -> None:
    text = format_fen(fen)
    assert len(text.split(".")[1]) == 2
    assert fen == parse_money(text)


def test_format_fen_of_negative_amounts() -> None:
    assert format_fen(-5) == "-0.05"
    assert format_fen(-1230) == "-12.30"


@pytest.mark.parametrize(
    "text",
    ["-1.00", "1.234", "abc", "", "1e5", " 1.00", "01.00", "1.", "NaN", "99.9", "12", "0.5"],
)
def test_parse_money_refuses_bad_input(text: str) -> None:
    with pytest.raises(BadUserInput):
        parse_money(text)
