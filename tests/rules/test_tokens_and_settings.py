"""Bearer tokens (issue, verify, tampering) and the settings that refuse dev secrets."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from app.cli import main
from app.settings import DEV_NEO4J_PASSWORD, Settings
from app.tokens import TokenConfig, bearer_token, issue, parse_ttl, verify
from graph.errors import Unauthenticated
from graph.rules.access import Role
from tests.forged_tokens import CONFIG, FORGERIES, genuine

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


def test_production_refuses_every_default_secret_and_names_them() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(env="production", neo4j_password=DEV_NEO4J_PASSWORD)
    message = str(caught.value)
    for name in (
        "REFERRAL_JWT_SECRET",
        "REFERRAL_PII_KEYS",
        "REFERRAL_IDENTIFIER_SECRET",
        "NEO4J_PASSWORD",
    ):
        assert name in message


def test_production_refuses_the_development_neo4j_password() -> None:
    """Issue 10 item 9: the local Neo4j now enforces a password; production needs its own."""
    own = {"jwt_secret": "s" * 40, "pii_keys": PII_KEY, "identifier_secret": "i" * 32}
    with pytest.raises(ValidationError, match="NEO4J_PASSWORD"):
        Settings(env="production", neo4j_password=DEV_NEO4J_PASSWORD, **own)
    assert "n" * 16 == Settings(env="production", neo4j_password="n" * 16, **own).neo4j_password


def test_production_starts_with_secrets_of_its_own() -> None:
    settings = Settings(env="production", jwt_secret="s" * 40, pii_keys=PII_KEY,
                        identifier_secret="i" * 32, neo4j_password="n" * 16)  # fmt: skip
    assert "k9" == settings.keyring.current_id
    with pytest.raises(ValidationError, match="REFERRAL_PII_KEYS"):
        Settings(env="production", jwt_secret="s" * 40, identifier_secret="i" * 32,
                 neo4j_password="n" * 16)  # fmt: skip


def test_production_with_rs256_needs_a_public_key() -> None:
    with pytest.raises(ValidationError, match="REFERRAL_JWT_PUBLIC_KEY"):
        Settings(env="production", jwt_algorithm="RS256", pii_keys=PII_KEY,
                 identifier_secret="i" * 32)  # fmt: skip


def test_malformed_pii_keys_are_refused() -> None:
    for bad in ("k1:short", "no-colon", "k1:" + "!" * 44, f"{PII_KEY},{PII_KEY}"):
        with pytest.raises(ValidationError):
            Settings(pii_keys=bad)


def test_the_token_command_prints_a_verifiable_token_last(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["token", "--subject", "ops-1", "--role", "ANALYST", "--ttl", "15m"])
    token = capsys.readouterr().out.strip().splitlines()[-1]
    caller = verify(config=Settings().token_config, token=token)
    assert ("ops-1", "ANALYST") == (caller.actor.subject, caller.actor.role)


def test_commands_refuse_to_start_in_production_with_dev_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REFERRAL_ENV", "production")
    with pytest.raises(SystemExit) as caught:
        main(["serve"])
    message = str(caught.value.code)
    assert "refusing to start" in message and "REFERRAL_JWT_SECRET" in message
