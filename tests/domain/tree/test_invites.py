"""Invite codes, share links and channels as pure rules (domain/tree/invites.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import BadUserInput
from domain.models import Rank
from domain.tree.invites import (
    ALPHABET,
    check_channel,
    is_code,
    may_recruit,
    new_code,
    normalise_code,
    share_link,
)


def test_alphabet_is_crockford_base32_without_i_l_o_u() -> None:
    assert 32 == len(set(ALPHABET))
    assert not set("ILOU") & set(ALPHABET)
    assert set("0123456789") <= set(ALPHABET)


def test_new_codes_are_8_crockford_characters_and_random() -> None:
    codes = [new_code() for _ in range(2000)]
    assert all(len(c) == 8 and is_code(c) for c in codes)
    assert len(set(codes)) == len(codes)
    # Every position draws from the whole alphabet (2000 draws miss a symbol with
    # odds below 10^-25), so nothing fixed, like a prefix of the id, is in a code.
    for position in range(8):
        assert set(ALPHABET) == {c[position] for c in codes}


@given(st.text(alphabet=ALPHABET, min_size=8, max_size=8))
def test_a_canonical_code_normalises_to_itself(code: str) -> None:
    assert code == normalise_code(code)


def test_typed_codes_are_read_the_crockford_way() -> None:
    assert "1100AB2C" == normalise_code("il-oo ab2c")
    assert "1100AB2C" == normalise_code("LIOOab2c")


@pytest.mark.parametrize("typed", ["", "ABC", "ABCDEFGHJ", "ABCDEFGU", "ABCD*FGH", "\uff21BCDEFGH"])
def test_malformed_codes_are_bad_user_input(typed: str) -> None:
    with pytest.raises(BadUserInput, match="Crockford base32"):
        normalise_code(typed)


def test_only_ranks_that_may_recruit_get_a_code() -> None:
    assert not may_recruit(Rank.MEMBER)
    assert may_recruit(Rank.DISTRIBUTOR)
    assert may_recruit(Rank.TEAM_LEADER)


def test_share_link_is_the_base_url_with_the_code() -> None:
    assert "https://shop.example/join?invite=AB12CD34" == share_link(
        "https://shop.example/join", "AB12CD34"
    )


@pytest.mark.parametrize(
    "channel", ["wechat_share", "qr_code", "poster", "live", "x" * 32, "直播间"]
)
def test_channels_up_to_32_characters_pass(channel: str) -> None:
    assert channel == check_channel(channel)


@pytest.mark.parametrize("channel", ["", "   ", "x" * 33, "a\nb", "tab\t", "nul\x00", "rtl\u202e"])
def test_blank_long_or_control_character_channels_are_bad_user_input(channel: str) -> None:
    with pytest.raises(BadUserInput, match="channel"):
        check_channel(channel)


def test_no_channel_is_none() -> None:
    assert check_channel(None) is None
