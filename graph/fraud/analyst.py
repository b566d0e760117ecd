"""Analysts' own Cypher (SPEC §13): checked, then run read-only with a time limit.

The one place where a query text that is not ours reaches Neo4j. Each run is one READ
transaction with the configured timeout (the server stops it and rolls it back); inside
it the query is first compiled with `EXPLAIN` (nothing executed) and its plan judged by
`domain.fraud.analyst.refusal`, then run, and at most `limit` rows are read (one more
tells whether there were others). The transaction is always rolled back: a read has
nothing to commit, and Neo4j itself refuses any write in READ mode.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, LiteralString, TypeVar

from neo4j import READ_ACCESS, AsyncTransaction
from neo4j.exceptions import Neo4jError, ServiceUnavailable, SessionExpired, TransientError

from domain.errors import BadUserInput, Timeout, Unavailable, WriteRefused
from domain.fraud.analyst import EXPLAIN_PREFIX, operators, refusal, safe_message
from graph.db import RETRYABLE, Database
from graph.fraud.analyst_values import to_json

# Rows beyond this many bytes of JSON are left out (and `truncated` set), whatever the
# limit: a response must stay small enough for a browser and for this process.
MAX_RESULT_BYTES = 8 * 1024 * 1024
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AnalystResult:
    columns: list[str]
    rows: list[list[Any]]  # one list per row, in the order of `columns`
    truncated: bool  # more rows existed than were returned


def _user_text(cypher: str) -> LiteralString:
    """The analyst's text, for the driver's `LiteralString` parameter: this module is
    the only one that runs a text it did not write, and only after `refusal`."""
    return cypher  # mypy reads LiteralString as str; the checks above stand in for it


async def _check(tx: AsyncTransaction, cypher: str, params: dict[str, Any], timeout: float) -> None:
    try:
        result = await tx.run(_user_text(EXPLAIN_PREFIX + cypher), params)
        summary = await result.consume()
    except Neo4jError as exc:
        translated = _translate(exc, explained=True, timeout=timeout)
        if translated is exc:
            raise
        raise translated from None
    why = refusal(query_type=summary.query_type, steps=operators(summary.plan))
    if why is not None:
        raise WriteRefused(why)


async def _rows(
    tx: AsyncTransaction, cypher: str, params: dict[str, Any], limit: int
) -> AnalystResult:
    result = await tx.run(_user_text(cypher), params)
    columns = list(result.keys())
    rows: list[list[Any]] = []
    size = 0
    truncated = False
    async for record in result:
        if len(rows) == limit:
            truncated = True
            break
        row = [to_json(value) for value in record.values()]
        size += len(json.dumps(row, ensure_ascii=False))
        if size > MAX_RESULT_BYTES:
            truncated = True
            break
        rows.append(row)
    return AnalystResult(columns=columns, rows=rows, truncated=truncated)


def _translate(exc: Neo4jError, *, explained: bool, timeout: float) -> Exception:
    """A coded error for what Neo4j said, or the error itself when it is not the
    analyst's doing (then it is masked and logged at the edge)."""
    code = exc.code or ""
    message = exc.message or str(exc)
    if "TransactionTimedOut" in code:
        return Timeout(timeout)
    if code == "Neo.ClientError.Statement.AccessMode":
        return WriteRefused("Neo4j refused a write in this read-only transaction.")
    if code.startswith("Neo.ClientError.Security."):
        return WriteRefused("Neo4j refused it as outside this connection's rights.")
    if code == "Neo.TransientError.General.MemoryPoolOutOfMemoryError":
        return BadUserInput("The query needs more memory than Neo4j allows; narrow it.")
    if code.startswith("Neo.ClientError."):
        return BadUserInput(safe_message(message, explained=explained))
    if isinstance(exc, TransientError | ServiceUnavailable | SessionExpired):
        return Unavailable()
    return exc


async def _in_read_tx(
    db: Database, *, timeout: float, work: Callable[[AsyncTransaction], Awaitable[T]]
) -> T:
    """`work` in one READ transaction with a server-side `timeout`, rolled back at the
    end whatever happens; Neo4j's errors translated."""
    db.queries += 1
    try:
        async with (
            db.driver.session(
                database=db.name,
                default_access_mode=READ_ACCESS,
                bookmark_manager=db.driver.execute_query_bookmark_manager,
            ) as session,
            await session.begin_transaction(timeout=timeout) as tx,
        ):
            return await work(tx)
    except Neo4jError as exc:
        translated = _translate(exc, explained=False, timeout=timeout)
        if translated is exc:
            raise
        raise translated from None
    except RETRYABLE as exc:
        raise Unavailable() from exc


async def run(
    db: Database, *, cypher: str, params: dict[str, Any], limit: int, timeout: float
) -> AnalystResult:
    """Check and run an analyst's query: FORBIDDEN if it would write or administer,
    TIMEOUT past `timeout` seconds, BAD_USER_INPUT for Neo4j's syntax and type errors."""

    async def work(tx: AsyncTransaction) -> AnalystResult:
        await _check(tx, cypher, params, timeout)
        return await _rows(tx, cypher, params, limit)

    return await _in_read_tx(db, timeout=timeout, work=work)


async def check(db: Database, *, cypher: str, params: dict[str, Any], timeout: float) -> None:
    """Compile and judge a query without running it (saving an investigation)."""

    async def work(tx: AsyncTransaction) -> None:
        await _check(tx, cypher, params, timeout)

    await _in_read_tx(db, timeout=timeout, work=work)
