"""Bearer tokens: issuing, verifying, tampering, and the `referral token` command."""

from __future__ import annotations

import base64
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from access.roles import Role
from access.tokens import (
    TokenConfig,
    VerifiedTokens,
    bearer_token,
    issue,
    parse_ttl,
    verify,
)
from app.cli import main
from app.settings import Settings
from domain.errors import Unauthenticated
from tests.access.forged_tokens import CONFIG, FORGERIES, genuine

NOW = datetime.now(UTC)
PII_KEY = "k9:" + base64.b64encode(b"k" * 32).decode()


def _refused(token: str, config: TokenConfig = CONFIG) -> str:
    with pytest.raises(Unauthenticated) as caught:
        verify(config=config, token=token)
    return caught.value.message


def test_verify_returns_the_subject_and_role() -> None:
    caller = verify(config=CONFIG, token=genuine(Role.ANALYST))
    assert ("d-1", "ANALYST") == (caller.actor.subject, caller.actor.role)


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_tampered_tokens_are_refused_saying_why(forgery: str) -> None:
    make, reason = FORGERIES[forgery]
    assert reason in _refused(make())


def test_an_unknown_role_is_refused() -> None:
    claims = {"sub": "x", "role": "ROOT", "iss": "referral", "aud": "referral-api",
              "exp": int((NOW + timedelta(hours=1)).timestamp())}  # fmt: skip
    assert "role" in _refused(jwt.encode(claims, CONFIG.verify_key, algorithm="HS256"))


def test_a_remembered_token_still_expires() -> None:
    """Verified once, then past its `exp`: refused as expired, as if never seen."""
    strict = replace(CONFIG, leeway_seconds=0)
    tokens = VerifiedTokens()
    token = issue(config=strict, subject="d-1", role=Role.ADMIN, ttl=timedelta(seconds=1),
                  now=datetime.now(UTC))  # fmt: skip
    assert "d-1" == tokens.verify(config=strict, token=token).actor.subject
    assert "d-1" == tokens.verify(config=strict, token=token).actor.subject
    time.sleep(1.1)
    with pytest.raises(Unauthenticated) as caught:
        tokens.verify(config=strict, token=token)
    assert "expired" in caught.value.message


def test_a_token_is_remembered_only_under_the_settings_it_verified_with() -> None:
    tokens = VerifiedTokens()
    token = genuine(Role.ANALYST)
    assert "ANALYST" == tokens.verify(config=CONFIG, token=token).actor.role
    for other in (replace(CONFIG, audience="another-api"), replace(CONFIG, verify_key="x" * 40)):
        with pytest.raises(Unauthenticated):
            tokens.verify(config=other, token=token)


def test_refused_tokens_are_not_remembered_and_the_memory_is_bounded() -> None:
    tokens = VerifiedTokens(size=2)
    for forgery in sorted(FORGERIES):
        make, reason = FORGERIES[forgery]
        for _ in range(2):
            with pytest.raises(Unauthenticated) as caught:
                tokens.verify(config=CONFIG, token=make())
            assert reason in caught.value.message
    assert 0 == len(tokens)
    for role in (Role.ADMIN, Role.ANALYST, Role.SERVICE):
        assert role.value == tokens.verify(config=CONFIG, token=genuine(role)).actor.role
    assert 2 == len(tokens)


def _rsa_pem() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def test_rs256_tokens_verify_with_the_public_key_and_refuse_hs256_forgeries() -> None:
    private, public = _rsa_pem()
    settings = Settings(env="test", jwt_algorithm="RS256", jwt_public_key=public,
                        jwt_private_key=private)  # fmt: skip
    config = settings.token_config
    token = issue(config=config, subject="svc", role=Role.SERVICE, ttl=timedelta(hours=1),
                  now=NOW)  # fmt: skip
    assert "SERVICE" == verify(config=config, token=token).actor.role
    # The classic confusion: an HS256 token "signed" with the public key as the secret.
    forged = jwt.encode(jwt.decode(token, options={"verify_signature": False}), "x" * 32)
    assert "algorithm" in _refused(forged, config)


def test_bearer_header_parsing() -> None:
    assert bearer_token(None) is None
    assert "abc" == bearer_token("Bearer abc")
    with pytest.raises(Unauthenticated):
        bearer_token("Basic dXNlcjpwYXNz")


def test_ttl_parsing() -> None:
    assert timedelta(hours=12) == parse_ttl("12h")
    assert timedelta(seconds=90) == parse_ttl("90")
    for bad in ("0", "-5m", "12x", "400d", ""):
        with pytest.raises(ValueError):
            parse_ttl(bad)


def test_the_token_command_prints_a_verifiable_token_last(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["token", "--subject", "ops-1", "--role", "ANALYST", "--ttl", "15m"])
    token = capsys.readouterr().out.strip().splitlines()[-1]
    caller = verify(config=Settings().token_config, token=token)
    assert ("ops-1", "ANALYST") == (caller.actor.subject, caller.actor.role)
