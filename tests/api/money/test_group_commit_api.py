"""Concurrent `recordOrder` calls of one app process share transactions (group commit,
`REFERRAL_ORDER_GROUP_COMMIT_MS`); each answer is its own order, exactly."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.main import create_app
from app.settings import Settings
from domain.models import NewOrder, Order, Policy
from graph.db import Database
from graph.money import orders
from tests.conftest import bearer, error_codes, gql
from tests.helpers import assert_ledger_consistent, chain

PAID = (datetime.now(UTC) - timedelta(days=1)).isoformat()
RECORD = """
mutation($input: RecordOrderInput!) {
  recordOrder(input: $input) { id amount commissions { level amount beneficiary { id } } }
}
"""


async def test_concurrent_record_order_calls_share_transactions(
    settings: Settings, db: Database, uid: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await chain(db, uid, 4)
    batches: list[int] = []
    record = orders.record

    async def counted(
        db: Database, *, orders: Sequence[NewOrder], policy: Policy, now: datetime
    ) -> list[Order]:
        batches.append(len(orders))
        return await record(db, orders=orders, policy=policy, now=now)

    monkeypatch.setattr(orders, "record", counted)
    app = create_app(settings.model_copy(update={"order_group_commit_ms": 20.0}), database=db)
    service = bearer("shop", "SERVICE")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:

        async def one(n: int) -> dict[str, object]:
            buyer = ids[3] if n != 5 else f"{uid}-nobody"
            order = {"id": f"{uid}-o{n}", "buyerId": buyer, "amount": f"{100 + n}.00"}
            return await gql(client, RECORD, {"input": order | {"paidAt": PAID}}, headers=service)

        bodies = await asyncio.gather(*(one(n) for n in range(8)))
    assert max(batches) > 1, batches
    assert ["NOT_FOUND"] == error_codes(bodies[5])
    for n, body in enumerate(bodies):
        if n == 5:
            continue
        recorded = body["data"]["recordOrder"]  # type: ignore[index]
        assert (f"{uid}-o{n}", f"{100 + n}.00") == (recorded["id"], recorded["amount"])
        assert [ids[2], ids[1]] == [c["beneficiary"]["id"] for c in recorded["commissions"]]
    await assert_ledger_consistent(db, ids)
