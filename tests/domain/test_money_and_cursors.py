"""Money strings and downline cursors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import BadUserInput
from domain.money.fen import format_fen, parse_money
from domain.pagination import DownlineCursor, decode_cursor, encode_cursor


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


@given(st.integers(min_value=1, max_value=3), st.text(min_size=1, max_size=80))
def test_cursor_round_trips(level: int, path: str) -> None:
    cursor = DownlineCursor(root_key="root", level=level, path=path)
    assert cursor == decode_cursor(encode_cursor(cursor), root_key="root")


@pytest.mark.parametrize("text", ["", "!!!", "bm90IGpzb24", "WzEsMl0"])
def test_decode_cursor_refuses_garbage(text: str) -> None:
    with pytest.raises(BadUserInput):
        decode_cursor(text, root_key="root")


def test_decode_cursor_refuses_a_cursor_of_another_downline() -> None:
    text = encode_cursor(DownlineCursor(root_key="other", level=1, path="p"))
    with pytest.raises(BadUserInput, match="different"):
        decode_cursor(text, root_key="root")
