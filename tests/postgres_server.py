"""One real PostgreSQL per test session, TLS-only like Aurora, and a fresh database per test from a template.

The fixtures are registered once, in tests/conftest.py, so tests/db and tests/app share the one server (a fixture
imported into two conftest files is two session fixtures, and two servers). Under pytest-xdist (`make test`) every
test that uses the server is scheduled on one worker (tests/conftest.py), which starts the one server;
were several workers to start one each, each would find its own port (_start_on_a_free_port).

The server runs from the machine's binaries in a temporary directory on a free port of 127.0.0.1, with a CA and a
server certificate for `localhost` generated now, `hostssl` + scram-sha-256 only (db/server.py). As root (CI) it
runs as an unprivileged user. Each test gets its own database: an empty one (CREATE DATABASE from template0) or a
copy of `blog_template`, which has every migration and the seed applied once per session; copying a template is
far cheaper than migrating again or starting a server per test.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from db import server as pgserver  # noqa: E402
from db.connect import Endpoint, connect  # noqa: E402
from db.roles import APP, READONLY, RolePasswords  # noqa: E402

TEMPLATE = "blog_template"


def _server_available() -> bool:
    try:
        pgserver.find_binary("initdb")
        pgserver.find_binary("pg_ctl")
        return True
    except Exception:
        return False


@dataclass
class Cluster:
    server: pgserver.LocalServer
    # Out of the repr: a failing test prints its fixtures, and passwords never go into a log.
    superuser_password: str = field(repr=False)
    app_password: str = field(repr=False)
    readonly_password: str = field(repr=False)

    def endpoint(self, dbname: str = "postgres", user: str = pgserver.SUPERUSER) -> Endpoint:
        # Dial 127.0.0.1, verify the certificate against `localhost`: as a port-forwarded Aurora endpoint is used.
        return Endpoint(host="localhost", hostaddr="127.0.0.1", port=self.server.port, dbname=dbname, user=user,
                        sslrootcert=self.server.ca_cert)

    def admin(self, dbname: str = "postgres"):
        return connect(self.endpoint(dbname), self.superuser_password, autocommit=True)

    def as_app(self, dbname: str):
        return connect(self.endpoint(dbname, APP), self.app_password, autocommit=True)

    def as_readonly(self, dbname: str):
        return connect(self.endpoint(dbname, READONLY), self.readonly_password, autocommit=True)

    def roles(self) -> RolePasswords:
        return RolePasswords(app=self.app_password, readonly=self.readonly_password)


@pytest.fixture(scope="session")
def cluster():
    # Skipped (not failed) where the driver is missing: the shared virtualenv gets it with the next lock.
    pytest.importorskip("psycopg", reason="psycopg is not installed (requirements.in pins it)")
    pytest.importorskip("yoyo", reason="yoyo-migrations is not installed (requirements.in pins it)")
    if not _server_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) are missing on CI: .ci/run must install them")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found; install the postgresql package")
    # Not pytest's tmp_path: its parent is 0700 and owned by the test user, which the server's user cannot enter.
    base = Path(tempfile.mkdtemp(prefix="blog-db-"))
    server = pgserver.LocalServer(base=base, port=pgserver.free_port(), run_as=pgserver.default_run_as(),
                                  durable=False)
    running = Cluster(server, pgserver.new_password(), pgserver.new_password(), pgserver.new_password())
    try:
        server.init(running.superuser_password)
        _start_on_a_free_port(server)
        _build_template(running)
        yield running
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def _start_on_a_free_port(server: pgserver.LocalServer, attempts: int = 5) -> None:
    """free_port() only says the port was free a moment ago: another test process (an xdist worker, a colleague's
    run) can bind it before the server does. The server then fails to start, and never shares the port; start it
    again on another port. Any other failure is raised as it is."""
    for attempt in range(1, attempts + 1):
        try:
            server.start()
            return
        except pgserver.DbError:
            log = server.log_file.read_text(errors="replace") if server.log_file.exists() else ""
            if attempt == attempts or "Address already in use" not in log:
                raise
        server.port = pgserver.free_port()
        # The last `port` line of postgresql.conf wins.
        with open(server.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"port = {server.port}\n")


def _build_template(running: Cluster) -> None:
    from db import migrate

    with running.admin() as conn:
        conn.execute(f"CREATE DATABASE {TEMPLATE}")
    migrate.apply(running.endpoint(TEMPLATE), running.superuser_password, roles=running.roles(), seed=True)


_counter = itertools.count()


def _new_database(running: Cluster, template: str) -> str:
    name = f"t{os.getpid()}_{next(_counter)}"
    with running.admin() as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    return name


def _drop(running: Cluster, name: str) -> None:
    with running.admin() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def empty_db(cluster):
    """A database with nothing in it (the roles exist: they belong to the server, not to a database)."""
    name = _new_database(cluster, "template0")
    yield name
    _drop(cluster, name)


@pytest.fixture
def blog_db(cluster):
    """A database with every migration and the seed applied (a copy of the session's template)."""
    name = _new_database(cluster, TEMPLATE)
    # Database-level grants (CREATE/TEMPORARY) are not copied from a template: set them as a real run would.
    from db.roles import ensure_roles

    with cluster.admin(name) as conn:
        ensure_roles(conn, RolePasswords())
    yield name
    _drop(cluster, name)
