"""GraphQL types and root fields of money."""
