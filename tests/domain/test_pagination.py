"""Cursors and windows (`domain.pagination`) and page assembly (`graph.pagination`).

A cursor is signed for one list: any change to it, any other list, root, filter or
secret, and any payload the server would never issue is BAD_USER_INPUT, with a message
that repeats nothing of the cursor.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import BadCursor, BadUserInput
from domain.pagination import (
    VERSION,
    CursorCodec,
    ListKey,
    Page,
    PageArgs,
    Position,
    Row,
    Window,
)
from graph.pagination import paginate

CODEC = CursorCodec(b"test-cursor-secret-of-32-bytes!!")
LEDGER = ListKey(kind="ledger", sort="at desc, id desc", shape=(int, str))
ONE = LEDGER.bound(distributor="alice")
INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
POSITIONS = st.tuples(INT64, st.text(max_size=60))
SCOPES = st.dictionaries(
    st.sampled_from(["root", "depth", "level", "minSize", "acknowledged", "actor"]),
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=8)),
)


def _refused(key: ListKey, text: str) -> BadUserInput:
    with pytest.raises(BadCursor) as caught:
        CODEC.decode(key, text, argument="after")
    return caught.value


def _raw(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _text(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@given(POSITIONS)
def test_a_cursor_round_trips_for_its_own_list(position: tuple[int, str]) -> None:
    assert position == CODEC.decode(ONE, CODEC.encode(ONE, position), argument="after")


@given(st.lists(POSITIONS, max_size=5))
def test_a_pages_cursors_are_its_positions_cursors(positions: list[tuple[int, str]]) -> None:
    """The page's cursors (one HMAC keyed per page, copied per row) are the ones a
    single `cursor` call issues, and the documented format: version byte, the HMAC of
    the list's binding, a newline and the JSON position, then the JSON position."""
    cursors = CODEC.bind(ONE)
    page = Page([Row(node=i, position=p) for i, p in enumerate(positions)], len(positions),
                False, False)  # fmt: skip
    issued = [edge.cursor for edge in cursors.connection(page).edges]
    assert [cursors.cursor(p) for p in positions] == issued
    key = hmac.new(b"test-cursor-secret-of-32-bytes!!", b"referral pagination cursor",
                   hashlib.sha256).digest()  # fmt: skip
    for position, text in zip(positions, issued, strict=True):
        payload = json.dumps(list(position), separators=(",", ":"), ensure_ascii=False).encode()
        tag = hmac.new(key, ONE.binding() + b"\n" + payload, hashlib.sha256).digest()
        assert _text(bytes([VERSION]) + tag + payload) == text
        assert position == CODEC.decode(ONE, text, argument="after")


@given(POSITIONS, st.data())
def test_any_changed_byte_is_refused(position: tuple[int, str], data: st.DataObject) -> None:
    raw = bytearray(_raw(CODEC.encode(ONE, position)))
    at = data.draw(st.integers(0, len(raw) - 1))
    raw[at] ^= data.draw(st.integers(1, 255))
    _refused(ONE, _text(bytes(raw)))


@given(POSITIONS, st.data())
def test_a_truncated_or_extended_cursor_is_refused(
    position: tuple[int, str], data: st.DataObject
) -> None:
    text = CODEC.encode(ONE, position)
    cut = data.draw(st.integers(0, len(text) - 1))
    _refused(ONE, text[:cut])
    _refused(ONE, text + data.draw(st.sampled_from(["A", "Ag", "_-", "AAAA"])))


@given(POSITIONS, SCOPES, SCOPES)
def test_a_cursor_of_another_root_or_filter_is_refused(
    position: tuple[int, str], mine: dict[str, object], theirs: dict[str, object]
) -> None:
    a, b = LEDGER.bound(**mine), LEDGER.bound(**theirs)  # type: ignore[arg-type]
    if a.scope == b.scope:
        return
    _refused(a, CODEC.encode(b, position))


@given(POSITIONS)
def test_a_cursor_of_another_kind_sort_or_secret_is_refused(position: tuple[int, str]) -> None:
    text = CODEC.encode(ONE, position)
    _refused(ListKey("auditEvents", ONE.sort, ONE.shape, ONE.scope), text)
    _refused(ListKey(ONE.kind, "at asc, id asc", ONE.shape, ONE.scope), text)
    with pytest.raises(BadCursor):
        CursorCodec(b"another-secret-entirely-32-bytes").decode(ONE, text, argument="after")


@given(st.text(max_size=200))
def test_any_string_that_is_not_a_cursor_is_refused(text: str) -> None:
    _refused(ONE, text)


def test_a_hand_made_cursor_is_refused_without_echoing_it() -> None:
    """The attack of issue 10: a position naming a stranger, with a made-up tag."""
    payload = json.dumps([1, "stranger-distributor-7"]).encode()
    for forged in (
        _text(payload),  # the old unsigned format
        _text(bytes([1]) + bytes(32) + payload),
        _text(bytes([1]) + b"\xff" * 32 + payload),
    ):
        error = _refused(ONE, forged)
        assert "stranger" not in error.message and forged not in error.message
        assert "after" in error.message


@pytest.mark.parametrize(
    "position",
    [(2**63, "x"), (-(2**63) - 1, "x"), (10**30, "x"), (True, "x"), ("1", "x"), (1, 2), (1,)],
)
def test_a_signed_position_the_server_never_issues_is_refused(position: Position) -> None:
    """Past 64 bits, wrong types or length: refused even with a valid tag."""
    _refused(ONE, CODEC.encode(ONE, position))


@settings(deadline=None)
@given(POSITIONS)
def test_a_second_spelling_of_a_cursor_is_refused(position: tuple[int, str]) -> None:
    """Base64 ignores a short tail's spare bits; a cursor has one spelling only."""
    text = CODEC.encode(ONE, position)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for other in alphabet.replace(text[-1], ""):
        if len(text) % 4 != 1 and _raw(text[:-1] + other) == _raw(text):
            _refused(ONE, text[:-1] + other)


@pytest.mark.parametrize(
    "args",
    [
        PageArgs(first=1, last=1),
        PageArgs(after="a", before="b"),
        PageArgs(first=1, before="b"),
        PageArgs(last=1, after="a"),
    ],
)
def test_mixed_directions_are_refused(args: PageArgs) -> None:
    with pytest.raises(BadUserInput, match="forwards with first/after"):
        CODEC.bind(ONE).window(args, default_size=50)


@pytest.mark.parametrize(
    ("args", "name"),
    [(PageArgs(first=-1), "first"), (PageArgs(first=101), "first"), (PageArgs(last=101), "last")],
)
def test_page_sizes_outside_0_to_100_are_refused(args: PageArgs, name: str) -> None:
    with pytest.raises(BadUserInput, match=f"{name} must be between 0 and 100"):
        CODEC.bind(ONE).window(args, default_size=50)


def test_windows_of_relay_arguments() -> None:
    cursors = CODEC.bind(ONE)
    text = cursors.cursor((7, "e-7"))
    assert Window(True, 50) == cursors.window(PageArgs(), default_size=50)
    assert Window(True, 0) == cursors.window(PageArgs(first=0), default_size=50)
    assert Window(True, 100, (7, "e-7")) == cursors.window(
        PageArgs(first=100, after=text), default_size=50
    )
    assert Window(False, 3, (7, "e-7")) == cursors.window(
        PageArgs(last=3, before=text), default_size=50
    )
    assert Window(False, 20, (7, "e-7")) == cursors.window(PageArgs(before=text), default_size=20)


def _pages(rows: list[int], window: Window) -> tuple[list[int], bool, bool, int]:
    """`paginate` over an in-memory sorted list standing for a list's keyset reads."""

    async def fetch(forward: bool, boundary: Position | None, limit: int) -> list[Row[int]]:
        if forward:
            found = [r for r in rows if boundary is None or r > int(boundary[0])]
        else:
            found = [r for r in reversed(rows) if boundary is None or r < int(boundary[0])]
        return [Row(node=r, position=(r,)) for r in found[:limit]]

    page = asyncio.run(paginate(window, fetch=fetch, total=len(rows)))
    return (
        [r.node for r in page.rows],
        page.has_previous_page,
        page.has_next_page,
        page.total_count,
    )


@settings(deadline=None)  # an event loop per page: slow on a busy machine, never wrong
@given(st.sets(st.integers(0, 1000), max_size=40), st.integers(1, 7))
def test_paging_both_ways_walks_the_whole_list_once(rows_set: set[int], size: int) -> None:
    rows = sorted(rows_set)
    seen: list[int] = []
    boundary: Position | None = None
    while True:
        page, has_previous, has_next, total = _pages(rows, Window(True, size, boundary))
        assert total == len(rows) and has_previous == bool(seen)
        seen += page
        if not has_next:
            break
        boundary = (page[-1],)
    assert rows == seen
    back: list[int] = []
    boundary = None
    while True:
        page, has_previous, has_next, _ = _pages(rows, Window(False, size, boundary))
        assert has_next == bool(back)
        back = page + back
        if not has_previous:
            break
        boundary = (page[0],)
    assert rows == back


def test_an_empty_page_past_the_end_still_has_a_previous_page() -> None:
    assert ([], True, False, 2) == _pages([1, 2], Window(True, 5, (2,)))
    assert ([], False, True, 2) == _pages([1, 2], Window(True, 0, None))
    assert ([], False, False, 0) == _pages([], Window(True, 5, (9,)))
