"""When a distributor may be bound to a sponsor (SPEC §3.1)."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.errors import Conflict
from domain.models import BindMode


def check_bind_allowed(
    *, mode: BindMode, joined_at: datetime, now: datetime, window: timedelta
) -> None:
    """REGISTRATION_ONLY allows a later bind only within `window` of joining."""
    if mode is BindMode.REGISTRATION_ONLY and now - joined_at > window:
        hours = window.total_seconds() / 3600
        raise Conflict(
            f"The bind window has closed: a sponsor can only be bound within {hours:g} h "
            f"of joining (bind mode REGISTRATION_ONLY)."
        )
