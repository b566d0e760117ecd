"""Invite codes, share links and channels (SPEC §10): pure rules, no I/O.

A code is 8 characters of Crockford's base32 (digits and letters without I, L, O, U),
drawn from `secrets`: 40 random bits, nothing derived from the distributor's id, so a
code can neither be guessed from an id nor an id read from a code. Codes are stored in
their canonical form (upper case); what a person types is read the Crockford way
(`normalise_code`: case-insensitive, I and L read as 1, O as 0, hyphens and spaces
ignored).
"""

from __future__ import annotations

import secrets
import unicodedata

from domain.errors import BadUserInput
from domain.models import Rank

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
MAX_CHANNEL_LENGTH = 32
# Crockford's decoding: look-alikes read as the digit they resemble.
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_IGNORED = str.maketrans("", "", "- ")


def new_code() -> str:
    """A fresh random code (32^8 ≈ 1.1 × 10^12 of them; the database keeps them unique)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def is_code(value: str) -> bool:
    """Whether `value` is a code in canonical form."""
    return len(value) == CODE_LENGTH and all(c in ALPHABET for c in value)


def normalise_code(value: str, *, field: str = "inviteCode") -> str:
    """The canonical form of a code a person typed; BAD_USER_INPUT if it cannot be one."""
    canonical = value.translate(_IGNORED).upper().translate(_READ_AS)
    if not is_code(canonical):
        raise BadUserInput(
            f"{field} must be {CODE_LENGTH} characters of Crockford base32 "
            f"(0-9 and A-Z without I, L, O, U), got {value[:40]!r}."
        )
    return canonical


def may_recruit(rank: Rank) -> bool:
    """A code is issued once the distributor may recruit: from DISTRIBUTOR up (a MEMBER
    awaiting approval or its spend threshold has none)."""
    return rank is not Rank.MEMBER


def share_link(base_url: str, code: str) -> str:
    """`REFERRAL_SHARE_BASE_URL` + `?invite=CODE`."""
    return f"{base_url}?invite={code}"


def check_channel(value: str | None) -> str | None:
    """A channel is free text of 1-32 characters without control characters."""
    if value is None:
        return None
    if not value.strip() or len(value) > MAX_CHANNEL_LENGTH:
        raise BadUserInput(
            f"channel must be 1-{MAX_CHANNEL_LENGTH} characters, not blank "
            f"(got {len(value)} characters)."
        )
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in value):
        raise BadUserInput("channel must not contain control characters.")
    return value
