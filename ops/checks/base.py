"""The shape of a verify check: a small function from the stack's facts to an outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ops.aws import Clients

PASS = "pass"
FAIL = "fail"
SKIP = "skip"
ERROR = "error"

Outcome = tuple[str, str]  # (status, detail)


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: str
    detail: str


@dataclass
class Facts:
    """Read once by verify and shared by every check, so each describe call happens once."""

    aws: Clients
    cluster: dict[str, Any]
    instances: list[dict[str, Any]]
    min_retention: int
    password_parameter: str | None
    bastion_instance: str | None
    # The time checks compare expiry dates with; None: the clock at the time of the check.
    now: datetime | None = None
    _memo: dict[tuple[str, str], Any] = field(default_factory=dict)

    def once(self, kind: str, key: str, read: Callable[[], Any]) -> Any:
        """``read()`` the first time (kind, key) is asked for; the same answer afterwards.

        Several checks look at the same KMS key or bastion; each describe call happens once.
        """
        if (kind, key) not in self._memo:
            self._memo[(kind, key)] = read()
        return self._memo[(kind, key)]


Check = Callable[[Facts], Outcome]


def passed(detail: str) -> Outcome:
    return PASS, detail


def failed(detail: str) -> Outcome:
    return FAIL, detail


def skipped(detail: str) -> Outcome:
    return SKIP, detail
