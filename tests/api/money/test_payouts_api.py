"""Faster payouts (SPEC §10): auto-approval within the limit, `markWithdrawalsPaid` for a
bank batch, `GET /payouts/approved.csv`; and the withholding statement
`GET /reports/tax/{YYYY-MM}.csv` against SPEC §3.6's worked examples."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from access.roles import Role
from app.main import create_app
from app.settings import Settings
from domain.money.tax import monthly_tax_fen, tax_month
from graph.db import Database
from tests.conftest import bearer, error_codes, gql
from tests.helpers import assert_ledger_consistent

PAID = (datetime.now(UTC) - timedelta(days=8)).isoformat()
REGISTER = """
mutation($input: RegisterDistributorInput!) { registerDistributor(input: $input) { id } }
"""
RECORD = "mutation($input: RecordOrderInput!) { recordOrder(input: $input) { id } }"
SETTLE = "mutation($asOf: DateTime!) { settleCommissions(asOf: $asOf) }"
WITHDRAW = """
mutation($input: RequestWithdrawalInput!) {
  requestWithdrawal(input: $input) { id amount fee tax net status }
}
"""
APPROVE = "mutation($id: ID!) { approveWithdrawal(id: $id) { status } }"
PAY_ONE = "mutation($id: ID!) { markWithdrawalPaid(id: $id) { status } }"
PAY = "mutation($ids: [ID!]!) { markWithdrawalsPaid(ids: $ids) }"
STATUS = "query($id: ID!) { withdrawal(id: $id) { status } }"
EVENTS = """
MATCH (e:AuditEvent) WHERE e.operation = $operation AND e.arguments CONTAINS $needle
RETURN e.actor AS actor, e.outcome AS outcome
"""


@pytest.fixture(scope="module")
async def fast(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The API as an ADMIN, with auto-approval up to 200.00."""
    fast_settings = settings.model_copy(update={"withdraw_auto_approve_limit": "200.00"})
    transport = httpx.ASGITransport(app=create_app(fast_settings, database=db))
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        headers=bearer("test-admin", Role.ADMIN),
    ) as c:
        yield c


async def _funded(
    client: httpx.AsyncClient, uid: str, order: str, *, device: str | None = None
) -> str:
    """A distributor (with a payment account) earning 15 % of `order` from a recruit's
    order paid 8 days ago, settled: returns its id. With `device`, it shares that device
    with its own sponsor, which raises an open fraud alert about it."""
    sponsor, earner, buyer = f"{uid}-s", f"{uid}-e", f"{uid}-b"
    await gql(client, REGISTER, {"input": {"id": sponsor, "name": "s", "deviceId": device}})
    body = await gql(
        client,
        REGISTER,
        {
            "input": {
                "id": earner,
                "name": "e",
                "sponsorId": sponsor,
                "paymentAccount": f"6222 0000 {uid}",
                "deviceId": device,
            }
        },
    )
    assert "errors" not in body, body
    await gql(client, REGISTER, {"input": {"id": buyer, "name": "b", "sponsorId": earner}})
    order_input = {"id": f"{uid}-o", "buyerId": buyer, "amount": order, "paidAt": PAID}
    assert "errors" not in await gql(client, RECORD, {"input": order_input})
    await gql(client, SETTLE, {"asOf": datetime.now(UTC).isoformat()})
    return earner


async def _withdraw(client: httpx.AsyncClient, who: str, amount: str, key: str) -> dict[str, Any]:
    body = await gql(
        client,
        WITHDRAW,
        {"input": {"distributorId": who, "amount": amount, "idempotencyKey": key}},
    )
    assert "errors" not in body, body
    w: dict[str, Any] = body["data"]["requestWithdrawal"]
    return w


async def test_within_the_limit_a_clean_distributor_is_approved_at_once(
    fast: httpx.AsyncClient, db: Database, uid: str
) -> None:
    earner = await _funded(fast, uid, "3000.00")  # 450.00 available
    small = await _withdraw(fast, earner, "200.00", "a")
    big = await _withdraw(fast, earner, "200.01", "b")
    assert ("APPROVED", "REQUESTED") == (small["status"], big["status"])
    assert small == await _withdraw(fast, earner, "200.00", "a")  # a replay
    events = await db.read(EVENTS, operation="autoApproveWithdrawal", needle=small["id"])
    assert [("test-admin", "OK")] == [(e["actor"], e["outcome"]) for e in events]
    await assert_ledger_consistent(db, [earner])


async def test_over_the_limit_or_with_an_open_alert_it_waits(
    fast: httpx.AsyncClient, db: Database, uid: str
) -> None:
    earner = await _funded(fast, uid, "2000.00")
    assert "REQUESTED" == (await _withdraw(fast, earner, "200.01", "a"))["status"]
    flagged = await _funded(fast, uid + "f", "2000.00", device=f"device-{uid}")
    alerts = await db.read(
        "MATCH (a:FraudAlert {distributorId: $id, acknowledged: false}) RETURN count(a) AS n",
        id=flagged,
    )
    assert alerts[0]["n"] >= 1
    assert "REQUESTED" == (await _withdraw(fast, flagged, "1.00", "a"))["status"]


async def test_default_limit_is_off(client: httpx.AsyncClient, uid: str) -> None:
    earner = await _funded(client, uid, "2000.00")
    assert "REQUESTED" == (await _withdraw(client, earner, "1.00", "a"))["status"]


async def test_mark_withdrawals_paid_closes_a_batch_once(
    fast: httpx.AsyncClient, db: Database, uid: str
) -> None:
    earner = await _funded(fast, uid, "3000.00")
    approved = [(await _withdraw(fast, earner, "50.00", f"k{i}"))["id"] for i in range(3)]
    waiting = (await _withdraw(fast, earner, "201.00", "big-wait"))["id"]
    assert "REQUESTED" == (await gql(fast, STATUS, {"id": waiting}))["data"]["withdrawal"]["status"]
    assert (
        "PAID"
        == (await gql(fast, PAY_ONE, {"id": approved[0]}))["data"]["markWithdrawalPaid"]["status"]
    )
    unknown = await gql(fast, PAY, {"ids": [approved[1], f"w-{uid}-none"]})
    assert ["BAD_USER_INPUT"] == error_codes(unknown)
    assert (
        "APPROVED" == (await gql(fast, STATUS, {"id": approved[1]}))["data"]["withdrawal"]["status"]
    )
    batch = {"ids": [*approved, waiting]}
    together = await asyncio.gather(gql(fast, PAY, batch), gql(fast, PAY, batch))
    assert 2 == sum(b["data"]["markWithdrawalsPaid"] for b in together), together
    assert 0 == (await gql(fast, PAY, batch))["data"]["markWithdrawalsPaid"]
    statuses = [
        (await gql(fast, STATUS, {"id": i}))["data"]["withdrawal"]["status"]
        for i in [*approved, waiting]
    ]
    assert ["PAID", "PAID", "PAID", "REQUESTED"] == statuses
    paid_entries = await db.read(
        "MATCH (e:LedgerEntry {distributorId: $id, kind: 'WITHDRAWAL_PAID', account: 'held'})"
        " RETURN count(e) AS n, sum(e.amount) AS total",
        id=earner,
    )
    assert (3, -15000) == (paid_entries[0]["n"], paid_entries[0]["total"])
    assert ["BAD_USER_INPUT"] == error_codes(await gql(fast, PAY, {"ids": []}))
    await assert_ledger_consistent(db, [earner])


async def test_approved_csv_is_the_banks_batch_for_admins_only(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, db: Database, uid: str
) -> None:
    earner = await _funded(client, uid, "2000.00")
    w = await _withdraw(client, earner, "120.00", "a")
    await gql(client, APPROVE, {"id": w["id"]})
    response = await client.get("/payouts/approved.csv")
    assert 200 == response.status_code
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {
        "withdrawal_id": w["id"],
        "distributor_id": earner,
        "net": "120.00",
        "payment_account": f"6222 0000 {uid}",
    } in rows
    stored = await db.read(
        "MATCH (d:Distributor {id: $id}) RETURN d.paymentAccount AS p", id=earner
    )
    assert uid not in stored[0]["p"]  # sealed at rest, opened only for the bank's file
    events = await db.read(EVENTS, operation="exportApprovedPayouts", needle="rows")
    assert events
    none = await anonymous.get("/payouts/approved.csv")
    assert (401, "UNAUTHENTICATED") == (none.status_code, _code(none))
    for role in (Role.ANALYST, Role.SERVICE, Role.DISTRIBUTOR):
        other = await client.get("/payouts/approved.csv", headers=bearer(earner, role))
        assert (403, "FORBIDDEN") == (other.status_code, _code(other))
    await gql(client, PAY_ONE, {"id": w["id"]})
    again = await client.get("/payouts/approved.csv")
    assert w["id"] not in again.text


async def test_tax_statement_sums_equal_the_ledger_and_the_formula(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, db: Database, uid: str
) -> None:
    month = tax_month(datetime.now(UTC))
    # One distributor withdraws 1,000 + 2,000 + 27,000 in the month: cumulatively 30,000.00,
    # whose tax is SPEC §3.6's 5,200.00; another one 3,000.00 at once: 440.00.
    many = await _funded(client, uid + "m", "200000.00")
    one = await _funded(client, uid + "o", "20000.00")
    taxes = []
    for who, amount, key in [
        (many, "1000.00", "1"),
        (many, "2000.00", "2"),
        (many, "27000.00", "3"),
        (one, "3000.00", "1"),
    ]:
        w = await _withdraw(client, who, amount, key)
        taxes.append(w["tax"])
        await gql(client, APPROVE, {"id": w["id"]})
        await gql(client, PAY_ONE, {"id": w["id"]})
    assert ["40.00", "400.00", "4760.00", "440.00"] == taxes
    assert 520000 == monthly_tax_fen(3000000) and 44000 == monthly_tax_fen(300000)
    response = await client.get(f"/reports/tax/{month}.csv")
    assert 200 == response.status_code
    rows = {r["distributor_id"]: r for r in csv.DictReader(io.StringIO(response.text))}
    assert {
        "month": month,
        "distributor_id": many,
        "withdrawals": "3",
        "gross": "30000.00",
        "fee": "0.00",
        "tax_withheld": "5200.00",
        "net": "24800.00",
    } == rows[many]
    assert ("3000.00", "440.00", "2560.00") == (
        rows[one]["gross"],
        rows[one]["tax_withheld"],
        rows[one]["net"],
    )
    ledger = await db.read(
        "MATCH (e:LedgerEntry {distributorId: $id}) WHERE e.account IN ['tax', 'withdrawn']"
        " RETURN e.account AS account, sum(e.amount) AS total",
        id=many,
    )
    assert {"tax": 520000, "withdrawn": 2480000} == {r["account"]: r["total"] for r in ledger}
    await assert_ledger_consistent(db, [many, one])
    for bad in ("2026-13", "2026-1", "abcd-ef", "2026-00"):
        answer = await client.get(f"/reports/tax/{bad}.csv")
        assert (400, "BAD_USER_INPUT") == (answer.status_code, _code(answer))
    assert 401 == (await anonymous.get(f"/reports/tax/{month}.csv")).status_code
    analyst = await client.get(f"/reports/tax/{month}.csv", headers=bearer("a", Role.ANALYST))
    assert 403 == analyst.status_code


def _code(response: httpx.Response) -> str:
    """The code of a refused report's JSON body (the shape of every 4xx, SPEC §11)."""
    code: str = response.json()["errors"][0]["extensions"]["code"]
    return code
