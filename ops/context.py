"""What a command needs from the outside world, injectable for tests."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from ops.aws import ClientMaker, ClientOptions, Clients, boto3_client
from ops.waiters import InFlight, Poller


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
    # Set by the CLI from the global flags (--profile, --endpoint-url, --cli-read-timeout...).
    options: ClientOptions = field(default_factory=ClientOptions)
    # What the command has started in AWS: the CLI's Ctrl-C message and the poller's timeout read it.
    inflight: InFlight = field(default_factory=InFlight)
    last_clients: Clients | None = None
    # --json: progress and notes on stderr as JSON lines too, so a consumer parses every line.
    json_lines: bool = False

    def clients(self, region: str | None) -> Clients:
        self.last_clients = Clients(region, self.make_client, self.options)
        return self.last_clients

    @property
    def region(self) -> str | None:
        """The region the command talks to, for error messages; None before any client exists."""
        if self.last_clients is None:
            return None
        try:
            return self.last_clients.region
        except Exception:  # a client that cannot even be made has no region to report
            return None

    def poller(self, args: argparse.Namespace) -> Poller:
        interval = self.poll_interval if self.poll_interval is not None else args.poll_interval
        # Progress goes to stderr so `--json` output on stdout stays parseable.
        return Poller(
            interval,
            args.timeout,
            self.stderr,
            self.clock,
            self.sleep,
            self.now,
            json_lines=self.json_lines or bool(getattr(args, "json", False)),
            inflight=self.inflight,
        )

    def command(self, *words: str) -> str:
        """A `python -m ops ...` line the user can paste: region and profile pinned, so it works
        without the outputs file and from another shell."""
        line = ["python", "-m", "ops", *words]
        if self.region:
            line += ["--region", self.region]
        if self.options.profile:
            line += ["--profile", self.options.profile]
        if self.options.endpoint_url:
            line += ["--endpoint-url", self.options.endpoint_url]
        return shlex.join(line)

    def started(
        self, what: str, kind_flag: str, ident: str, resume: str | None = None, pending: bool = False
    ) -> None:
        """Record that ``what`` now runs in AWS, checkable with `ops status KIND_FLAG ID`.
        ``pending``: the request is being sent; call again without it once AWS has answered."""
        self.inflight.started(
            what,
            self.command("status", kind_flag, ident),
            resume or self.command("wait", kind_flag, ident),
            pending,
        )

    def say(self, text: str) -> None:
        """Progress and notes for humans: stderr, so stdout is only the result."""
        if self.json_lines:
            stamp = _json_default(self.now().replace(microsecond=0))
            self.stderr.write(json.dumps({"time": stamp, "note": text}) + "\n")
        else:
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
