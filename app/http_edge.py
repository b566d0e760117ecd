"""The HTTP edge (SPEC §11): bounded, well-formed request bodies, and coded JSON refusals.

- `BodyLimit` refuses a request body above the configured size with 413, before any
  of it is parsed (also when the client sends no or a false Content-Length).
- `decode_json` reads a GraphQL request body: strict UTF-8, JSON nested at most
  `MAX_JSON_DEPTH` levels (deeper bodies exhausted the parser's recursion: a 500).
- `install_error_handlers` makes every HTTP error of the app (404, 405, 422 …) a JSON
  body `{"errors": [{"message", "extensions": {"code"}}]}`, and an unexpected
  exception a masked, logged 500 with the request id, never a plain-text page.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("referral.api")
MAX_JSON_DEPTH = 32  # the deepest input of the schema is 5 levels below the body
CODES_BY_STATUS = {
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    429: "RATE_LIMITED",
    503: "UNAVAILABLE",
    504: "TIMEOUT",
}


def code_for(status: int) -> str:
    """The SPEC §5 code of an HTTP refusal: its own where one fits, else BAD_USER_INPUT."""
    if status >= 500 and status not in CODES_BY_STATUS:
        return "INTERNAL_SERVER_ERROR"
    return CODES_BY_STATUS.get(status, "BAD_USER_INPUT")


def error_body(message: str, code: str, **extensions: str) -> dict[str, Any]:
    return {
        "data": None,
        "errors": [{"message": message, "extensions": {"code": code, **extensions}}],
    }


def coded_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: str,
) -> JSONResponse:
    body = error_body(message, code or code_for(status), **extensions)
    return JSONResponse(body, status_code=status, headers=headers)


class UnreadableBody(json.JSONDecodeError):
    """A body that is not UTF-8 JSON of a sane depth; a JSONDecodeError, so strawberry's
    WebSocket adapter treats it as the non-JSON message it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "", 0)
        self.message = message

    def __str__(self) -> str:
        return self.message


def unreadable_part(value: object, *, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """Why a parsed body cannot be used, or None: lists or objects nested deeper than
    `max_depth`, or a string holding a lone UTF-16 surrogate (`"\\ud800"`), which
    no UTF-8 text, and so no database value, can hold. Iterative, so depth is no risk."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Any
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return f"A string in the request body holds a lone surrogate: {item[:40]!r}."
            continue
        if isinstance(item, dict):
            children = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            return f"The request body nests lists or objects more than {max_depth} levels deep."
        stack.extend((child, depth + 1) for child in children)
    return None


def decode_json(data: str | bytes) -> object:
    """Parse a request body; `UnreadableBody` saying why it cannot be read."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UnreadableBody(
                f"The request body is not UTF-8 (byte {exc.start} is not valid); "
                "send JSON encoded as UTF-8."
            ) from None
    try:
        value = json.loads(data)
    except RecursionError:
        raise UnreadableBody(
            f"The request body nests lists or objects more than {MAX_JSON_DEPTH} levels deep."
        ) from None
    except ValueError as exc:
        raise UnreadableBody(f"The request body is not valid JSON: {exc}.") from None
    problem = unreadable_part(value)
    if problem is not None:
        raise UnreadableBody(problem)
    return value


class BodyLimit:
    """ASGI middleware: a request body above `max_bytes` is refused with 413."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                await self._refuse(scope, receive, send, 400, "Content-Length is not a number.")
                return
            if length > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._refuse(
            scope,
            receive,
            send,
            413,
            f"The request body is larger than {self.max_bytes:,} bytes "
            "(REFERRAL_MAX_BODY_BYTES); send smaller batches.",
            maxBytes=str(self.max_bytes),
        )

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, message: str, **ext: str
    ) -> None:
        response = coded_response(status, message, headers={"connection": "close"}, **ext)
        await response(scope, receive, send)


def _request_id(request: Request) -> str:
    request_id: str = getattr(request.state, "request_id", "") or uuid.uuid4().hex
    return request_id


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = exc.detail if isinstance(exc.detail, str) else "The request was refused."
    if exc.status_code == 404:
        message = f"There is nothing at {request.url.path}."
    elif exc.status_code == 405:
        message = f"{request.method} is not supported at {request.url.path}."
    return coded_response(exc.status_code, message, headers=dict(exc.headers or {}))


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in error.get('loc', ()))}: {error.get('msg', '')}"
        for error in exc.errors()[:5]
    )
    return coded_response(422, f"The request is invalid: {problems}.")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = _request_id(request)
    log.error("unexpected error in request %s", request_id, exc_info=exc)
    return coded_response(
        500,
        f"Unexpected error; quote request id {request_id} to support.",
        headers={"x-request-id": request_id},
        requestId=request_id,
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(Exception, _unexpected)
