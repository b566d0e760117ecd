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
from domain.models import Actor, Distributor, Policy
from domain.pagination import CursorCodec, ListCursors, ListKey
from graph.db import Database
from graph.tree import distributors


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Loaders:
    """DataLoaders live for one request only, so nothing is cached across callers."""

    db: Database
    distributor: DataLoader[str, Distributor | None] = field(init=False)

    def __post_init__(self) -> None:
        self.distributor = DataLoader(load_fn=self._load_distributors)

    async def _load_distributors(self, ids: list[str]) -> list[Distributor | None]:
        return await distributors.get_many(self.db, ids=ids)


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
    clock: Callable[[], datetime] = utc_now
    loaders: Loaders = field(init=False)
    caller: Distributor | None = field(init=False, default=None)
    caller_loaded: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        super().__init__()
        self.loaders = Loaders(self.db)

    def now(self) -> datetime:
        return self.clock()

    def cursors(self, key: ListKey) -> ListCursors:
        """The cursors of list `key`, signed with the server's cursor secret."""
        return CursorCodec(self.policy.cursor_secret).bind(key)


Info = strawberry.Info[Context, None]
