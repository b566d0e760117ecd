"""The settings (SPEC §6, §3.9): defaults, the three-level cap, and production refusing
development secrets, at construction and through the commands."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from pydantic import ValidationError

from access.rate_limit import DEFAULT_LIMITS
from access.roles import Role
from app.cli import main
from app.settings import DEV_NEO4J_PASSWORD, Settings
from domain.models import BindMode

PII_KEY = "k9:" + base64.b64encode(b"k" * 32).decode()


def test_settings_defaults_follow_the_spec() -> None:
    policy = Settings().policy
    assert (policy.commission_levels, policy.team_depth, policy.team_leader_recruits) == (2, 3, 10)
    assert BindMode.WHILE_UNBOUND is policy.bind_mode
    assert timedelta(hours=24) == policy.bind_window


@pytest.mark.parametrize("field", ["commission_levels", "team_depth"])
def test_settings_above_three_levels_refuse_to_start_naming_the_cap(field: str) -> None:
    with pytest.raises(ValidationError, match="at most three levels"):
        Settings(**{field: 4})


def test_settings_read_the_cap_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFERRAL_COMMISSION_LEVELS", "5")
    with pytest.raises(ValidationError, match="three-level cap"):
        Settings()


@pytest.mark.parametrize("value", [0, -1])
def test_settings_refuse_depth_below_one(value: int) -> None:
    with pytest.raises(ValidationError):
        Settings(team_depth=value)


def test_production_refuses_every_default_secret_and_names_them() -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(env="production", neo4j_password=DEV_NEO4J_PASSWORD)
    message = str(caught.value)
    for name in (
        "REFERRAL_JWT_SECRET",
        "REFERRAL_PII_KEYS",
        "REFERRAL_IDENTIFIER_SECRET",
        "REFERRAL_CURSOR_SECRET",
        "NEO4J_PASSWORD",
    ):
        assert name in message


def test_production_refuses_the_development_neo4j_password() -> None:
    """Issue 10 item 9: the local Neo4j now enforces a password; production needs its own."""
    own = {"jwt_secret": "s" * 40, "pii_keys": PII_KEY, "identifier_secret": "i" * 32,
           "cursor_secret": "c" * 32}  # fmt: skip
    with pytest.raises(ValidationError, match="NEO4J_PASSWORD"):
        Settings(env="production", neo4j_password=DEV_NEO4J_PASSWORD, **own)
    assert "n" * 16 == Settings(env="production", neo4j_password="n" * 16, **own).neo4j_password


def test_production_starts_with_secrets_of_its_own() -> None:
    settings = Settings(env="production", jwt_secret="s" * 40, pii_keys=PII_KEY,
                        identifier_secret="i" * 32, cursor_secret="c" * 32,
                        neo4j_password="n" * 16)  # fmt: skip
    assert "k9" == settings.keyring.current_id
    with pytest.raises(ValidationError, match="REFERRAL_PII_KEYS"):
        Settings(env="production", jwt_secret="s" * 40, identifier_secret="i" * 32,
                 cursor_secret="c" * 32, neo4j_password="n" * 16)  # fmt: skip
    with pytest.raises(ValidationError, match="REFERRAL_CURSOR_SECRET"):
        Settings(env="production", jwt_secret="s" * 40, pii_keys=PII_KEY,
                 identifier_secret="i" * 32, neo4j_password="n" * 16)  # fmt: skip


def test_production_with_rs256_needs_a_public_key() -> None:
    with pytest.raises(ValidationError, match="REFERRAL_JWT_PUBLIC_KEY"):
        Settings(env="production", jwt_algorithm="RS256", pii_keys=PII_KEY,
                 identifier_secret="i" * 32, cursor_secret="c" * 32)  # fmt: skip


def test_malformed_pii_keys_are_refused() -> None:
    for bad in ("k1:short", "no-colon", "k1:" + "!" * 44, f"{PII_KEY},{PII_KEY}"):
        with pytest.raises(ValidationError):
            Settings(pii_keys=bad)


def test_commands_refuse_to_start_in_production_with_dev_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REFERRAL_ENV", "production")
    with pytest.raises(SystemExit) as caught:
        main(["serve"])
    message = str(caught.value.code)
    assert "refusing to start" in message and "REFERRAL_JWT_SECRET" in message


def test_settings_keep_the_old_single_limit_as_the_fallback_of_every_role() -> None:
    old = Settings(env="test", mutation_rate_limit=120, mutation_rate_limit_service=0)
    assert {Role.DISTRIBUTOR: 120, Role.ANALYST: 120, Role.SERVICE: 0, Role.ADMIN: 120} == dict(
        old.mutation_limits.per_role
    )
    assert dict(DEFAULT_LIMITS) == dict(Settings(env="test").mutation_limits.per_role)


def test_withdraw_auto_approve_limit_is_money_and_off_by_default() -> None:
    assert 0 == Settings(env="test").policy.withdraw_auto_approve_limit_fen
    limit = Settings(env="test", withdraw_auto_approve_limit="200.00")
    assert 20000 == limit.policy.withdraw_auto_approve_limit_fen
    for bad in ("-1", "1.234", "abc"):
        with pytest.raises(ValidationError, match="withdraw_auto_approve_limit"):
            Settings(env="test", withdraw_auto_approve_limit=bad)
