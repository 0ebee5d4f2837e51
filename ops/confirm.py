"""Confirmation for disruptive commands (failover, restore, backtrack)."""

from __future__ import annotations

from typing import TextIO

from ops.errors import Aborted, Interrupted, OpsError


def confirm(action: str, *, assume_yes: bool, stdin: TextIO | None, stderr: TextIO) -> None:
    """Return if the user agrees; raise otherwise. Never blocks when nobody can answer."""
    if assume_yes:
        return
    # In CI or a pipe there is nobody to answer: refusing is safer than reading a stray "y".
    if stdin is None or stdin.closed or not stdin.isatty():
        raise OpsError(f"{action}: confirmation needed but stdin is not a terminal; pass --yes to proceed")
    stderr.write(f"{action}\nProceed? [y/N] ")
    stderr.flush()
    try:
        answer = stdin.readline().strip().lower()
    except KeyboardInterrupt:
        stderr.write("\n")
        raise Interrupted("interrupted at the confirmation prompt; nothing was started") from None
    if answer not in ("y", "yes"):
        raise Aborted("aborted at the confirmation prompt: nothing was changed")
