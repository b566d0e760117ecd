"""Who may do what (SPEC §3.9): tokens, roles, team scope, PII sealing and masks, the rate
limit, audit recording, permission classes and their errors.
"""
