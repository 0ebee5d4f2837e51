"""A PostgreSQL server from the machine's own binaries, set up the way Aurora enforces connections.

`rds.force_ssl=1` makes Aurora refuse any connection that is not TLS; here `pg_hba.conf` has `hostssl` lines only
(no `host`, no `local`), so a plaintext TCP connection and a Unix-socket connection are both refused, and every
password is checked with scram-sha-256. Used by `make db` (db/local.py) and by the tests (tests/db/conftest.py).

PostgreSQL refuses to run as root. When this runs as root (CI, containers) the server runs as an unprivileged user
(`postgres` if the machine has one, else `nobody`, or `run_as`) through `runuser`, and the files it needs are handed
to that user.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from db import tls
from db.errors import DbError

SUPERUSER = "postgres"

# The one source of the TLS-only set-up: `make db` and the tests (this module) and compose.yaml (db/compose.py).
AUTH_METHOD = "scram-sha-256"
LOCAL_NETWORKS = ("127.0.0.1/32", "::1/128")


def hba(networks: tuple[str, ...] | list[str]) -> str:
    """pg_hba.conf with `hostssl` lines only for `networks`, every role by scram-sha-256."""
    lines = [
        "# TLS only, as rds.force_ssl=1 enforces on Aurora: no `host` lines (plaintext TCP is refused) and no `local` "
        "lines",
        f"# (the Unix socket is refused too). Every role authenticates with {AUTH_METHOD}.",
    ]
    width = max(len(network) for network in networks)
    lines += [f"hostssl all all {network:<{width}} {AUTH_METHOD}" for network in networks]
    return "\n".join(lines) + "\n"


HBA = hba(LOCAL_NETWORKS)


def tls_settings(cert_file: str, key_file: str) -> dict[str, str]:
    """postgresql.conf settings (values as the file writes them) that make the server TLS-only like Aurora's."""
    return {
        "ssl": "on",
        "ssl_cert_file": f"'{cert_file}'",
        "ssl_key_file": f"'{key_file}'",
        "ssl_min_protocol_version": "'TLSv1.2'",
        "password_encryption": f"'{AUTH_METHOD}'",
    }


def find_binary(name: str) -> str:
    """initdb/pg_ctl from PATH, else from the newest Debian/Ubuntu versioned directory."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if candidates:
        return str(candidates[-1])
    raise DbError(f"{name} not found on PATH or under /usr/lib/postgresql/*/bin: install the PostgreSQL server "
                  "package (Debian: apt-get install postgresql)")


def server_major_version() -> int:
    out = subprocess.run([find_binary("postgres"), "--version"], check=True, capture_output=True, text=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    if not match:
        raise DbError(f"cannot read the server version from `postgres --version`: {out.strip()!r}")
    return int(match.group(1))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def default_run_as() -> str | None:
    """None when not root; else the unprivileged user the server runs as."""
    if os.geteuid() != 0:
        return None
    override = os.environ.get("DB_RUN_AS")
    if override:
        return override
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise DbError("running as root and neither a `postgres` nor a `nobody` user exists: set DB_RUN_AS to an "
                  "unprivileged user for the server")


@dataclass
class LocalServer:
    """One server: `base/data` (cluster), `base/tls` (CA + server certificate), `base/server.log`."""

    base: Path
    port: int
    run_as: str | None = None
    # Tests trade durability for speed; a developer's `make db` keeps fsync on.
    durable: bool = True

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def tls_dir(self) -> Path:
        return self.base / "tls"

    @property
    def ca_cert(self) -> Path:
        return self.tls_dir / "ca.crt"

    @property
    def log_file(self) -> Path:
        return self.base / "server.log"

    def initialized(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def _run(self, argv: list[str]) -> subprocess.CompletedProcess[str]:
        program = Path(argv[0]).name
        if self.run_as:
            argv = ["runuser", "-u", self.run_as, "--", *argv]
        result = subprocess.run(argv, capture_output=True, text=True, cwd="/", check=False)
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            last = detail[-1] if detail else "no output"
            raise DbError(f"{program} failed (exit {result.returncode}): {last}; see {self.log_file}")
        return result

    def _hand_over(self, *paths: Path) -> None:
        """Give the files the server reads to the unprivileged user (no-op when not root)."""
        if not self.run_as:
            return
        user = pwd.getpwnam(self.run_as)
        for path in paths:
            os.chown(path, user.pw_uid, user.pw_gid)

    def init(self, superuser_password: str) -> None:
        """initdb with scram-sha-256 for every connection and the TLS-only configuration."""
        self.base.mkdir(parents=True, exist_ok=True)
        # The server user must traverse the base directory (a mkdtemp directory is 0700 and owned by root).
        os.chmod(self.base, 0o755)
        files = tls.generate(self.tls_dir)
        os.chmod(self.tls_dir, 0o755)
        self._hand_over(self.base, files.server_key, files.server_cert)
        pwfile = self.base / "initdb.pw"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(superuser_password + "\n")
        self._hand_over(pwfile)
        try:
            argv = [find_binary("initdb"), "-D", str(self.data), "-U", SUPERUSER, "--pwfile", str(pwfile),
                    "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8"]
            self._run(argv if self.durable else [*argv, "--no-sync"])
        finally:
            pwfile.unlink(missing_ok=True)
        settings = {
            "listen_addresses": "'localhost'",
            "port": str(self.port),
            # The socket lives in the data directory (no /var/run needed); pg_hba has no `local` line, so it
            # refuses connections anyway.
            "unix_socket_directories": f"'{self.data}'",
            **tls_settings(str(files.server_cert), str(files.server_key)),
            "log_connections": "on",
            "max_connections": "50",
        }
        if not self.durable:
            settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# aurora-platform: TLS-only like rds.force_ssl=1 (db/server.py)\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        (self.data / "pg_hba.conf").write_text(HBA, encoding="utf-8")
        self._hand_over(self.data / "postgresql.conf", self.data / "pg_hba.conf")

    def start(self) -> None:
        if not self.log_file.exists():
            self.log_file.touch()
            self._hand_over(self.log_file)
        self._run([find_binary("pg_ctl"), "-D", str(self.data), "-l", str(self.log_file), "-w", "-t", "60",
                   "start"])

    def running(self) -> bool:
        if not self.initialized():
            return False
        argv = [find_binary("pg_ctl"), "-D", str(self.data), "status"]
        if self.run_as:
            argv = ["runuser", "-u", self.run_as, "--", *argv]
        return subprocess.run(argv, capture_output=True, cwd="/", check=False).returncode == 0

    def stop(self) -> None:
        if self.running():
            self._run([find_binary("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop"])


def new_password() -> str:
    # URL-safe alphabet: no ':' or '\\', so it needs no escaping in a pgpass file or a conninfo string.
    return secrets.token_urlsafe(24)
