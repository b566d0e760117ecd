"""Business rules as pure functions on plain values: no database, no I/O."""
