"""The GraphQL endpoint: context per request, and the error edge of SPEC §5.

Expected errors keep their message and `extensions.code`; request errors (syntax,
validation, bad variables) get `BAD_USER_INPUT`; anything else is logged with the
request id and answered with a masked message that carries the same id.

The bearer token is verified here, once per request; a request without one (or with one
that does not verify) runs as nobody, and every root field then answers
UNAUTHENTICATED, saying why.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from graphql import GraphQLError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from access.errors import Unauthenticated
from access.pii import Keyring
from access.rate_limit import RateLimiter
from access.tokens import TokenConfig, bearer_token, verify
from app.language import (
    error_message,
    preferred_language,
    request_error_message,
    unexpected_message,
)
from domain.errors import ReferralError
from domain.models import Actor, Policy
from graph.db import Database
from resolvers.context import Context
from schema.schema import build_schema, is_expected

log = logging.getLogger("referral.api")
ANONYMOUS = Actor(subject="anonymous", role="NONE")


def extensions_of(error: GraphQLError) -> dict[str, str]:
    if isinstance(error.original_error, ReferralError):
        return error.original_error.extensions
    return {"code": "BAD_USER_INPUT"}


class ReferralRouter(GraphQLRouter[Context, None]):
    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        request_id: str = getattr(request.state, "request_id", "-")
        language = preferred_language(request.headers.get("accept-language"))
        errors: list[dict[str, Any]] = []
        for error in result.errors or []:
            if is_expected(error):
                formatted = dict(error.formatted)
                formatted["extensions"] = extensions_of(error)
                original = error.original_error
                if language == "en":
                    pass
                elif isinstance(original, ReferralError):
                    formatted["message"] = error_message(original, language)
                else:
                    formatted["message"] = request_error_message(error.message, language)
            else:
                log.error(
                    "unexpected error in request %s at %s",
                    request_id,
                    error.path,
                    exc_info=error.original_error,
                )
                formatted = {
                    "message": unexpected_message(request_id, language),
                    "path": error.path,
                    "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
                }
            errors.append(formatted)
        response: GraphQLHTTPResponse = {"data": result.data}
        if errors:
            response["errors"] = list(errors)
        return response


def graphql_router(
    *,
    db: Database,
    policy: Policy,
    production: bool,
    tokens: TokenConfig,
    keyring: Keyring,
    limiter: RateLimiter,
) -> ReferralRouter:
    async def context(request: Request) -> Context:
        ctx = Context(
            db=db,
            policy=policy,
            actor=ANONYMOUS,
            request_id=request.state.request_id,
            keyring=keyring,
            limiter=limiter,
        )
        try:
            token = bearer_token(request.headers.get("authorization"))
            if token is not None:
                caller = verify(config=tokens, token=token)
                ctx.actor, ctx.token_key = caller.actor, caller.token_key
        except Unauthenticated as exc:
            log.info("request %s: token refused: %s", ctx.request_id, exc.message)
            ctx.auth_problem = exc.message
        return ctx

    return ReferralRouter(
        build_schema(production=production),
        context_getter=context,
        graphql_ide=None if production else "graphiql",
        allow_queries_via_get=False,
    )
