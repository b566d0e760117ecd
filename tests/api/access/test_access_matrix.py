"""The permission matrix over HTTP: every root field and mutation × every role × with and
without a token; and the matrix in docs/security.md is the one the code enforces.

Allowed callers get past the gate (their answer may still be NOT_FOUND and the like, from
harmless arguments, or a DISTRIBUTOR's out-of-scope FORBIDDEN); other roles get the role's
FORBIDDEN; no token gets UNAUTHENTICATED.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from access.permissions import roles_of
from access.roles import Role
from app.settings import ROOT
from graph.db import Database
from schema.schema import RootMutation, RootQuery
from tests.conftest import bearer, error_codes, gql
from tests.helpers import register

ME = "mx-" + uuid.uuid4().hex[:10]  # the DISTRIBUTOR caller, registered by the fixture
MISSING = "mx-missing-" + uuid.uuid4().hex[:8]
PAST = "2020-01-01T00:00:00+00:00"

# One harmless call per root field: `$me` is the DISTRIBUTOR caller, `$missing` nobody.
CALLS: dict[str, str] = {
    "distributor": "query($me: ID!) { distributor(id: $me) { id name } }",
    "distributorsByPhone": '{ distributorsByPhone(phone: "13800000000") { id } }',
    "auditEvents": "{ auditEvents(first: 1) { totalCount } }",
    "order": "query($missing: ID!) { order(id: $missing) { id } }",
    "withdrawal": "query($missing: ID!) { withdrawal(id: $missing) { id } }",
    "leaderboard": "{ leaderboard(metric: SALES, first: 1) { rank } }",
    "myRank": "query($me: ID!) { myRank(metric: SALES, distributorId: $me) { rank } }",
    "ruleSets": "{ ruleSets { version } }",
    "fraudRings": "{ fraudRings(first: 1) { totalCount } }",
    "fraudRing": "query($missing: ID!) { fraudRing(id: $missing) { id } }",
    "fraudSignals": "query($me: ID!) { fraudSignals(distributorId: $me) { kind } }",
    "fraudAlerts": "{ fraudAlerts(first: 1) { totalCount } }",
    "hotIdentifiers": "{ hotIdentifiers(first: 1) { key } }",
    "investigateUpline": "query($me: ID!) { investigateUpline(distributorId: $me) { level } }",
    "investigateLevels": "query($me: ID!) { investigateLevels(distributorId: $me) { level } }",
    "heaviestTeams": "{ heaviestTeams(first: 1) { id } }",
    "analystQuery": '{ analystQuery(cypher: "RETURN 1 AS one") { columns } }',
    "runInvestigation": "query($missing: ID!) { runInvestigation(id: $missing) { columns } }",
    "investigations": "{ investigations(first: 1) { totalCount } }",
    "registerDistributor": 'mutation($me: ID!) { registerDistributor(input: {id: $me, name: "m"})'
    " { id } }",
    "bindSponsor": "mutation($me: ID!, $missing: ID!) {"
    " bindSponsor(distributorId: $me, sponsorId: $missing) { id } }",
    "reassignSponsor": "mutation($me: ID!, $missing: ID!) {"
    ' reassignSponsor(distributorId: $me, sponsorId: $missing, reason: "r") { id } }',
    "approveDistributor": "mutation($missing: ID!) { approveDistributor(id: $missing) { id } }",
    "freezeDistributor": 'mutation($missing: ID!) { freezeDistributor(id: $missing, reason: "r")'
    " { id } }",
    "unfreezeDistributor": "mutation($missing: ID!) {"
    ' unfreezeDistributor(id: $missing, reason: "r") { id } }',
    "recordOrder": "mutation($missing: ID!) { recordOrder(input: {id: $missing,"
    f' buyerId: $missing, amount: "1.00", paidAt: "{PAST}"}}) {{ id }} }}',
    "recordOrders": "mutation { recordOrders(inputs: []) { id } }",
    "refundOrder": "mutation($missing: ID!) { refundOrder(input: {orderId: $missing,"
    ' refundId: $missing, amount: "1.00"}) { id } }',
    "settleCommissions": f'mutation {{ settleCommissions(asOf: "{PAST}") }}',
    "requestWithdrawal": "mutation($me: ID!) { requestWithdrawal(input: {distributorId: $me,"
    ' amount: "1.00", idempotencyKey: "mx"}) { id } }',
    "approveWithdrawal": "mutation($missing: ID!) { approveWithdrawal(id: $missing) { id } }",
    "markWithdrawalPaid": "mutation($missing: ID!) { markWithdrawalPaid(id: $missing) { id } }",
    "markWithdrawalsPaid": "mutation($missing: ID!) { markWithdrawalsPaid(ids: [$missing]) }",
    "settleTeamBonus": 'mutation { settleTeamBonus(month: "2000-01") }',
    "campaign": "query($missing: ID!) { campaign(id: $missing) { id } }",
    "createCampaign": "mutation($missing: ID!) { createCampaign(input: {id: $missing,"
    ' name: "c", metric: SALES, startsAt: "2020-01-02T00:00:00Z",'
    ' endsAt: "2020-01-01T00:00:00Z", prizes: []}) { id } }',
    "closeCampaign": "mutation($missing: ID!) { closeCampaign(id: $missing) { id } }",
    "rejectWithdrawal": "mutation($missing: ID!) {"
    ' rejectWithdrawal(id: $missing, reason: "r") { id } }',
    "createRuleSet": 'mutation { createRuleSet(input: {levelRates: ["x"]}) { version } }',
    "activateRuleSet": "mutation { activateRuleSet(version: 999999) { version } }",
    "runFraudScan": "mutation { runFraudScan }",
    "freezeFraudRing": 'mutation($missing: ID!) { freezeFraudRing(id: $missing, reason: "r")'
    " { id } }",
    "unfreezeFraudRing": "mutation($missing: ID!) {"
    ' unfreezeFraudRing(id: $missing, reason: "r") { id } }',
    "acknowledgeFraudAlert": "mutation($missing: ID!) { acknowledgeFraudAlert(id: $missing)"
    " { id } }",
    "saveInvestigation": 'mutation { saveInvestigation(input: {name: " ", cypher: "RETURN 1"})'
    " { id } }",
}


def code_matrix() -> dict[str, frozenset[Role]]:
    """Every root field's allowed roles, read from its permission class."""
    return {
        field.graphql_name or _camel(field.python_name): roles_of(field.extensions)
        for root in (RootQuery, RootMutation)
        for field in root.__strawberry_definition__.fields
    }


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def docs_matrix() -> dict[str, frozenset[Role]]:
    """The table of docs/security.md: | `field` | ADMIN | ANALYST | SERVICE | DISTRIBUTOR |"""
    found: dict[str, frozenset[Role]] = {}
    for line in (ROOT / "docs" / "security.md").read_text().splitlines():
        match = re.match(r"\|\s*`(\w+)`\s*\|(.*)", line)
        if match:
            cells = [c.strip() for c in match.group(2).split("|")][:4]
            if len(cells) < 4:  # another table (roles)
                continue
            roles = [Role.ADMIN, Role.ANALYST, Role.SERVICE, Role.DISTRIBUTOR]
            found[match.group(1)] = frozenset(
                r for r, c in zip(roles, cells, strict=True) if c.startswith("✓")
            )
    return found


def _variables(query: str) -> dict[str, Any]:
    names = {"me": ME, "missing": MISSING}
    return {k: v for k, v in names.items() if f"${k}" in query}


def test_every_root_field_has_a_permission_and_a_call_here() -> None:
    matrix = code_matrix()
    assert set(CALLS) == set(matrix)
    assert [] == [name for name, roles in matrix.items() if not roles]


def test_docs_security_md_states_the_enforced_matrix() -> None:
    assert code_matrix() == docs_matrix()


@pytest.fixture(scope="module")
async def me(db: Database) -> str:
    await register(db, ME)
    return ME


@pytest.mark.parametrize("field", sorted(CALLS))
async def test_matrix(client: httpx.AsyncClient, anonymous: httpx.AsyncClient, me: str,
                      field: str) -> None:  # fmt: skip
    query = CALLS[field]
    allowed = code_matrix()[field]
    body = await gql(anonymous, query, _variables(query))
    assert ["UNAUTHENTICATED"] == error_codes(body), body
    for role in Role:
        subject = me if role is Role.DISTRIBUTOR else f"mx-{role.value.lower()}"
        body = await gql(client, query, _variables(query), headers=bearer(subject, role))
        codes = error_codes(body)
        if role in allowed:  # past the gate; a DISTRIBUTOR may still be out of scope
            refused = [e for e in body.get("errors", []) if "may not use" in e["message"]]
            assert "UNAUTHENTICATED" not in codes and not refused, (field, role, body)
        else:
            assert ["FORBIDDEN"] == codes, (field, role, body)
            assert "may not use" in body["errors"][0]["message"]
