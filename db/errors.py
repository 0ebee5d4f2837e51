"""The one error type of the database tools: a message for a person, printed as one line, never a traceback."""

from __future__ import annotations


class DbError(Exception):
    """A problem the user can act on (unreachable server, wrong password, refused migration)."""


class MigrationRefused(DbError):
    """The run would change what must not change (an edited applied migration, an unconfirmed destructive one)."""
