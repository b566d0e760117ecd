"""Bearer JWTs (SPEC §3.9): issuing (`referral token`) and verifying (every request).

HS256 with a shared secret by default; RS256 with a public key (and, only where tokens
are issued, a private key) as an option. Issuer, audience, expiry and the role claim are
checked; the algorithm is fixed by the settings, so `alg: none` and algorithm swaps fail.

A token that verified is remembered (`VerifiedTokens`): a client sends the same token
with every request, and checking its signature and claims again cost more than the
rest of the request's authentication (docs/decisions.md, session 22).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import jwt

from access.roles import Role
from domain.errors import Unauthenticated
from domain.models import Actor


@dataclass(frozen=True)
class TokenConfig:
    algorithm: str
    verify_key: str
    sign_key: str | None
    issuer: str
    audience: str
    leeway_seconds: int = 30


@dataclass(frozen=True)
class Caller:
    """A verified token: who, and a key that names this very token (for rate limits)."""

    actor: Actor
    token_key: str


def read_pem(value: str) -> str:
    """PEM text as given, or the contents of the file it names."""
    return value if value.lstrip().startswith("-----BEGIN") else Path(value).read_text()


def issue(*, config: TokenConfig, subject: str, role: Role, ttl: timedelta, now: datetime) -> str:
    if config.sign_key is None:
        raise ValueError("no signing key configured (RS256 needs REFERRAL_JWT_PRIVATE_KEY)")
    claims = {
        "sub": subject,
        "role": role.value,
        "iss": config.issuer,
        "aud": config.audience,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, config.sign_key, algorithm=config.algorithm)


class VerifiedTokens:
    """Tokens that verified, with the callers they name, until they expire.

    Exact: the same text under the same settings always verifies the same way, except
    for time, and time only makes `nbf` and `iat` truer; so a remembered token is
    checked again for `exp` alone (with the same leeway), and one past it is verified
    afresh, which refuses it saying why. Refused tokens are never remembered. Bounded:
    the least recently used go first."""

    def __init__(self, *, size: int = 4096) -> None:
        self.size = size
        self._known: OrderedDict[tuple[TokenConfig, str], tuple[Caller, float]] = OrderedDict()

    def verify(self, *, config: TokenConfig, token: str) -> Caller:
        key = (config, token)
        known = self._known.get(key)
        if known is not None and time.time() < known[1] + config.leeway_seconds:
            self._known.move_to_end(key)
            return known[0]
        self._known.pop(key, None)
        caller, expires_at = _verified(config, token)
        self._known[key] = (caller, expires_at)
        if len(self._known) > self.size:
            self._known.popitem(last=False)
        return caller

    def __len__(self) -> int:
        return len(self._known)


REMEMBERED = VerifiedTokens()


def verify(*, config: TokenConfig, token: str) -> Caller:
    """The caller a token names; UNAUTHENTICATED saying why when it does not verify."""
    return REMEMBERED.verify(config=config, token=token)


def _verified(config: TokenConfig, token: str) -> tuple[Caller, float]:
    """The caller a token names and when the token expires, from its signature and
    claims; UNAUTHENTICATED saying why when it does not verify."""
    try:
        claims = jwt.decode(
            token,
            config.verify_key,
            algorithms=[config.algorithm],
            audience=config.audience,
            issuer=config.issuer,
            leeway=config.leeway_seconds,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("The bearer token has expired; ask for a new one.") from None
    except jwt.InvalidAudienceError:
        raise Unauthenticated("The bearer token is meant for another audience.") from None
    except jwt.InvalidIssuerError:
        raise Unauthenticated("The bearer token comes from an unknown issuer.") from None
    except jwt.InvalidAlgorithmError:
        raise Unauthenticated(
            f"The bearer token's algorithm is refused; this API accepts {config.algorithm}."
        ) from None
    except jwt.InvalidSignatureError:
        raise Unauthenticated("The bearer token's signature does not verify.") from None
    except jwt.PyJWTError:
        raise Unauthenticated("The bearer token is malformed or incomplete.") from None
    try:
        role = Role(claims.get("role"))
    except ValueError:
        raise Unauthenticated(
            "The bearer token's role must be one of " + ", ".join(r.value for r in Role) + "."
        ) from None
    actor = Actor(subject=str(claims["sub"]), role=role.value)
    caller = Caller(actor=actor, token_key=hashlib.sha256(token.encode()).hexdigest()[:32])
    return caller, float(claims["exp"])


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header; UNAUTHENTICATED for another scheme."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("The Authorization header must read `Bearer <token>`.")
    return token.strip()


TTL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_ttl(text: str) -> timedelta:
    """`90`, `90s`, `15m`, `12h`, `7d` → a positive timedelta (at most 366 days)."""
    value, unit = (text[:-1], text[-1]) if text[-1:] in TTL_UNITS else (text, "s")
    try:
        seconds = int(value) * TTL_UNITS[unit]
    except ValueError:
        raise ValueError(f"--ttl {text!r}: write a number with s, m, h or d, e.g. 12h") from None
    if not 0 < seconds <= 366 * 86400:
        raise ValueError(f"--ttl {text!r} must be positive and at most 366 days")
    return timedelta(seconds=seconds)
