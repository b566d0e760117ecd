"""Domain errors, each with the SPEC §5 code and its own message.

The GraphQL edge copies `extensions` into the error it returns, so a resolver never
builds an error string itself: it raises (or lets through) one of these. Access's own
errors (not signed in, a role or scope that says no, RATE_LIMITED) live with it, in
`access/errors.py`, on the UNAUTHENTICATED and FORBIDDEN bases here.
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


class BadCursor(BadUserInput):
    """A cursor the server did not issue for this very list. The message repeats nothing
    of the cursor (it may be forged to carry someone's id)."""

    def __init__(self, argument: str) -> None:
        super().__init__(
            f"{argument} is not a cursor that this server issued for this list (the same "
            f"distributor, filters and order); page again from the start without {argument}."
        )


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


class Unavailable(ReferralError):
    code = "UNAVAILABLE"

    def __init__(self) -> None:
        super().__init__("The database is unreachable right now; retry the request shortly.")


class Unauthenticated(ReferralError):
    code = "UNAUTHENTICATED"


class Forbidden(ReferralError):
    code = "FORBIDDEN"


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


class RequestTimeout(Timeout):
    """A request ran past its time budget (issue #10): the edge stopped it, and Neo4j
    stopped its transactions at the same deadline, so a write in progress was rolled
    back and a mutation may be retried."""

    def __init__(self, seconds: float | None = None) -> None:
        limit = "its time limit" if seconds is None else f"its time limit of {seconds:g} s"
        ReferralError.__init__(
            self,
            f"The request ran past {limit} and was stopped; a write still in progress was "
            "rolled back. Ask for less (smaller pages, fewer aliases) or retry later.",
        )


class QueryTooCostly(BadUserInput):
    """A query whose estimated cost (docs/security.md) is above the configured limit."""

    def __init__(self, cost: int, limit: int) -> None:
        super().__init__(
            f"The query's estimated cost is {cost:,}, above the limit of {limit:,}: page "
            "sizes multiply through nested lists (downline(first: 100) inside another "
            "downline(first: 100) is 10,000 rows). Ask for smaller pages, fewer nested "
            "lists or fewer aliases."
        )
        self.cost = cost
        self.limit = limit

    @property
    def extensions(self) -> dict[str, str]:
        return {"code": self.code, "cost": str(self.cost), "maxCost": str(self.limit)}
