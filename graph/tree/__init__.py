"""The referral tree in Neo4j: reading distributors, registration and binding, moving
subtrees, team views.
"""
