"""Identifiers (SPEC §3.8): normalised, then keyed by an HMAC, never stored in plain text.

Trivially different spellings must meet: addresses are NFKC-normalised (full-width
characters become half-width), lower-cased, and stripped of spaces and punctuation;
phone numbers keep their digits (a leading 86 country code dropped); payment accounts
lose spaces and dashes; device fingerprints and IPs are trimmed and lower-cased.
"""

from __future__ import annotations

import enum
import hmac
import unicodedata
from dataclasses import dataclass

from domain.errors import BadUserInput

MAX_LENGTH = 500


class IdentifierKind(enum.Enum):
    DEVICE = "DEVICE"
    PHONE = "PHONE"
    IP = "IP"
    PAYMENT = "PAYMENT"
    ADDRESS = "ADDRESS"


# The kinds that link distributors into rings (an IP is shared too casually).
RING_KINDS = frozenset(
    {IdentifierKind.DEVICE, IdentifierKind.PHONE, IdentifierKind.PAYMENT, IdentifierKind.ADDRESS}
)


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: IdentifierKind
    key: str  # "KIND:hmac", the node key


def normalise(kind: IdentifierKind, value: str) -> str:
    """The canonical spelling of `value`; BAD_USER_INPUT when nothing is left of it."""
    if len(value) > MAX_LENGTH:
        raise BadUserInput(f"{kind.value.lower()} must be at most {MAX_LENGTH} characters.")
    text = unicodedata.normalize("NFKC", value).strip().lower()
    if kind is IdentifierKind.ADDRESS:
        text = "".join(c for c in text if unicodedata.category(c)[0] not in "PZSC")
    elif kind is IdentifierKind.PHONE:
        text = "".join(c for c in text if c.isdigit())
        if len(text) == 13 and text.startswith("86"):
            text = text[2:]
    elif kind is IdentifierKind.PAYMENT:
        text = "".join(c for c in text if c not in " -_")
    if not text:
        raise BadUserInput(f"{kind.value.lower()} {value[:40]!r} has nothing to identify.")
    return text


def identify(kind: IdentifierKind, value: str, *, secret: bytes) -> Identifier:
    """The keyed hash of the normalised value: equal spellings, equal keys."""
    digest = hmac.new(secret, f"{kind.value}\x00{normalise(kind, value)}".encode(), "sha256")
    return Identifier(kind=kind, key=f"{kind.value}:{digest.hexdigest()[:40]}")


def identify_all(values: dict[IdentifierKind, str | None], *, secret: bytes) -> list[Identifier]:
    return [identify(kind, value, secret=secret) for kind, value in values.items() if value]
