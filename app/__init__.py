"""The FastAPI application, its settings, and the `referral` command line."""
