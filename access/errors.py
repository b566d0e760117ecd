"""The errors of access (SPEC §3.9, §5): no valid token, a role or team scope that says
no, too many mutations. Each is a `ReferralError` with its code and its own message."""

from __future__ import annotations

from domain.errors import Forbidden, ReferralError, Unauthenticated


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
    """A DISTRIBUTOR asked for something outside its scope (SPEC §3.9).

    `what` is a fixed phrase ("This distributor", "This order"), never an id or a name:
    the answer is the same whether the thing exists or not, and it names no one.
    """

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} is outside your scope: a distributor sees itself, its sponsor, "
            "and its downline within the team depth.",
            what=what,
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
