"""The FastAPI application: lifespan (one driver, migrations once), probes, GraphQL.

The HTTP edge (`app/http_edge.py`) wraps everything: request bodies above
`max_body_bytes` are refused with 413 before they are read, and every error answer is
JSON with `errors[].extensions.code`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse
from neo4j.exceptions import Neo4jError, ServiceUnavailable
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.analyst_http import analyst_router
from app.graphql import graphql_router
from app.http_edge import BodyLimit, error_body, install_error_handlers
from app.invites import invite_router
from app.metrics import exposition, observe_neo4j, observe_subscriptions, trace_from
from app.reports import reports_router
from app.scheduler import (
    process_holder,
    scan_periodically,
    settle_periodically,
    total_days_periodically,
)
from app.settings import Settings
from app.web import mount_explorer
from domain.errors import Unavailable
from graph.db import Database
from graph.event_hub import EventHub, run_pruning
from graph.migrations import migrate
from resolvers.context import utc_now

log = logging.getLogger("referral.api")
REQUEST_ID = re.compile(r"[A-Za-z0-9_\-]{8,64}")


class RequestId:
    """ASGI middleware: the request id, the caller's `X-Request-Id` if well-formed, else
    the W3C trace id (`traceparent` continued, or a new trace), in
    `request.state.request_id` (the trace in `request.state.trace`); the response
    carries both, with this request's own span id in `traceparent`.

    Plain ASGI rather than `@app.middleware("http")`, whose wrapper runs every request
    through extra tasks and streams (docs/benchmarks.md, "Wave 2")."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given, traceparent = "", None
        for name, value in scope.get("headers") or ():
            if name == b"x-request-id" and not given:
                given = value.decode("latin-1")
            elif name == b"traceparent" and traceparent is None:
                traceparent = value.decode("latin-1")
        trace = trace_from(traceparent)
        request_id = given if REQUEST_ID.fullmatch(given) else trace.trace_id
        state = scope.setdefault("state", {})
        state["trace"], state["request_id"] = trace, request_id
        added = [
            (b"x-request-id", request_id.encode()),
            (b"traceparent", trace.traceparent.encode()),
        ]
        replaced = {b"x-request-id", b"traceparent"}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [h for h in message.get("headers", ()) if h[0].lower() not in replaced]
                message = {**message, "headers": [*kept, *added]}
            await send(message)

        await self.app(scope, receive, send_with_id)


class NotReady(RuntimeError):
    """`strict` start-up found Neo4j unreachable or its migrations failing."""


def create_app(
    settings: Settings | None = None, *, database: Database | None = None, strict: bool = False
) -> FastAPI:
    """The app; pass `database` to share an existing driver (tests), else one is made.

    The lifespan applies the migrations, once per process, on the app's one driver. With
    `strict` (`referral serve`) an unreachable Neo4j refuses start-up, saying what to do;
    otherwise the app starts anyway and `/readyz` says Neo4j is unreachable.
    """
    settings = settings or Settings()
    db = database or settings.open_database()
    db.on_query = observe_neo4j
    hub = EventHub(db, interval=settings.event_poll_seconds)
    hub.on_count = observe_subscriptions

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if strict and not await db.ping():
            raise NotReady(settings.neo4j_unreachable)
        try:
            applied = await migrate(db)
            if applied:
                log.info("applied migrations %s", applied)
        except (ServiceUnavailable, Unavailable, Neo4jError) as exc:
            if strict:
                raise NotReady(f"{settings.neo4j_unreachable} ({exc})") from exc
            log.warning(
                "Neo4j at %s is not ready (%s); /readyz will say so", settings.neo4j_uri, exc
            )
        stop = asyncio.Event()
        holder = process_holder()  # the jobs' leases: one process runs each at a time
        jobs = []
        if settings.settle_interval_seconds > 0:
            jobs.append(
                settle_periodically(
                    db,
                    interval=settings.settle_interval_seconds,
                    clock=utc_now,
                    stop=stop,
                    holder=holder,
                )
            )
        if settings.fraud_scan_interval_seconds > 0:
            jobs.append(
                scan_periodically(
                    db,
                    interval=settings.fraud_scan_interval_seconds,
                    hot_limit=settings.hot_identifier_limit,
                    clock=utc_now,
                    stop=stop,
                    holder=holder,
                )
            )
        if settings.team_totals_interval_seconds > 0:
            jobs.append(
                total_days_periodically(
                    db,
                    interval=settings.team_totals_interval_seconds,
                    clock=utc_now,
                    stop=stop,
                    holder=holder,
                )
            )
        jobs.append(run_pruning(db, stop=stop))
        tasks = [asyncio.create_task(job) for job in jobs]
        yield
        stop.set()
        await hub.close()
        await asyncio.gather(*tasks)
        if database is None:
            await db.close()

    app = FastAPI(title="Referral platform", lifespan=lifespan, docs_url=None, redoc_url=None)
    install_error_handlers(app)

    app.add_middleware(RequestId)  # innermost of the middleware, as before

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics")
    async def metrics() -> Response:
        body, content_type = exposition()
        return Response(body, media_type=content_type)

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        """Fails within `readiness_timeout_seconds` (1 s), so a balancer routes around."""
        if await db.ping(timeout=settings.readiness_timeout_seconds):
            return JSONResponse({"status": "ready"})
        body = error_body(f"Neo4j at {settings.neo4j_uri} does not answer.", "UNAVAILABLE")
        return JSONResponse({"status": "neo4j unreachable", **body}, status_code=503)

    router = graphql_router(
        db=db,
        policy=settings.policy,
        production=settings.env == "production",
        tokens=settings.token_config,
        keyring=settings.keyring,
        limits=settings.mutation_limits,
        max_cost=settings.max_query_cost,
        timeout=settings.request_timeout_seconds,
        order_group_commit_ms=settings.order_group_commit_ms,
        events=hub,
        allowed_origins=settings.cors_origin_list,
    )

    sdl = router.schema.as_str() + "\n"

    @app.get("/graphql/schema.graphql")
    async def schema_sdl() -> PlainTextResponse:
        """The SDL, public in every environment: it is the published contract (the
        repository's schema.graphql), unlike introspection (docs/decisions.md)."""
        return PlainTextResponse(sdl, media_type="application/graphql; charset=utf-8")

    app.include_router(router, prefix="/graphql")
    app.include_router(
        reports_router(
            db=db, policy=settings.policy, tokens=settings.token_config, keyring=settings.keyring
        )
    )
    app.include_router(analyst_router(db=db, tokens=settings.token_config))
    app.include_router(invite_router(db=db, share_base_url=settings.share_base_url))
    mount_explorer(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    # Outermost: preflights and every answer (a 413 too) carry the CORS headers.
    if origins := settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "Accept-Language",
                "X-Request-Id",
                "traceparent",
            ],
            expose_headers=["X-Request-Id", "traceparent"],
            max_age=600,
        )
    return app


def served_app() -> FastAPI:
    """The app of one `referral serve --workers N` worker process: settings from the
    environment (as the command read them), strict start-up. Each worker has its own
    driver; the scheduler's leases make each job run in one of them at a time."""
    return create_app(Settings(), strict=True)
