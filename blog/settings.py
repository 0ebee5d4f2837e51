"""Settings from the environment the ECS task provides, and nothing else: the same code runs against `make db`.

Connection: PGHOST (writer), PGHOST_READER (reader; the writer when absent, as `make db` prints no reader), PGPORT,
PGDATABASE, PGUSER, PGPASSWORD (from the task's `secrets`) or libpq's PGPASSFILE locally, PGSSLMODE, PGSSLROOTCERT.
Pools and the server: BLOG_POOL_MIN_SIZE, BLOG_POOL_MAX_SIZE, BLOG_POOL_MAX_LIFETIME, BLOG_POOL_TIMEOUT, PORT,
BLOG_PUBLIC_ORIGIN, BLOG_SHUTDOWN_TIMEOUT.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# Aurora with rds.force_ssl=1 accepts any TLS client; only verify-full checks that the certificate chains to the
# RDS CA *and* names the host, so a man in the middle with any certificate is refused.
SSLMODE = "verify-full"


class SettingsError(Exception):
    """A setting the application cannot start with; the message names the variable, the value and what is allowed."""


@dataclass(frozen=True)
class Settings:
    writer_host: str
    reader_host: str
    port: int
    dbname: str
    user: str
    sslrootcert: Path
    password: str | None = field(default=None, repr=False)
    pool_min_size: int = 1
    pool_max_size: int = 10
    pool_max_lifetime: float = 900.0
    pool_timeout: float = 5.0
    connect_timeout: int = 5
    http_port: int = 3000
    public_origin: str | None = None
    shutdown_timeout: float = 20.0

    def connection_kwargs(self, host: str, *, writable: bool) -> dict[str, Any]:
        args: dict[str, Any] = {
            "host": host, "port": self.port, "dbname": self.dbname, "user": self.user,
            "sslmode": SSLMODE, "sslrootcert": str(self.sslrootcert), "connect_timeout": self.connect_timeout,
            "application_name": "blog",
            # libpq's default (prefer) would use GSSAPI encryption instead of TLS where a Kerberos credential
            # exists, and then skip the certificate check; Aurora has no GSSAPI, so TLS is the only way in.
            "gssencmode": "disable",
            # libpq refuses a server that is read-only (a demoted writer still behind a stale writer DNS name
            # after an Aurora failover, or default_transaction_read_only) before the pool hands the connection out.
            "target_session_attrs": "read-write" if writable else "any",
        }
        if self.password is not None:
            args["password"] = self.password
        return args


def _text(env: Mapping[str, str], name: str, *, required: bool = True, default: str | None = None) -> str | None:
    value = env.get(name)
    if value is None or value == "":
        if required:
            raise SettingsError(f"{name} is not set: the application takes its database connection from the "
                                "environment (PGHOST, PGPORT, PGDATABASE, PGUSER, PGSSLMODE, PGSSLROOTCERT)")
        return default
    # A value with '=' or spaces would be read by libpq as more connection keywords (e.g. a PGDATABASE of
    # "blog sslmode=disable"), and a URI as a whole connection string: refuse both rather than pass them on.
    if any(ch.isspace() for ch in value) or "=" in value or "://" in value or "'" in value or "\\" in value:
        raise SettingsError(f"{name} is {value!r}: allowed is a plain name without spaces, '=', quotes or a URI")
    return value


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw.strip(), 10)
    except ValueError:
        raise SettingsError(f"{name} is {raw!r}: allowed is a whole number from {low} to {high}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} is {raw!r}: allowed is a whole number from {low} to {high}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} is {raw!r}: allowed is a number of seconds from {low:g} to {high:g}") from None
    if not low <= value <= high:  # also refuses nan and inf
        raise SettingsError(f"{name} is {raw!r}: allowed is a number of seconds from {low:g} to {high:g}")
    return value


def _origin(env: Mapping[str, str]) -> str | None:
    raw = env.get("BLOG_PUBLIC_ORIGIN")
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.path not in ("", "/") or parts.query \
            or parts.fragment or parts.username or parts.password:
        raise SettingsError(f"BLOG_PUBLIC_ORIGIN is {raw!r}: allowed is scheme://host[:port] "
                            "(e.g. https://blog.example.com), no path, query or credentials")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    sslmode = env.get("PGSSLMODE", "")
    # Refused, not overridden: a task configured with a weaker mode is a wiring mistake someone must see.
    if sslmode != SSLMODE:
        raise SettingsError(f"PGSSLMODE is {sslmode!r}: allowed is only {SSLMODE!r} (the server's certificate is "
                            "checked against PGSSLROOTCERT and the host name)")
    root = env.get("PGSSLROOTCERT", "")
    if not root:
        raise SettingsError("PGSSLROOTCERT is not set: allowed is the path of the CA bundle the server's "
                            "certificate chains to (the RDS CA bundle in the image)")
    # libpq's special value `system` trusts every public CA; the platform ships the RDS bundle and names it.
    if not Path(root).is_absolute() or not Path(root).is_file():
        raise SettingsError(f"PGSSLROOTCERT is {root!r}: allowed is the absolute path of an existing CA bundle file")
    writer = _text(env, "PGHOST")
    reader = _text(env, "PGHOST_READER", required=False, default=writer)
    port = _int(env, "PGPORT", 5432, 1, 65535)
    min_size = _int(env, "BLOG_POOL_MIN_SIZE", 1, 0, 100)
    max_size = _int(env, "BLOG_POOL_MAX_SIZE", 10, 1, 100)
    if min_size > max_size:
        raise SettingsError(f"BLOG_POOL_MIN_SIZE is {min_size}, more than BLOG_POOL_MAX_SIZE {max_size}: allowed is "
                            "a minimum no larger than the maximum")
    return Settings(
        writer_host=writer or "", reader_host=reader or "", port=port,
        dbname=_text(env, "PGDATABASE") or "", user=_text(env, "PGUSER") or "",
        sslrootcert=Path(root), password=env.get("PGPASSWORD") or None,
        pool_min_size=min_size, pool_max_size=max_size,
        pool_max_lifetime=_float(env, "BLOG_POOL_MAX_LIFETIME", 900.0, 10.0, 86400.0),
        pool_timeout=_float(env, "BLOG_POOL_TIMEOUT", 5.0, 0.1, 120.0),
        connect_timeout=_int(env, "BLOG_CONNECT_TIMEOUT", 5, 2, 60),
        http_port=_int(env, "PORT", 3000, 1, 65535),
        public_origin=_origin(env),
        shutdown_timeout=_float(env, "BLOG_SHUTDOWN_TIMEOUT", 20.0, 1.0, 110.0),
    )
