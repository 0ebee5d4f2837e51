"""Connections that always verify the server: `sslmode=verify-full` against a named CA bundle.

The password is passed to libpq as a keyword argument (or read by libpq from PGPASSFILE/PGPASSWORD), never in a
connection URI or a command line, so it cannot end up in `ps`, a shell history or an error message.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from db.errors import DbError

# What Aurora enforces and what every connection of this project asks for. Weaker modes are refused here rather
# than passed on: `require` encrypts but accepts any certificate (a man in the middle), `prefer` falls back to
# plaintext.
SSLMODE = "verify-full"


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    dbname: str
    user: str
    sslrootcert: Path
    # The address to dial when it differs from the name the certificate is checked against: a port-forwarding
    # session listens on 127.0.0.1 while the certificate names the cluster endpoint.
    hostaddr: str | None = None
    sslmode: str = SSLMODE
    connect_timeout: int = 10

    def describe(self) -> str:
        via = f" via {self.hostaddr}" if self.hostaddr else ""
        return f"{self.host}:{self.port}{via} (database {self.dbname}, user {self.user}, sslmode={self.sslmode})"

    def with_(self, **changes: Any) -> Endpoint:
        return replace(self, **changes)

    def kwargs(self) -> dict[str, Any]:
        if self.sslmode != SSLMODE:
            raise DbError(f"sslmode {self.sslmode!r} is not allowed: every connection uses sslmode={SSLMODE}")
        if not Path(self.sslrootcert).is_file():
            raise DbError(f"sslrootcert {str(self.sslrootcert)!r} is not a file: give the CA bundle the server's "
                          "certificate chains to (the RDS CA bundle for Aurora)")
        args: dict[str, Any] = {
            "host": self.host, "port": self.port, "dbname": self.dbname, "user": self.user,
            "sslmode": self.sslmode, "sslrootcert": str(self.sslrootcert), "connect_timeout": self.connect_timeout,
            "application_name": "aurora-platform-db",
        }
        if self.hostaddr:
            args["hostaddr"] = self.hostaddr
        return args


def connect(endpoint: Endpoint, password: str | None, *, autocommit: bool = False, **extra: Any):
    """A psycopg connection, or DbError in one line naming host, port and sslmode (never the password)."""
    import psycopg

    kwargs = endpoint.kwargs() | extra
    if password is not None:
        kwargs["password"] = password
    try:
        return psycopg.connect(autocommit=autocommit, **kwargs)
    except psycopg.OperationalError as exc:
        raise DbError(explain_connect_error(endpoint, exc)) from None


def explain_connect_error(endpoint: Endpoint, exc: Exception) -> str:
    text = " ".join(str(exc).split())
    where = endpoint.describe()
    lowered = text.lower()
    if "password authentication failed" in lowered:
        return f"wrong password for user {endpoint.user} at {where}"
    if "no password supplied" in lowered:
        return f"no password for user {endpoint.user} at {where}: set PGPASSFILE or PGPASSWORD"
    if "certificate" in lowered or "ssl" in lowered:
        return f"TLS verification failed for {where}: {_tail(text)}"
    if "no pg_hba.conf entry" in lowered:
        return f"the server refused the connection at {where}: {_tail(text)}"
    return f"cannot connect to {where}: {_tail(text)}"


def _tail(text: str, limit: int = 240) -> str:
    # libpq prefixes every attempt with `connection to server at "host" (addr), port N failed:`; the endpoint is
    # already named, so keep what follows the last such prefix.
    marker = "failed: "
    if marker in text:
        text = text.rsplit(marker, 1)[1]
    return text if len(text) <= limit else text[: limit - 3] + "..."
