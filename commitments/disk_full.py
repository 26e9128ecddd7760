"""A full disk, told apart from the database's other errors: it is no passing outage (waiting
does not help), and nothing is written until someone frees space."""

import sqlite3

from django.db import DatabaseError

# PostgreSQL's SQLSTATE for disk_full ("could not extend file ...: No space left on device").
POSTGRESQL_DISK_FULL = "53100"


def disk_full(error: DatabaseError) -> bool:
    """Whether the database refused a write because its disk (or, on SQLite, the file's size
    limit) is full: SQLSTATE 53100 on PostgreSQL, SQLITE_FULL on SQLite."""
    cause = error.__cause__
    if getattr(cause, "pgcode", None) == POSTGRESQL_DISK_FULL:
        return True
    return getattr(cause, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
