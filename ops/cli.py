"""argparse front end: one sub-command per module in ops.commands.

Exit codes: 0 ok, 1 findings (verify), 2 usage, input or AWS error. Errors are one line on
stderr (``error: Code: message``), never a traceback.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ops.commands import COMMANDS
from ops.context import Context
from ops.errors import AWS_ERRORS, EXIT_ERROR, OpsError, one_line

EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C


def _common_parser() -> argparse.ArgumentParser:
    """Options every sub-command takes, accepted after the command name."""
    common = argparse.ArgumentParser(add_help=False)
    where = common.add_argument_group("target")
    where.add_argument("--cluster", metavar="ID", help="DB cluster identifier (overrides --outputs)")
    where.add_argument("--region", help="AWS region (overrides --outputs and the boto3 default)")
    where.add_argument("--outputs", metavar="FILE", help="JSON of `pulumi stack output --json` for the stack")
    common.add_argument("--json", action="store_true", help="print the result as JSON")
    return common


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ops",
        description="Day-2 operations on the platform's Aurora cluster (see docs/ops.md).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = _common_parser()
    for command in COMMANDS:
        cmd_parser = sub.add_parser(command.NAME, parents=[common], help=command.HELP, description=command.HELP)
        if command.DISRUPTIVE:
            cmd_parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        if command.DEFAULT_TIMEOUT:
            cmd_parser.add_argument(
                "--timeout",
                type=_positive_seconds,
                default=command.DEFAULT_TIMEOUT,
                metavar="SECONDS",
                help=f"stop waiting after this long (default {command.DEFAULT_TIMEOUT})",
            )
            cmd_parser.add_argument(
                "--poll-interval",
                type=_positive_seconds,
                default=10.0,
                metavar="SECONDS",
                help="seconds between status checks (default 10)",
            )
        command.add_arguments(cmd_parser)
        cmd_parser.set_defaults(run=command.run)
    return parser


def _positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if seconds < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value!r}")
    return seconds


def main(argv: Sequence[str] | None = None, ctx: Context | None = None) -> int:
    ctx = ctx or Context()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage and the message naming the flag
        return int(exc.code) if isinstance(exc.code, int) else EXIT_ERROR
    try:
        return args.run(args, ctx)
    except OpsError as exc:
        ctx.stderr.write(f"error: {one_line(exc)}\n")
    except AWS_ERRORS as exc:
        ctx.stderr.write(f"error: {one_line(exc)}\n")
    except KeyboardInterrupt:
        ctx.stderr.write("error: interrupted; an AWS operation already started may still run\n")
        return EXIT_INTERRUPTED
    return EXIT_ERROR
