"""The per-request context: database, policy, caller, PII keys, DataLoaders, request id;
and `Info`, what every field resolver of `schema/` and `access/` receives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from access.pii import Keyring
from access.rate_limit import MutationLimits
from domain.models import Actor, Distributor, Policy, RefundRate, UplineEntry
from domain.pagination import CursorCodec, ListCursors, ListKey, Window
from graph.db import Database
from graph.event_hub import EventHub
from graph.fraud import refund_rate
from graph.money.group_commit import OrderGroups
from graph.tree import distributors, invites
from graph.tree.team import FirstRead


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Loaders:
    """DataLoaders live for one request only, so nothing is cached across callers."""

    db: Database
    clock: Callable[[], datetime]
    distributor: DataLoader[str, Distributor | None] = field(init=False)
    # Codes issued on first read to distributors that may recruit but have none yet.
    invite_code: DataLoader[str, str | None] = field(init=False)
    refund_rate: DataLoader[str, RefundRate] = field(init=False)

    def __post_init__(self) -> None:
        self.distributor = DataLoader(load_fn=self._load_distributors)
        self.invite_code = DataLoader(load_fn=self._issue_invite_codes)
        self.refund_rate = DataLoader(load_fn=self._load_refund_rates)

    async def _load_distributors(self, ids: list[str]) -> list[Distributor | None]:
        return await distributors.get_many(self.db, ids=ids)

    async def _issue_invite_codes(self, ids: list[str]) -> list[str | None]:
        codes = await invites.issue_missing(self.db, ids=ids)
        return [codes.get(distributor_id) for distributor_id in ids]

    async def _load_refund_rates(self, ids: list[str]) -> list[RefundRate]:
        return await refund_rate.rates(self.db, ids=ids, now=self.clock())


@dataclass
class Context(BaseContext):
    db: Database
    policy: Policy
    actor: Actor
    request_id: str
    keyring: Keyring
    # Why the request carries no actor (a bad token), said when a field needs one.
    auth_problem: str | None = None
    token_key: str | None = None  # names the token, for the mutation rate limit
    limits: MutationLimits | None = None
    # The process's group commit of single orders (None: each order alone).
    order_groups: OrderGroups | None = None
    clock: Callable[[], datetime] = utc_now
    events: EventHub | None = None  # the process's event poller (subscriptions)
    loaders: Loaders = field(init=False)
    caller: Distributor | None = field(init=False, default=None)
    caller_loaded: bool = field(init=False, default=False)
    # Uplines read with their distributor in one query (`graph.tree.prefetch`), by
    # (distributor id, depth): taken once by the upline field, after its access checks.
    prefetched_uplines: dict[tuple[str, int], list[UplineEntry]] = field(
        init=False, default_factory=dict
    )
    # Likewise a downline page's first read, by (root id, depth, level, window).
    prefetched_downlines: dict[tuple[str, int, int | None, Window], FirstRead] = field(
        init=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        super().__init__()
        self.loaders = Loaders(self.db, self.now)

    def refresh(self) -> None:
        """Forget what the loaders hold: a subscription lives longer than a request, and
        each event it delivers reads the distributors as they are now."""
        self.loaders = Loaders(self.db, self.now)
        self.caller, self.caller_loaded = None, False

    def now(self) -> datetime:
        return self.clock()

    def cursors(self, key: ListKey) -> ListCursors:
        """The cursors of list `key`, signed with the server's cursor secret."""
        return CursorCodec(self.policy.cursor_secret).bind(key)


Info = strawberry.Info[Context, None]
