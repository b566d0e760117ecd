"""The root schema: types, scalars, limits, and which errors get logged."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.extensions.disable_introspection import DisableIntrospection
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from graph.errors import ReferralError
from schema.fraud_root import FraudMutation, FraudQuery
from schema.money_root import MoneyMutation, MoneyQuery
from schema.root import Mutation, Query
from schema.scalars import SCALARS

RootQuery = merge_types("Query", (Query, MoneyQuery, FraudQuery))
RootMutation = merge_types("Mutation", (Mutation, MoneyMutation, FraudMutation))
SDL_PATH = Path(__file__).resolve().parent.parent / "schema.graphql"
log = logging.getLogger("referral.graphql")


def is_expected(error: GraphQLError) -> bool:
    """Expected: our coded errors, and request errors (parse, validation, coercion)."""
    return isinstance(error.original_error, ReferralError) or error.path is None


class ReferralSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Unexpected errors are logged by the HTTP layer with the request id."""


def build_schema(*, production: bool = False) -> strawberry.Schema:
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: QueryDepthLimiter(max_depth=12),
        lambda: MaxTokensLimiter(max_token_count=2000),
        lambda: MaxAliasesLimiter(max_alias_count=30),
    ]
    if production:
        extensions.append(DisableIntrospection)
    return ReferralSchema(
        query=RootQuery,
        mutation=RootMutation,
        extensions=extensions,
        config=StrawberryConfig(scalar_map=SCALARS),
    )


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
