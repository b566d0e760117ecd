"""The analyst workbench's rules (SPEC §13): what an analyst may send, and which query
plans may run.

All pure: the inputs are checked here, and `refusal` judges the plan of a query that
Neo4j compiled (`EXPLAIN`, nothing executed). The query then still runs in a READ
transaction, so Neo4j itself refuses any write this check might miss.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from domain.errors import BadUserInput

MAX_CYPHER_CHARS = 20_000
MAX_LIMIT = 10_000
MAX_PARAMS_BYTES = 65_536
MAX_PARAM_DEPTH = 8
MAX_NAME_CHARS = 100
PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")

# Schema and index look-ups, all read-only; every other procedure is refused (db.* has
# some that change state, e.g. db.clearQueryCaches, and dbms.* reads the configuration).
ALLOWED_PROCEDURES = frozenset(
    {
        "db.labels",
        "db.relationshipTypes",
        "db.propertyKeys",
        "db.schema.visualization",
        "db.schema.nodeTypeProperties",
        "db.schema.relTypeProperties",
        "db.index.fulltext.queryNodes",
        "db.index.fulltext.queryRelationships",
    }
)
# SHOW commands that only describe the schema and the functions; SHOW TRANSACTIONS
# (others' query texts), SHOW SETTINGS (the configuration) and the rest are refused.
ALLOWED_SHOW = frozenset({"ShowIndexes", "ShowConstraints", "ShowProcedures", "ShowFunctions"})
REFUSED_OPERATORS = {
    "LoadCSV": "LOAD CSV reads files and URLs outside the graph",
    "AdministrationCommand": "administration commands are for the database's operators",
}


def check_cypher(text: str) -> str:
    """The query text, or BAD_USER_INPUT when it is empty or too long."""
    if not text.strip():
        raise BadUserInput("cypher must not be empty.")
    if len(text) > MAX_CYPHER_CHARS:
        raise BadUserInput(
            f"cypher must be at most {MAX_CYPHER_CHARS:,} characters, got {len(text):,}."
        )
    return text


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise BadUserInput(f"limit must be between 1 and {MAX_LIMIT:,}, got {limit}.")
    return limit


def check_name(name: str) -> str:
    """An investigation's name: trimmed, 1..100 characters."""
    trimmed = name.strip()
    if not 1 <= len(trimmed) <= MAX_NAME_CHARS:
        raise BadUserInput(f"name must be 1 to {MAX_NAME_CHARS} characters (trimmed).")
    return trimmed


def check_params(value: object) -> dict[str, Any]:
    """Query parameters: a JSON object (or null) of names to scalars, lists and maps."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise BadUserInput("params is not valid JSON: give a JSON object.") from None
    if not isinstance(value, Mapping):
        raise BadUserInput("params must be a JSON object of parameter names to values.")
    for name in value:
        if not isinstance(name, str) or not PARAM_NAME.fullmatch(name):
            raise BadUserInput(
                f"params: {str(name)[:40]!r} is not a parameter name "
                "(a letter or _, then letters, digits or _; at most 64)."
            )
    checked = {name: _param(item, path=name, depth=1) for name, item in value.items()}
    if len(canonical_json(checked).encode()) > MAX_PARAMS_BYTES:
        raise BadUserInput(f"params must be at most {MAX_PARAMS_BYTES:,} bytes of JSON.")
    return checked


def _param(value: object, *, path: str, depth: int) -> Any:
    if depth > MAX_PARAM_DEPTH:
        raise BadUserInput(f"params: {path} is nested deeper than {MAX_PARAM_DEPTH} levels.")
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise BadUserInput(f"params: {path} does not fit a 64-bit integer.")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BadUserInput(f"params: {path} is not a finite number.")
        return value
    if isinstance(value, list | tuple):
        return [_param(v, path=f"{path}[{i}]", depth=depth + 1) for i, v in enumerate(value)]
    if isinstance(value, Mapping):
        if not all(isinstance(k, str) for k in value):
            raise BadUserInput(f"params: {path} has a key that is not a string.")
        return {k: _param(v, path=f"{path}.{k}", depth=depth + 1) for k, v in value.items()}
    raise BadUserInput(f"params: {path} must be a string, number, boolean, null, list or map.")


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def query_hash(cypher: str) -> str:
    """The SHA-256 of the query text (UTF-8), hex: what the audit trail names it by."""
    return hashlib.sha256(cypher.encode()).hexdigest()


def operators(plan: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(operator, details) of every step of an EXPLAIN plan, depth first; the
    operator's `@database` suffix dropped."""
    if plan is None:
        return []
    found = [
        (
            str(plan.get("operatorType", "")).split("@", 1)[0],
            str(plan.get("args", {}).get("Details") or ""),
        )
    ]
    for child in plan.get("children", []):
        found.extend(operators(child))
    return found


def refusal(*, query_type: str | None, steps: Iterable[tuple[str, str]]) -> str | None:
    """Why a compiled query may not run for an analyst, or None if it may.

    `query_type` is Neo4j's: "r" (read only) is the only one allowed; "rw" and "w"
    write, "s" changes the schema or runs a system or DBMS procedure.
    """
    for operator, details in steps:
        if operator in REFUSED_OPERATORS:
            return REFUSED_OPERATORS[operator] + "."
        if operator.startswith(("Show", "Terminate")) and operator not in ALLOWED_SHOW:
            return f"{operator} is not open to analysts (SHOW INDEXES and CONSTRAINTS are)."
        if operator == "ProcedureCall":
            name = details.split("(", 1)[0].strip()
            if name not in ALLOWED_PROCEDURES:
                return (
                    f"the procedure {name or '?'} is not open to analysts; "
                    f"allowed: {', '.join(sorted(ALLOWED_PROCEDURES))}."
                )
    if query_type != "r":
        what = {"rw": "it writes", "w": "it writes", "s": "it changes the schema or the system"}
        return f"{what.get(query_type or '', 'it is not a read')} (query type {query_type!r})."
    return None


LOCATION = re.compile(r"\(line (\d+), column (\d+) \(offset: (\d+)\)\)")
EXPLAIN_PREFIX = "EXPLAIN\n"  # on a line of its own, so that columns stay the analyst's


def safe_message(message: str, *, explained: bool) -> str:
    """Neo4j's message about a query, made fit for the analyst: its first line only (the
    rest echoes the query), positions as in the analyst's own text when the query ran
    behind `EXPLAIN_PREFIX`, at most 500 characters."""

    def shift(match: re.Match[str]) -> str:
        line, column, offset = (int(g) for g in match.groups())
        if explained:
            line, offset = max(line - 1, 1), max(offset - len(EXPLAIN_PREFIX), 0)
        return f"(line {line}, column {column} (offset: {offset}))"

    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    text = LOCATION.sub(shift, lines[0] if lines else "Neo4j refused the query.")
    return text if len(text) <= 500 else text[:497] + "..."
