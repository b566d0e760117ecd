"""What of a mutation's arguments goes into the audit trail: everything but PII and secrets.

Arguments arrive as plain values, lists, enums and dataclasses (GraphQL input objects);
they come out as JSON-ready values with GraphQL's camelCase names, and every PII or
secret field that was given reads `"[redacted]"`.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from datetime import datetime
from typing import Any

REDACTED = "[redacted]"
# Personal data and identifiers (SPEC §3.8, §3.9), and anything that unlocks something.
SENSITIVE = frozenset(
    {
        "name",
        "real_name",
        "phone",
        "payment_account",
        "address",
        "device_id",
        "ip",
        "password",
        "secret",
        "token",
    }
)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def redact(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-ready copy of `arguments` with the sensitive fields replaced."""
    return {camel(k): _field(k, v) for k, v in arguments.items()}


def _field(name: str, value: Any) -> Any:
    if name in SENSITIVE and value is not None:
        return REDACTED
    return _value(value)


def _value(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return redact({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, Mapping):
        return redact(value)
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
