"""The finance files over plain HTTP (SPEC §10), ADMIN only:

- `GET /payouts/approved.csv`: APPROVED, unpaid withdrawals for the bank's batch;
- `GET /reports/tax/{YYYY-MM}.csv`: the month's withholding statement (扣缴申报).

No token (or one that does not verify) is 401, another role 403, a malformed month 400;
each as a JSON body `{"error": {"code", "message"}}` with the codes of SPEC §5.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response

from access import scope as access
from access.pii import Keyring
from access.roles import Role
from access.tokens import TokenConfig
from app import http_edge
from app.graphql import request_context
from domain.errors import ReferralError
from domain.models import Policy
from graph.db import Database
from resolvers.context import Context
from resolvers.money import statements

STATUS_OF_CODE = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "BAD_USER_INPUT": 400, "NOT_FOUND": 404}
ADMIN = frozenset({Role.ADMIN})


def reports_router(
    *, db: Database, policy: Policy, tokens: TokenConfig, keyring: Keyring
) -> APIRouter:
    router = APIRouter()

    async def answer(
        request: Request, operation: str, make: Callable[[Context], Awaitable[str]], name: str
    ) -> Response:
        ctx = request_context(
            request, db=db, policy=policy, tokens=tokens, keyring=keyring, limits=None
        )
        try:
            access.require_role(ctx, ADMIN, operation=operation)
            body = await make(ctx)
        except ReferralError as exc:
            code = exc.extensions["code"]
            # The shape of every 4xx body (SPEC §11): errors[].extensions.code.
            return http_edge.coded_response(STATUS_OF_CODE.get(code, 409), exc.message, code=code)
        return Response(
            body,
            media_type="text/csv; charset=utf-8",
            headers={
                "content-disposition": f'attachment; filename="{name}"',
                "cache-control": "no-store",
            },
        )

    @router.get("/payouts/approved.csv")
    async def approved_payouts(request: Request) -> Response:
        return await answer(
            request, "approvedPayouts", statements.approved_payouts_csv, "approved.csv"
        )

    @router.get("/reports/tax/{month}.csv")
    async def tax_statement(request: Request, month: str) -> Response:
        async def make(ctx: Context) -> str:
            return await statements.tax_statement_csv(ctx, month=month)

        return await answer(request, "taxStatement", make, "tax.csv")

    return router
