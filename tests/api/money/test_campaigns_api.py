"""Campaigns (限时冲级赛, SPEC §10): standings over the window, prizes paid once as money
when closed after the end; replays and concurrent closes pay nothing twice."""

from __future__ import annotations

import asyncio
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from access.roles import Role
from graph.db import Database
from tests.conftest import bearer, error_codes, gql
from tests.helpers import assert_ledger_consistent, record_order, register

CREATE = """
mutation($input: CreateCampaignInput!) {
  createCampaign(input: $input) { id name metric startsAt endsAt prizes { rank amount } closedAt }
}
"""
SHOW = """
query($id: ID!) {
  campaign(id: $id) { id closedAt standings(first: 10) { rank value distributor { id } } }
}
"""
CLOSE = "mutation($id: ID!) { closeCampaign(id: $id) { id closedAt } }"
PRIZES = """
MATCH (e:LedgerEntry {kind: 'PRIZE'}) WHERE e.ref STARTS WITH $ref
RETURN e.distributorId AS id, e.account AS account, e.amount AS amount ORDER BY id
"""
MINE = (
    "query($id: ID!) { distributor(id: $id) {"
    " ledger(first: 50) { edges { node { kind amount } } } } }"
)


def _entries(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["node"] for e in body["data"]["distributor"]["ledger"]["edges"]]


def _input(uid: str, start: datetime, end: datetime, **extra: Any) -> dict[str, Any]:
    prizes = [
        {"rank": 1, "amount": "100.00"},
        {"rank": 2, "amount": "50.00"},
        {"rank": 3, "amount": "10.00"},
    ]
    return {
        "input": {
            "id": f"{uid}-c",
            "name": "双十一冲级赛",
            "metric": "SALES",
            "startsAt": start.isoformat(),
            "endsAt": end.isoformat(),
            "prizes": prizes,
        }
        | extra
    }


async def test_a_campaign_pays_each_prize_once(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    # A window of one minute of its own in the past: only this test's orders are in it.
    start = datetime.now(UTC) - timedelta(days=30, seconds=zlib.crc32(uid.encode()) % 86400)
    start = start.replace(microsecond=0)
    end = start + timedelta(minutes=1)
    first, second, late = f"{uid}-a", f"{uid}-b", f"{uid}-z"
    for who in (first, second, late):
        await register(db, who, now=start - timedelta(days=1))
    await record_order(db, f"{uid}-o1", first, 30000, paid_at=start + timedelta(seconds=5))
    await record_order(db, f"{uid}-o2", second, 20000, paid_at=start + timedelta(seconds=6))
    await record_order(db, f"{uid}-o3", late, 90000, paid_at=end)  # outside [start, end)
    created = await gql(client, CREATE, _input(uid, start, end))
    assert "errors" not in created, created
    campaign = created["data"]["createCampaign"]
    assert [{"rank": 1, "amount": "100.00"}, {"rank": 2, "amount": "50.00"}] == campaign["prizes"][
        :2
    ]
    assert campaign["closedAt"] is None
    assert ["CONFLICT"] == error_codes(await gql(client, CREATE, _input(uid, start, end)))
    shown = (await gql(client, SHOW, {"id": f"{uid}-c"}))["data"]["campaign"]
    assert [(1, "300.00", first), (2, "200.00", second)] == [
        (s["rank"], s["value"], s["distributor"]["id"]) for s in shown["standings"]
    ]
    together = await asyncio.gather(
        gql(client, CLOSE, {"id": f"{uid}-c"}), gql(client, CLOSE, {"id": f"{uid}-c"})
    )
    assert all("errors" not in b for b in together), together
    again = await gql(client, CLOSE, {"id": f"{uid}-c"})
    assert again["data"]["closeCampaign"]["closedAt"] is not None
    paid = await db.read(PRIZES, ref=f"prize:{uid}-c:")
    assert [(first, "available", 10000), (second, "available", 5000)] == [
        (r["id"], r["account"], r["amount"]) for r in paid
    ]
    await assert_ledger_consistent(db, [first, second, late])
    mine = await gql(client, MINE, {"id": first}, headers=bearer(first, Role.DISTRIBUTOR))
    assert {"kind": "PRIZE", "amount": "100.00"} in _entries(mine)
    other = await gql(client, MINE, {"id": first}, headers=bearer(second, Role.DISTRIBUTOR))
    assert "errors" in other


async def test_closing_before_the_end_and_bad_campaigns_are_refused(
    client: httpx.AsyncClient, uid: str
) -> None:
    now = datetime.now(UTC)
    running = _input(uid, now - timedelta(days=1), now + timedelta(days=1))
    assert "errors" not in await gql(client, CREATE, running)
    assert ["BAD_USER_INPUT"] == error_codes(await gql(client, CLOSE, {"id": f"{uid}-c"}))
    assert ["NOT_FOUND"] == error_codes(await gql(client, CLOSE, {"id": f"{uid}-none"}))
    later, earlier = now, now - timedelta(days=1)
    bad = [
        _input(uid + "1", later, earlier),
        _input(uid + "2", earlier, later, prizes=[]),
        _input(uid + "3", earlier, later, prizes=[{"rank": 1, "amount": "1.00"}] * 2),
        _input(uid + "4", earlier, later, prizes=[{"rank": 0, "amount": "1.00"}]),
        _input(uid + "5", earlier, later, prizes=[{"rank": 1, "amount": "0.00"}]),
        _input(uid + "6", earlier, later, prizes=[{"rank": 1, "amount": "-1.00"}]),
    ]
    for variables in bad:
        assert ["BAD_USER_INPUT"] == error_codes(await gql(client, CREATE, variables)), variables
