"""Ring exports over plain HTTP (SPEC §13): `GET /analyst/rings/{id}.graphml` and `.json`.

ANALYST and ADMIN bearer tokens only. Failures answer JSON in the GraphQL error shape
(`{"errors": [{"message", "extensions": {"code"}}]}`): 401 UNAUTHENTICATED, 403
FORBIDDEN, 404 NOT_FOUND, 400 BAD_USER_INPUT. Each export writes an audit event.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from access.errors import NotSignedIn, RoleNotAllowed
from access.roles import Role
from access.tokens import TokenConfig, bearer_token, verify
from app import ring_formats
from domain import inputs
from domain.errors import NotFound, ReferralError
from domain.models import Actor
from graph import audit
from graph.db import Database
from graph.fraud import ring_export

ANALYSTS = frozenset({Role.ADMIN.value, Role.ANALYST.value})
STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404, "UNAVAILABLE": 503}
GRAPHML = "application/graphml+xml; charset=utf-8"


def error_response(error: ReferralError, *, request_id: str) -> JSONResponse:
    body = {
        "errors": [{"message": error.message, "extensions": error.extensions}],
        "requestId": request_id,
    }
    return JSONResponse(body, status_code=STATUS.get(error.code, 400))


def analyst_router(*, db: Database, tokens: TokenConfig) -> APIRouter:
    router = APIRouter()

    def caller(request: Request, operation: str) -> Actor:
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            raise NotSignedIn()
        actor = verify(config=tokens, token=token).actor
        if actor.role not in ANALYSTS:
            raise RoleNotAllowed(actor.role, operation)
        return actor

    async def export(request: Request, ring_id: str, fmt: str) -> Response:
        request_id: str = request.state.request_id
        try:
            actor = caller(request, f"GET /analyst/rings/{{id}}.{fmt}")
            checked = inputs.check_id(ring_id, field="ring id")
            found = await ring_export.ring_graph(db, ring_id=checked)
            if found is None:
                raise NotFound("Fraud ring", checked)
            await audit.append(  # before the data leaves: no export goes unrecorded
                db,
                actor=actor,
                operation="exportFraudRing",
                arguments={"ringId": found.ring_id, "format": fmt},
                outcome="OK",
                request_id=request_id,
            )
        except ReferralError as exc:
            return error_response(exc, request_id=request_id)
        filename = f'attachment; filename="{found.ring_id}.{fmt}"'
        if fmt == "graphml":
            return Response(
                ring_formats.to_graphml(found),
                media_type=GRAPHML,
                headers={"content-disposition": filename},
            )
        return JSONResponse(ring_formats.to_json(found), headers={"content-disposition": filename})

    @router.get("/analyst/rings/{ring_id}.graphml", response_model=None)
    async def ring_graphml(ring_id: str, request: Request) -> Response:
        return await export(request, ring_id, "graphml")

    @router.get("/analyst/rings/{ring_id}.json", response_model=None)
    async def ring_json(ring_id: str, request: Request) -> Response:
        return await export(request, ring_id, "json")

    return router
