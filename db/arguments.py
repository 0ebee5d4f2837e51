"""Command-line values read by both migration entry points: `python -m db` (the migration task's) and
`python -m ops migrate` (the administrator's). Standard library only: ops reads them without loading the driver."""

from __future__ import annotations

import argparse
import math


def lock_seconds(value: str) -> float:
    """`--lock-timeout`: how long to wait for another run's migration lock, a finite number of seconds, 0 or more."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    # nan and inf parse as floats; neither is a time to wait for a lock.
    if not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(f"{value!r}: allowed: a finite number of seconds, 0 or more")
    return number


def add_lock_timeout(parser: argparse.ArgumentParser) -> None:
    """`--lock-timeout SECONDS`, the same flag, default and help in both entry points: `ops migrate --via ecs` hands
    its value on to the task's `python -m db`."""
    parser.add_argument("--lock-timeout", type=lock_seconds, default=600.0, metavar="SECONDS",
                        help="give up when another run holds the migration lock this long (default 600)")
