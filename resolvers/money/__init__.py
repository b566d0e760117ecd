"""Resolvers of money: orders, refunds, settlement, rule sets, withdrawals, the ledger,
leaderboards.
"""
