"""wait: poll an operation by its identifier until it is done, as the command that started it would
have. Picks up after --no-wait, --timeout, Ctrl-C or expired credentials."""

from __future__ import annotations

import argparse

from ops.commands.status import add_what, check_flags, watch_for
from ops.context import Context
from ops.errors import EXIT_OK

NAME = "wait"
HELP = "wait until a cluster (and its instances), instance, snapshot, export task or backtrack is done"
DISRUPTIVE = False
DEFAULT_TIMEOUT = 7200
NO_WAIT = False  # --no-wait on `wait` would mean nothing


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_what(parser)


def run(args: argparse.Namespace, ctx: Context) -> int:
    check_flags(args)
    watch = watch_for(args, ctx)
    state = ctx.poller(args).until(watch.what, watch.probe, watch.done, watch.describe, watch.failed)
    data = {"kind": watch.kind, "id": watch.ident, "state": watch.describe(state), "done": True, "detail": state}
    ctx.result(args, data, f"{watch.what}: {watch.describe(state)}")
    return EXIT_OK
