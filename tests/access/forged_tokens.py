"""Tampered bearer tokens, for the tests that they are refused (unit and over HTTP)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import jwt

from access.roles import Role
from access.tokens import TokenConfig, issue
from app.settings import Settings

CONFIG = Settings(env="test").token_config


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def genuine(
    role: Role = Role.DISTRIBUTOR, *, config: TokenConfig = CONFIG, subject: str = "d-1"
) -> str:
    return issue(
        config=config, subject=subject, role=role, ttl=timedelta(hours=1), now=datetime.now(UTC)
    )


def bad_signature() -> str:
    head, claims, signature = genuine().split(".")
    return f"{head}.{claims}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


def edited_to_admin() -> str:
    """A DISTRIBUTOR token whose role claim was rewritten, signature kept."""
    head, claims, signature = genuine().split(".")
    payload = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    payload["role"] = "ADMIN"
    return f"{head}.{_b64(payload)}.{signature}"


def expired() -> str:
    return issue(config=CONFIG, subject="d-1", role=Role.ADMIN, ttl=timedelta(minutes=1),
                 now=datetime.now(UTC) - timedelta(hours=1))  # fmt: skip


def other_audience() -> str:
    config = TokenConfig("HS256", CONFIG.verify_key, CONFIG.sign_key, CONFIG.issuer, "other")
    return genuine(Role.ADMIN, config=config)


def other_issuer() -> str:
    config = TokenConfig("HS256", CONFIG.verify_key, CONFIG.sign_key, "evil", CONFIG.audience)
    return genuine(Role.ADMIN, config=config)


def alg_none() -> str:
    claims = jwt.decode(genuine(Role.ADMIN), options={"verify_signature": False})
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


def without_expiry() -> str:
    claims = {"sub": "x", "role": "ADMIN", "iss": CONFIG.issuer, "aud": CONFIG.audience}
    return jwt.encode(claims, CONFIG.verify_key, algorithm="HS256")


# Each forgery, and a word its refusal message must contain.
FORGERIES = {
    "bad signature": (bad_signature, "signature"),
    "distributor edited to admin": (edited_to_admin, "signature"),
    "expired": (expired, "expired"),
    "wrong audience": (other_audience, "audience"),
    "wrong issuer": (other_issuer, "issuer"),
    "alg none": (alg_none, "algorithm"),
    "no expiry": (without_expiry, "malformed or incomplete"),
    "garbage": (lambda: "not-a-token", "malformed"),
}
