"""What a command needs from the outside world, injectable for tests."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from ops.aws import ClientMaker, Clients, boto3_client
from ops.waiters import Poller


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    stdin: TextIO | None = field(default_factory=lambda: sys.stdin)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    make_client: ClientMaker = boto3_client
    # None: use --poll-interval. Tests set 0 so nothing sleeps.
    poll_interval: float | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = _utcnow

    def clients(self, region: str | None) -> Clients:
        return Clients(region, self.make_client)

    def poller(self, args: argparse.Namespace) -> Poller:
        interval = self.poll_interval if self.poll_interval is not None else args.poll_interval
        # Progress goes to stderr so `--json` output on stdout stays parseable.
        return Poller(interval, args.timeout, self.stderr, self.clock, self.sleep)

    def say(self, text: str) -> None:
        """Progress and notes for humans: stderr, so stdout is only the result."""
        self.stderr.write(text + "\n")
        self.stderr.flush()

    def result(self, args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
        """The command's result: JSON with --json, else human text."""
        if args.json:
            self.stdout.write(json.dumps(data, indent=2, default=_json_default) + "\n")
        else:
            self.stdout.write(text.rstrip("\n") + "\n")
        self.stdout.flush()


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return str(value)
