"""Resolvers of fraud detection: scans, rings, signals, alerts, investigations."""
