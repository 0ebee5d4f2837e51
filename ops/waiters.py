"""Polling with progress and a timeout.

botocore's own waiters neither show progress nor know "the writer has changed", so the commands
poll describe calls through this one loop. The interval, clock and sleep are injectable so tests
poll with interval 0 and never sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO, TypeVar

from ops.errors import OpsError

T = TypeVar("T")


class WaitTimeout(OpsError):
    """The thing waited for did not happen within --timeout; the operation may still finish."""


class WaitFailed(OpsError):
    """The thing waited for reached a state it cannot come back from (export FAILED...)."""


@dataclass
class Poller:
    interval: float
    timeout: float
    progress: TextIO
    clock: Callable[[], float] = field(default=time.monotonic)
    sleep: Callable[[float], None] = field(default=time.sleep)

    def until(
        self,
        what: str,
        probe: Callable[[], T],
        done: Callable[[T], bool],
        describe: Callable[[T], str],
        failed: Callable[[T], str | None] = lambda _state: None,
    ) -> T:
        """Call ``probe`` until ``done``; print each state to ``progress``.

        ``failed`` returns a reason when the state is terminal and bad.
        """
        start = self.clock()
        while True:
            state = probe()
            elapsed = self.clock() - start
            self.progress.write(f"  [{elapsed:5.0f}s] {what}: {describe(state)}\n")
            self.progress.flush()
            if done(state):
                return state
            reason = failed(state)
            if reason:
                raise WaitFailed(f"{what}: {reason}")
            if elapsed + self.interval > self.timeout:
                raise WaitTimeout(
                    f"timed out after {self.timeout:g}s waiting for {what} "
                    f"(last state: {describe(state)}); the operation may still complete in AWS"
                )
            self.sleep(self.interval)
