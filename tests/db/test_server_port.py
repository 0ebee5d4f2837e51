"""A test server whose port was taken between free_port() and its start (an xdist worker, another run on the
machine) starts again on another port; it never shares one, and other start failures are not retried."""

from __future__ import annotations

import shutil
import socket
import tempfile
from pathlib import Path

import pytest

from db import server as pgserver
from tests.postgres_server import _server_available, _start_on_a_free_port

pytestmark = pytest.mark.skipif(not _server_available(), reason="PostgreSQL server binaries not found")


@pytest.fixture
def fresh_server():
    base = Path(tempfile.mkdtemp(prefix="blog-db-port-"))
    server = pgserver.LocalServer(base=base, port=pgserver.free_port(), run_as=pgserver.default_run_as(),
                                  durable=False)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def test_a_taken_port_is_retried_on_another(fresh_server):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        fresh_server.port = taken
        fresh_server.init(pgserver.new_password())
        _start_on_a_free_port(fresh_server)
        assert fresh_server.port != taken
        assert fresh_server.running()
        with socket.create_connection(("127.0.0.1", fresh_server.port), timeout=5):
            pass  # the server listens where the fixture says it does


def test_a_failure_that_is_not_the_port_is_raised_at_once(fresh_server, monkeypatch):
    # Not initialised: pg_ctl fails for another reason; retrying on other ports would only hide it.
    tried = []
    monkeypatch.setattr(pgserver, "free_port", lambda: tried.append(1) or 1)
    (fresh_server.base / "data").mkdir(parents=True)
    with pytest.raises(pgserver.DbError):
        _start_on_a_free_port(fresh_server)
    assert tried == []
