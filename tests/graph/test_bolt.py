"""The direct Bolt connections (`graph.bolt`) answer as the driver does, on a real Neo4j."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from neo4j.exceptions import ClientError, ConstraintError, CypherSyntaxError, ServiceUnavailable

from domain.errors import RequestTimeout
from graph.bolt import packstream
from graph.bolt import pool as pool_module
from graph.bolt.connection import FAILURE, IGNORED, RECORD, SUCCESS, NoAnswer, _chunk
from graph.bolt.packstream import Structure, Unsupported, pack, unpack, unpack_in_python
from graph.bolt.pool import DirectPool, direct_pool
from graph.db import Database, request_deadline

ECHO = "RETURN $v AS v"
VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    -16,
    -17,
    127,
    128,
    -128,
    -129,
    32767,
    32768,
    -32769,
    2**31,
    -(2**31) - 1,
    2**63 - 1,
    -(2**63),
    1.5,
    -0.0,
    "",
    "分销",
    "x" * 15,
    "x" * 16,
    "y" * 300,
    "z" * 70_000,
    b"\x00\x01",
    [],
    [1, "a", None, [2.5, {"k": [True]}]],
    list(range(300)),
    {},
    {"a": 1, "b": {"c": [1, 2]}, "长": "值"},
    {f"k{i}": i for i in range(20)},
    datetime(2026, 12, 2, 8, 30, 15, 123456, tzinfo=UTC),
    datetime(2026, 12, 2, 8, 30, tzinfo=timezone(timedelta(hours=8))),
    datetime(1969, 7, 20, 20, 17, 40, tzinfo=UTC),
    datetime(2026, 1, 31, 23, 59, 59),
    date(2026, 12, 2),
    date(1900, 3, 1),
    timedelta(days=3, seconds=7, microseconds=5),
]
FROM_CYPHER = """
RETURN date('2026-12-02') AS d, datetime('2026-12-02T08:30:00.5+08:00') AS dt,
       datetime('2026-12-02T08:30:00[Asia/Shanghai]') AS zoned,
       localdatetime('2026-12-02T08:30:00') AS ldt, time('08:30:00+01:00') AS t,
       localtime('08:30:00.25') AS lt, duration('P1M2DT3H4.5S') AS dur,
       [x IN range(1, 3) | {n: x}] AS rows
"""


async def _both(db: Database, query: str, **params: Any) -> tuple[Any, Any]:
    """`query` through the driver and over the direct connections, as plain data."""
    assert db.direct is not None
    direct = await db.direct.run(query, params, database=db.name, write=False, timeout=None)
    records, _, _ = await db.driver.execute_query(query, params, database_=db.name)
    return [r.data() for r in direct], [r.data() for r in records]


async def test_the_tests_database_reads_over_direct_connections(db: Database) -> None:
    assert isinstance(db.direct, DirectPool)
    assert (
        direct_pool(
            uri="neo4j://127.0.0.1:7687",
            user="u",
            password="p",
            connect_timeout=1,
            handshake_timeout=1,
        )
        is None
    )


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
async def test_a_parameter_comes_back_as_the_driver_returns_it(db: Database, value: Any) -> None:
    direct, driver = await _both(db, ECHO, v=value)
    assert direct == driver
    assert type(direct[0]["v"]) is type(driver[0]["v"])


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_the_rust_and_python_decoders_read_a_record_alike(value: Any) -> None:
    """The driver's Rust decoder is the one used; the Python one is there for a machine
    without it, and must give the same values of the same types."""
    assert packstream._rust_unpack is not None, "neo4j-rust-ext is in requirements.lock"
    encoded = bytearray()
    pack(Structure(RECORD, [[value, {"v": [value]}]]), encoded)
    rust, python = unpack(encoded), unpack_in_python(encoded)
    assert (rust.tag, python.tag) == (RECORD, RECORD)
    assert rust.fields == python.fields
    assert [type(v) for v in rust.fields[0]] == [type(v) for v in python.fields[0]]
    assert type(rust.fields[0][1]["v"][0]) is type(python.fields[0][1]["v"][0])


def test_both_decoders_refuse_a_structure_they_do_not_carry() -> None:
    encoded = bytearray()
    pack(Structure(RECORD, [[Structure(0x4E, [1, ["Label"], {}])]]), encoded)
    with pytest.raises(Unsupported):
        unpack(encoded)
    with pytest.raises(Unsupported):
        unpack_in_python(encoded)


async def test_temporal_values_from_cypher_are_the_drivers(db: Database) -> None:
    direct, driver = await _both(db, FROM_CYPHER)
    assert direct == driver
    assert {k: type(v) for k, v in direct[0].items()} == {k: type(v) for k, v in driver[0].items()}


async def test_a_node_falls_back_to_the_driver(db: Database, uid: str) -> None:
    """Nodes are not decoded over the direct connections: the read goes through the
    driver instead, and the caller sees the driver's node."""
    await db.write_at_once("CREATE (:BoltProbe {id: $id})", id=uid)
    records = await db.read("MATCH (p:BoltProbe {id: $id}) RETURN p", id=uid)
    assert records[0]["p"]["id"] == uid
    await db.write_at_once("MATCH (p:BoltProbe {id: $id}) DELETE p", id=uid)


async def test_a_failure_is_the_drivers_exception_and_the_connection_stays_usable(
    db: Database,
) -> None:
    with pytest.raises(CypherSyntaxError):
        await db.read("RETURN nothing(")
    with pytest.raises(ClientError):
        await db.read("RETURN 1 / $zero AS x", zero=0)
    assert [r["x"] for r in await db.read("RETURN 41 + 1 AS x")] == [42]


async def test_a_constraint_violation_is_a_constraint_error(db: Database, uid: str) -> None:
    """What write-at-once callers catch (a concurrent registration of the same id)."""
    create = "CREATE (:Distributor {id: $id, path: $id})"
    await db.write_at_once(create, id=f"bolt-{uid}")
    with pytest.raises(ConstraintError):
        await db.write_at_once(create, id=f"bolt-{uid}")
    await db.write_at_once("MATCH (d:Distributor {id: $id}) DELETE d", id=f"bolt-{uid}")


async def test_a_statement_past_the_requests_deadline_is_a_timeout(db: Database) -> None:
    """The time left of the request is the statement's transaction timeout on the server."""
    token = request_deadline.set(time.monotonic() + 0.3)
    try:
        with pytest.raises(RequestTimeout):
            await db.read(
                "UNWIND range(1, 1000000000) AS x WITH x WHERE x < 0 RETURN count(x) AS n"
            )
    finally:
        request_deadline.reset(token)
    assert db.breaker.allow()
    assert [r["x"] for r in await db.read("RETURN 1 AS x")] == [1]


async def test_a_statement_unanswered_past_the_deadline_is_a_timeout_not_an_outage(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server stops a transaction at its timeout only when its monitor next looks
    (every 2 s by default): the wait for an answer ends first here, and the request is a
    TIMEOUT with the breaker still closed (one slow statement is not an outage)."""
    monkeypatch.setattr(pool_module, "ANSWER_GRACE_SECONDS", -0.25)  # wait 0.05 s
    token = request_deadline.set(time.monotonic() + 0.3)
    try:
        with pytest.raises(RequestTimeout) as raised:
            await db.read(
                "UNWIND range(1, 1000000000) AS x WITH x WHERE x < 0 RETURN count(x) AS n"
            )
    finally:
        request_deadline.reset(token)
    assert isinstance(raised.value.__cause__, NoAnswer)
    assert db.breaker.allow()
    assert [r["x"] for r in await db.read("RETURN 2 AS x")] == [2]


async def test_concurrent_statements_each_get_their_own_answer(db: Database) -> None:
    answers = await asyncio.gather(*(db.read("RETURN $i AS i", i=i) for i in range(50)))
    assert [a[0]["i"] for a in answers] == list(range(50))


async def test_a_server_that_is_not_there_is_service_unavailable() -> None:
    pool = direct_pool(
        uri="bolt://127.0.0.1:9",
        user="neo4j",
        password="x",
        connect_timeout=0.5,
        handshake_timeout=0.5,
    )
    assert pool is not None
    with pytest.raises(ServiceUnavailable):
        await pool.run("RETURN 1", {}, database="neo4j", write=False, timeout=None)


async def test_a_cancelled_statement_leaves_nothing_for_the_next(db: Database) -> None:
    """A request that gives up mid-statement (its task cancelled) closes the connection:
    the rest of that statement's answer never reaches the next statement."""
    slow = asyncio.create_task(
        db.read("UNWIND range(1, 20000000) AS x WITH x WHERE x < 0 RETURN count(x) AS n")
    )
    await asyncio.sleep(0.3)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    for i in range(5):
        assert [r["x"] for r in await db.read("RETURN $i AS x", i=i)] == [i]
        await asyncio.sleep(0.5)


async def _server_that_fails_and_hangs_up(code: str) -> asyncio.Server:
    """A Bolt 5.4 server on loopback that logs anyone in, answers the first statement
    with FAILURE `code` and closes the connection at once (as Neo4j may after ending a
    timed-out transaction)."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readexactly(20)  # the magic and four versions
        writer.write(bytes.fromhex("00000405"))
        logged_in = [Structure(SUCCESS, [{}]), Structure(SUCCESS, [{}])]  # HELLO, LOGON
        failed = [Structure(FAILURE, [{"code": code, "message": "ended"}]), Structure(IGNORED, [])]
        for answers in (logged_in, failed):
            await reader.read(65536)  # each request's messages arrive in one write
            out = bytearray()
            for answer in answers:
                _chunk(answer, out)
            writer.write(out)
            await writer.drain()
        writer.close()

    return await asyncio.start_server(serve, "127.0.0.1", 0)


async def test_a_failure_answered_before_the_server_hangs_up_is_still_the_answer() -> None:
    """The statement's FAILURE reaches the caller as the driver's exception, not as
    "connection closed" (which the breaker would count as an outage), and the closed
    connection does not go back to the pool."""
    server = await _server_that_fails_and_hangs_up(
        "Neo.ClientError.Transaction.TransactionTimedOut"
    )
    port = server.sockets[0].getsockname()[1]
    pool = direct_pool(
        uri=f"bolt://127.0.0.1:{port}",
        user="neo4j",
        password="x",
        connect_timeout=1,
        handshake_timeout=1,
    )
    assert pool is not None
    try:
        with pytest.raises(ClientError) as raised:
            await pool.run("RETURN 1", {}, database="neo4j", write=False, timeout=2)
        assert raised.value.code == "Neo.ClientError.Transaction.TransactionTimedOut"
        assert pool._idle == []
    finally:
        await pool.close()
        server.close()
        await server.wait_closed()
