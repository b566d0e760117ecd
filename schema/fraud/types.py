"""GraphQL types for fraud detection: signals, rings, alerts, hot identifiers."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from domain import models
from resolvers.context import Info
from resolvers.fraud import analysis as resolve_fraud
from resolvers.tree import distributors as read
from schema.pagination import Connection, Edge
from schema.scalars import Money
from schema.tree.types import Distributor, present


@strawberry.enum
class FraudSignalKind(enum.Enum):
    SHARED_IDENTIFIER_RING = "SHARED_IDENTIFIER_RING"
    SELF_REFERRAL = "SELF_REFERRAL"
    UPLINE_BUYS_THROUGH_DOWNLINE = "UPLINE_BUYS_THROUGH_DOWNLINE"
    RECRUIT_BURST = "RECRUIT_BURST"
    HOLLOW_DOWNLINE = "HOLLOW_DOWNLINE"
    REFUND_AFTER_SETTLEMENT = "REFUND_AFTER_SETTLEMENT"
    REFERRAL_CYCLE = "REFERRAL_CYCLE"
    HIGH_REFUND_RATE = "HIGH_REFUND_RATE"


@strawberry.type(description="A node that proves a signal: `id` is an identifier's HMAC key.")
class EvidenceNode:
    label: str
    id: strawberry.ID
    kind: str | None = strawberry.field(description="An identifier's kind.")


@strawberry.type(description="A relationship that proves a signal, by its ends' ids.")
class EvidenceEdge:
    type: str
    source: strawberry.ID
    target: strawberry.ID


@strawberry.type
class FraudSignal:
    kind: FraudSignalKind
    score: int
    evidence: str = strawberry.field(description="What the nodes and edges prove, in words.")
    nodes: list[EvidenceNode]
    edges: list[EvidenceEdge]

    @classmethod
    def from_model(cls, s: models.FraudSignal) -> FraudSignal:
        return cls(
            kind=FraudSignalKind(s.kind),
            score=s.score,
            evidence=s.evidence,
            nodes=[
                EvidenceNode(label=n.label, id=strawberry.ID(n.id), kind=n.kind) for n in s.nodes
            ],
            edges=[
                EvidenceEdge(
                    type=e.type, source=strawberry.ID(e.source), target=strawberry.ID(e.target)
                )
                for e in s.edges
            ],
        )


@strawberry.type(description="An identifier a ring's members share: its HMAC key and kind.")
class SharedIdentifier:
    key: str
    kind: str


@strawberry.type(description="A ring member that uses one of the ring's shared identifiers.")
class IdentifierLink:
    distributor_id: strawberry.ID
    key: str


@strawberry.type
class ReferralEdge:
    sponsor_id: strawberry.ID
    recruit_id: strawberry.ID


async def _members(info: Info, ids: list[str]) -> list[Distributor]:
    return [await present(info, d) for d in await read.by_ids(info.context, ids=ids)]


@strawberry.type(description="A connected group of ≥ 3 distributors sharing identifiers.")
class FraudRing:
    member_ids: strawberry.Private[list[str]]
    id: strawberry.ID
    size: int
    score: int
    reasons: list[str]
    identifier_kinds: list[str]
    identifiers: list[SharedIdentifier]
    referral_edges: list[ReferralEdge]
    commissions: Money = strawberry.field(description="What its members earned in all.")
    current: bool = strawberry.field(description="Found again by the latest completed scan.")

    @strawberry.field
    async def members(self, info: Info) -> list[Distributor]:
        return await _members(info, self.member_ids)

    @strawberry.field(description="Which member uses which shared identifier (to draw it).")
    async def identifier_links(self, info: Info) -> list[IdentifierLink]:
        links = await resolve_fraud.ring_links(info.context, ring_id=self.id)
        return [IdentifierLink(distributor_id=strawberry.ID(d), key=k) for d, k in links]

    @strawberry.field(
        description="Identifiers its members use that more than hot_identifier_limit "
        "distributors share: left out of the ring, most used first."
    )
    async def hot_identifiers(self, info: Info, first: int | None = 20) -> list[HotIdentifier]:
        found = await resolve_fraud.ring_hot_identifiers(
            info.context, ring_id=self.id, first=20 if first is None else first
        )
        return [HotIdentifier(key=k, kind=kind, users=n) for k, kind, n in found]

    @classmethod
    def from_model(cls, r: models.FraudRing) -> FraudRing:
        return cls(
            member_ids=r.member_ids,
            id=strawberry.ID(r.id),
            size=len(r.member_ids),
            score=r.score,
            reasons=r.reasons,
            identifier_kinds=r.identifier_kinds,
            identifiers=[SharedIdentifier(key=key, kind=kind) for key, kind in r.identifiers],
            referral_edges=[
                ReferralEdge(sponsor_id=strawberry.ID(a), recruit_id=strawberry.ID(b))
                for a, b in r.referral_edges
            ],
            commissions=Money(r.commissions_fen),
            current=r.current,
        )


@strawberry.type(description="Rings of the latest scan, by score (Relay connection).")
class FraudRingConnection(Connection[Edge[FraudRing]]):
    pass


@strawberry.type
class FraudAlert:
    distributor_id: strawberry.Private[str]
    id: strawberry.ID
    reasons: list[str]
    evidence: list[str]
    acknowledged: bool
    at: datetime

    @strawberry.field
    async def distributor(self, info: Info) -> Distributor | None:
        found = await read.by_id(info.context, distributor_id=self.distributor_id)
        return None if found is None else await present(info, found)

    @classmethod
    def from_model(cls, a: models.FraudAlert) -> FraudAlert:
        return cls(
            distributor_id=a.distributor_id,
            id=strawberry.ID(a.id),
            reasons=a.reasons,
            evidence=a.evidence,
            acknowledged=a.acknowledged,
            at=a.at,
        )


@strawberry.type(description="Fraud alerts, newest first (Relay connection).")
class FraudAlertConnection(Connection[Edge[FraudAlert]]):
    pass


@strawberry.type(description="Shared by more than hot_identifier_limit: kept out of rings.")
class HotIdentifier:
    key: str
    kind: str
    users: int
