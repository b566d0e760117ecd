"""Resolvers of the finance files (SPEC §10): the bank's payout batch and the monthly
withholding statement, each ADMIN only and audited (the caller checks the role)."""

from __future__ import annotations

from access.pii import owner_of
from domain.money.statements import PayoutLine, check_month, payouts_csv, tax_csv
from graph import audit
from graph.money import payouts
from resolvers.context import Context


async def approved_payouts_csv(ctx: Context) -> str:
    """APPROVED, unpaid withdrawals with the payment account opened for the bank."""
    rows = await payouts.approved_unpaid(ctx.db)
    lines = [
        PayoutLine(
            withdrawal_id=r["id"],
            distributor_id=r["distributorId"],
            net_fen=r["net"],
            payment_account=(
                ""
                if r["paymentAccount"] is None
                else ctx.keyring.open(
                    r["paymentAccount"], owner=owner_of(r["distributorId"], "paymentAccount")
                )
            ),
        )
        for r in rows
    ]
    await _audit(ctx, "exportApprovedPayouts", {"rows": len(lines)})
    return payouts_csv(lines)


async def tax_statement_csv(ctx: Context, *, month: str) -> str:
    checked = check_month(month)
    lines = await payouts.tax_statement(ctx.db, month=checked)
    await _audit(ctx, "exportTaxStatement", {"month": checked, "rows": len(lines)})
    return tax_csv(checked, lines)


async def _audit(ctx: Context, operation: str, arguments: dict[str, object]) -> None:
    """The export's event is written before the file is handed out (PII leaves)."""
    await audit.append(
        ctx.db,
        actor=ctx.actor,
        operation=operation,
        arguments=arguments,
        outcome="OK",
        request_id=ctx.request_id,
    )
