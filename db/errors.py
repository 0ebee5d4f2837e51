"""The one error type of the database tools: a message for a person, printed as one line, never a traceback."""

from __future__ import annotations

# How `python -m db` (the migration task's entry point) starts a line about a problem on stderr; `python -m ops migrate
# --via ecs` finds that line in the task's log.
RUNNER_ERROR_PREFIX = "error: "


class DbError(Exception):
    """A problem the user can act on (unreachable server, wrong password, refused migration)."""


class MigrationRefused(DbError):
    """The run would change what must not change (an edited applied migration, an unconfirmed destructive one)."""
