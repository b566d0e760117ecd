"""Which language an error message is written in (SPEC §11): `Accept-Language`.

English is the default; Chinese (`zh`, `zh-CN`, `zh-Hans`, any `zh-*`) when the header
ranks it above English by q-value (RFC 9110 §12.5.4; equal q keeps the header's order;
`q=0` means "not this one"). Only these two languages exist.
"""

from __future__ import annotations

from typing import Literal

import access.errors_zh  # noqa: F401  (registers access's Chinese entries)
from domain.errors import ReferralError as _Error
from domain.errors_zh import chinese, chinese_request_error, chinese_unexpected

Language = Literal["en", "zh"]


def _q(params: list[str]) -> float:
    for param in params:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return 0.0
            return q if 0.0 <= q <= 1.0 else 0.0
    return 1.0


def preferred_language(header: str | None) -> Language:
    """`zh` if the header's best-ranked language we speak is Chinese, else `en`."""
    best: tuple[float, Language] | None = None
    for item in (header or "")[:1000].split(","):
        tag, *params = item.strip().split(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("zh", "en"):
            continue
        q = _q(params)
        if q > 0 and (best is None or q > best[0]):
            best = (q, "zh" if primary == "zh" else "en")
    return best[1] if best else "en"


def error_message(error: _Error, language: Language) -> str:
    return chinese(error) if language == "zh" else error.message


def request_error_message(message: str, language: Language) -> str:
    return chinese_request_error(message) if language == "zh" else message


def unexpected_message(request_id: str, language: Language) -> str:
    if language == "zh":
        return chinese_unexpected(request_id)
    return f"Unexpected error; quote request id {request_id} to support."
