"""`GET /invite/{code}.png` and `.svg`: the QR code of a share link, for posters (SPEC §10).

Public (a poster is), so no token. The code is read the Crockford way; one that is not
a distributor's current code answers 404 with a coded JSON body, at once after a
rotation (nothing is cached: `Cache-Control: no-cache`).
"""

from __future__ import annotations

import io
from typing import Literal

import segno
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from app.http_edge import coded_response
from domain.errors import NotFound, ReferralError
from domain.tree.invites import normalise_code, share_link
from graph.db import Database
from graph.tree import invites

Kind = Literal["png", "svg"]
MEDIA_TYPES: dict[Kind, str] = {"png": "image/png", "svg": "image/svg+xml"}
STATUS = {"BAD_USER_INPUT": 400, "NOT_FOUND": 404, "UNAVAILABLE": 503}
SCALE = 8  # pixels per module; a version-3 code is 37 modules with its quiet zone
BORDER = 4  # the quiet zone the QR standard asks for, in modules


def qr_image(text: str, kind: Kind) -> bytes:
    """`text` as a QR code (error correction M), a PNG or an SVG."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind=kind, scale=SCALE, border=BORDER)
    return buffer.getvalue()


def refusal(error: ReferralError) -> JSONResponse:
    """The coded JSON body of every 4xx (`app.http_edge`)."""
    return coded_response(STATUS.get(error.code, 400), error.message, code=error.code)


def invite_router(*, db: Database, share_base_url: str) -> APIRouter:
    router = APIRouter()

    async def poster(code: str, kind: Kind) -> Response:
        try:
            canonical = normalise_code(code, field="code")
            owner = await invites.by_code(db, code=canonical)
            if owner is None:
                raise NotFound("Invite code", canonical)
        except ReferralError as error:
            return refusal(error)
        return Response(
            qr_image(share_link(share_base_url, canonical), kind),
            media_type=MEDIA_TYPES[kind],
            headers={"Cache-Control": "no-cache"},
        )

    @router.get("/invite/{code}.png", response_class=Response)
    async def png(code: str) -> Response:
        return await poster(code, "png")

    @router.get("/invite/{code}.svg", response_class=Response)
    async def svg(code: str) -> Response:
        return await poster(code, "svg")

    return router
