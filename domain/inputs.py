"""Validation of caller-supplied values: ids, names, depths, page sizes, windows."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from domain.cap import LEVEL_CAP
from domain.errors import BadUserInput, DepthLimitExceeded

ID_PATTERN = re.compile(r"[A-Za-z0-9_\-.:]{1,64}")
MAX_NAME_LENGTH = 100
MAX_PAGE_SIZE = 100
# An open end of a window [since, until) stands for these bounds in queries.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def check_id(value: str, *, field: str = "id") -> str:
    """Return `value` if it is a valid distributor id (1-64 of `A-Z a-z 0-9 _ - . :`)."""
    if not ID_PATTERN.fullmatch(value):
        raise BadUserInput(
            f"{field} must be 1-64 characters of A-Z a-z 0-9 _ - . : (got {value[:80]!r})."
        )
    return value


def check_name(value: str) -> str:
    """Return the trimmed name; it must be non-empty and at most 100 characters."""
    name = value.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise BadUserInput(f"name must be 1-{MAX_NAME_LENGTH} characters, not blank.")
    return name


def check_reason(value: str) -> str:
    reason = value.strip()
    if not reason or len(reason) > 500:
        raise BadUserInput("reason must be 1-500 characters, not blank.")
    return reason


def check_depth(depth: int | None, *, team_depth: int) -> int:
    """The depth to use: `team_depth` when omitted; 1..team_depth or DEPTH_LIMIT_EXCEEDED."""
    if depth is None:
        return team_depth
    if not 1 <= depth <= team_depth:
        raise DepthLimitExceeded(
            f"depth must be between 1 and {team_depth} (the configured team_depth; "
            f"commissions and team views never go beyond {LEVEL_CAP} levels), got {depth}."
        )
    return depth


def check_level(level: int | None, *, depth: int) -> int | None:
    """An optional single level to show; it must lie within 1..depth."""
    if level is not None and not 1 <= level <= depth:
        raise DepthLimitExceeded(f"level must be between 1 and {depth}, got {level}.")
    return level


def check_page_size(first: int) -> int:
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise BadUserInput(f"first must be between 1 and {MAX_PAGE_SIZE}, got {first}.")
    return first


def check_window(
    since: datetime | None, until: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """A half-open window [since, until); when both are given, since must come first."""
    if since is not None and until is not None and since >= until:
        raise BadUserInput("since must be earlier than until.")
    return since, until


def window_bounds(since: datetime | None, until: datetime | None) -> dict[str, datetime]:
    """`since` and `until` as query parameters, an open end replaced by a far bound."""
    return {"since": since or EARLIEST, "until": until or LATEST}
