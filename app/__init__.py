"""The web app: FastAPI (lifespan, probes), the GraphQL edge, settings, the scheduler,
and the `referral` command line. Development-only process control is in `devtools`."""
