"""Domain errors, each with the SPEC §5 code and its own message.

The GraphQL edge copies `extensions` into the error it returns, so a resolver never
builds an error string itself: it raises (or lets through) one of these.
"""

from __future__ import annotations

from typing import ClassVar


class ReferralError(Exception):
    """An expected failure that a client can act on."""

    code: ClassVar[str] = "BAD_USER_INPUT"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def extensions(self) -> dict[str, str]:
        return {"code": self.code}


class BadUserInput(ReferralError):
    code = "BAD_USER_INPUT"


class NotFound(ReferralError):
    code = "NOT_FOUND"

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} {key!r} does not exist.")


class AlreadyBound(ReferralError):
    code = "ALREADY_BOUND"


class SelfReferral(ReferralError):
    code = "SELF_REFERRAL"

    def __init__(self, distributor_id: str) -> None:
        super().__init__(f"Distributor {distributor_id!r} cannot be their own sponsor.")


class ReferralCycle(ReferralError):
    code = "REFERRAL_CYCLE"

    def __init__(self, distributor_id: str, sponsor_id: str) -> None:
        super().__init__(
            f"Binding {distributor_id!r} under {sponsor_id!r} would close a cycle: "
            f"{sponsor_id!r} is in {distributor_id!r}'s own downline."
        )


class SponsorInactive(ReferralError):
    code = "SPONSOR_INACTIVE"

    def __init__(self, sponsor_id: str, status: str) -> None:
        super().__init__(f"Sponsor {sponsor_id!r} is {status} and cannot take new recruits.")


class DepthLimitExceeded(ReferralError):
    code = "DEPTH_LIMIT_EXCEEDED"


class Conflict(ReferralError):
    code = "CONFLICT"


class InsufficientBalance(ReferralError):
    code = "INSUFFICIENT_BALANCE"


class Frozen(ReferralError):
    code = "FROZEN"


class Unauthenticated(ReferralError):
    code = "UNAUTHENTICATED"


class Forbidden(ReferralError):
    code = "FORBIDDEN"


class Unavailable(ReferralError):
    code = "UNAVAILABLE"

    def __init__(self) -> None:
        super().__init__("The database is unreachable right now; retry the request shortly.")


class NotSignedIn(Unauthenticated):
    def __init__(self) -> None:
        super().__init__(
            "Sign in: send `Authorization: Bearer <token>` (`referral token` issues one)."
        )


class RoleNotAllowed(Forbidden):
    def __init__(self, role: str, operation: str) -> None:
        super().__init__(f"The role {role} may not use {operation}.")


class OutsideTeam(Forbidden):
    """A DISTRIBUTOR asked for something outside its scope (SPEC §3.9).

    `what` is a fixed phrase ("This distributor", "This order"), never an id or a name:
    the answer is the same whether the thing exists or not, and it names no one.
    """

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} is outside your scope: a distributor sees itself, its sponsor, "
            "and its downline within the team depth."
        )


class WriteRefused(Forbidden):
    """An analyst query that would write, administer, or reach outside the graph."""

    def __init__(self, why: str) -> None:
        super().__init__(f"Analyst queries are read-only: {why}")


class Timeout(ReferralError):
    """A query that ran past its time limit (SPEC §13); nothing it did is kept."""

    code = "TIMEOUT"

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"The query ran longer than {seconds:g} s and was stopped; "
            "narrow it (a label, an indexed property, a bounded pattern) or add a LIMIT."
        )


class RateLimited(ReferralError):
    """Too many mutations with one token; not in SPEC §5's list (docs/decisions.md)."""

    code = "RATE_LIMITED"

    def __init__(self, retry_after: float) -> None:
        super().__init__(
            f"Too many mutations with this token; retry in {max(retry_after, 0.1):.1f} s."
        )
        self.retry_after = retry_after

    @property
    def extensions(self) -> dict[str, str]:
        return {"code": self.code, "retryAfterSeconds": f"{max(self.retry_after, 0.1):.1f}"}
