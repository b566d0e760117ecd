"""PII at rest and on display (SPEC §3.9): AES-GCM sealing with key ids, and masks.

A sealed value reads `pii1:<key id>:<base64(nonce ‖ ciphertext)>`. The key id travels
with the value, so keys can rotate: new values are sealed with the first key of the
keyring, old ones still open with the key they name. The associated data binds a value
to its owner and field (`"<distributor id>/phone"`), so a ciphertext copied onto another
node or field does not open.

Lookups never decrypt: they use the keyed hash of `domain.fraud.identifiers`.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "pii1"
NONCE_BYTES = 12
KEY_ID = re.compile(r"[A-Za-z0-9_\-]{1,32}")


class SealError(ValueError):
    """A sealed value that does not open: unknown key id, wrong key, or tampered."""


@dataclass(frozen=True)
class Keyring:
    """The PII keys by id; `current_id` seals, every key opens what it sealed."""

    current_id: str
    keys: Mapping[str, bytes]

    def seal(self, plain: str, *, owner: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current_id]).encrypt(nonce, plain.encode(), owner.encode())
        payload = base64.b64encode(nonce + sealed).decode()
        return f"{PREFIX}:{self.current_id}:{payload}"

    def open(self, value: str, *, owner: str) -> str:
        """The plain text of a sealed value; a value stored before sealing comes back as is."""
        if not is_sealed(value):
            return value
        _, key_id, payload = value.split(":", 2)
        key = self.keys.get(key_id)
        if key is None:
            raise SealError(f"no PII key with id {key_id!r} is configured")
        try:
            raw = base64.b64decode(payload, validate=True)
            plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], owner.encode())
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise SealError(f"a PII value sealed with key {key_id!r} does not open") from exc
        return plain.decode()


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX + ":")


def parse_keyring(text: str) -> Keyring:
    """`"k2:<base64 key>,k1:<base64 key>"`: AES-256 keys by id, the first one current."""
    keys: dict[str, bytes] = {}
    for item in text.split(","):
        key_id, _, encoded = item.strip().partition(":")
        if not KEY_ID.fullmatch(key_id):
            raise ValueError(f"PII key id {key_id!r} must be 1-32 of A-Z a-z 0-9 _ -")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise ValueError(f"PII key {key_id!r} is not base64") from None
        if len(key) != 32:
            raise ValueError(f"PII key {key_id!r} must be 32 bytes (AES-256), got {len(key)}")
        if key_id in keys:
            raise ValueError(f"PII key id {key_id!r} appears twice")
        keys[key_id] = key
    return Keyring(current_id=next(iter(keys)), keys=keys)


def owner_of(distributor_id: str, field: str) -> str:
    """The associated data that ties a sealed value to its distributor and field."""
    return f"{distributor_id}/{field}"


def mask_phone(phone: str) -> str:
    """`13812341234` → `138****1234`: the first three and last four digits stay."""
    if len(phone) <= 7:
        return "*" * max(len(phone) - 2, 0) + phone[-2:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str) -> str:
    """`张三` → `张*`: the first character stays."""
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else "*"


def mask_account(account: str) -> str:
    """Only the last four characters stay."""
    return "*" * max(len(account) - 4, 0) + account[-4:]
