"""GraphQL types of the analyst workbench (SPEC §13): query results, investigations."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from graph.fraud import analyst
from graph.fraud import saved_investigations as investigations
from schema.pagination import Connection, Edge


@strawberry.type(
    description="What an analyst query returned: `rows` is a JSON list of rows, each a "
    "list in the order of `columns` (nodes, relationships and paths as tagged maps, "
    "docs/fraud.md)."
)
class AnalystResult:
    columns: list[str]
    rows: JSON
    truncated: bool = strawberry.field(
        description="More rows existed than `limit` (or than 8 MiB of JSON) let through."
    )

    @classmethod
    def from_model(cls, r: analyst.AnalystResult) -> AnalystResult:
        return cls(columns=r.columns, rows=JSON(r.rows), truncated=r.truncated)


@strawberry.type(description="A saved analyst query, shared by every analyst.")
class Investigation:
    id: strawberry.ID
    name: str
    cypher: str
    params: JSON = strawberry.field(description="Default parameters (a JSON object).")
    created_by: str
    created_at: datetime
    updated_by: str | None
    updated_at: datetime | None

    @classmethod
    def from_model(cls, i: investigations.Investigation) -> Investigation:
        return cls(
            id=strawberry.ID(i.id),
            name=i.name,
            cypher=i.cypher,
            params=JSON(i.params),
            created_by=i.created_by,
            created_at=i.created_at,
            updated_by=i.updated_by,
            updated_at=i.updated_at,
        )


@strawberry.type(description="Saved investigations, by name (Relay connection).")
class InvestigationConnection(Connection[Edge[Investigation]]):
    pass


@strawberry.input(description="Saving a name that exists replaces its query and params.")
class SaveInvestigationInput:
    name: str
    cypher: str
    params: JSON | None = None
