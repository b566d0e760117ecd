"""The pure core: typed records and enums (`models`), the coded errors (`errors`), and
business rules as plain functions, per domain (`tree`, `money`, `fraud`); no database,
no I/O, and no import of any other package of ours.
"""
