"""The scale benchmark of issue #6: the platform (Neo4j) side by side with PostgreSQL.

`python -m bench.scale --size N` generates a network into files (`dataset`), loads the
same files into Neo4j through the product's bulk and order paths (`neo4j_side`) and into
PostgreSQL in two designs (`pg_server`, `pg_load`), runs one workload on all of them and
cross-checks the answers (`workload`, `ops_neo4j`, `ops_pg`), then writes a report and a
plot (`report`, `plot`). `make bench` runs it at 1,000,000 distributors, `make
bench-small` at 100,000.
"""
