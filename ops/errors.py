"""Errors the CLI turns into one line on stderr and an exit code by class, never a traceback.

Exit codes (also in `--help` and docs/ops.md), chosen so a script can tell "nothing happened" from "something is
still running in AWS":

    0   success
    1   findings: verify ran and a mandatory check failed
    2   usage: bad flag or input, a pre-check refused, or declined at the prompt; nothing was started
    3   AWS refused or failed: an API error, an unreachable endpoint, an operation that ended failed
    4   stopped waiting (--timeout, expired credentials): the AWS operation goes on; `ops wait` resumes
    70  internal error: a bug of ours, one line (--debug shows where)
    130 interrupted (Ctrl-C)
    141 stdout closed under us (`| head`): the command ran, its output was cut

Every error line on stderr starts `ops: error: ` (as the gate's start `preflight: `), so a log of several tools
says whose line it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ProfileNotFound,
)
from botocore.parsers import ResponseParserError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_AWS = 3
EXIT_INCOMPLETE = 4
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug of ours, said in one line (--debug shows where)
EXIT_INTERRUPTED = 130
EXIT_PIPE = 141
# Kept for callers that predate the classes: an error of the run as a whole is AWS's (verify's `error` status).
EXIT_ERROR = EXIT_AWS

# The one table of exit codes: `--help` of ops and of every command ends with it (EXIT_CODES_HELP), docs/ops.md
# repeats it, and a test checks that every EXIT_* code above is in it.
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "success"),
    (EXIT_FINDINGS, "findings (verify: a mandatory check failed)"),
    (EXIT_USAGE, "usage: bad flag or input, a pre-check refused, or declined at the prompt; nothing was started"),
    (EXIT_AWS, "AWS refused the request or the operation failed"),
    (EXIT_INCOMPLETE, "stopped waiting (--timeout, expired credentials): the AWS operation continues; resume with "
                      "`ops wait`"),
    (EXIT_INTERNAL, "internal error: a bug of ours, one line; rerun with --debug and report it"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
    (EXIT_PIPE, "stdout was closed (for example `| head`)"),
)
EXIT_CODES_HELP = "exit codes:\n" + "\n".join(f"  {code:<4} {meaning}" for code, meaning in EXIT_CODES)

# What starts every error line ops writes on stderr (argparse's own usage errors included).
ERROR_PREFIX = "ops: error: "


class OpsError(Exception):
    """A problem the user can act on. ``exit_code`` says its class; the default is a usage error."""

    exit_code = EXIT_USAGE
    code = "UsageError"


class Aborted(OpsError):
    """The user said no at the confirmation prompt; nothing was changed."""

    code = "Aborted"


class Interrupted(OpsError):
    """Ctrl-C where we know what was (not) started; the message says so."""

    exit_code = EXIT_INTERRUPTED
    code = "Interrupted"


class Refused(OpsError):
    """AWS said no, or the operation ended in a failed state."""

    exit_code = EXIT_AWS
    code = "OperationFailed"


class Incomplete(OpsError):
    """We stopped waiting; the operation in AWS goes on. The message says how to check and resume."""

    exit_code = EXIT_INCOMPLETE
    code = "StoppedWaiting"


# Everything botocore can raise at a user: service errors, and client-side errors such as
# NoCredentialsError, NoRegionError, EndpointConnectionError, ParamValidationError, WaiterError.
# ResponseParserError is not a BotoCoreError; it is what an endpoint that does not implement a
# call (moto's NotImplemented, some proxies) looks like from the client.
AWS_ERRORS: tuple[type[Exception], ...] = (ClientError, BotoCoreError, ResponseParserError)

# Client-side configuration problems: fixed by a flag or the environment, and nothing reached AWS.
CONFIG_ERRORS: tuple[type[Exception], ...] = (
    NoCredentialsError,
    PartialCredentialsError,
    NoRegionError,
    ProfileNotFound,
    ParamValidationError,
)


@dataclass(frozen=True)
class ErrorReport:
    """One error, as a line for stderr and an object for `--json`."""

    code: str
    message: str
    exit_code: int
    operation: str | None = None
    region: str | None = None
    request_id: str | None = None
    plain: bool = False  # our own message: no code in front of it

    def line(self) -> str:
        where = f" in {self.region}" if self.region and self.operation else ""
        detail = []
        if self.operation:
            detail.append(self.operation)
        if self.request_id:
            detail.append(f"request id {self.request_id}")
        suffix = f" ({', '.join(detail)})" if detail else ""
        return self.message if self.plain else f"{self.code}{where}{suffix}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "operation": self.operation,
                "region": self.region,
                "requestId": self.request_id,
                "exitCode": self.exit_code,
            }
        }


def report(exc: BaseException, region: str | None = None) -> ErrorReport:
    """What the user sees for ``exc``: code, one-line message, and where AWS said it."""
    if isinstance(exc, OpsError):
        # Ours, and the resume commands at their end must survive whole: no length limit.
        return ErrorReport(exc.code, _first_line(str(exc), limit=0), exc.exit_code, plain=True)
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        meta = exc.response.get("ResponseMetadata", {})
        code = error.get("Code") or "ClientError"
        message = _first_line(error.get("Message") or str(exc))
        return ErrorReport(code, message, EXIT_AWS, exc.operation_name or None, region, meta.get("RequestId") or None)
    exit_code = EXIT_USAGE if isinstance(exc, CONFIG_ERRORS) else EXIT_AWS
    if isinstance(exc, ParamValidationError):
        # Its first line is only a heading; the report lines after it say what is wrong.
        return ErrorReport("ParamValidationError", _first_line(" ".join(str(exc).split())), exit_code)
    message = _first_line(str(exc))
    if isinstance(exc, ResponseParserError):
        message += " (the endpoint may not implement this call)"
    return ErrorReport(type(exc).__name__, message, exit_code)


def one_line(exc: BaseException) -> str:
    """``Code: message`` on a single line, for any error in AWS_ERRORS or OpsError."""
    if isinstance(exc, OpsError):
        return _first_line(str(exc), limit=0)
    found = report(exc)
    return f"{found.code}: {found.message}"


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if not limit or len(line) <= limit else line[: limit - 3] + "..."
