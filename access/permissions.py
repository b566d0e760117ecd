"""Who may call which root field (docs/security.md): permission classes and the
mutation guard.

Every root field carries exactly one `RolePermission`; a test walks the whole matrix,
and another compares it with the table in docs/security.md. Object-level checks on a
`Distributor`'s own fields are permission classes too (`NestedLinks`, `OwnMoney`).
Mutations also pass through `MutationGuard`: the rate limit of the caller's role, then
one audit event whatever the outcome.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from access import audit
from access import scope as access
from access.roles import Role
from domain.errors import ReferralError
from resolvers.context import Context, Info

ALL_ROLES = frozenset(Role)


class RolePermission(BasePermission):
    """Lets the listed roles through; UNAUTHENTICATED without a valid token, FORBIDDEN
    for another role (raised as coded errors, never as strawberry's default)."""

    roles: ClassVar[frozenset[Role]] = frozenset()

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        access.require_role(info.context, self.roles, operation=info.field_name)
        return True


class AdminOnly(RolePermission):
    roles = frozenset({Role.ADMIN})


class Analysts(RolePermission):
    """Fraud work: ADMIN and ANALYST."""

    roles = frozenset({Role.ADMIN, Role.ANALYST})


class BackEnd(RolePermission):
    """Registering people and recording orders: ADMIN and SERVICE."""

    roles = frozenset({Role.ADMIN, Role.SERVICE})


class Staff(RolePermission):
    """Every role but DISTRIBUTOR."""

    roles = frozenset({Role.ADMIN, Role.ANALYST, Role.SERVICE})


class Withdrawers(RolePermission):
    """ADMIN, SERVICE, and a DISTRIBUTOR for its own money."""

    roles = frozenset({Role.ADMIN, Role.SERVICE, Role.DISTRIBUTOR})


class AnyRole(RolePermission):
    """Every role; a DISTRIBUTOR within its team scope (resolvers check it)."""

    roles = ALL_ROLES


class NestedLinks(BasePermission):
    """Object level, on a Distributor's `sponsor`: a distributor seen without links (its
    own sponsor, a leaderboard entry outside the team) leads nowhere."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        access.require_linked(source.view)
        return True


class OwnMoney(BasePermission):
    """Object level, on a Distributor's money (balance, ledger, withdrawals): the
    distributor's own and staff's only."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        access.require_private(source.view)
        return True


class MutationGuard(FieldExtension):
    """Outside the permission check: rate limit, then one audit event per mutation."""

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        ctx: Context = info.context
        if access.role_of(ctx) is None:  # the permission check says why
            return await next_(source, info, **kwargs)
        await access.check_rate(ctx)
        outcome = "ERROR"
        try:
            result = await next_(source, info, **kwargs)
            outcome = "OK"
            return result
        except ReferralError as exc:
            outcome = exc.code
            raise
        finally:
            await audit.mutation_done(
                ctx, operation=info.field_name, arguments=kwargs, outcome=outcome
            )


def guarded(permission: type[RolePermission]) -> list[FieldExtension]:
    """The extensions of a mutation: the last is outermost, so the guard sees all."""
    return [PermissionExtension([permission()], use_directives=False), MutationGuard()]


def roles_of(extensions: list[FieldExtension]) -> frozenset[Role]:
    """The roles a field's permission lets through (empty: no RolePermission)."""
    for extension in extensions:
        if isinstance(extension, PermissionExtension):
            for permission in extension.permissions:
                if isinstance(permission, RolePermission):
                    return permission.roles
    return frozenset()
