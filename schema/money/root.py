"""Root fields for money: orders, refunds, settlement, withdrawals, rule sets, leaderboards."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import strawberry

from access.permissions import AdminOnly, AnyRole, BackEnd, Staff, Withdrawers, guarded
from domain.errors import BadUserInput
from domain.fraud.identifiers import IdentifierKind
from domain.models import LeaderboardMetric as Metric
from domain.models import OrderItem as OrderItemModel
from domain.models import WithdrawalStatus as Status
from resolvers.context import Info
from resolvers.money import campaigns, rewards
from resolvers.money import orders as resolve
from resolvers.money import withdrawals as money
from schema.money.campaigns import Campaign, CreateCampaignInput
from schema.money.ledger import Withdrawal
from schema.money.orders import LeaderboardEntry, LeaderboardMetric, Order, RuleSet
from schema.scalars import Money


@strawberry.input
class OrderItemInput:
    amount: Money
    product_id: strawberry.ID | None = None
    brand_id: strawberry.ID | None = None
    commissionable: bool = True


@strawberry.input
class RecordOrderInput:
    id: strawberry.ID
    buyer_id: strawberry.ID
    amount: Money
    paid_at: datetime
    items: list[OrderItemInput] | None = None
    device_id: str | None = None
    ip: str | None = None
    payment_account: str | None = None
    address: str | None = None

    def request(self) -> resolve.OrderRequest:
        return resolve.OrderRequest(
            id=self.id,
            buyer_id=self.buyer_id,
            amount_fen=self.amount,
            paid_at=self.paid_at,
            items=None
            if self.items is None
            else [
                OrderItemModel(
                    amount_fen=i.amount,
                    product_id=i.product_id,
                    brand_id=i.brand_id,
                    commissionable=i.commissionable,
                )
                for i in self.items
            ],
            identifiers={
                IdentifierKind.DEVICE: self.device_id,
                IdentifierKind.IP: self.ip,
                IdentifierKind.PAYMENT: self.payment_account,
                IdentifierKind.ADDRESS: self.address,
            },
        )


@strawberry.input
class RefundOrderInput:
    order_id: strawberry.ID
    refund_id: strawberry.ID
    amount: Money


@strawberry.input
class RequestWithdrawalInput:
    distributor_id: strawberry.ID
    amount: Money
    idempotency_key: str


@strawberry.input
class RateOverrideInput:
    key: strawberry.ID
    level_rates: list[str]


@strawberry.input
class TierBonusInput:
    monthly_sales: Money
    bonus_rate: str


@strawberry.input(description='Rates are percentages with at most two decimals, e.g. "15".')
class RuleSetInput:
    level_rates: list[str]
    brand_rates: list[RateOverrideInput] = strawberry.field(default_factory=list)
    product_rates: list[RateOverrideInput] = strawberry.field(default_factory=list)
    tiers: list[TierBonusInput] = strawberry.field(default_factory=list)


def _overrides(items: list[RateOverrideInput], field: str) -> dict[str, Sequence[str]]:
    keys = [str(i.key) for i in items]
    if len(set(keys)) != len(keys):
        raise BadUserInput(f"{field} names the same key twice.")
    return {str(i.key): i.level_rates for i in items}


@strawberry.type
class MoneyQuery:
    @strawberry.field(permission_classes=[AnyRole])
    async def order(self, info: Info, id: strawberry.ID) -> Order | None:
        found = await resolve.order(info.context, order_id=id)
        return None if found is None else Order.from_model(found)

    @strawberry.field(permission_classes=[AnyRole])
    async def withdrawal(self, info: Info, id: strawberry.ID) -> Withdrawal | None:
        found = await money.withdrawal(info.context, withdrawal_id=id)
        return None if found is None else Withdrawal.from_model(found)

    @strawberry.field(
        permission_classes=[AnyRole],
        description="Ties go to whoever reached the value first, then by id.",
    )
    async def leaderboard(
        self,
        info: Info,
        metric: LeaderboardMetric,  # type: ignore[valid-type]
        since: datetime | None = None,
        until: datetime | None = None,
        first: int | None = 10,
    ) -> list[LeaderboardEntry]:
        m = Metric(metric)
        entries = await money.top(
            info.context, metric=m, since=since, until=until, first=10 if first is None else first
        )
        return [LeaderboardEntry.from_model(e, m) for e in entries]

    @strawberry.field(
        permission_classes=[AnyRole],
        description="One distributor's place; null with nothing in the window.",
    )
    async def my_rank(
        self,
        info: Info,
        metric: LeaderboardMetric,  # type: ignore[valid-type]
        distributor_id: strawberry.ID,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> LeaderboardEntry | None:
        m = Metric(metric)
        entry = await money.rank_of(
            info.context, metric=m, distributor_id=distributor_id, since=since, until=until
        )
        return None if entry is None else LeaderboardEntry.from_model(entry, m)

    @strawberry.field(permission_classes=[AnyRole], description="A campaign, with its standings.")
    async def campaign(self, info: Info, id: strawberry.ID) -> Campaign | None:
        found = await campaigns.find(info.context, campaign_id=id)
        return None if found is None else Campaign.from_model(found)

    @strawberry.field(permission_classes=[Staff], description="Every rule set, newest first.")
    async def rule_sets(self, info: Info) -> list[RuleSet]:
        return [RuleSet.from_model(r) for r in await resolve.rule_sets(info.context)]


@strawberry.type
class MoneyMutation:
    @strawberry.mutation(
        extensions=guarded(BackEnd),
        description="Idempotent by id; a replay returns the same order.",
    )
    async def record_order(self, info: Info, input: RecordOrderInput) -> Order:
        recorded = await resolve.record(info.context, requests=[input.request()])
        return Order.from_model(recorded[0])

    @strawberry.mutation(
        extensions=guarded(BackEnd),
        description=(
            "Up to 500 orders in one transaction; idempotent by id. One result per input, "
            "in input order (an id given twice is recorded once and answered twice)."
        ),
    )
    async def record_orders(self, info: Info, inputs: list[RecordOrderInput]) -> list[Order]:
        recorded = await resolve.record(info.context, requests=[i.request() for i in inputs])
        return [Order.from_model(o) for o in recorded]

    @strawberry.mutation(
        extensions=guarded(BackEnd),
        description="Idempotent by refundId; reduces commissions in proportion.",
    )
    async def refund_order(self, info: Info, input: RefundOrderInput) -> Order:
        refunded = await resolve.refund(
            info.context,
            order_id=input.order_id,
            refund_id=input.refund_id,
            amount_fen=input.amount,
        )
        return Order.from_model(refunded)

    @strawberry.mutation(
        extensions=guarded(AdminOnly),
        description="Admin: settle every commission due by asOf; how many.",
    )
    async def settle_commissions(self, info: Info, as_of: datetime) -> int:
        return await resolve.settle(info.context, as_of=as_of)

    @strawberry.mutation(
        extensions=guarded(Withdrawers),
        description="Idempotent by idempotencyKey; holds the amount.",
    )
    async def request_withdrawal(self, info: Info, input: RequestWithdrawalInput) -> Withdrawal:
        requested = await money.request(
            info.context,
            distributor_id=input.distributor_id,
            amount_fen=input.amount,
            idempotency_key=input.idempotency_key,
        )
        return Withdrawal.from_model(requested)

    @strawberry.mutation(extensions=guarded(AdminOnly), description="Admin: REQUESTED → APPROVED.")
    async def approve_withdrawal(self, info: Info, id: strawberry.ID) -> Withdrawal:
        decided = await money.decide(info.context, withdrawal_id=id, status=Status.APPROVED)
        return Withdrawal.from_model(decided)

    @strawberry.mutation(
        extensions=guarded(AdminOnly),
        description="Admin: APPROVED → PAID; the net leaves the platform.",
    )
    async def mark_withdrawal_paid(self, info: Info, id: strawberry.ID) -> Withdrawal:
        decided = await money.decide(info.context, withdrawal_id=id, status=Status.PAID)
        return Withdrawal.from_model(decided)

    @strawberry.mutation(
        extensions=guarded(AdminOnly),
        description="Admin: close a bank batch: each APPROVED one of `ids` (1-500) becomes "
        "PAID; the number paid now (already PAID, REQUESTED or REJECTED ones count 0). An "
        "unknown id is BAD_USER_INPUT and nothing is paid.",
    )
    async def mark_withdrawals_paid(self, info: Info, ids: list[strawberry.ID]) -> int:
        return await money.mark_paid(info.context, withdrawal_ids=[str(i) for i in ids])

    @strawberry.mutation(
        extensions=guarded(AdminOnly),
        description='Admin: pay each TEAM_LEADER its team bonus of an ended month ("2026-11"), '
        "once; the number of leaders paid now.",
    )
    async def settle_team_bonus(self, info: Info, month: str) -> int:
        return await rewards.settle_team_bonus(info.context, month=month)

    @strawberry.mutation(extensions=guarded(AdminOnly), description="Admin: a new campaign.")
    async def create_campaign(self, info: Info, input: CreateCampaignInput) -> Campaign:
        created = await campaigns.create(info.context, campaign=input.to_model())
        return Campaign.from_model(created)

    @strawberry.mutation(
        extensions=guarded(AdminOnly),
        description="Admin: after endsAt, pay each prize once (PRIZE ledger entries).",
    )
    async def close_campaign(self, info: Info, id: strawberry.ID) -> Campaign:
        return Campaign.from_model(await campaigns.close(info.context, campaign_id=id))

    @strawberry.mutation(
        extensions=guarded(AdminOnly), description="Admin: reject before payment; the funds return."
    )
    async def reject_withdrawal(self, info: Info, id: strawberry.ID, reason: str) -> Withdrawal:
        decided = await money.decide(
            info.context, withdrawal_id=id, status=Status.REJECTED, reason=reason
        )
        return Withdrawal.from_model(decided)

    @strawberry.mutation(
        extensions=guarded(AdminOnly), description="Admin: store a new rule set (inactive)."
    )
    async def create_rule_set(self, info: Info, input: RuleSetInput) -> RuleSet:
        created = await resolve.create_rule_set(
            info.context,
            level_rates=input.level_rates,
            brand_rates=_overrides(input.brand_rates, "brandRates"),
            product_rates=_overrides(input.product_rates, "productRates"),
            tiers=[(t.monthly_sales, t.bonus_rate) for t in input.tiers],
        )
        return RuleSet.from_model(created)

    @strawberry.mutation(
        extensions=guarded(AdminOnly), description="Admin: make a rule set the one new orders use."
    )
    async def activate_rule_set(self, info: Info, version: int) -> RuleSet:
        return RuleSet.from_model(await resolve.activate_rule_set(info.context, version=version))
