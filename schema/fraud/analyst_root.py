"""Root fields of the analyst workbench (SPEC §13): ANALYST and ADMIN only."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON

from access.permissions import Analysts, guarded
from resolvers.context import Info
from resolvers.fraud import analyst as resolve
from schema.fraud.analyst_types import (
    AnalystResult,
    Investigation,
    InvestigationConnection,
    SaveInvestigationInput,
)
from schema.pagination import ARGUMENTS, Edge, connection, page_args


@strawberry.type
class AnalystQuery:
    @strawberry.field(
        permission_classes=[Analysts],
        description="Run read-only Cypher: a READ transaction with a timeout and a row "
        "cap; a write is FORBIDDEN, a timeout TIMEOUT. Audited with the query text.",
    )
    async def analyst_query(
        self, info: Info, cypher: str, params: JSON | None = None, limit: int | None = 1000
    ) -> AnalystResult:
        result = await resolve.query(
            info.context, cypher=cypher, params=params, limit=1000 if limit is None else limit
        )
        return AnalystResult.from_model(result)

    @strawberry.field(
        permission_classes=[Analysts],
        description="Run a saved investigation; `params` override its saved ones.",
    )
    async def run_investigation(
        self,
        info: Info,
        id: strawberry.ID,
        params: JSON | None = None,
        limit: int | None = 1000,
    ) -> AnalystResult:
        result = await resolve.run_saved(
            info.context,
            investigation_id=id,
            params=params,
            limit=1000 if limit is None else limit,
        )
        return AnalystResult.from_model(result)

    @strawberry.field(
        permission_classes=[Analysts],
        description="Saved investigations, by name. " + ARGUMENTS + " Without either, first 20.",
    )
    async def investigations(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> InvestigationConnection:
        found = await resolve.listing(info.context, page=page_args(first, after, last, before))
        return connection(
            InvestigationConnection,
            found,
            lambda issued, i: Edge(issued=issued, node=Investigation.from_model(i)),
        )


@strawberry.type
class AnalystMutation:
    @strawberry.mutation(
        extensions=guarded(Analysts),
        description="Save a read-only query by name (checked, not run); audited.",
    )
    async def save_investigation(self, info: Info, input: SaveInvestigationInput) -> Investigation:
        saved = await resolve.save(
            info.context, name=input.name, cypher=input.cypher, params=input.params
        )
        return Investigation.from_model(saved)
