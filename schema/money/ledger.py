"""GraphQL types for balances, the ledger and withdrawals (no links back to Distributor)."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from domain import models
from schema.pagination import Connection, Edge
from schema.scalars import Money

CommissionStatus = strawberry.enum(models.CommissionStatus, name="CommissionStatus")
WithdrawalStatus = strawberry.enum(models.WithdrawalStatus, name="WithdrawalStatus")


@strawberry.type(description="Sums of the distributor's ledger entries, by account.")
class Balance:
    pending: Money = strawberry.field(description="Commissions still in their freeze period.")
    available: Money = strawberry.field(
        description="Withdrawable; may be negative after a clawback."
    )
    held: Money = strawberry.field(description="Withdrawals requested or approved, not yet paid.")
    withdrawn: Money = strawberry.field(description="Paid out, net of fees and tax.")

    @classmethod
    def from_model(cls, b: models.Balance) -> Balance:
        return cls(
            pending=Money(b.pending_fen),
            available=Money(b.available_fen),
            held=Money(b.held_fen),
            withdrawn=Money(b.withdrawn_fen),
        )


@strawberry.type
class CommissionTotal:
    status: CommissionStatus  # type: ignore[valid-type]
    amount: Money


@strawberry.enum(description="The balance an entry moves (docs/money.md).")
class LedgerAccount(enum.Enum):
    pending = "pending"
    available = "available"
    held = "held"
    withdrawn = "withdrawn"
    fees = "fees"
    tax = "tax"


@strawberry.enum(description="Why money moved (docs/money.md).")
class LedgerKind(enum.Enum):
    COMMISSION_PENDING = "COMMISSION_PENDING"
    COMMISSION_SETTLED = "COMMISSION_SETTLED"
    COMMISSION_REDUCED = "COMMISSION_REDUCED"
    COMMISSION_CANCELLED = "COMMISSION_CANCELLED"
    CLAWBACK = "CLAWBACK"
    WITHDRAWAL_HOLD = "WITHDRAWAL_HOLD"
    WITHDRAWAL_RELEASE = "WITHDRAWAL_RELEASE"
    WITHDRAWAL_PAID = "WITHDRAWAL_PAID"
    FEE = "FEE"
    TAX = "TAX"
    TEAM_BONUS = "TEAM_BONUS"
    PRIZE = "PRIZE"


@strawberry.type(description="One immutable change of money.")
class LedgerEntry:
    id: strawberry.ID
    account: LedgerAccount
    kind: LedgerKind
    amount: Money
    ref: str = strawberry.field(description="The business event: commission, refund, withdrawal.")
    at: datetime

    @classmethod
    def from_model(cls, e: models.LedgerEntry) -> LedgerEntry:
        return cls(
            id=strawberry.ID(e.id),
            account=LedgerAccount(e.account),
            kind=LedgerKind(e.kind),
            amount=Money(e.amount_fen),
            ref=e.ref,
            at=e.at,
        )


@strawberry.type
class Withdrawal:
    id: strawberry.ID
    distributor_id: strawberry.ID
    amount: Money
    fee: Money
    tax: Money
    net: Money
    status: WithdrawalStatus  # type: ignore[valid-type]
    requested_at: datetime

    @classmethod
    def from_model(cls, w: models.Withdrawal) -> Withdrawal:
        return cls(
            id=strawberry.ID(w.id),
            distributor_id=strawberry.ID(w.distributor_id),
            amount=Money(w.amount_fen),
            fee=Money(w.fee_fen),
            tax=Money(w.tax_fen),
            net=Money(w.net_fen),
            status=w.status,
            requested_at=w.requested_at,
        )


@strawberry.type(description="A distributor's ledger entries (Relay connection).")
class LedgerConnection(Connection[Edge[LedgerEntry]]):
    pass


@strawberry.type(description="A distributor's withdrawals (Relay connection).")
class WithdrawalConnection(Connection[Edge[Withdrawal]]):
    pass
