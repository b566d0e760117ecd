"""The test Neo4j enforces authentication (issue 10 item 9): the configured user and
password get in, anything else is refused with an authentication error, for reads and
writes alike. Each refused login counts against Neo4j's limit of three failed attempts
per user in a row, so this module makes one per user it tries."""

from __future__ import annotations

import uuid

import pytest
from neo4j import AsyncGraphDatabase
from neo4j.exceptions import AuthError

from app.settings import Settings


async def _write_as(uri: str, user: str, password: str) -> int:
    """Write a node and count such nodes, as `user`; the driver raises if refused."""
    async with AsyncGraphDatabase.driver(uri, auth=(user, password)) as driver:
        records, _, _ = await driver.execute_query(
            "CREATE (:AuthProbe {at: timestamp()}) WITH 1 AS one "
            "MATCH (p:AuthProbe) RETURN count(p) AS n",
            database_="neo4j",
        )
        return int(records[0]["n"])


async def test_a_wrong_password_is_refused_with_an_auth_error(
    neo4j_uri: str, settings: Settings
) -> None:
    with pytest.raises(AuthError):
        await _write_as(neo4j_uri, settings.neo4j_user, "wrong-" + uuid.uuid4().hex)


async def test_an_unknown_user_is_refused_with_an_auth_error(
    neo4j_uri: str, settings: Settings
) -> None:
    with pytest.raises(AuthError):
        await _write_as(neo4j_uri, "intruder-" + uuid.uuid4().hex[:8], settings.neo4j_password)


async def test_the_configured_user_and_password_read_and_write(
    neo4j_uri: str, settings: Settings
) -> None:
    assert await _write_as(neo4j_uri, settings.neo4j_user, settings.neo4j_password) >= 1
