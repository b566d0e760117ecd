"""Pure money rules: fen, commission splits, ledger entries, tax and fees, withdrawals,
rule sets.
"""
