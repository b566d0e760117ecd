"""Everything that touches Neo4j: Cypher, transactions, and the records they return.

`graph` imports nothing from `app`, `schema` or `resolvers`. Business rules that need
no database live in `graph.rules` as plain functions; the modules here apply them inside
one transaction per business operation.
"""
