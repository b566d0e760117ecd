"""The root schema: types, scalars, limits, and which errors get logged."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.disable_introspection import DisableIntrospection
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from domain.errors import ReferralError
from schema.cost import query_cost_rule
from schema.events import Subscription
from schema.fraud.analyst_root import AnalystMutation, AnalystQuery
from schema.fraud.root import FraudMutation, FraudQuery
from schema.money.root import MoneyMutation, MoneyQuery
from schema.money.withdrawal_queue import WithdrawalQueueQuery
from schema.scalars import SCALARS
from schema.tree.root import Mutation, Query

RootQuery = merge_types(
    "Query", (Query, MoneyQuery, FraudQuery, AnalystQuery, WithdrawalQueueQuery)
)
RootMutation = merge_types("Mutation", (Mutation, MoneyMutation, FraudMutation, AnalystMutation))
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


# The depth and alias limits as validation rules, built once: the limiter extensions make
# a new rule class per instance, so a fresh instance per request would make every request
# miss the validation cache. Parsing and validating a query text cost more than most
# resolvers (docs/benchmarks.md); both are cached, bounded by the number of query texts.
LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=12).validation_rules,
    *MaxAliasesLimiter(max_alias_count=30).validation_rules,
]
CACHED_QUERY_TEXTS = 256
DEFAULT_MAX_COST = 20_000


def build_schema(
    *, production: bool = False, max_cost: int = DEFAULT_MAX_COST
) -> strawberry.Schema:
    """The schema with its limits; the cost rule is made once here, so the validation
    cache (keyed by the rules) also caches each query text's cost verdict."""
    rules = [*LIMIT_RULES, query_cost_rule(max_cost)]
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=2000),
        lambda: AddValidationRules(rules),
        lambda: ParserCache(maxsize=CACHED_QUERY_TEXTS),
        lambda: ValidationCache(maxsize=CACHED_QUERY_TEXTS),
    ]
    if production:
        extensions.append(DisableIntrospection)
    return ReferralSchema(
        query=RootQuery,
        mutation=RootMutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(scalar_map=SCALARS),
    )


def export_sdl() -> str:
    return build_schema().as_str() + "\n"
