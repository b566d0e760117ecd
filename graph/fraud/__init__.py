"""Fraud in Neo4j: identifier links, alerts, the ring scan, signals, deep investigations."""
