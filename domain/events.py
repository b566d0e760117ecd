"""Real-time events (SPEC §11): what the subscriptions deliver, and who receives what.

Every business write that a subscriber may want to see appends an `Event` in its own
transaction (`graph/events.py`); each app process polls the log once per tick and hands
each event to the subscriptions it reaches (`graph/event_hub.py`). The rules here are
pure: which team an event belongs to, and how long the log is kept.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from domain.tree.paths import is_in_subtree

# How long events stay in Neo4j: a subscriber only needs what happened since it
# subscribed; a few minutes would do, an hour leaves room for a slow poller.
RETENTION_SECONDS = 3600
# Events read per poll (a burst larger than this is delivered over several ticks).
POLL_BATCH = 5000
# Pollers re-read this far behind the newest event they saw: an event's `written` is its
# statement's time, and its transaction may commit a little later (docs/decisions.md).
LAG_SECONDS = 5.0


class TeamEventKind(enum.Enum):
    RECRUIT_JOINED = "RECRUIT_JOINED"  # someone bound below a sponsor (registration, bind)
    TEAM_ORDER = "TEAM_ORDER"  # an order recorded; amount: the order's amount
    COMMISSION_CREDITED = "COMMISSION_CREDITED"  # amount: the commission (pending)
    RANK_CHANGED = "RANK_CHANGED"  # promotion by recruits, by spend, or by approval


FRAUD_ALERT = "FRAUD_ALERT"  # the kind of a fraud alert's event (not a team event)
KINDS = frozenset({FRAUD_ALERT, *(k.value for k in TeamEventKind)})


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to append: `distributor_id` is whom it is about (the recruit, the buyer,
    the beneficiary, the promoted one, the flagged one)."""

    kind: str
    distributor_id: str
    amount_fen: int | None = None
    alert_id: str | None = None
    reasons: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    at: datetime | None = None  # None: the database's clock at the append

    def as_row(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "distributorId": self.distributor_id,
            "amount": self.amount_fen,
            "alertId": self.alert_id,
            "reasons": self.reasons,
            "evidence": self.evidence,
            "at": self.at,
        }


@dataclass(frozen=True, slots=True)
class Event:
    """One appended event, with the tree position (`path`, `depth`) its distributor had
    when it was written (None for someone unknown); `written` is the database's clock."""

    id: str
    written: datetime
    kind: str
    at: datetime
    distributor_id: str
    path: str | None
    depth: int | None
    amount_fen: int | None = None
    alert_id: str | None = None
    reasons: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Leader:
    """The distributor whose team a subscription follows, as it stood when subscribed."""

    id: str
    path: str
    depth: int


def in_team(event: Event, *, leader: Leader, team_depth: int) -> bool:
    """Whether `event` is about the leader itself or someone 1..team_depth levels below
    it (where the event's distributor stood when the event was written)."""
    if event.kind == FRAUD_ALERT:
        return False
    if event.distributor_id == leader.id:
        return True
    if event.path is None or event.depth is None:
        return False
    below = event.depth - leader.depth
    return 0 < below <= team_depth and is_in_subtree(path=event.path, root_path=leader.path)
