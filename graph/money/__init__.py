"""Money in Neo4j: orders and commissions, refunds, settlement, the ledger, withdrawals,
rule sets, leaderboards.
"""
