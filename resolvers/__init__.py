"""Thin resolvers: check arguments, call `graph`, return its typed records.

They hold no Cypher and no business rule; the GraphQL types in `schema` wrap what they
return.
"""
