"""`referral serve`: one driver and the migrations once per process, and a start-up that
refuses an unreachable Neo4j."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

import app.main
from app import cli
from app.main import NotReady, create_app
from app.settings import Settings
from graph.db import Database, create_driver


async def test_strict_start_refuses_an_unreachable_neo4j() -> None:
    db = Database(
        create_driver(uri="bolt://127.0.0.1:9", user="neo4j", password="x", retry_seconds=0.5),
        retry_seconds=0.5,
    )
    api = create_app(Settings(env="test"), database=db, strict=True)
    try:
        with pytest.raises(NotReady, match="Neo4j is not reachable at"):
            async with api.router.lifespan_context(api):
                pass
    finally:
        await db.close()


def test_serve_opens_one_driver_and_migrates_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command used to migrate on a driver of its own, then the app again on another."""
    drivers: list[Database] = []
    migrations: list[Database] = []
    open_database, migrate = Settings.open_database, app.main.migrate

    def counted_open(self: Settings) -> Database:
        drivers.append(open_database(self))
        return drivers[-1]

    async def counted_migrate(db: Database) -> list[str]:
        migrations.append(db)
        return await migrate(db)

    def run_lifespan(api: FastAPI, **_: Any) -> None:
        import asyncio

        async def start_and_stop() -> None:
            async with api.router.lifespan_context(api):
                pass

        asyncio.run(start_and_stop())

    monkeypatch.setattr(Settings, "open_database", counted_open)
    monkeypatch.setattr(app.main, "migrate", counted_migrate)
    monkeypatch.setattr(cli, "migrate", counted_migrate)
    monkeypatch.setattr(uvicorn, "run", run_lifespan)
    serving = settings.model_copy(update={"settle_interval_seconds": 0})
    cli.cmd_serve(serving, host=None, port=None)
    assert 1 == len(drivers)
    assert drivers == migrations
