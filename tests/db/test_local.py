"""`make db` (db/local.py): a local server the application reaches with the same PG* variables as in ECS."""

from __future__ import annotations

import io
import json
import os
import shlex
import shutil
import tempfile
from pathlib import Path

import pytest

from db import local
from db import server as pgserver

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (requirements.in pins it)")


def test_pgpass_fields_are_escaped():
    assert local._pgpass_escape("a:b\\c") == "a\\:b\\\\c"


@pytest.mark.parametrize("config, expected", [
    ("config:\n  aurora-platform:database:\n    engineVersion: \"16.6\"\n", (16, "16.6")),
    ("config:\n  aurora-platform:database:\n    engineVersion: \"15.10\"\n", (15, "15.10")),
    ("config:\n  aurora-platform:database:\n    engine: aurora-mysql\n", None),
])
def test_stack_major_version(tmp_path, monkeypatch, config, expected):
    (tmp_path / "Pulumi.x.yaml").write_text(config)
    monkeypatch.setattr(local, "REPO", tmp_path)
    assert local.stack_major_version("x") == expected
    assert local.stack_major_version("missing") is None


def _exported(text: str) -> dict[str, str]:
    values = {}
    for line in text.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        values[name] = shlex.split(value)[0]
    return values


def test_make_db_serves_the_app_with_the_task_environment(cluster, monkeypatch):
    # `cluster` only makes this run where a server can: this test starts its own, as `make db` does.
    base = Path(tempfile.mkdtemp(prefix="blog-local-"))
    port = pgserver.free_port()
    out, err = io.StringIO(), io.StringIO()
    try:
        assert local.start(base, port, "dev", out, err) == 0
        env = _exported(out.getvalue())
        assert env == {
            "PGHOST": "localhost", "PGPORT": str(port), "PGDATABASE": "blog", "PGUSER": "blog_app",
            "PGSSLMODE": "verify-full", "PGSSLROOTCERT": str(base / "tls" / "ca.crt"),
            "PGPASSFILE": str(base / "pgpass")}
        assert oct((base / "pgpass").stat().st_mode & 0o777) == "0o600"
        if pgserver.server_major_version() != 16:
            assert "warning: local PostgreSQL is" in err.getvalue() and "16.6 (major 16)" in err.getvalue()
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("PGPASSWORD", raising=False)
        # The application's own connection: nothing but the environment, as libpq and psycopg read it.
        with psycopg.connect("") as conn:
            assert conn.execute("SELECT current_user, count(*) FROM posts GROUP BY 1").fetchone() == ("blog_app", 3)
            assert conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone() == (True,)
        with pytest.raises(psycopg.OperationalError, match="no encryption"):
            psycopg.connect("", sslmode="disable")
        # A second `make db` re-uses the server and applies nothing.
        again = io.StringIO()
        assert local.start(base, port, "dev", io.StringIO(), again) == 0
        assert "0 migration(s) applied" in again.getvalue()
        # Generated passwords never reach the output.
        secrets = (base / "secrets.json").read_text()
        for password in json.loads(secrets).values():
            assert password not in out.getvalue() + err.getvalue()
    finally:
        server = pgserver.LocalServer(base=base, port=port, run_as=pgserver.default_run_as())
        server.stop()
        assert not server.running()
        shutil.rmtree(base, ignore_errors=True)
    assert os.path.exists(base) is False
