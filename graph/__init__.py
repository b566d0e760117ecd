"""Everything that touches Neo4j: Cypher, transactions, and parsing what they return.

One package per domain (`tree`, `money`, `fraud`); shared pieces here (the driver in
`db`, `migrations`, `locks`, `audit`, `pagination`, Neo4j's time `values`). `graph`
imports only `domain` (records, errors, pure rules) and applies those rules inside one
transaction per business operation.
"""
