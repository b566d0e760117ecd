"""The cost limit of a query (issue #10): page sizes multiplied through nesting.

A query's cost is the number of field values it may resolve. Every field counts once
per value of its parent; a list multiplies what is below it by its length:

- a field with a `first` (or `last`) argument that returns a list (`leaderboard`,
  `withdrawals`) is that many values; one that returns a connection passes the page
  size to the lists directly inside it (`edges`, `events`), so `totalCount` and
  `pageInfo` count once;
- the page size is the literal argument, else the field's SDL default (connections have
  none, so they count as the largest page);
  a variable counts as the largest page (100), since the cost is computed once per
  query text, before any variables are seen;
- any other list counts `LIST_WEIGHT` values; aliases count like separate fields;
  introspection (`__schema`, `__typename`) is free.

The rule runs with the other validation rules, so its verdict is cached per query
text by the same cache (`schema/schema.py`), and a refused query never executes.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
)

from domain.errors import QueryTooCostly
from domain.inputs import MAX_PAGE_SIZE

LIST_WEIGHT = 10  # a list without a page-size argument (upline, commissions, members…)
PAGE_ARGUMENTS = ("first", "last")


def _is_list(type_: GraphQLType) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def page_size(node: FieldNode, field: GraphQLField) -> int | None:
    """The page size a field asks for, or None when it takes no page argument."""
    given = {argument.name.value: argument.value for argument in node.arguments or ()}
    for name in PAGE_ARGUMENTS:
        value = given.get(name)
        if isinstance(value, IntValueNode):
            return max(int(value.value), 0)
        if isinstance(value, VariableNode):
            return MAX_PAGE_SIZE
    for name in PAGE_ARGUMENTS:
        if name in field.args:
            default = field.args[name].default_value
            return default if isinstance(default, int) else MAX_PAGE_SIZE
    return None


class _Estimate:
    """The cost of selection sets of one document, fragments memoized."""

    def __init__(
        self, fragments: dict[str, FragmentDefinitionNode], types: dict[str, GraphQLNamedType]
    ) -> None:
        self.fragments = fragments
        self.types = types
        self.memo: dict[tuple[str, int | None], int] = {}
        self.visiting: set[str] = set()

    def selections(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType, page: int | None
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.types.get(condition.name.value, parent) if condition else parent
                total += self.selections(selection.selection_set, inner, page)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.spread(selection.name.value, page)
        return total

    def field(self, node: FieldNode, parent: GraphQLNamedType, page: int | None) -> int:
        name = node.name.value
        if name.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return 0
        field = parent.fields.get(name)
        if field is None:  # unknown fields are reported by the standard rules
            return 0
        own_page = page_size(node, field)
        values, inner_page = 1, None
        if _is_list(field.type):
            values = own_page if own_page is not None else page if page is not None else LIST_WEIGHT
        elif own_page is not None:
            inner_page = own_page  # a connection: the page is the lists inside it
        below = self.selections(node.selection_set, get_named_type(field.type), inner_page)
        return values * (1 + below)

    def spread(self, name: str, page: int | None) -> int:
        fragment = self.fragments.get(name)
        if fragment is None or name in self.visiting:  # unknown or cyclic: reported elsewhere
            return 0
        key = (name, page)
        if key not in self.memo:
            self.visiting.add(name)
            condition = self.types.get(fragment.type_condition.name.value)
            self.memo[key] = (
                0 if condition is None else self.selections(fragment.selection_set, condition, page)
            )
            self.visiting.discard(name)
        return self.memo[key]


def operation_cost(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
) -> int:
    """The cost of one operation of `document`."""
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    return _Estimate(fragments, schema.type_map).selections(operation.selection_set, root, None)


def query_cost(schema: GraphQLSchema, document: DocumentNode) -> int:
    """The largest cost among the operations of `document`."""
    return max(
        (
            operation_cost(schema, document, definition)
            for definition in document.definitions
            if isinstance(definition, OperationDefinitionNode)
        ),
        default=0,
    )


def query_cost_rule(max_cost: int) -> type[ValidationRule]:
    """A validation rule refusing operations whose cost is above `max_cost`."""

    class QueryCostRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            cost = operation_cost(self.context.schema, self.context.document, node)
            if cost > max_cost:
                refusal = QueryTooCostly(cost, max_cost)
                self.report_error(GraphQLError(refusal.message, node, original_error=refusal))

    return QueryCostRule
