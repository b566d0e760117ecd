"""Orders, refunds, settlement, withdrawals, rule sets and leaderboards over HTTP."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from graph.db import Database
from tests.conftest import error_codes, gql
from tests.helpers import assert_ledger_consistent, chain

PAID = (datetime.now(UTC) - timedelta(days=8)).isoformat()

RECORD = """
mutation($input: RecordOrderInput!) {
  recordOrder(input: $input) {
    id amount refunded ruleSetVersion buyer { id }
    items { amount productId brandId commissionable }
    commissions { level amount originalAmount base rate status beneficiary { id } }
    forfeits { level distributorId reason }
  }
}
"""
REFUND = """
mutation($input: RefundOrderInput!) {
  refundOrder(input: $input) { id refunded commissions { level amount status } }
}
"""
SETTLE = "mutation($asOf: DateTime!) { settleCommissions(asOf: $asOf) }"
WITHDRAW = """
mutation($input: RequestWithdrawalInput!) {
  requestWithdrawal(input: $input) { id amount fee tax net status }
}
"""
ACCOUNT = """
query($id: ID!) {
  distributor(id: $id) {
    balance { pending available held withdrawn }
    ledger(first: 20) { edges { node { kind account amount ref } } pageInfo { hasNextPage } }
    withdrawals { totalCount edges { node { id status net } } }
    teamMetrics { teamSales activeMembers commissions { status amount } }
  }
}
"""


def _order(uid: str, buyer: str, amount: str = "100.00", **extra: Any) -> dict[str, Any]:
    return {"input": {"id": f"{uid}-o", "buyerId": buyer, "amount": amount, "paidAt": PAID} | extra}


async def test_record_an_order_and_replay_it(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    ids = await chain(db, uid, 3)
    items = [
        {"amount": "90.00", "productId": "sku-1", "brandId": "brand-1"},
        {"amount": "9.99", "commissionable": False},
    ]
    variables = _order(uid, ids[2], "99.99", items=items)
    first = await gql(client, RECORD, variables)
    order = first["data"]["recordOrder"]
    assert ("99.99", "0.00", 0, {"id": ids[2]}) == (
        order["amount"],
        order["refunded"],
        order["ruleSetVersion"],
        order["buyer"],
    )
    assert [(1, "13.50", "90.00", "15.00", ids[1]), (2, "4.50", "90.00", "5.00", ids[0])] == [
        (c["level"], c["amount"], c["base"], c["rate"], c["beneficiary"]["id"])
        for c in order["commissions"]
    ]
    for _ in range(2):
        assert first == await gql(client, RECORD, variables)
    other = await gql(client, RECORD, _order(uid, ids[2], "99.98"))
    assert ["CONFLICT"] == error_codes(other)
    await assert_ledger_consistent(db, ids)


@pytest.mark.parametrize(
    "amount",
    ["-1.00", "1.234", "abc", "1e3", "12", "99.9", "0.00", "9999999999999.00", " 1.00", ""],
)
async def test_bad_money_is_bad_user_input(
    client: httpx.AsyncClient, db: Database, uid: str, amount: str
) -> None:
    ids = await chain(db, uid, 2)
    body = await gql(client, RECORD, _order(uid, ids[1], amount))
    assert ["BAD_USER_INPUT"] == error_codes(body), body


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"buyerId": "nobody-at-all"}, "NOT_FOUND"),
        ({"buyerId": "bad id!"}, "BAD_USER_INPUT"),
        ({"id": ""}, "BAD_USER_INPUT"),
        ({"paidAt": "2026-01-01T00:00:00"}, "BAD_USER_INPUT"),
        ({"paidAt": "2999-01-01T00:00:00Z"}, "BAD_USER_INPUT"),
        ({"items": [{"amount": "1.00"}]}, "BAD_USER_INPUT"),
        ({"items": [{"amount": "100.00", "productId": "é"}]}, "BAD_USER_INPUT"),
    ],
)
async def test_bad_orders_get_their_code(
    client: httpx.AsyncClient, db: Database, uid: str, change: dict[str, Any], code: str
) -> None:
    ids = await chain(db, uid, 2)
    variables = _order(uid, ids[1])
    variables["input"] |= change
    assert [code] == error_codes(await gql(client, RECORD, variables))


async def test_batch_of_orders_is_limited_to_500(client: httpx.AsyncClient, uid: str) -> None:
    query = "mutation($i: [RecordOrderInput!]!) { recordOrders(inputs: $i) { id } }"
    one = _order(uid, "x")["input"]
    assert ["BAD_USER_INPUT"] == error_codes(await gql(client, query, {"i": [one] * 501}))
    assert ["BAD_USER_INPUT"] == error_codes(await gql(client, query, {"i": []}))


async def test_refund_settle_withdraw_and_pay_over_http(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    ids = await chain(db, uid, 2)
    await gql(client, RECORD, _order(uid, ids[1], "3000.00"))
    refund = {"orderId": f"{uid}-o", "refundId": f"{uid}-r", "amount": "1000.00"}
    body = await gql(client, REFUND, {"input": refund})
    assert [(1, "300.00", "PENDING")] == [
        (c["level"], c["amount"], c["status"]) for c in body["data"]["refundOrder"]["commissions"]
    ]
    assert body == await gql(client, REFUND, {"input": refund})  # replay
    codes = [
        error_codes(await gql(client, REFUND, {"input": refund | {"amount": "1.00"}})),
        error_codes(
            await gql(client, REFUND, {"input": refund | {"refundId": "x", "amount": "2000.01"}})
        ),
        error_codes(await gql(client, REFUND, {"input": refund | {"orderId": f"{uid}-none"}})),
        error_codes(
            await gql(client, REFUND, {"input": refund | {"refundId": "y", "amount": "0.00"}})
        ),
    ]
    assert [["CONFLICT"], ["BAD_USER_INPUT"], ["NOT_FOUND"], ["BAD_USER_INPUT"]] == codes
    settled = await gql(client, SETTLE, {"asOf": datetime.now(UTC).isoformat()})
    assert settled["data"]["settleCommissions"] >= 1
    withdraw = {"distributorId": ids[0], "amount": "300.00", "idempotencyKey": f"{uid}-w"}
    w = (await gql(client, WITHDRAW, {"input": withdraw}))["data"]["requestWithdrawal"]
    assert ("300.00", "0.00", "0.00", "300.00", "REQUESTED") == (
        w["amount"],
        w["fee"],
        w["tax"],
        w["net"],
        w["status"],
    )
    approve = "mutation($id: ID!) { approveWithdrawal(id: $id) { status } }"
    pay = "mutation($id: ID!) { markWithdrawalPaid(id: $id) { status net } }"
    reject = 'mutation($id: ID!) { rejectWithdrawal(id: $id, reason: "late") { status } }'
    assert ["CONFLICT"] == error_codes(await gql(client, pay, {"id": w["id"]}))
    assert (
        "APPROVED"
        == (await gql(client, approve, {"id": w["id"]}))["data"]["approveWithdrawal"]["status"]
    )
    assert (
        "PAID" == (await gql(client, pay, {"id": w["id"]}))["data"]["markWithdrawalPaid"]["status"]
    )
    assert ["CONFLICT"] == error_codes(await gql(client, reject, {"id": w["id"]}))
    assert ["NOT_FOUND"] == error_codes(await gql(client, approve, {"id": "w-none"}))
    account = (await gql(client, ACCOUNT, {"id": ids[0]}))["data"]["distributor"]
    assert {
        "pending": "0.00",
        "available": "0.00",
        "held": "0.00",
        "withdrawn": "300.00",
    } == account["balance"]
    kinds = [e["node"]["kind"] for e in account["ledger"]["edges"]]
    assert {
        "COMMISSION_PENDING",
        "COMMISSION_REDUCED",
        "COMMISSION_SETTLED",
        "WITHDRAWAL_HOLD",
        "WITHDRAWAL_PAID",
    } == set(kinds)
    withdrawn = [e["node"] for e in account["withdrawals"]["edges"]]
    assert [{"id": w["id"], "status": "PAID", "net": "300.00"}] == withdrawn
    assert {"status": "SETTLED", "amount": "300.00"} in account["teamMetrics"]["commissions"]
    await assert_ledger_consistent(db, ids)


@pytest.mark.parametrize(
    ("withdraw", "code"),
    [
        ({"amount": "0.99"}, "BAD_USER_INPUT"),
        ({"amount": "1.00"}, "INSUFFICIENT_BALANCE"),
        ({"idempotencyKey": ""}, "BAD_USER_INPUT"),
        ({"distributorId": "nobody-at-all"}, "NOT_FOUND"),
        ({"amount": "-5.00"}, "BAD_USER_INPUT"),
    ],
)
async def test_bad_withdrawals_get_their_code(
    client: httpx.AsyncClient, db: Database, uid: str, withdraw: dict[str, str], code: str
) -> None:
    ids = await chain(db, uid, 1)
    request = {"distributorId": ids[0], "amount": "5.00", "idempotencyKey": "k"} | withdraw
    assert [code] == error_codes(await gql(client, WITHDRAW, {"input": request}))


async def test_frozen_distributor_withdrawal_is_frozen(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    ids = await chain(db, uid, 1)
    await gql(
        client,
        'mutation($id: ID!) { freezeDistributor(id: $id, reason: "r") { status } }',
        {"id": ids[0]},
    )
    request = {"distributorId": ids[0], "amount": "5.00", "idempotencyKey": "k"}
    assert ["FROZEN"] == error_codes(await gql(client, WITHDRAW, {"input": request}))


CREATE_RULES = """
mutation($input: RuleSetInput!) {
  createRuleSet(input: $input) {
    version active levelRates brandRates { key levelRates } tiers { monthlySales bonusRate }
  }
}
"""


@pytest.mark.parametrize(
    ("rules", "code"),
    [
        ({"levelRates": ["60", "30", "10.01"]}, "BAD_USER_INPUT"),
        ({"levelRates": ["10", "5", "2", "1"]}, "DEPTH_LIMIT_EXCEEDED"),
        ({"levelRates": ["15%"]}, "BAD_USER_INPUT"),
        ({"levelRates": []}, "BAD_USER_INPUT"),
        (
            {"levelRates": ["10"], "brandRates": [{"key": "b", "levelRates": ["1"]}] * 2},
            "BAD_USER_INPUT",
        ),
        (
            {"levelRates": ["95"], "tiers": [{"monthlySales": "1.00", "bonusRate": "6"}]},
            "BAD_USER_INPUT",
        ),
    ],
)
async def test_bad_rule_sets_are_refused(
    client: httpx.AsyncClient, rules: dict[str, Any], code: str
) -> None:
    assert [code] == error_codes(await gql(client, CREATE_RULES, {"input": rules}))


async def test_create_and_activate_a_rule_set(client: httpx.AsyncClient, db: Database) -> None:
    rules = {
        "levelRates": ["12", "4"],
        "brandRates": [{"key": "brand-z", "levelRates": ["20", "1.5"]}],
        "tiers": [{"monthlySales": "1000.00", "bonusRate": "2"}],
    }
    created = (await gql(client, CREATE_RULES, {"input": rules}))["data"]["createRuleSet"]
    assert (False, ["12.00", "4.00"]) == (created["active"], created["levelRates"])
    activate = "mutation($v: Int!) { activateRuleSet(version: $v) { version active } }"
    try:
        body = await gql(client, activate, {"v": created["version"]})
        assert {"version": created["version"], "active": True} == body["data"]["activateRuleSet"]
        listed = await gql(client, "{ ruleSets { version active } }")
        assert 1 == sum(r["active"] for r in listed["data"]["ruleSets"])
        assert ["NOT_FOUND"] == error_codes(await gql(client, activate, {"v": 10**6}))
        defaults = await gql(client, activate, {"v": 0})
        assert {"version": 0, "active": True} == defaults["data"]["activateRuleSet"]
        listed = await gql(client, "{ ruleSets { version active } }")
        assert 0 == sum(r["active"] for r in listed["data"]["ruleSets"])
    finally:
        await db.driver.execute_query(
            "MATCH (r:RuleSet {active: true}) SET r.active = false", database_=db.name
        )


async def test_leaderboard_and_my_rank_over_http(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    ids = await chain(db, uid, 2)
    # a millisecond of its own, in the past, so other tests' orders stay out of the window
    paid = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(milliseconds=zlib.crc32(uid.encode()))
    await gql(client, RECORD, _order(uid, ids[1], "77.77", paidAt=paid.isoformat()))
    window = {"since": paid.isoformat(), "until": (paid + timedelta(milliseconds=1)).isoformat()}
    board = """
    query($since: DateTime, $until: DateTime, $id: ID!) {
      leaderboard(metric: SALES, since: $since, until: $until, first: 5) {
        rank value distributor { id }
      }
      myRank(metric: COMMISSION, distributorId: $id, since: $since, until: $until) { rank value }
    }
    """
    body = await gql(client, board, window | {"id": ids[0]})
    assert [{"rank": 1, "value": "77.77", "distributor": {"id": ids[1]}}] == body["data"][
        "leaderboard"
    ]
    assert {"rank": 1, "value": "11.66"} == body["data"]["myRank"]
    backwards = {"since": window["until"], "until": window["since"], "id": ids[0]}
    assert ["BAD_USER_INPUT"] * 2 == error_codes(await gql(client, board, backwards))
    too_many = "{ leaderboard(metric: RECRUITS, first: 101) { rank } }"
    assert ["BAD_USER_INPUT"] == error_codes(await gql(client, too_many))


async def test_unknown_order_and_withdrawal_are_null(client: httpx.AsyncClient) -> None:
    body = await gql(client, '{ order(id: "no-such") { id } withdrawal(id: "no-such") { id } }')
    assert {"order": None, "withdrawal": None} == body["data"]


async def test_settling_ahead_of_time_is_refused(client: httpx.AsyncClient) -> None:
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert ["BAD_USER_INPUT"] == error_codes(await gql(client, SETTLE, {"asOf": later}))


async def test_record_orders_answers_one_result_per_input_in_order(
    client: httpx.AsyncClient, db: Database, uid: str
) -> None:
    """A client pairs inputs with results by position: three identical inputs are three
    results, and a batch mixing a replay, new orders and a repeat keeps its order."""
    ids = await chain(db, uid, 2)
    query = """
    mutation($i: [RecordOrderInput!]!) {
      recordOrders(inputs: $i) { id amount commissions { level amount } }
    }
    """

    def one(key: str, amount: str) -> dict[str, Any]:
        return {"id": f"{uid}-{key}", "buyerId": ids[1], "amount": amount, "paidAt": PAID}

    same = one("same", "10.00")
    body = await gql(client, query, {"i": [same, same, same]})
    assert [f"{uid}-same"] * 3 == [o["id"] for o in body["data"]["recordOrders"]]
    batch = [one("z", "30.00"), same, one("a", "20.00"), same, one("z", "30.00")]
    results = (await gql(client, query, {"i": batch}))["data"]["recordOrders"]
    assert [(b["id"], b["amount"]) for b in batch] == [(r["id"], r["amount"]) for r in results]
    assert results[0] == results[4] and results[1] == results[3]
    assert [{"level": 1, "amount": "1.50"}] == results[1]["commissions"]
    await assert_ledger_consistent(db, ids)
