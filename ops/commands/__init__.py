"""One module per sub-command. Each defines NAME, HELP, DISRUPTIVE (asks for confirmation,
takes --yes), DEFAULT_TIMEOUT (0 when it never waits; else takes --timeout and
--poll-interval, and --no-wait unless NO_WAIT is False), add_arguments(parser) and run(args, ctx) -> exit code.
"""

from __future__ import annotations

from ops.commands import backtrack, export, failover, migrate, restore, snapshot, status, verify, wait

COMMANDS = [verify, failover, snapshot, restore, backtrack, export, migrate, status, wait]
