"""Development-only process control: the Neo4j launcher, the offline importer, demo data.
The web app never imports it.
"""
