"""migrate: what it reads and refuses before it talks to a database - the stack file (Pulumi.<stack>.yaml), the host,
the CA bundle - and where it dials without a tunnel. None of these needs a server: each stops at a one-line error."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ops.cli import main
from ops.commands import migrate as command
from ops.context import Context

ROOT = Path(__file__).resolve().parents[2]


def _no_aws(service, region, options=None):  # nothing here reaches AWS
    raise AssertionError(f"unexpected AWS client {service}")


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["migrate", *argv], Context(stdin=None, stdout=out, stderr=err, make_client=_no_aws))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def stacks_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(command, "STACKS_DIR", tmp_path)
    return tmp_path


@pytest.fixture
def ca(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("not read: nothing gets as far as TLS here\n")
    return str(bundle)


def test_an_unknown_stack_names_the_stacks_there_are_or_none(stacks_dir):
    assert _run("--stack", "dev", "--host", "h", "--sslrootcert", "x") == (
        2, "", "ops: error: --stack dev: no Pulumi.dev.yaml; stacks: none\n")
    (stacks_dir / "Pulumi.qa.yaml").write_text("config: {}\n")
    (stacks_dir / "Pulumi.prod.yaml").write_text("config: {}\n")
    assert _run("--stack", "dev", "--host", "h", "--sslrootcert", "x")[2] == (
        "ops: error: --stack dev: no Pulumi.dev.yaml; stacks: prod, qa\n")


def test_a_stack_file_that_is_not_yaml_is_one_line_saying_where_it_breaks(stacks_dir):
    (stacks_dir / "Pulumi.broken.yaml").write_text("config:\n  aurora-platform:database: [1, 2\n")
    code, out, err = _run("--stack", "broken", "--host", "h", "--sslrootcert", "x")
    assert (code, out) == (2, "")
    assert err.startswith("ops: error: --stack broken: Pulumi.broken.yaml is not valid YAML (while parsing a flow "
                          "sequence in ")
    assert ", line 2, column 29: " in err  # YAML's own position, its lines joined into one
    assert err.endswith(")\n") and err.count("\n") == 1


def test_a_utf8_stack_file_is_read_as_utf8_whatever_the_locale(stacks_dir, tmp_path):
    """Pulumi writes its stack files in UTF-8; under a locale whose encoding is ASCII (LC_ALL=C without Python's
    UTF-8 mode) the file must still be read, so in a subprocess with that locale the stack's engine is reached."""
    (stacks_dir / "Pulumi.legacy.yaml").write_text(
        "# owner: Zoë Müller\nconfig:\n  aurora-platform:database:\n    engine: aurora-mysql\n", encoding="utf-8")
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    script = ("import sys; from pathlib import Path; from ops.commands import migrate; "
              "migrate.STACKS_DIR = Path(sys.argv[1]); from ops.cli import main; sys.exit(main(sys.argv[2:]))")
    done = subprocess.run([sys.executable, "-c", script, str(stacks_dir), "migrate", "--stack", "legacy",
                           "--host", "h", "--sslrootcert", "x"],
                          cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr.decode("ascii") == (
        "ops: error: --stack legacy: the engine is aurora-mysql; the blog's migrations are PostgreSQL only "
        "(aurora-postgresql stacks)\n")


def test_without_local_port_the_host_is_dialled_by_its_name_at_the_stacks_port(stacks_dir, ca, monkeypatch):
    """No --local-port: no tunnel, so the writer endpoint is dialled by its own name (no `via 127.0.0.1`), at the
    port of the stack's database config. Nothing listens there, so the connection is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (stacks_dir / "Pulumi.qa.yaml").write_text(
        f"config:\n  aurora-platform:database:\n    engine: aurora-postgresql\n    port: {port}\n")
    monkeypatch.setenv("PGPASSWORD", "unused")
    monkeypatch.delenv("PGPASSFILE", raising=False)
    code, out, err = _run("--stack", "qa", "status", "--host", "localhost", "--sslrootcert", ca)
    assert (code, out) == (2, "")
    assert err.startswith(f"ops: error: cannot connect to localhost:{port} (database app, user dbadmin, "
                          "sslmode=verify-full): "), err


def test_no_host_names_both_ways_to_give_it():
    assert _run("--stack", "dev", "--sslrootcert", "x") == (
        2, "", "ops: error: no database host: pass --host (the writer endpoint's name) or --outputs with "
               "writerEndpoint\n")


def test_no_ca_bundle_names_the_flag_the_variable_and_why(monkeypatch):
    monkeypatch.delenv("PGSSLROOTCERT", raising=False)
    assert _run("--stack", "dev", "--host", "db.example.com") == (
        2, "", "ops: error: no CA bundle: pass --sslrootcert FILE (the RDS CA bundle) or set PGSSLROOTCERT; every "
               "connection uses sslmode=verify-full\n")


def test_without_the_database_package_the_error_names_what_is_missing(monkeypatch, ca):
    """An install of ops without the db package (or a broken one): one line naming the module, not a traceback."""
    monkeypatch.setitem(sys.modules, "db", None)
    assert _run("--stack", "dev", "--host", "db.example.com", "--sslrootcert", ca) == (
        2, "", "ops: error: the database tools need db: install requirements.txt\n")
