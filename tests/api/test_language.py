"""`Accept-Language: zh-CN` gives Chinese error messages, same codes (SPEC §11)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from graphql import GraphQLError
from starlette.requests import Request
from strawberry.types import ExecutionResult

from access.roles import Role
from app.graphql import ReferralRouter
from app.language import preferred_language
from schema.schema import build_schema
from tests.conftest import bearer, error_codes, gql
from tests.domain.test_errors_zh import error_classes, sample

CJK = re.compile(r"[\u4e00-\u9fff]")
ZH = {"Accept-Language": "zh-CN"}


@pytest.mark.parametrize(
    ("header", "language"),
    [
        (None, "en"),
        ("", "en"),
        ("zh-CN", "zh"),
        ("zh", "zh"),
        ("zh-Hans", "zh"),
        ("ZH-cn,zh;q=0.9", "zh"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("en;q=0.5, zh-CN;q=0.8", "zh"),
        ("zh-CN;q=0, en", "en"),
        ("fr-FR, zh;q=0.2", "zh"),
        ("fr-FR", "en"),
        ("*", "en"),
        ("zh;q=bogus, en;q=0.1", "en"),
        ("en, zh", "en"),
    ],
)
def test_accept_language_q_values(header: str | None, language: str) -> None:
    assert preferred_language(header) == language


async def test_every_error_class_comes_back_chinese_through_the_edge() -> None:
    """Each class, constructed and formatted by the GraphQL edge itself."""
    router = ReferralRouter(build_schema())
    for cls in error_classes():
        error = sample(cls)
        result = ExecutionResult(
            data=None,
            errors=[GraphQLError(error.message, path=["x"], original_error=error)],
        )
        for headers, chinese in (([(b"accept-language", b"zh-CN")], True), ([], False)):
            request = Request({"type": "http", "headers": headers, "method": "POST"})
            response = await router.process_result(request, result)
            formatted: dict[str, Any] = response["errors"][0]  # type: ignore[index,assignment]
            assert formatted["extensions"]["code"] == cls.code
            assert bool(CJK.search(formatted["message"])) is chinese, (cls, formatted)


async def test_chinese_over_http_keeps_the_codes(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient, uid: str
) -> None:
    register = "mutation($i: RegisterDistributorInput!) { registerDistributor(input: $i) { id } }"
    cases: list[tuple[httpx.AsyncClient, str, dict[str, object], dict[str, str], str]] = [
        (anonymous, 'query { distributor(id: "x1") { id } }', {}, ZH, "UNAUTHENTICATED"),
        (
            anonymous,
            "query { fraudAlerts { totalCount } }",
            {},
            {**bearer(f"{uid}-b", Role.DISTRIBUTOR), **ZH},
            "FORBIDDEN",
        ),
        (
            client,
            register,
            {"i": {"id": f"{uid}-1", "name": "A", "sponsorId": f"{uid}-none"}},
            ZH,
            "NOT_FOUND",
        ),
        (
            client,
            register,
            {"i": {"id": f"{uid}-2", "name": "A", "sponsorId": f"{uid}-2"}},
            ZH,
            "SELF_REFERRAL",
        ),
        (client, register, {"i": {"id": "bad id!", "name": "A"}}, ZH, "BAD_USER_INPUT"),
        (client, "query { nosuchfield }", {}, ZH, "BAD_USER_INPUT"),
    ]
    for c, query, variables, headers, code in cases:
        extra = headers
        body = await gql(c, query, variables, headers=extra)
        assert error_codes(body) == [code], body
        message = body["errors"][0]["message"]
        assert CJK.search(message), (code, message)
        english = await gql(
            c, query, variables, headers={k: v for k, v in extra.items() if k != "Accept-Language"}
        )
        assert error_codes(english) == [code]
        assert not CJK.search(english["errors"][0]["message"])
