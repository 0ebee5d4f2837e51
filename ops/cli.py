"""argparse front end: one sub-command per module in ops.commands.

Exit codes by class (ops/errors.py, `--help`, docs/ops.md). Errors are one line on stderr
(``ops: error: Code in REGION (Operation, request id ...): message``; argparse's usage errors start
``ops: error: `` too) and, with --json, also a JSON object on stdout; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from ops import __version__
from ops.aws import ClientOptions
from ops.commands import COMMANDS
from ops.context import Context
from ops.errors import (
    AWS_ERRORS,
    ERROR_PREFIX,
    EXIT_CODES_HELP,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_PIPE,
    EXIT_USAGE,
    ErrorReport,
    OpsError,
    report,
)

# Options every command takes, before or after the command name (as the AWS CLI does).
GLOBAL_FLAGS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("--cluster",), {"metavar": "ID", "help": "DB cluster identifier (overrides --outputs)"}),
    (("--region",), {"help": "AWS region (overrides --outputs and the profile's)"}),
    (("--outputs",), {"metavar": "FILE", "help": "JSON of `pulumi stack output --json` for the stack"}),
    (("--profile",), {"help": "named profile from the AWS config files"}),
    (("--endpoint-url",), {"metavar": "URL", "help": "send requests to this endpoint (an emulator, a VPC endpoint)"}),
    (("--cli-read-timeout",), {"type": "seconds", "metavar": "SECONDS", "help": "socket read timeout per request"}),
    (("--cli-connect-timeout",), {"type": "seconds", "metavar": "SECONDS", "help": "connect timeout per request"}),
    (("--json",), {"action": "store_true", "help": "print the result (and errors) as JSON; progress as JSON lines"}),
    (("--debug",), {"action": "store_true", "help": "log each API call and answer on stderr (no secrets)"}),
]


def seconds(value: str) -> float:
    """argparse ``type=``: a finite, non-negative number of seconds (`nan` and `inf` parse as floats)."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"not a finite number of seconds: {value!r}")
    if number < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value!r}")
    return number


def poll_seconds(value: str) -> float:
    """Polling faster than once a second only burns the account's API rate."""
    number = seconds(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 second: {value!r}")
    return number


_positive_seconds = seconds  # the name older callers import


def _add_global_flags(parser: argparse.ArgumentParser, suppress: bool) -> None:
    group = parser.add_argument_group("global options (before or after the command)")
    for flags, spec in GLOBAL_FLAGS:
        spec = dict(spec)
        if spec.get("type") == "seconds":
            spec["type"] = seconds
        if suppress:
            # Given after the command it wins; not given there, the value before the command stays.
            spec["default"] = argparse.SUPPRESS
        group.add_argument(*flags, **spec)


class _Parser(argparse.ArgumentParser):
    """argparse with our prefix on its usage errors (`ops: error: ...`, not `python -m ops: error: ...`); the
    subcommands' parsers are of the same class, so theirs have it too."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{ERROR_PREFIX}{message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m ops",
        description="Day-2 operations on the platform's Aurora cluster (see docs/ops.md).",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # `--output json` must not silently mean `--outputs json`
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_global_flags(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        cmd_parser = sub.add_parser(
            command.NAME,
            help=command.HELP,
            description=command.HELP,
            epilog=EXIT_CODES_HELP,
            formatter_class=argparse.RawDescriptionHelpFormatter,
            allow_abbrev=False,
        )
        _add_global_flags(cmd_parser, suppress=True)
        if command.DISRUPTIVE:
            cmd_parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        if command.DEFAULT_TIMEOUT:
            cmd_parser.add_argument(
                "--timeout",
                type=seconds,
                default=command.DEFAULT_TIMEOUT,
                metavar="SECONDS",
                help=f"stop waiting after this long (default {command.DEFAULT_TIMEOUT}); the operation goes on",
            )
            cmd_parser.add_argument(
                "--poll-interval",
                type=poll_seconds,
                default=10.0,
                metavar="SECONDS",
                help="seconds between status checks, at least 1 (default 10)",
            )
            if getattr(command, "NO_WAIT", True):
                cmd_parser.add_argument(
                    "--no-wait",
                    action="store_true",
                    help="start the operation and return; follow it with `ops wait` / `ops status`",
                )
        command.add_arguments(cmd_parser)
        cmd_parser.set_defaults(run=command.run)
    return parser


def _options(args: argparse.Namespace, ctx: Context) -> ClientOptions:
    return ClientOptions(
        profile=args.profile,
        endpoint_url=args.endpoint_url,
        read_timeout=args.cli_read_timeout,
        connect_timeout=args.cli_connect_timeout,
        debug=ctx.stderr if args.debug else None,
    )


def main(argv: Sequence[str] | None = None, ctx: Context | None = None) -> int:
    ctx = ctx or Context()
    try:
        return _main(argv, ctx)
    except BrokenPipeError:
        # The reader went away (`| head`): what it wanted was printed; nothing to say to a closed pipe.
        return EXIT_PIPE


def _main(argv: Sequence[str] | None, ctx: Context) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed usage and the message naming the flag
        return 0 if exc.code in (0, None) else EXIT_USAGE
    ctx.options = _options(args, ctx)
    ctx.json_lines = bool(args.json)
    try:
        return args.run(args, ctx)
    except KeyboardInterrupt:
        advice = ctx.inflight.advice()
        found = ErrorReport(
            "Interrupted",
            f"interrupted; {advice}" if advice else "interrupted; nothing was started",
            EXIT_INTERRUPTED,
            plain=True,
        )
    except (OpsError, *AWS_ERRORS) as exc:
        found = report(exc, ctx.region)
        advice = ctx.inflight.advice()
        # An AWS error after something started: say what is left running and how to pick it up.
        # (While pending, the error is the answer to the starting request itself: nothing started.)
        if advice and not found.plain and not ctx.inflight.pending:
            found = ErrorReport(
                found.code,
                f"{found.message}; {advice}",
                found.exit_code,
                found.operation,
                found.region,
                found.request_id,
            )
    except BrokenPipeError:
        raise
    except Exception as exc:  # a bug of ours: one line, and the traceback only when asked for
        if args.debug:
            traceback.print_exc(file=ctx.stderr)
        found = ErrorReport(
            "InternalError",
            f"internal error ({type(exc).__name__}: {exc}); rerun with --debug and report it",
            EXIT_INTERNAL,
            plain=True,
        )
    ctx.stderr.write(f"{ERROR_PREFIX}{found.line()}\n")
    ctx.stderr.flush()
    if getattr(args, "json", False):
        ctx.stdout.write(json.dumps(found.as_json()) + "\n")
        ctx.stdout.flush()
    return found.exit_code
