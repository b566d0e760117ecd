"""Resolvers of the referral tree: reading distributors and team views, registration and binding."""
