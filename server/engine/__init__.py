"""Queue engine: the hall's rules (states, numbering, call order, hours) with no I/O.

Nothing here imports Flask, SQLAlchemy or a device library, so the rules are
unit-tested without a database and reused by every entry point.
"""
