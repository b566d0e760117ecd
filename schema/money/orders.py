"""GraphQL types for orders, commissions, rule sets and leaderboards."""

from __future__ import annotations

import json
from datetime import datetime

import strawberry

from access import scope as access
from access.roles import display_name
from domain import models
from domain.money.fen import format_fen
from domain.money.rulesets import format_rate
from resolvers.context import Info
from resolvers.tree import distributors as read
from schema.money.ledger import CommissionStatus
from schema.scalars import Decimal, Money
from schema.tree.types import Distributor, present, present_visible

LeaderboardMetric = strawberry.enum(models.LeaderboardMetric, name="LeaderboardMetric")


async def _load(info: Info, distributor_id: str) -> models.Distributor:
    found = await read.by_id(info.context, distributor_id=distributor_id)
    assert found is not None, f"distributor {distributor_id} vanished"
    return found


async def _distributor(info: Info, distributor_id: str) -> Distributor:
    return await present(info, await _load(info, distributor_id))


@strawberry.type(description="One level of an order's split.")
class Commission:
    beneficiary_id: strawberry.Private[str]
    level: int
    amount: Money = strawberry.field(description="What remains after refunds.")
    original_amount: Money = strawberry.field(description="floor(base × rate) at payment.")
    base: Money = strawberry.field(description="Net paid amount of the commissionable items.")
    rate: Decimal = strawberry.field(description='The blended rate in percent, e.g. "15.00".')
    status: CommissionStatus  # type: ignore[valid-type]

    @strawberry.field
    async def beneficiary(self, info: Info) -> Distributor:
        return await _distributor(info, self.beneficiary_id)

    @classmethod
    def from_model(cls, c: models.Commission) -> Commission:
        return cls(
            beneficiary_id=c.beneficiary_id,
            level=c.level,
            amount=Money(c.amount_fen),
            original_amount=Money(c.original_fen),
            base=Money(c.base_fen),
            rate=Decimal(format_rate(c.rate_bp)),
            status=c.status,
        )


@strawberry.type(
    description="A level whose commission the platform kept, and why; a DISTRIBUTOR sees the"
    " levels of people in its scope only."
)
class Forfeit:
    level: int
    distributor_id: strawberry.ID
    reason: str


@strawberry.type
class OrderItem:
    amount: Money
    product_id: strawberry.ID | None
    brand_id: strawberry.ID | None
    commissionable: bool


@strawberry.type
class Order:
    buyer_id: strawberry.Private[str]
    id: strawberry.ID
    amount: Money
    refunded: Money
    paid_at: datetime
    rule_set_version: int = strawberry.field(description="0 = the platform defaults.")
    items: list[OrderItem]
    all_commissions: strawberry.Private[list[Commission]]
    all_forfeits: strawberry.Private[list[Forfeit]]

    @strawberry.field(
        description="One per level paid; a DISTRIBUTOR sees those of people in its scope only."
    )
    async def commissions(self, info: Info) -> list[Commission]:
        ctx = info.context
        return [c for c in self.all_commissions if await access.may_see(ctx, c.beneficiary_id)]

    @strawberry.field
    async def forfeits(self, info: Info) -> list[Forfeit]:
        ctx = info.context
        return [f for f in self.all_forfeits if await access.may_see(ctx, f.distributor_id)]

    @strawberry.field
    async def buyer(self, info: Info) -> Distributor:
        return await _distributor(info, self.buyer_id)

    @classmethod
    def from_model(cls, o: models.Order) -> Order:
        return cls(
            buyer_id=o.buyer_id,
            id=strawberry.ID(o.id),
            amount=Money(o.amount_fen),
            refunded=Money(o.refunded_fen),
            paid_at=o.paid_at,
            rule_set_version=o.rule_set_version,
            items=[
                OrderItem(
                    amount=Money(i.amount_fen),
                    product_id=None if i.product_id is None else strawberry.ID(i.product_id),
                    brand_id=None if i.brand_id is None else strawberry.ID(i.brand_id),
                    commissionable=i.commissionable,
                )
                for i in o.items
            ],
            all_commissions=[Commission.from_model(c) for c in o.commissions],
            all_forfeits=[
                Forfeit(
                    level=f.level, distributor_id=strawberry.ID(f.distributor_id), reason=f.reason
                )
                for f in o.forfeits
            ],
        )


@strawberry.type
class RateOverride:
    key: strawberry.ID
    level_rates: list[Decimal]


@strawberry.type
class TierBonus:
    monthly_sales: Money
    bonus_rate: Decimal


@strawberry.type(description="Commission rates; one rule set is active at a time.")
class RuleSet:
    version: int
    active: bool
    created_at: datetime
    level_rates: list[Decimal]
    brand_rates: list[RateOverride]
    product_rates: list[RateOverride]
    tiers: list[TierBonus]

    @classmethod
    def from_model(cls, r: models.StoredRuleSet) -> RuleSet:
        raw = json.loads(r.rules_json)

        def rates(values: list[int]) -> list[Decimal]:
            return [Decimal(format_rate(v)) for v in values]

        return cls(
            version=r.version,
            active=r.active,
            created_at=r.created_at,
            level_rates=rates(raw["levels"]),
            brand_rates=[
                RateOverride(key=strawberry.ID(k), level_rates=rates(v))
                for k, v in sorted(raw["brands"].items())
            ],
            product_rates=[
                RateOverride(key=strawberry.ID(k), level_rates=rates(v))
                for k, v in sorted(raw["products"].items())
            ],
            tiers=[
                TierBonus(monthly_sales=Money(s), bonus_rate=Decimal(format_rate(b)))
                for s, b in raw["tiers"]
            ],
        )


@strawberry.type
class LeaderboardEntry:
    distributor_id: strawberry.Private[str]
    rank: int
    value: Decimal = strawberry.field(
        description='Money ("12.34") for SALES and COMMISSION, a count ("7") for RECRUITS.'
    )

    @strawberry.field(description="The display name; masked (张*) for a DISTRIBUTOR but its own.")
    async def name(self, info: Info) -> str:
        found = await _load(info, self.distributor_id)
        return display_name(found.name, await access.visible(info.context, found))

    @strawberry.field(description="null for a DISTRIBUTOR when outside its scope (SPEC §3.9).")
    async def distributor(self, info: Info) -> Distributor | None:
        return await present_visible(info, await _load(info, self.distributor_id))

    @classmethod
    def from_model(
        cls, e: models.LeaderboardEntry, metric: models.LeaderboardMetric
    ) -> LeaderboardEntry:
        value = str(e.value) if metric is models.LeaderboardMetric.RECRUITS else format_fen(e.value)
        return cls(distributor_id=e.distributor_id, rank=e.rank, value=Decimal(value))
