"""Polling with progress, a timeout that is honest, and waits that survive a blip.

botocore's own waiters neither show progress nor know "the writer has changed", so the commands
poll describe calls through this one loop. The interval, clock and sleep are injectable so tests
poll with interval 0 and never sleep.

A two-hour restore must not be given up on one dropped connection: throttling, dropped
connections and read timeouts while polling are retried with backoff (never past the deadline)
and shown as progress. Expired credentials cannot be fixed by waiting: the wait stops with the
commands that check and resume it. Any other error is the caller's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO, TypeVar

from botocore.exceptions import ClientError, HTTPClientError, SSLError
from botocore.exceptions import ConnectionError as BotoConnectionError

from ops.errors import Incomplete, Refused

T = TypeVar("T")

# Error codes AWS answers when it is busy rather than when the request is wrong (botocore's own
# retry handler lists the same family); a poll that got one simply polls again later.
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "ProvisionedThroughputExceededException",
        "BandwidthLimitExceeded",
        "EC2ThrottledException",
        "InternalFailure",
        "InternalError",
        "ServiceUnavailable",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
# Credentials that stopped working mid-wait (an STS session or SSO token ran out): no retry helps.
CREDENTIAL_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "RequestExpired",
        "TokenRefreshRequired",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
    }
)
TRANSIENT, CREDENTIALS = "transient", "credentials"


def classify(exc: BaseException) -> str | None:
    """``transient`` (poll again), ``credentials`` (stop, resumable) or None (the caller's error)."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in CREDENTIAL_CODES:
            return CREDENTIALS
        if code in THROTTLING_CODES or status in (429, 502, 503, 504):
            return TRANSIENT
        return None
    # A certificate that does not match will not match on the next poll either.
    if isinstance(exc, SSLError):
        return None
    # EndpointConnectionError, ConnectTimeoutError (ConnectionError); ConnectionClosedError,
    # ReadTimeoutError (HTTPClientError): the network, not the request.
    if isinstance(exc, (HTTPClientError, BotoConnectionError)):
        return TRANSIENT
    return None


def error_code(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "ClientError")
    return type(exc).__name__


class WaitTimeout(Incomplete):
    """The thing waited for did not happen within --timeout; the operation may still finish."""

    code = "WaitTimeout"


class CredentialsExpired(Incomplete):
    """The credentials ran out mid-wait; the operation in AWS goes on."""

    code = "CredentialsExpired"


class WaitFailed(Refused):
    """The thing waited for reached a state it cannot come back from (export FAILED...)."""

    code = "OperationFailed"


@dataclass
class InFlight:
    """What has been started in AWS, and the commands that check it and pick the wait up again.

    Filled in by a command right after its first changing call; the CLI reads it on Ctrl-C and
    the poller on a timeout or expired credentials."""

    what: str | None = None
    status_command: str | None = None
    resume_command: str | None = None
    # True between sending the changing request and reading its answer: a Ctrl-C then cannot
    # know whether AWS took it.
    pending: bool = False

    def started(self, what: str, status_command: str, resume_command: str, pending: bool = False) -> None:
        self.what, self.status_command, self.resume_command = what, status_command, resume_command
        self.pending = pending

    def advice(self) -> str:
        if not self.what:
            return ""
        if self.pending:
            return (
                f"{self.what} may or may not have started in AWS; check with `{self.status_command}` "
                f"and, if it did, resume with `{self.resume_command}`"
            )
        return (
            f"{self.what} continues in AWS; check it with `{self.status_command}`, "
            f"resume with `{self.resume_command}`"
        )


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Poller:
    interval: float
    timeout: float
    progress: TextIO
    clock: Callable[[], float] = field(default=time.monotonic)
    sleep: Callable[[float], None] = field(default=time.sleep)
    now: Callable[[], datetime] = field(default=_utcnow)
    json_lines: bool = False
    inflight: InFlight = field(default_factory=InFlight)
    max_backoff: float = 60.0
    _start: float | None = field(default=None, init=False, repr=False)

    def until(
        self,
        what: str,
        probe: Callable[[], T],
        done: Callable[[T], bool],
        describe: Callable[[T], str],
        failed: Callable[[T], str | None] = lambda _state: None,
    ) -> T:
        """Call ``probe`` until ``done``; print each state to ``progress``.

        ``failed`` returns a reason when the state is terminal and bad. The sleep before the next
        poll never goes past the deadline, so the last poll happens at the deadline itself.
        """
        # One deadline per command: a restore's wait for the cluster and then for its instances
        # share --timeout, so "--timeout 7200" means two hours in all, not two hours each.
        if self._start is None:
            self._start = self.clock()
        start = self._start
        deadline = start + self.timeout
        last = "not read yet"
        blips = 0
        while True:
            try:
                state = probe()
            except Exception as exc:  # only what classify() knows is handled; the rest is re-raised
                kind = classify(exc)
                elapsed = self.clock() - start
                if kind == CREDENTIALS:
                    self._line(what, elapsed, f"credentials refused ({error_code(exc)})", error=error_code(exc))
                    raise CredentialsExpired(
                        f"credentials stopped working ({error_code(exc)}) after {elapsed:.0f}s waiting for {what} "
                        f"(last state: {last}); {self._advice(what)}. Refresh the credentials first"
                    ) from None
                if kind != TRANSIENT:
                    raise
                blips += 1
                delay = min(self._backoff(blips), max(deadline - self.clock(), 0.0))
                self._line(
                    what,
                    elapsed,
                    f"{error_code(exc)}, poll {blips} in a row failed; retrying in {delay:.0f}s",
                    error=error_code(exc),
                )
                if self.clock() >= deadline:
                    raise self._timeout(what, start, last) from None
                self.sleep(delay)
                continue
            blips = 0
            last = describe(state)
            self._line(what, self.clock() - start, last)
            if done(state):
                return state
            reason = failed(state)
            if reason:
                raise WaitFailed(f"{what}: {reason}")
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise self._timeout(what, start, last)
            self.sleep(min(self.interval, remaining))

    def _backoff(self, blips: int) -> float:
        # Doubling from the poll interval, capped: a throttled account recovers in seconds to a minute.
        return min(self.interval * 2 ** (blips - 1), max(self.interval, self.max_backoff))

    def _advice(self, what: str) -> str:
        return self.inflight.advice() or f"{what} may still change in AWS"

    def _timeout(self, what: str, start: float, last: str) -> WaitTimeout:
        waited = self.clock() - start
        return WaitTimeout(
            f"stopped waiting for {what} after {waited:.0f}s (--timeout {self.timeout:g}), "
            f"last state: {last}; {self._advice(what)}"
        )

    def _line(self, what: str, elapsed: float, status: str, error: str | None = None) -> None:
        stamp = self.now().astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        if self.json_lines:
            record = {"time": stamp, "elapsed": round(elapsed, 1), "what": what, "status": status}
            if error:
                record["error"] = error
            self.progress.write(json.dumps(record) + "\n")
        else:
            self.progress.write(f"{stamp} [{elapsed:5.0f}s] {what}: {status}\n")
        self.progress.flush()
