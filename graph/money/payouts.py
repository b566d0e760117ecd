"""Reads for the bank's payout batch and the monthly withholding statement (SPEC §10).

The statement is summed from the ledger entries of the month's paid withdrawals (found
by their entry ids, `withdrawal:<id>/<kind>/<account>`), so its sums are the ledger's.
"""

from __future__ import annotations

from typing import Any

from domain.money.statements import TaxLine
from graph.db import Database

APPROVED = """
MATCH (w:Withdrawal {status: 'APPROVED'})
MATCH (d:Distributor {id: w.distributorId})
RETURN w.id AS id, w.distributorId AS distributorId, w.net AS net,
       d.paymentAccount AS paymentAccount
ORDER BY w.requestedAt, w.id
"""

TAX_MONTH = """
MATCH (w:Withdrawal {month: $month})
WHERE w.status = 'PAID'
WITH w, 'withdrawal:' + w.id AS ref
MATCH (e:LedgerEntry)
WHERE e.id IN [ref + '/WITHDRAWAL_PAID/held', ref + '/WITHDRAWAL_PAID/withdrawn',
               ref + '/FEE/fees', ref + '/TAX/tax']
WITH w.distributorId AS id, w, e
RETURN id, count(DISTINCT w) AS n,
  sum(CASE e.account WHEN 'held' THEN -e.amount ELSE 0 END) AS gross,
  sum(CASE e.account WHEN 'fees' THEN e.amount ELSE 0 END) AS fee,
  sum(CASE e.account WHEN 'tax' THEN e.amount ELSE 0 END) AS tax,
  sum(CASE e.account WHEN 'withdrawn' THEN e.amount ELSE 0 END) AS net
ORDER BY id
"""


async def approved_unpaid(db: Database) -> list[dict[str, Any]]:
    """APPROVED withdrawals, oldest first: id, distributorId, net (fen), the sealed
    paymentAccount (None when the distributor gave none)."""
    return [dict(r) for r in await db.read(APPROVED)]


async def tax_statement(db: Database, *, month: str) -> list[TaxLine]:
    """Per distributor, the month's PAID withdrawals summed from their ledger entries."""
    return [
        TaxLine(
            distributor_id=r["id"],
            withdrawals=r["n"],
            gross_fen=r["gross"],
            fee_fen=r["fee"],
            tax_fen=r["tax"],
            net_fen=r["net"],
        )
        for r in await db.read(TAX_MONTH, month=month)
    ]
