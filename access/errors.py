"""The errors of access (SPEC §3.9, §5): no valid token, a role or team scope that says
no, too many mutations. Each is a `ReferralError` with its code and its own message."""

from __future__ import annotations

from domain.errors import ReferralError


class Unauthenticated(ReferralError):
    code = "UNAUTHENTICATED"


class Forbidden(ReferralError):
    code = "FORBIDDEN"


class NotSignedIn(Unauthenticated):
    def __init__(self) -> None:
        super().__init__(
            "Sign in: send `Authorization: Bearer <token>` (`referral token` issues one)."
        )


class RoleNotAllowed(Forbidden):
    def __init__(self, role: str, operation: str) -> None:
        super().__init__(
            f"The role {role} may not use {operation}.", role=role, operation=operation
        )


class OutsideTeam(Forbidden):
    def __init__(self, kind: str, key: str) -> None:
        super().__init__(
            f"{kind} {key!r} is outside your team: you see yourself, your sponsor, "
            "and your downline within the team depth.",
            kind=kind,
            key=key,
        )


class RateLimited(ReferralError):
    """Too many mutations with one token; not in SPEC §5's list (docs/decisions.md)."""

    code = "RATE_LIMITED"

    def __init__(self, retry_after: float) -> None:
        super().__init__(
            f"Too many mutations with this token; retry in {max(retry_after, 0.1):.1f} s.",
            seconds=f"{max(retry_after, 0.1):.1f}",
        )
        self.retry_after = retry_after

    @property
    def extensions(self) -> dict[str, str]:
        return {"code": self.code, "retryAfterSeconds": f"{max(self.retry_after, 0.1):.1f}"}
