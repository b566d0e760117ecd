"""The Explorer at /explorer/ in a real headless Chromium (issue 16, SPEC §12), against
the app served by uvicorn and the real test Neo4j. Each test makes its own data through
the API over HTTP, then looks at the page as its user would."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import neo4j
import pytest

from app.settings import Settings
from tests.web.conftest import TIME_ZONE, Offline, Server, screenshot

REGISTER = """mutation R($id: ID!, $name: String!, $sponsor: ID, $device: String,
                      $address: String, $pay: String) {
  registerDistributor(input: {id: $id, name: $name, sponsorId: $sponsor, deviceId: $device,
                              address: $address, paymentAccount: $pay}) { id }
}"""
ORDER = """mutation O($id: ID!, $buyer: ID!, $amount: Money!, $paidAt: DateTime!) {
  recordOrder(input: {id: $id, buyerId: $buyer, amount: $amount, paidAt: $paidAt}) { id }
}"""
METRICS = """query M($id: ID!, $since: DateTime!, $until: DateTime!) {
  distributor(id: $id) {
    all: teamMetrics { teamSize levelCounts { level count } }
    recent: teamMetrics(since: $since, until: $until) {
      newMembers activeMembers teamSales ownSales
    }
  }
}"""


def register(
    server: Server,
    admin: str,
    distributor_id: str,
    sponsor: str | None = None,
    name: str | None = None,
    **identifiers: str,
) -> None:
    server.gql(
        REGISTER,
        {
            "id": distributor_id,
            "name": name or f"成员 {distributor_id[-3:]}",
            "sponsor": sponsor,
            **identifiers,
        },
        token=admin,
    )


def offered(server: Server, token: str, query: str) -> bool:
    """Whether the API knows the fields `query` asks for (the page's own probe, in Python):
    only a validation error about an unknown field means no."""
    body = httpx.post(
        f"{server.url}/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    ).json()
    unknown = ("Cannot query field", "Unknown argument", "not supported by the schema")
    return not any(
        "path" not in e and any(u in e["message"] for u in unknown) for e in body.get("errors", [])
    )


def signed_in(page: Any, server: Server, token: str, route: str = "/team") -> None:
    page.goto(f"{server.url}/explorer/#token={token}&{route}")


def test_team_leader_sees_each_level_the_metrics_and_pages_to_the_end(
    page: Any, server: Server, offline: Offline, uid: str, tmp_path: Path
) -> None:
    admin = server.token("explorer-admin", "ADMIN")
    leader = f"{uid}-lead"
    register(server, admin, leader, name="王芳")
    level1 = [f"{uid}-a{i:02d}" for i in range(25)]
    for member in level1:
        register(server, admin, member, leader)
    level2 = [f"{uid}-b{i}" for i in range(3)]
    for member in level2:
        register(server, admin, member, level1[0])
    level3 = [f"{uid}-c{i}" for i in range(2)]
    for member in level3:
        register(server, admin, member, level2[0])
    now = datetime.now(UTC)
    for i, (buyer, days_ago, amount) in enumerate(
        [
            (level1[1], 2, "120.00"),
            (level1[2], 5, "80.50"),
            (level2[1], 5, "45.00"),
            (leader, 1, "30.00"),
        ]
    ):
        paid = (now - timedelta(days=days_ago)).isoformat()
        server.gql(
            ORDER,
            {"id": f"{uid}-o{i}", "buyer": buyer, "amount": amount, "paidAt": paid},
            token=admin,
        )

    token = server.token(leader, "DISTRIBUTOR")
    signed_in(page, server, token)
    metrics = page.get_by_test_id("metrics")
    metrics.wait_for()

    zone = ZoneInfo(TIME_ZONE)
    today = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    api = server.gql(
        METRICS,
        {
            "id": leader,
            "since": (today - timedelta(days=29)).isoformat(),
            "until": (today + timedelta(days=1)).isoformat(),
        },
        token=token,
    )["distributor"]
    assert 30 == api["all"]["teamSize"]
    assert str(api["all"]["teamSize"]) in metrics.get_by_test_id("teamSize").inner_text()
    assert str(api["recent"]["newMembers"]) in metrics.get_by_test_id("newMembers").inner_text()
    assert (
        str(api["recent"]["activeMembers"]) in metrics.get_by_test_id("activeMembers").inner_text()
    )
    assert "¥" + api["recent"]["teamSales"] in metrics.get_by_test_id("teamSales").inner_text()
    assert "¥" + api["recent"]["ownSales"] in metrics.get_by_test_id("ownSales").inner_text()
    assert (
        "L1 25 · L2 3 · L3 2"
        == metrics.get_by_test_id("levelCounts").locator(".card-value").inner_text()
    )

    level_1 = page.get_by_test_id("level-1")
    level_1.locator("tr[data-member]").nth(19).wait_for()
    assert 20 == level_1.locator("tr[data-member]").count()
    assert "20 of 25" in level_1.get_by_test_id("shown").inner_text()
    level_1.get_by_test_id("load-more").click()
    level_1.get_by_test_id("all-shown").wait_for()
    shown = level_1.locator("tr[data-member]").evaluate_all(
        "rows => rows.map(r => r.dataset.member)"
    )
    assert sorted(level1) == sorted(shown)
    assert len(set(shown)) == len(shown)

    chart = page.get_by_test_id("daily-chart")
    page.wait_for_function("document.querySelector('[data-testid=daily-chart]')?.dataset.rendered")
    daily_new = [int(x) for x in chart.get_attribute("data-new-members").split(",")]
    daily_sales = [float(x) for x in chart.get_attribute("data-sales").split(",")]
    assert 30 == len(daily_new)
    assert api["recent"]["newMembers"] == sum(daily_new)
    assert float(api["recent"]["teamSales"]) == pytest.approx(sum(daily_sales))
    screenshot(page, "team", tmp_path)

    for level, expected in ((2, level2), (3, level3)):
        page.get_by_test_id(f"tab-level-{level}").click()
        panel = page.get_by_test_id(f"level-{level}")
        panel.get_by_test_id("all-shown").wait_for()
        ids = panel.locator("tr[data-member]").evaluate_all(
            "rows => rows.map(r => r.dataset.member)"
        )
        assert sorted(expected) == sorted(ids)

    # The invite code (SPEC §10) and live events (SPEC §11) show only where the API has them.
    invite_query = 'query { distributor(id: "x") { inviteCode @skip(if: true) } }'
    live_query = 'subscription { teamEvents(distributorId: "x") @skip(if: true) { kind } }'
    if offered(server, token, invite_query):
        code = server.gql(
            "query($id: ID!) { distributor(id: $id) { inviteCode } }", {"id": leader}, token=token
        )["distributor"]["inviteCode"]
        invite = page.get_by_test_id("invite")
        invite.locator(".code").get_by_text(code).wait_for()
        page.wait_for_function(
            "document.querySelector('[data-testid=invite] img').naturalWidth > 0"
        )
    else:
        assert 0 == page.get_by_test_id("invite").count()
    if offered(server, token, live_query):
        page.get_by_test_id("live").wait_for()
    else:
        assert 0 == page.get_by_test_id("live").count()

    page.get_by_placeholder("Find a member by id").fill(level3[1])
    page.get_by_role("button", name="Find").click()
    page.get_by_test_id("search-result").get_by_text(f"{level3[1]} is at level 3").wait_for()
    screenshot(page, "team-level-3", tmp_path)
    assert [] == offline.refused
    assert [] == page.page_errors


def _ring_of(settings: Settings, member: str) -> str:
    with neo4j.GraphDatabase.driver(
        settings.neo4j_uri, auth=(settings.neo4j_user, settings.neo4j_password)
    ) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (r:FraudRing {current: true})-[:INCLUDES]->(:Distributor {id: $id}) "
            "RETURN r.id AS id",
            id=member,
            database_=settings.neo4j_database,
        )
    assert 1 == len(records), records
    ring_id: str = records[0]["id"]
    return ring_id


def test_analyst_opens_a_planted_ring_and_sees_its_members_drawn(
    page: Any, server: Server, offline: Offline, uid: str, tmp_path: Path, settings: Settings
) -> None:
    admin = server.token("explorer-admin", "ADMIN")
    hot = f"{uid} Hot Street 1, Shanghai"
    members = [f"{uid}-r{i}" for i in range(4)]
    register(server, admin, members[0], device=f"dev-{uid}", address=hot)
    register(server, admin, members[1], members[0], device=f"dev-{uid}", address=hot)
    register(server, admin, members[2], device=f"dev-{uid}", pay=f"pay-{uid}")
    register(server, admin, members[3], pay=f"pay-{uid}", address=hot)
    for i in range(52):  # the address: shared by more than hot_identifier_limit (50)
        register(server, admin, f"{uid}-h{i:02d}", address=hot)
    analyst = server.token("explorer-analyst", "ANALYST")
    server.gql("mutation { runFraudScan }", token=analyst)
    ring_id = _ring_of(settings, members[0])

    signed_in(page, server, analyst, "/rings")
    page.get_by_test_id("rings").locator("table.rings tbody tr").first.wait_for()
    page.locator("[data-testid=alerts] table, [data-testid=alerts] p").first.wait_for()
    screenshot(page, "rings", tmp_path)

    page.goto(f"{server.url}/explorer/#/rings/{ring_id}")
    graph = page.get_by_test_id("ring-graph")
    page.wait_for_function(
        "document.querySelector('[data-testid=ring-graph]')?.dataset.rendered === 'true'"
    )
    assert ",".join(sorted(members)) == graph.get_attribute("data-members")
    assert "2" == graph.get_attribute("data-identifiers")  # the device and the payment account
    assert "1" == graph.get_attribute("data-referrals")
    note = page.get_by_test_id("hot-note").inner_text()
    assert "Left out: 1 hot identifier" in note and "ADDRESS" in note
    rows = page.get_by_test_id("ring-members").locator("tbody tr")
    assert 4 == rows.count()
    screenshot(page, "ring", tmp_path)

    rows.first.get_by_role("link").click()
    page.locator("[data-kind=SHARED_IDENTIFIER_RING]").wait_for()
    freeze = page.get_by_test_id("freeze-distributor")
    freeze.get_by_placeholder("Reason").fill("shares a device with a ring")
    freeze.get_by_test_id("freeze").click()
    page.get_by_test_id("status").get_by_text("Status: FROZEN").wait_for()
    status = server.gql(
        "query($id: ID!) { distributor(id: $id) { status } }", {"id": members[0]}, token=analyst
    )
    assert "FROZEN" == status["distributor"]["status"]
    screenshot(page, "signals", tmp_path)

    # The Cypher workbench (SPEC §13) shows only where the API has analystQuery.
    page.goto(f"{server.url}/explorer/#/query")
    probe = 'query { analystQuery(cypher: "RETURN 1") @skip(if: true) { truncated } }'
    if offered(server, analyst, probe):
        page.locator("textarea[name=cypher]").fill("RETURN 1 AS one, 'two' AS two")
        page.get_by_role("button", name="Run").click()
        result = page.get_by_test_id("query-result")
        result.locator("table").wait_for()
        assert ["one", "two"] == result.locator("th").all_inner_texts()
        assert ["1", "two"] == result.locator("tbody td").all_inner_texts()
        screenshot(page, "query", tmp_path)
    else:
        page.get_by_test_id("query-absent").wait_for()
    assert [] == offline.refused
    assert [] == page.page_errors


def test_distributor_is_refused_the_analyst_pages(
    page: Any, server: Server, uid: str, tmp_path: Path
) -> None:
    admin = server.token("explorer-admin", "ADMIN")
    register(server, admin, f"{uid}-d")
    token = server.token(f"{uid}-d", "DISTRIBUTOR")
    signed_in(page, server, token)
    page.get_by_test_id("metrics").wait_for()
    nav = page.locator("header.top nav").inner_text()
    assert "Fraud rings" not in nav and "Withdrawals" not in nav
    for route in ("rings", "query", f"signals/{uid}-d", "withdrawals"):
        page.goto(f"{server.url}/explorer/#/{route}")
        refused = page.get_by_test_id("refused")
        refused.get_by_text(re.compile("The API itself refuses too: FORBIDDEN")).wait_for()
        assert "DISTRIBUTOR" in refused.inner_text()
        if route == "rings":
            screenshot(page, "refused", tmp_path)


def test_admin_approves_a_withdrawal_and_it_leaves_the_queue(
    page: Any, server: Server, offline: Offline, uid: str, tmp_path: Path
) -> None:
    admin = server.token("explorer-admin", "ADMIN")
    sponsor, buyer = f"{uid}-s", f"{uid}-b"
    register(server, admin, sponsor)
    register(server, admin, buyer, sponsor)
    paid = (datetime.now(UTC) - timedelta(days=10)).isoformat()
    server.gql(
        ORDER, {"id": f"{uid}-o", "buyer": buyer, "amount": "1000.00", "paidAt": paid}, token=admin
    )
    server.gql(
        "mutation($at: DateTime!) { settleCommissions(asOf: $at) }",
        {"at": datetime.now(UTC).isoformat()},
        token=admin,
    )
    ids = []
    for key, amount in (("k1", "10.00"), ("k2", "20.00")):
        w = server.gql(
            "mutation($d: ID!, $a: Money!, $k: String!) { requestWithdrawal(input: "
            "{distributorId: $d, amount: $a, idempotencyKey: $k}) { id } }",
            {"d": sponsor, "a": amount, "k": key},
            token=admin,
        )
        ids.append(w["requestWithdrawal"]["id"])

    signed_in(page, server, admin, f"/withdrawals?status=REQUESTED&distributor={sponsor}")
    queue = page.get_by_test_id("queue")
    queue.locator("tr[data-withdrawal]").nth(1).wait_for()
    totals = page.get_by_test_id("totals")
    assert "2" == totals.get_by_test_id("totalCount").locator(".card-value").inner_text()
    assert "¥30.00" == totals.get_by_test_id("totalAmount").locator(".card-value").inner_text()
    screenshot(page, "withdrawals", tmp_path)

    first = queue.locator("tr[data-withdrawal]").first
    first.get_by_test_id("approve").click()
    page.get_by_test_id("action-result").get_by_text("APPROVED").wait_for()
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=queue] tr[data-withdrawal]').length === 1"
    )
    assert "1" == totals.get_by_test_id("totalCount").locator(".card-value").inner_text()
    assert "¥20.00" == totals.get_by_test_id("totalAmount").locator(".card-value").inner_text()
    approved = server.gql(
        "query($id: ID!) { withdrawal(id: $id) { status } }", {"id": ids[0]}, token=admin
    )
    assert "APPROVED" == approved["withdrawal"]["status"]

    page.locator("button[data-status=APPROVED]").click()
    queue.locator(f"tr[data-withdrawal='{ids[0]}']").get_by_test_id("mark-paid").click()
    page.get_by_test_id("action-result").get_by_text("PAID").wait_for()
    page.get_by_test_id("queue-empty").wait_for()
    assert [] == offline.refused
    assert [] == page.page_errors


def test_chinese_browser_gets_chinese_and_the_form_signs_in(
    open_page: Callable[..., Any], server: Server, uid: str, tmp_path: Path
) -> None:
    admin = server.token("explorer-admin", "ADMIN")
    register(server, admin, f"{uid}-z")
    register(server, admin, f"{uid}-z1", f"{uid}-z")
    page = open_page("zh-CN")
    page.goto(f"{server.url}/explorer/")
    page.get_by_role("heading", name="登录").wait_for()
    page.locator("textarea[name=token]").fill(server.token(f"{uid}-z", "DISTRIBUTOR"))
    page.get_by_role("button", name="登录").click()
    page.get_by_test_id("metrics").get_by_text("团队人数").wait_for()
    page.get_by_test_id("level-1").get_by_test_id("all-shown").wait_for()
    page.wait_for_function("document.querySelector('[data-testid=daily-chart]')?.dataset.rendered")
    screenshot(page, "team-zh", tmp_path)
    page.get_by_test_id("lang").click()
    page.get_by_test_id("metrics").get_by_text("Team size").wait_for()


def test_staff_open_a_team_by_id_or_from_the_largest_teams(
    page: Any, server: Server, uid: str
) -> None:
    admin = server.token("explorer-admin", "ADMIN")
    register(server, admin, f"{uid}-t")
    register(server, admin, f"{uid}-t1", f"{uid}-t")
    signed_in(page, server, server.token("explorer-analyst", "ANALYST"))
    page.get_by_test_id("heaviest").locator("tbody tr").first.wait_for()
    page.get_by_label("Distributor id").fill(f"{uid}-t")
    page.get_by_role("button", name="Open").click()
    page.get_by_test_id("level-1").locator(f"tr[data-member='{uid}-t1']").wait_for()
    assert "1" == page.get_by_test_id("teamSize").locator(".card-value").inner_text()
