"""GraphQL types (strawberry) and the root schema; no Cypher and no business rules."""
