"""Team bonus (团队业绩分红, SPEC §10): `settleTeamBonus(month)` pays each TEAM_LEADER
floor(rate × net team sales of the month) within commission_levels, once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from access.roles import Role
from app.main import create_app
from app.settings import Settings
from domain.money.tax import tax_month
from domain.money.team_bonus import month_window, team_bonus_fen
from graph.db import Database
from tests.conftest import bearer, error_codes, gql
from tests.helpers import assert_ledger_consistent, record_order, register

SETTLE = "mutation($month: String!) { settleTeamBonus(month: $month) }"
REFUND = """
mutation($input: RefundOrderInput!) { refundOrder(input: $input) { id refunded } }
"""
BONUS = """
MATCH (e:LedgerEntry {distributorId: $id, kind: 'TEAM_BONUS'})
RETURN e.account AS account, e.amount AS amount
"""
MINE = (
    "query($id: ID!) { distributor(id: $id) {"
    " ledger(first: 50) { edges { node { kind amount } } } } }"
)


@pytest.fixture(scope="module")
async def bonus(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The API as an ADMIN, with a 5 % team bonus."""
    rated = settings.model_copy(update={"team_bonus_rate": Decimal("0.05")})
    transport = httpx.ASGITransport(app=create_app(rated, database=db))
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        headers=bearer("test-admin", Role.ADMIN),
    ) as c:
        yield c


def _entries(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in body["data"]["distributor"]["ledger"]["edges"]]


def _last_month() -> tuple[str, datetime, datetime]:
    """Last month, an instant in it, and the first instant of this month."""
    this_start, _ = month_window(tax_month(datetime.now(UTC)))
    month = tax_month(this_start - timedelta(days=1))
    since, _ = month_window(month)
    return month, since + timedelta(days=2), this_start


async def test_team_bonus_is_paid_once_within_the_levels(
    bonus: httpx.AsyncClient, db: Database, uid: str
) -> None:
    month, during, this_month = _last_month()
    leader, l1, l2, l3 = (f"{uid}-{k}" for k in ("lead", "l1", "l2", "l3"))
    await register(db, leader)
    await register(db, l1, leader, threshold=1)  # the leader becomes a TEAM_LEADER
    await register(db, l2, l1)
    await register(db, l3, l2)
    await record_order(db, f"{uid}-o1", l1, 100000, paid_at=during)
    await record_order(db, f"{uid}-o2", l2, 50000, paid_at=during)
    await record_order(db, f"{uid}-o3", l3, 30000, paid_at=during)  # level 3: never counted
    await record_order(db, f"{uid}-o4", l1, 90000, paid_at=this_month)  # not last month
    refund = {"orderId": f"{uid}-o1", "refundId": f"{uid}-r1", "amount": "100.00"}
    assert "errors" not in await gql(bonus, REFUND, {"input": refund})
    # Two concurrent settlements and a replay pay the leader once.
    together = await asyncio.gather(
        gql(bonus, SETTLE, {"month": month}), gql(bonus, SETTLE, {"month": month})
    )
    assert all("errors" not in b for b in together), together
    await gql(bonus, SETTLE, {"month": month})
    expected = team_bonus_fen(Decimal("0.05"), 90000 + 50000)
    assert 7000 == expected
    assert [("available", 7000)] == [
        (r["account"], r["amount"]) for r in await db.read(BONUS, id=leader)
    ]
    # A refund after the month's bonus does not reopen it.
    later = {"orderId": f"{uid}-o2", "refundId": f"{uid}-r2", "amount": "500.00"}
    assert "errors" not in await gql(bonus, REFUND, {"input": later})
    assert 0 == (await gql(bonus, SETTLE, {"month": month}))["data"]["settleTeamBonus"]
    assert [7000] == [r["amount"] for r in await db.read(BONUS, id=leader)]
    assert [] == await db.read(BONUS, id=l1)  # not a leader
    await assert_ledger_consistent(db, [leader, l1, l2])
    # The leader sees its own bonus; another distributor may not look.
    mine = await gql(bonus, MINE, {"id": leader}, headers=bearer(leader, Role.DISTRIBUTOR))
    assert {"kind": "TEAM_BONUS", "amount": "70.00"} in [
        e["node"] for e in mine["data"]["distributor"]["ledger"]["edges"]
    ]
    other = await gql(bonus, MINE, {"id": leader}, headers=bearer(l3, Role.DISTRIBUTOR))
    assert "errors" in other


@pytest.mark.parametrize("month", ["2026-13", "26-11", "", "2999-01"])
async def test_a_bad_or_unfinished_month_is_bad_user_input(
    bonus: httpx.AsyncClient, month: str
) -> None:
    assert ["BAD_USER_INPUT"] == error_codes(await gql(bonus, SETTLE, {"month": month}))


async def test_this_month_is_not_over(bonus: httpx.AsyncClient) -> None:
    month = tax_month(datetime.now(UTC))
    assert ["BAD_USER_INPUT"] == error_codes(await gql(bonus, SETTLE, {"month": month}))


def test_team_bonus_rate_is_validated_at_start_up() -> None:
    assert Decimal(0) == Settings(env="test").policy.team_bonus_rate
    for bad in ("0.11", "-0.01"):
        with pytest.raises(ValidationError, match="team_bonus_rate"):
            Settings(env="test", team_bonus_rate=bad)
