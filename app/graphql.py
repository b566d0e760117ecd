"""The GraphQL endpoint: context per request, and the error edge of SPEC §5.

Expected errors keep their message and `extensions.code`; request errors (syntax,
validation, bad variables) get `BAD_USER_INPUT`; anything else is logged with the
request id and answered with a masked message that carries the same id.

The bearer token is verified here, once per request; a request without one (or with one
that does not verify) runs as nobody, and every root field then answers
UNAUTHENTICATED, saying why.

Requests that are not a GraphQL operation (a body that is not UTF-8 JSON of one object,
another content type, a batch, a query by GET, a persisted-query hash) are refused here
with a coded JSON body (`app/http_edge.py`), never strawberry's plain text. Each
operation runs within `timeout` seconds: past it the answer is TIMEOUT, and the Neo4j
transactions it started are stopped by the server at the same deadline (`graph.db`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

from cross_web import HTTPException
from fastapi import Request
from fastapi.responses import HTMLResponse
from graphql import GraphQLError, GraphQLSchema, parse, validate
from graphql.error import GraphQLSyntaxError
from starlette.requests import HTTPConnection
from strawberry.fastapi import GraphQLRouter
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.types import HTTPMethod
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from access.pii import Keyring
from access.rate_limit import MutationLimits
from access.tokens import TokenConfig, bearer_token, verify
from app import http_edge
from app.language import (
    error_message,
    preferred_language,
    request_error_message,
    unexpected_message,
)
from app.metrics import observe_operation
from app.web import graphiql_html
from domain.errors import (
    BadUserInput,
    PersistedQueryNotFound,
    ReferralError,
    RequestTimeout,
    Unauthenticated,
)
from domain.models import Actor, Policy
from graph.db import Database, request_deadline
from graph.event_hub import EventHub
from graph.money.group_commit import OrderGroups
from graph.persisted_queries import QueryStore
from resolvers.context import Context
from schema.schema import DEFAULT_MAX_COST, build_schema, is_expected

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


# Raised by Python on values it cannot hold (a number past 64 bits for the database, a
# date beyond year 9999 after arithmetic): the request's values, not a fault of ours.
OUT_OF_RANGE = (OverflowError,)


class Refusal(HTTPException):
    """A request the edge refuses, with its SPEC code."""

    def __init__(self, status_code: int, reason: str, *, code: str | None = None) -> None:
        super().__init__(status_code, reason)
        self.code = code or http_edge.code_for(status_code)


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


def out_of_range(error: GraphQLError) -> BadUserInput | None:
    """An error of a value Python or the database cannot hold, as BAD_USER_INPUT."""
    if isinstance(error.original_error, OUT_OF_RANGE):
        return BadUserInput(
            "A value in the request is out of range (integers are at most 64 bits, "
            "dates lie in the years 0001-9999)."
        )
    return None


class ReferralRouter(GraphQLRouter[Context, None]):
    timeout: float = 30.0
    persisted: QueryStore | None = None
    validation_schema: GraphQLSchema | None = None

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """GraphiQL from the app's own built assets (web/), never from a CDN."""
        return HTMLResponse(graphiql_html())

    tokens: TokenConfig | None = None

    async def on_ws_connect(self, context: Context) -> None:
        """`graphql-transport-ws`: a bearer token in the connection_init payload
        (`{"Authorization": "Bearer …"}`) replaces the handshake's header, if any; a
        token that does not verify leaves the connection anonymous, and every
        subscription on it then answers UNAUTHENTICATED, saying why (as for queries)."""
        params = context.connection_params
        if not isinstance(params, dict) or self.tokens is None:
            return None
        given = params.get("Authorization", params.get("authorization"))
        if given is None:
            return None
        authenticate(context, self.tokens, given if isinstance(given, str) else "")
        return None

    def should_render_graphql_ide(self, request: Any) -> bool:
        """Not for an APQ GET, which carries its hash in `extensions` and no `query`."""
        if "extensions" in request.query_params:
            return False
        return super().should_render_graphql_ide(request)

    def decode_json(self, data: str | bytes) -> object:
        return http_edge.decode_json(data)

    def parse_json(self, data: str | bytes) -> Any:
        try:
            parsed = self.decode_json(data)
        except http_edge.UnreadableBody as exc:
            raise Refusal(400, exc.message) from None
        except ValueError:
            raise Refusal(400, "The request body is not valid JSON.") from None
        if not isinstance(parsed, dict | list):
            raise Refusal(
                400,
                'The request body must be one JSON object, like {"query": "{ … }", '
                '"variables": {…}}, not '
                + ("null" if parsed is None else type(parsed).__name__)
                + ".",
            )
        return parsed

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        method: HTTPMethod = request.method
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        if method == "POST" and content_type != "application/json":
            raise Refusal(
                415,
                "Send GraphQL requests as POST with Content-Type: application/json "
                f"(got {content_type or 'none'!r}).",
            )
        parsed = await super().parse_http_body(request)
        if isinstance(parsed, GraphQLRequestData):
            parsed = await self.resolve_persisted(parsed)
        if isinstance(parsed, GraphQLRequestData) and parsed.query is None:
            raise Refusal(400, 'The request has no "query": send the GraphQL text in it.')
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

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        """strawberry's request handling, its refusals answered as coded JSON."""
        try:
            return await super().run(request, context=context, root_value=root_value)
        except PersistedQueryRefusal as exc:
            language = preferred_language(request.headers.get("accept-language"))
            return http_edge.coded_response(
                exc.status, error_message(exc.error, language), code=exc.error.code
            )
        except Refusal as exc:
            return http_edge.coded_response(exc.status_code, exc.reason, code=exc.code)
        except HTTPException as exc:
            return http_edge.coded_response(exc.status_code, _reason(exc))
        except RecursionError:
            return http_edge.coded_response(400, "The request nests too deeply to be read.")

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """One operation, counted by name and outcome and timed (`app/metrics.py`)."""
        data: GraphQLRequestData = kwargs["request_data"]
        started = time.monotonic()
        outcome = "INTERNAL_SERVER_ERROR"
        try:
            result = await self._execute_within_budget(*args, **kwargs)
            outcome = outcome_of(result)
            return result
        finally:
            name = data.operation_name or named_operation(data.query)
            observe_operation(name, outcome, time.monotonic() - started)

    async def _execute_within_budget(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """One operation within the time budget; TIMEOUT past it."""
        token = request_deadline.set(time.monotonic() + self.timeout)
        try:
            async with asyncio.timeout(self.timeout):
                result: ExecutionResult = await super().execute_single(*args, **kwargs)
                return result
        except TimeoutError:
            stopped = RequestTimeout(self.timeout)
            return ExecutionResult(
                data=None, errors=[GraphQLError(stopped.message, original_error=stopped)]
            )
        finally:
            request_deadline.reset(token)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        request_id: str = getattr(request.state, "request_id", "-")
        language = preferred_language(request.headers.get("accept-language"))
        errors: list[dict[str, Any]] = []
        for error in result.errors or []:
            if replaced := out_of_range(error):
                formatted = dict(error.formatted)
                formatted["message"] = replaced.message
                formatted["extensions"] = replaced.extensions
                log.info("request %s: %s", request_id, replaced.message)
            elif is_expected(error):
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


class MaskedTransportWS(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws with the HTTP edge's error rule: expected errors keep their
    message and code (request errors get BAD_USER_INPUT), anything else is logged and
    answered masked, with the connection's request id."""

    async def send_message(self, message: Message) -> None:
        payload: Any = message.get("payload")
        if message["type"] == "next" and isinstance(payload, dict) and payload.get("errors"):
            payload["errors"] = [self._shown(e) for e in payload["errors"]]
        elif message["type"] == "error" and isinstance(payload, list):
            message["payload"] = [self._shown(e) for e in payload]  # type: ignore[misc]
        await super().send_message(message)

    def _shown(self, error: dict[str, Any]) -> dict[str, Any]:
        extensions = error.get("extensions") or {}
        if "code" in extensions:
            return error
        if error.get("path") is None:
            return {**error, "extensions": {**extensions, "code": "BAD_USER_INPUT"}}
        request_id = self.context.request_id
        log.error(
            "unexpected error in subscription %s at %s: %s",
            request_id,
            error.get("path"),
            error.get("message"),
        )
        return {
            "message": unexpected_message(request_id, "en"),
            "path": error.get("path"),
            "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        }


def _reason(exc: HTTPException) -> str:
    """strawberry's own refusals, said for a client developer."""
    reasons = {
        "Batching is not enabled": "Operation batching is off: send one operation per "
        "request, as a JSON object (not an array).",
        "queries are not allowed when using GET": "Queries by GET are off: POST them as JSON.",
    }
    return reasons.get(exc.reason, exc.reason)


def request_context(
    request: HTTPConnection,
    *,
    db: Database,
    policy: Policy,
    tokens: TokenConfig,
    keyring: Keyring,
    limits: MutationLimits | None,
    order_groups: OrderGroups | None = None,
    events: EventHub | None = None,
) -> Context:
    """The per-request context: the bearer token verified once (GraphQL and the CSVs).
    A websocket (subscriptions) gets one per connection; its request id is new."""
    ctx = Context(
        db=db,
        policy=policy,
        actor=ANONYMOUS,
        request_id=getattr(request.state, "request_id", None) or uuid.uuid4().hex,
        keyring=keyring,
        limits=limits,
        order_groups=order_groups,
        events=events,
    )
    header = request.headers.get("authorization")
    if header is not None:
        authenticate(ctx, tokens, header)
    return ctx


def authenticate(ctx: Context, tokens: TokenConfig, header: str) -> None:
    """Verify `Authorization`'s value and set the caller; or say why it was refused."""
    ctx.actor, ctx.token_key, ctx.auth_problem = ANONYMOUS, None, None
    try:
        token = bearer_token(header)
        if token is not None:
            caller = verify(config=tokens, token=token)
            ctx.actor, ctx.token_key = caller.actor, caller.token_key
    except Unauthenticated as exc:
        log.info("request %s: token refused: %s", ctx.request_id, exc.message)
        ctx.auth_problem = exc.message


def graphql_router(
    *,
    db: Database,
    policy: Policy,
    production: bool,
    tokens: TokenConfig,
    keyring: Keyring,
    limits: MutationLimits | None = None,
    max_cost: int = DEFAULT_MAX_COST,
    timeout: float = 30.0,
    order_group_commit_ms: float = 0.0,
    events: EventHub | None = None,
    allowed_origins: list[str] | None = None,
) -> ReferralRouter:
    groups = None
    if order_group_commit_ms > 0:
        groups = OrderGroups(db, linger=order_group_commit_ms / 1000)

    async def context(connection: HTTPConnection) -> Context:
        return request_context(
            connection,
            db=db,
            policy=policy,
            tokens=tokens,
            keyring=keyring,
            limits=limits,
            order_groups=groups,
            events=events,
        )

    schema = build_schema(production=production, max_cost=max_cost)
    router = ReferralRouter(
        schema,
        context_getter=context,
        graphql_ide=None if production else "graphiql",
        # Queries only (never mutations): Apollo sends persisted queries by GET.
        allow_queries_via_get=True,
        # Subscriptions: graphql-transport-ws only; browsers' handshakes from the CORS
        # origins (and the same origin); clients that send no Origin are not browsers.
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        allowed_origins=allowed_origins or (),
        connection_init_wait_timeout=timedelta(seconds=10),
    )
    router.graphql_transport_ws_handler_class = MaskedTransportWS
    router.tokens = tokens
    router.timeout = timeout
    router.persisted = QueryStore(db)
    router.validation_schema = schema._schema
    return router
