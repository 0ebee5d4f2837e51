"""Errors the CLI turns into one line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError
from botocore.parsers import ResponseParserError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class OpsError(Exception):
    """A problem the user can act on: bad input, a refused operation, a failed wait."""


class Aborted(OpsError):
    """The user said no at the confirmation prompt; nothing was changed."""


# Everything botocore can raise at a user: service errors, and client-side errors such as
# NoCredentialsError, NoRegionError, EndpointConnectionError, ParamValidationError, WaiterError.
# ResponseParserError is not a BotoCoreError; it is what an endpoint that does not implement a
# call (moto's NotImplemented, some proxies) looks like from the client.
AWS_ERRORS: tuple[type[Exception], ...] = (ClientError, BotoCoreError, ResponseParserError)


def one_line(exc: BaseException) -> str:
    """``Code: message`` on a single line, for any error in AWS_ERRORS or OpsError."""
    if isinstance(exc, OpsError):
        return _first_line(str(exc))
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code") or "ClientError"
        message = error.get("Message") or str(exc)
        return f"{code}: {_first_line(message)}"
    if isinstance(exc, ParamValidationError):
        # Its first line is only a heading; the report lines after it say what is wrong.
        return f"ParamValidationError: {_first_line(' '.join(str(exc).split()))}"
    text = f"{type(exc).__name__}: {_first_line(str(exc))}"
    if isinstance(exc, ResponseParserError):
        text += " (the endpoint may not implement this call)"
    return text


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."
