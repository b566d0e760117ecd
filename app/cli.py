"""The `referral` command: serve, migrate, neo4j start|stop|status, demo-data, schema,
token, backup, restore, reconcile, digest."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from app.settings import Settings
from devtools import neo4j_server
from domain.errors import BadUserInput, Unavailable
from domain.inputs import check_id
from graph.db import Database
from graph.migrations import migrate

T = TypeVar("T")


def _server_config(settings: Settings) -> neo4j_server.ServerConfig:
    return neo4j_server.ServerConfig(
        home=settings.neo4j_home,
        user=settings.neo4j_user,
        password=settings.neo4j_password,
        host=settings.bolt_host,
        port=settings.bolt_port,
        heap=settings.neo4j_heap,
        pagecache=settings.neo4j_pagecache,
    )


def _with_db(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    async def run() -> T:
        db = settings.open_database()
        try:
            if not await db.ping():
                raise Unavailable()
            return await work(db)
        finally:
            await db.close()

    try:
        return asyncio.run(run())
    except Unavailable:
        sys.exit(settings.neo4j_unreachable)


def cmd_neo4j(settings: Settings, action: str) -> None:
    config = _server_config(settings)
    if action == "start":
        started = neo4j_server.start(config=config)
        if started.already_running:
            print(f"Neo4j is already running at {settings.neo4j_uri} (pid {started.pid}).")
        else:
            print(
                f"Neo4j started at {settings.neo4j_uri} in {started.seconds:.1f} s "
                f"(pid {started.pid}, data in {config.home})."
            )
    elif action == "stop":
        stopped = neo4j_server.stop(config=config)
        print("Neo4j stopped." if stopped else "Neo4j was not running.")
    else:
        state = neo4j_server.status(config=config)
        if state.running:
            ready = "ready" if state.bolt_ready else "starting"
            print(f"Neo4j is running (pid {state.pid}, {ready}) at {state.uri}.")
        else:
            print(f"Neo4j is not running (expected at {state.uri}).")


def cmd_migrate(settings: Settings) -> None:
    applied = _with_db(settings, migrate)
    print(f"Applied migrations: {', '.join(applied)}." if applied else "Schema is up to date.")


def cmd_demo_data(settings: Settings, size: int, batch_size: int, prefix: str) -> None:
    from devtools import demo_fraud, investigation_examples
    from devtools.demo import LoadReport, load_demo, load_demo_orders
    from devtools.demo_explorer import request_withdrawals

    async def work(db: Database) -> None:
        await migrate(db)
        report = await load_demo(db, size=size, batch_size=batch_size, prefix=prefix)
        if report is None:
            print(f"The demo network {prefix!r} is already loaded.")
        else:
            await load_rest(db, report)
        saved = await investigation_examples.save_all(
            db, prefix=prefix, timeout=settings.analyst_query_timeout
        )
        print(f"Saved {saved} example investigations (query {{ investigations {{ … }} }}).")

    async def load_rest(db: Database, report: LoadReport) -> None:
        print(
            f"Loaded {report.size:,} distributors in {report.seconds:.1f} s "
            f"({report.rate:,.0f} distributors/s)."
        )
        sales = await load_demo_orders(db, size=size, prefix=prefix, policy=settings.policy)
        print(
            f"Recorded {sales.size:,} orders with their commissions in {sales.seconds:.1f} s "
            f"({sales.rate:,.0f} orders/s), and settled those past the freeze period."
        )
        if size >= demo_fraud.MIN_SIZE:
            rings = await demo_fraud.plant(
                db, prefix=prefix, size=size, policy=settings.policy, now=datetime.now(UTC)
            )
            print(f"Planted suspicious patterns ({prefix}-x-…); the scan found {rings} rings.")
        asked = await request_withdrawals(db, prefix=prefix, policy=settings.policy)
        print(f"Asked {asked} withdrawals for the admins' queue.")

    _with_db(settings, work)


def cmd_import_demo(settings: Settings, size: int, prefix: str) -> None:
    """Replace the local database with a demo network through the offline importer."""
    from devtools.demo import generate
    from devtools.offline_import import import_network

    async def run() -> None:
        db = settings.open_database()
        try:
            report = await import_network(
                config=_server_config(settings),
                database=db,
                rows=generate(size=size, prefix=prefix),
            )
        finally:
            await db.close()
        print(
            f"Imported {report.distributors:,} distributors offline in {report.seconds:.1f} s "
            f"({report.rate:,.0f} distributors/s, indexes included)."
        )

    asyncio.run(run())


def cmd_backup(settings: Settings, to: str | None) -> None:
    from devtools.backup import backup

    config = _server_config(settings)
    print(f"Backing up {config.home} (Community Edition: the server stops while it dumps) …")
    done = backup(config=config, destination=Path(to) if to else settings.backup_dir)
    downtime = (
        f"Neo4j was down {done.downtime_s:.1f} s (stop {done.stop_s:.1f} s, dump "
        f"{done.dump_s:.1f} s, start {done.start_s:.1f} s)"
        if done.downtime_s is not None
        else f"Neo4j was not running (dump {done.dump_s:.1f} s)"
    )
    print(
        f"Wrote {done.path} ({done.bytes:,} bytes, sha256 {done.sha256}) in {done.seconds:.1f} s."
    )
    print(f"{downtime}; the manifest is {done.path.name}.json.")


def cmd_restore(settings: Settings, archive: str, yes: bool) -> None:
    from devtools.backup import restore, verify

    config = _server_config(settings)
    if not yes:
        verify(Path(archive))
        sys.exit(
            f"This REPLACES the whole database under {config.home} with {archive} "
            "(the server is stopped meanwhile). Run again with --yes to do it."
        )
    done = restore(config=config, archive=Path(archive))
    after = "Neo4j is running again" if done.restarted else "Neo4j was not running; start it"
    print(f"Restored {done.path} into {config.home} in {done.seconds:.1f} s. {after}.")


def cmd_reconcile(settings: Settings, batch_size: int, show: int) -> None:
    from graph.money.reconcile import Summary, reconcile_all

    shown = [0]

    def progress(summary: Summary) -> None:
        if summary.distributors // 100_000 > shown[0]:
            shown[0] = summary.distributors // 100_000
            print(f"  … {summary.distributors:,} distributors", file=sys.stderr, flush=True)

    async def work(db: Database) -> Summary:
        return await reconcile_all(db, batch_size=batch_size, progress=progress)

    began = time.monotonic()
    summary = _with_db(settings, work)
    print(
        f"Reconciled {summary.distributors:,} distributors: {summary.commissions:,} "
        f"commissions, {summary.rewards:,} rewards, {summary.withdrawals:,} withdrawals, "
        f"{summary.entries:,} ledger sums (by record and account), in "
        f"{time.monotonic() - began:.1f} s."
    )
    if summary.ok:
        print("OK: every balance is the sum of its entries and every record equals them.")
        return
    for difference in summary.differences[:show]:
        print(f"  {difference.describe()}")
    hidden = len(summary.differences) - show
    if hidden > 0:
        print(f"  … and {hidden:,} more")
    sys.exit(
        f"DIFFERENCES: {len(summary.differences):,} in {summary.distributors_differing:,} "
        "distributors (see above)."
    )


def cmd_digest(settings: Settings) -> None:
    from graph.digest import digest

    print(_with_db(settings, digest).describe())


def default_workers() -> int:
    """`referral serve`'s worker processes unless told: one per core this process may
    use (at most 8)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def cmd_serve(settings: Settings, host: str | None, port: int | None, *, workers: int = 1) -> None:
    import uvicorn

    from app.main import create_app

    host, port = host or settings.host, port or settings.port
    if workers <= 1:
        # One driver, migrations once: both in the app's lifespan, which refuses to
        # start (strict) while Neo4j is unreachable.
        uvicorn.run(create_app(settings, strict=True), host=host, port=port)
        return
    # Several worker processes (uvicorn's supervisor restarts one that dies): the
    # migrations run here once, first, so the workers' lifespans find them applied
    # instead of racing to create the same indexes; each worker then opens its own
    # driver and reads its settings from the same environment (app.main.served_app).
    applied = _with_db(settings, migrate)
    if applied:
        print(f"Applied migrations: {', '.join(applied)}.")
    uvicorn.run("app.main:served_app", factory=True, host=host, port=port, workers=workers)


def cmd_schema() -> None:
    from schema.schema import SDL_PATH, export_sdl

    SDL_PATH.write_text(export_sdl())
    print(f"Wrote {SDL_PATH}.")


def cmd_token(settings: Settings, subject: str, role: str, ttl: str | None) -> None:
    from datetime import UTC, datetime

    from access.roles import Role
    from access.tokens import issue, parse_ttl

    try:
        lifetime = settings.token_ttl if ttl is None else parse_ttl(ttl)
        token = issue(
            config=settings.token_config,
            subject=subject,
            role=Role(role),
            ttl=lifetime,
            now=datetime.now(UTC),
        )
    except ValueError as exc:
        sys.exit(str(exc))
    print(
        f"A token for {subject!r} with role {role}, valid {lifetime}, for "
        f"{settings.jwt_issuer} → {settings.jwt_audience}; send it as `Authorization: Bearer …`:"
    )
    print(token)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="referral", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the GraphQL API (uvicorn)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default REFERRAL_WORKERS, else one per core, at most 8)",
    )
    sub.add_parser("migrate", help="create constraints and indexes (each migration once)")
    neo4j = sub.add_parser("neo4j", help="run a local Neo4j 5.26 from Maven Central's jars")
    neo4j.add_argument("action", choices=["start", "stop", "status"])
    demo = sub.add_parser("demo-data", help="load a demo network")
    demo.add_argument("--size", type=int, default=10_000)
    demo.add_argument("--batch-size", type=int, default=10_000)
    demo.add_argument(
        "--prefix", default="demo", help="id prefix; another one loads a second network"
    )
    demo.add_argument(
        "--replace-database",
        action="store_true",
        help="initial load through Neo4j's offline importer: stops the local Neo4j, "
        "REPLACES its whole database with the network, starts it again (no orders)",
    )
    sub.add_parser("schema", help="export the GraphQL SDL to schema.graphql")
    backup = sub.add_parser(
        "backup",
        help="dump the local Neo4j's database to a file (Community: stops it meanwhile)",
    )
    backup.add_argument(
        "--to", help="a directory (default REFERRAL_BACKUP_DIR, var/backups) or a NAME.dump"
    )
    restore = sub.add_parser(
        "restore", help="REPLACE the local Neo4j's database with a dump (stops it meanwhile)"
    )
    restore.add_argument("archive", help="a .dump written by `referral backup`")
    restore.add_argument("--yes", action="store_true", help="really replace the database")
    reconcile = sub.add_parser(
        "reconcile",
        help="check every distributor's ledger against its records; exit 1 on a difference",
    )
    reconcile.add_argument("--batch-size", type=int, default=500)
    reconcile.add_argument("--show", type=int, default=50, help="differences to print")
    sub.add_parser("digest", help="counts and a content digest of the whole database")
    token = sub.add_parser("token", help="print a signed bearer token (the last line)")
    token.add_argument("--subject", required=True, help="who: a distributor id for DISTRIBUTOR")
    token.add_argument(
        "--role", required=True, choices=["ADMIN", "ANALYST", "SERVICE", "DISTRIBUTOR"]
    )
    token.add_argument("--ttl", help="lifetime: 90s, 15m, 12h, 7d (default: REFERRAL_TOKEN_TTL)")
    return top


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        sys.exit(f"Invalid settings, refusing to start:\n{exc}")
    try:
        if args.command == "neo4j":
            cmd_neo4j(settings, args.action)
        elif args.command == "migrate":
            cmd_migrate(settings)
        elif args.command == "demo-data":
            if not 1 <= args.size <= 5_000_000:
                sys.exit("--size must be between 1 and 5,000,000.")
            prefix = check_id(args.prefix, field="--prefix")
            if args.replace_database:
                cmd_import_demo(settings, args.size, prefix)
            else:
                cmd_demo_data(settings, args.size, args.batch_size, prefix)
        elif args.command == "serve":
            workers = args.workers or settings.workers or default_workers()
            if not 1 <= workers <= 64:
                sys.exit("--workers must be between 1 and 64.")
            cmd_serve(settings, args.host, args.port, workers=workers)
        elif args.command == "token":
            cmd_token(settings, check_id(args.subject, field="--subject"), args.role, args.ttl)
        elif args.command == "backup":
            cmd_backup(settings, args.to)
        elif args.command == "restore":
            cmd_restore(settings, args.archive, args.yes)
        elif args.command == "reconcile":
            if not 1 <= args.batch_size <= 10_000:
                sys.exit("--batch-size must be between 1 and 10,000.")
            cmd_reconcile(settings, args.batch_size, max(args.show, 0))
        elif args.command == "digest":
            cmd_digest(settings)
        else:
            cmd_schema()
    except neo4j_server.Neo4jServerError as exc:
        sys.exit(f"Neo4j: {exc}")
    except BadUserInput as exc:
        sys.exit(exc.message)


if __name__ == "__main__":
    main()
