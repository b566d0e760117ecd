"""The GraphQL endpoint: context per request, and the error edge of SPEC §5.

Expected errors keep their message and `extensions.code`; request errors (syntax,
validation, bad variables) get `BAD_USER_INPUT`; anything else is logged with the
request id and answered with a masked message that carries the same id.

The bearer token is verified here, once per request; a request without one (or with one
that does not verify) runs as nobody, and every root field then answers
UNAUTHENTICATED, saying why.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import replace
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from graphql import GraphQLError, GraphQLSchema, parse, validate
from graphql.error import GraphQLSyntaxError
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from access.pii import Keyring
from access.rate_limit import RateLimiter
from access.tokens import TokenConfig, bearer_token, verify
from app.language import (
    error_message,
    preferred_language,
    request_error_message,
    unexpected_message,
)
from app.metrics import observe_operation
from domain.errors import BadUserInput, PersistedQueryNotFound, ReferralError, Unauthenticated
from domain.models import Actor, Policy
from graph.db import Database
from graph.persisted_queries import QueryStore
from resolvers.context import Context
from schema.schema import build_schema, is_expected

log = logging.getLogger("referral.api")
ANONYMOUS = Actor(subject="anonymous", role="NONE")
SHA256 = re.compile(r"[0-9a-f]{64}")
# A persisted query text is stored only when it parses and validates, and is not longer.
MAX_PERSISTED_QUERY = 20_000


class PersistedQueryRefusal(Exception):
    """A persisted-query request answered before execution, as a GraphQL error."""

    def __init__(self, error: ReferralError, status: int) -> None:
        super().__init__(error.message)
        self.error, self.status = error, status


def extensions_of(error: GraphQLError) -> dict[str, str]:
    if isinstance(error.original_error, ReferralError):
        return error.original_error.extensions
    return {"code": "BAD_USER_INPUT"}


OPERATION = re.compile(r"\s*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")


def named_operation(query: str | None) -> str | None:
    """The name of the document's first operation, when the request names none."""
    match = OPERATION.match(query or "")
    return match.group(1) if match else None


def outcome_of(result: ExecutionResult) -> str:
    """`ok`, or the code of the first error (as the client sees it)."""
    for error in result.errors or []:
        return extensions_of(error)["code"] if is_expected(error) else "INTERNAL_SERVER_ERROR"
    return "ok"


class ReferralRouter(GraphQLRouter[Context, None]):
    persisted: QueryStore | None = None
    validation_schema: GraphQLSchema | None = None

    def should_render_graphql_ide(self, request: Any) -> bool:
        """Not for an APQ GET, which carries its hash in `extensions` and no `query`."""
        if "extensions" in request.query_params:
            return False
        return super().should_render_graphql_ide(request)

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        parsed = await super().parse_http_body(request)
        if isinstance(parsed, GraphQLRequestData):
            return await self.resolve_persisted(parsed)
        return parsed

    async def resolve_persisted(self, data: GraphQLRequestData) -> GraphQLRequestData:
        """Apollo's automatic persisted queries (`extensions.persistedQuery`): a hash
        alone runs the query registered under it, or answers PERSISTED_QUERY_NOT_FOUND;
        a query with its hash registers it (once it parses and validates)."""
        persisted = (data.extensions or {}).get("persistedQuery")
        if persisted is None or self.persisted is None:
            return data
        sha256 = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if (
            not isinstance(persisted, dict)
            or persisted.get("version") != 1
            or not isinstance(sha256, str)
            or not SHA256.fullmatch(sha256)
        ):
            raise PersistedQueryRefusal(
                BadUserInput(
                    "extensions.persistedQuery must be {version: 1, sha256Hash: <64 lowercase "
                    "hex digits>}."
                ),
                400,
            )
        if data.query is None:
            query = await self.persisted.find(sha256)
            if query is None:
                raise PersistedQueryRefusal(PersistedQueryNotFound(), 200)
            return replace(data, query=query)
        if hashlib.sha256(data.query.encode()).hexdigest() != sha256:
            raise PersistedQueryRefusal(
                BadUserInput(
                    "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query "
                    "text (hex of the UTF-8 bytes)."
                ),
                400,
            )
        if len(data.query) <= MAX_PERSISTED_QUERY and self._valid(data.query):
            await self.persisted.register(sha256, data.query)
        return data

    def _valid(self, query: str) -> bool:
        try:
            document = parse(query)
        except GraphQLSyntaxError:
            return False
        return self.validation_schema is not None and not validate(self.validation_schema, document)

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """One operation, counted by name and outcome and timed (`app/metrics.py`)."""
        data: GraphQLRequestData = kwargs["request_data"]
        started = time.monotonic()
        outcome = "INTERNAL_SERVER_ERROR"
        try:
            result: ExecutionResult = await super().execute_single(*args, **kwargs)
            outcome = outcome_of(result)
            return result
        finally:
            name = data.operation_name or named_operation(data.query)
            observe_operation(name, outcome, time.monotonic() - started)

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        try:
            return await super().run(request, context=context, root_value=root_value)
        except PersistedQueryRefusal as exc:
            language = preferred_language(request.headers.get("accept-language"))
            error = {
                "message": error_message(exc.error, language),
                "extensions": exc.error.extensions,
            }
            return JSONResponse({"data": None, "errors": [error]}, status_code=exc.status)

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

    schema = build_schema(production=production)
    router = ReferralRouter(
        schema,
        context_getter=context,
        graphql_ide=None if production else "graphiql",
        # Queries only (never mutations): Apollo sends persisted queries by GET.
        allow_queries_via_get=True,
    )
    router.persisted = QueryStore(db)
    router.validation_schema = schema._schema
    return router
