"""One validated settings object, read from the environment (prefix REFERRAL_).

The three-level cap (`domain.cap`) is enforced here: a configuration above it refuses to
start, and nothing can raise it at run time (the settings are frozen and no API changes
them). `policy` builds the network rules from these fields; the defaults live only here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import AliasChoices, Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from access.pii import Keyring, parse_keyring
from access.rate_limit import DEFAULT_LIMITS, MutationLimits
from access.roles import Role
from access.tokens import TokenConfig, read_pem
from domain.cap import CAP_RULE, LEVEL_CAP
from domain.errors import ReferralError
from domain.models import BindMode, DistributionMode, Policy
from domain.money.fen import parse_money
from graph.breaker import Breaker
from graph.db import Database, create_direct, create_driver

ROOT = Path(__file__).resolve().parent.parent
# Development defaults: fine on a laptop, refused in production (`refuse_dev_secrets`).
DEV_IDENTIFIER_SECRET = "dev-identifier-secret"
DEV_JWT_SECRET = "dev-jwt-secret-not-for-production-use"
DEV_PII_KEYS = "dev:ZGV2LXBpaS1rZXktbm90LWZvci1wcm9kdWN0aW9uISE="
DEV_CURSOR_SECRET = "dev-cursor-secret-not-for-production-use"
DEV_NEO4J_PASSWORD = "referral-dev"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REFERRAL_", frozen=True, extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # `referral serve` worker processes; unset, one per core (app/cli.py, at most 8).
    workers: int | None = Field(None, ge=1, le=64)
    # Group commit (graph/money/group_commit.py): concurrent single recordOrder calls of
    # a process wait this long to share one transaction; 0 = each alone (the default
    # until the crash-recovery test has passed with it on: docs/decisions.md).
    order_group_commit_ms: float = Field(0.0, ge=0, le=50)

    neo4j_uri: str = Field(
        "bolt://127.0.0.1:7687", validation_alias=AliasChoices("NEO4J_URI", "REFERRAL_NEO4J_URI")
    )
    neo4j_user: str = Field(
        "neo4j", validation_alias=AliasChoices("NEO4J_USER", "REFERRAL_NEO4J_USER")
    )
    neo4j_password: str = Field(
        DEV_NEO4J_PASSWORD,
        validation_alias=AliasChoices("NEO4J_PASSWORD", "REFERRAL_NEO4J_PASSWORD"),
    )
    neo4j_database: str = "neo4j"
    neo4j_retry_seconds: float = Field(15.0, ge=0, le=60)  # deadlocks and other transient errors
    # Outages (docs/decisions.md): a connection attempt gives up after this long, and once
    # every attempt has failed for `neo4j_outage_seconds` queries answer UNAVAILABLE at once.
    neo4j_connect_timeout_seconds: float = Field(1.0, gt=0, le=60)
    neo4j_outage_seconds: float = Field(1.0, ge=0, le=60)
    # Auto-commit statements over the project's own Bolt connections (graph/bolt/) when
    # the URI names one server (`bolt://`); false sends everything through the driver.
    neo4j_direct_bolt: bool = True
    readiness_timeout_seconds: float = Field(1.0, gt=0, le=30)  # GET /readyz
    neo4j_home: Path = ROOT / "var" / "neo4j"
    neo4j_heap: str = "1g"
    neo4j_pagecache: str = "256m"
    backup_dir: Path = ROOT / "var" / "backups"  # `referral backup` without --to

    commission_levels: int = 2
    team_depth: int = 3
    bind_mode: BindMode = BindMode.WHILE_UNBOUND
    bind_window: timedelta = timedelta(hours=24)
    distribution_mode: DistributionMode = DistributionMode.EVERYONE
    team_leader_recruits: int = Field(10, ge=1)
    spend_threshold: str = "100.00"  # SPEND_THRESHOLD: own net paid orders to distribute

    self_purchase_commission: bool = False
    freeze_days: int = Field(7, ge=0, le=365)
    withdraw_min: str = "1.00"
    withdraw_fee_rate: Decimal = Field(Decimal(0), ge=0, le=Decimal("0.5"))
    # A withdrawal at or below it by a clean distributor is APPROVED at once; "0" = off.
    withdraw_auto_approve_limit: str = "0.00"
    # Team bonus (团队业绩分红): a fraction 0-0.10 of a leader's net team sales; 0 = off.
    team_bonus_rate: Decimal = Field(Decimal(0), ge=0, le=Decimal("0.10"))
    # Seconds between settlement runs inside the app; 0 turns the scheduler off.
    settle_interval_seconds: float = Field(3600.0, ge=0)
    # Seconds between runs of the job that sums the team roll-ups of the days just over
    # (graph/tree/team_day_totals.py); 0 = off (team metrics then read the roll-ups).
    team_totals_interval_seconds: float = Field(3600.0, ge=0)

    # Fraud detection (SPEC §3.8). The secret keys the HMAC of every identifier.
    identifier_secret: str = Field(DEV_IDENTIFIER_SECRET, min_length=16)
    hot_identifier_limit: int = Field(50, ge=2)
    burst_recruits: int = Field(20, ge=2)
    burst_window: timedelta = timedelta(hours=1)
    fraud_scan_interval_seconds: float = Field(21600.0, ge=0)  # 0 = off
    # Analysts' own Cypher (SPEC §13): seconds before Neo4j stops the transaction.
    analyst_query_timeout: float = Field(10.0, gt=0, le=300)

    # HIGH_REFUND_RATE: refunded share (by amount) of the orders that credited a
    # distributor a commission in 90 days, above which the signal fires (SPEC §10).
    refund_rate_limit: float = Field(0.30, gt=0, lt=1)

    # Invite codes (SPEC §10): a share link is this URL + `?invite=CODE`.
    share_base_url: str = "http://127.0.0.1:8000/join"

    # Access (SPEC §3.9, docs/security.md).
    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    jwt_secret: str = Field(DEV_JWT_SECRET, min_length=32)  # HS256
    jwt_public_key: str | None = None  # RS256: PEM text or a path to a PEM file
    jwt_private_key: str | None = None  # RS256, only where tokens are issued
    jwt_issuer: str = "referral"
    jwt_audience: str = "referral-api"
    token_ttl: timedelta = timedelta(hours=1)
    # "id:base64(32 bytes)" by id, comma-separated; the first seals, all open.
    pii_keys: str = DEV_PII_KEYS
    # Keys the HMAC tag of every pagination cursor; changing it voids cursors in flight.
    cursor_secret: str = Field(DEV_CURSOR_SECRET, min_length=32)
    # Mutations per token per window, by role (0 = no limit; docs/security.md). Unset, a
    # role takes MUTATION_RATE_LIMIT if that is set (the one limit for every role before
    # issue #10), else its default: DISTRIBUTOR 30, ANALYST 300, SERVICE and ADMIN none.
    mutation_rate_limit: int | None = Field(None, ge=0)
    mutation_rate_limit_distributor: int | None = Field(None, ge=0)
    mutation_rate_limit_analyst: int | None = Field(None, ge=0)
    mutation_rate_limit_service: int | None = Field(None, ge=0)
    mutation_rate_limit_admin: int | None = Field(None, ge=0)
    mutation_rate_window_seconds: float = Field(60.0, gt=0)

    # Request limits (docs/security.md): refused before execution, or stopped.
    max_body_bytes: int = Field(1_048_576, ge=1024)
    max_query_cost: int = Field(20_000, ge=1)
    request_timeout_seconds: float = Field(30.0, gt=0, le=3600)

    # Clients (SPEC §11, docs/clients.md): browser origins allowed by CORS, comma-separated
    # ("https://shop.example.com,http://localhost:5173"); none by default.
    cors_origins: str = ""
    # Subscriptions: how often each process polls Neo4j's event log (graph/event_hub.py).
    event_poll_seconds: float = Field(0.25, ge=0.05, le=10)

    @field_validator("cors_origins")
    @classmethod
    def origins(cls, value: str) -> str:
        for origin in (o.strip() for o in value.split(",")):
            if origin and (origin == "*" or not urlparse(origin).scheme or origin.endswith("/")):
                raise ValueError(
                    f"cors_origins: {origin!r} must be an origin like https://shop.example.com "
                    "(scheme, host, optional port; no path, no *)."
                )
        return value

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @field_validator("commission_levels", "team_depth")
    @classmethod
    def within_cap(cls, value: int, info: ValidationInfo) -> int:
        name = info.field_name
        if value > LEVEL_CAP:
            raise ValueError(f"{name}={value} is refused: {CAP_RULE}. Use 1, 2 or 3.")
        if value < 1:
            raise ValueError(f"{name}={value} is refused: it must be 1, 2 or 3.")
        return value

    @field_validator("bind_window")
    @classmethod
    def positive_window(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("bind_window must be positive.")
        return value

    @field_validator("spend_threshold", "withdraw_min", "withdraw_auto_approve_limit")
    @classmethod
    def money(cls, value: str, info: ValidationInfo) -> str:
        try:
            parse_money(value)
        except ReferralError as exc:
            raise ValueError(f"{info.field_name}: {exc.message}") from None
        return value

    @field_validator("share_base_url")
    @classmethod
    def share_url(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"share_base_url must be an http(s) URL, got {value!r}.")
        if parsed.query or parsed.fragment or "?" in value or "#" in value:
            raise ValueError("share_base_url must have no query or fragment: `?invite=` follows.")
        return value

    @field_validator("pii_keys")
    @classmethod
    def pii_keyring(cls, value: str) -> str:
        parse_keyring(value)
        return value

    @model_validator(mode="after")
    def refuse_dev_secrets(self) -> Settings:
        """Production refuses every development default secret, naming each one."""
        if self.env != "production":
            return self
        unsafe = []
        if self.jwt_algorithm == "HS256" and self.jwt_secret == DEV_JWT_SECRET:
            unsafe.append("REFERRAL_JWT_SECRET (the development default)")
        if self.jwt_algorithm == "RS256" and not self.jwt_public_key:
            unsafe.append("REFERRAL_JWT_PUBLIC_KEY (RS256 needs one)")
        if DEV_PII_KEYS.split(":", 1)[1] in self.pii_keys:
            unsafe.append("REFERRAL_PII_KEYS (holds the development key)")
        if self.identifier_secret == DEV_IDENTIFIER_SECRET:
            unsafe.append("REFERRAL_IDENTIFIER_SECRET (the development default)")
        if self.cursor_secret == DEV_CURSOR_SECRET:
            unsafe.append("REFERRAL_CURSOR_SECRET (the development default)")
        if self.neo4j_password == DEV_NEO4J_PASSWORD:
            unsafe.append("NEO4J_PASSWORD (the development default)")
        if unsafe:
            raise ValueError(
                "refusing to start in production with development secrets: "
                + "; ".join(unsafe)
                + ". Set each to a secret of your own."
            )
        return self

    @property
    def token_config(self) -> TokenConfig:
        if self.jwt_algorithm == "HS256":
            return TokenConfig(
                algorithm="HS256",
                verify_key=self.jwt_secret,
                sign_key=self.jwt_secret,
                issuer=self.jwt_issuer,
                audience=self.jwt_audience,
            )
        if self.jwt_public_key is None:
            raise ValueError("RS256 needs REFERRAL_JWT_PUBLIC_KEY")
        return TokenConfig(
            algorithm="RS256",
            verify_key=read_pem(self.jwt_public_key),
            sign_key=None if self.jwt_private_key is None else read_pem(self.jwt_private_key),
            issuer=self.jwt_issuer,
            audience=self.jwt_audience,
        )

    @property
    def mutation_limits(self) -> MutationLimits:
        given = {
            Role.DISTRIBUTOR: self.mutation_rate_limit_distributor,
            Role.ANALYST: self.mutation_rate_limit_analyst,
            Role.SERVICE: self.mutation_rate_limit_service,
            Role.ADMIN: self.mutation_rate_limit_admin,
        }
        per_role = {
            role: next(
                v for v in (own, self.mutation_rate_limit, DEFAULT_LIMITS[role]) if v is not None
            )
            for role, own in given.items()
        }
        return MutationLimits(per_role=per_role, window=self.mutation_rate_window_seconds)

    @property
    def keyring(self) -> Keyring:
        return parse_keyring(self.pii_keys)

    @property
    def policy(self) -> Policy:
        return Policy(
            commission_levels=self.commission_levels,
            team_depth=self.team_depth,
            bind_mode=self.bind_mode,
            bind_window=self.bind_window,
            distribution_mode=self.distribution_mode,
            team_leader_recruits=self.team_leader_recruits,
            spend_threshold_fen=parse_money(self.spend_threshold),
            self_purchase_commission=self.self_purchase_commission,
            freeze_days=self.freeze_days,
            withdraw_min_fen=parse_money(self.withdraw_min),
            withdraw_fee_rate=self.withdraw_fee_rate,
            withdraw_auto_approve_limit_fen=parse_money(self.withdraw_auto_approve_limit),
            team_bonus_rate=self.team_bonus_rate,
            identifier_secret=self.identifier_secret.encode(),
            cursor_secret=self.cursor_secret.encode(),
            hot_identifier_limit=self.hot_identifier_limit,
            burst_recruits=self.burst_recruits,
            burst_window=self.burst_window,
            analyst_query_timeout=self.analyst_query_timeout,
            share_base_url=self.share_base_url,
            refund_rate_limit=self.refund_rate_limit,
        )

    def open_database(self) -> Database:
        """A `Database` on a new driver: call once per process (the app, a command)."""
        driver = create_driver(
            uri=self.neo4j_uri,
            user=self.neo4j_user,
            password=self.neo4j_password,
            retry_seconds=self.neo4j_retry_seconds,
            connect_timeout=self.neo4j_connect_timeout_seconds,
        )
        direct = (
            create_direct(
                uri=self.neo4j_uri,
                user=self.neo4j_user,
                password=self.neo4j_password,
                connect_timeout=self.neo4j_connect_timeout_seconds,
            )
            if self.neo4j_direct_bolt
            else None
        )
        return Database(
            driver,
            direct=direct,
            name=self.neo4j_database,
            retry_seconds=self.neo4j_retry_seconds,
            breaker=Breaker(outage_after=self.neo4j_outage_seconds),
        )

    @property
    def neo4j_unreachable(self) -> str:
        """What to say when Neo4j does not answer at start-up."""
        return (
            f"Neo4j is not reachable at {self.neo4j_uri}. Start it with "
            "`referral neo4j start`, or point NEO4J_URI at a running Neo4j."
        )

    @property
    def bolt_host(self) -> str:
        return urlparse(self.neo4j_uri).hostname or "127.0.0.1"

    @property
    def bolt_port(self) -> int:
        return urlparse(self.neo4j_uri).port or 7687


def default_policy(**changes: Any) -> Policy:
    """The rules of the default settings (a test's, a benchmark's), with `changes`."""
    return replace(Settings(env="test").policy, **changes)
