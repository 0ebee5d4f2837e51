"""compose.yaml (db/compose.py): `make db` for a developer with Docker. No Docker here, so the file is checked, not
run: it is what the generator makes from db/server.py, it binds to 127.0.0.1 only, it forces TLS exactly as `make db`
does, and the migrations run through the same runner."""

from __future__ import annotations

import io
import re
import stat
from pathlib import Path

import pytest
import yaml

from db import compose, tls
from db import server as pgserver

ROOT = Path(__file__).resolve().parents[2]
TEXT = (ROOT / "compose.yaml").read_text(encoding="utf-8")
DOC = yaml.safe_load(TEXT)
POSTGRES = DOC["services"]["postgres"]
MIGRATE = DOC["services"]["migrate"]


def settings_of(command: list[str]) -> dict[str, str]:
    assert command[0] == "postgres"
    pairs = command[1:]
    assert pairs[::2] == ["-c"] * (len(pairs) // 2) and len(pairs) % 2 == 0
    return dict(item.split("=", 1) for item in pairs[1::2])


def test_the_checked_in_file_is_what_the_generator_makes():
    assert compose.render() == TEXT, "compose.yaml is stale: run `python -m db.compose write`"


def test_the_server_is_the_stacks_major_version():
    # Both stacks run Aurora PostgreSQL 16.6.
    assert POSTGRES["image"] == "postgres:${POSTGRES_MAJOR:-16}-bookworm"
    assert compose.default_major("dev") == compose.default_major("prod") == 16


def test_every_published_port_is_bound_to_127_0_0_1():
    published = [port for service in DOC["services"].values() for port in service.get("ports", [])]
    assert published == ["127.0.0.1:54329:5432"]
    assert all(str(port).startswith("127.0.0.1:") for port in published)
    assert "network_mode" not in POSTGRES or POSTGRES["network_mode"] != "host"


def test_tls_is_forced_like_make_db():
    settings = settings_of(POSTGRES["command"])
    assert settings == {"ssl": "on", "ssl_cert_file": "/var/lib/postgresql/server.crt",
                        "ssl_key_file": "/var/lib/postgresql/server.key", "ssl_min_protocol_version": "TLSv1.2",
                        "password_encryption": "scram-sha-256", "log_connections": "on"}
    # The same source as `make db` (db/server.py): its values, without postgresql.conf's quotes.
    local = pgserver.tls_settings("/var/lib/postgresql/server.crt", "/var/lib/postgresql/server.key")
    assert {k: v.strip("'") for k, v in local.items()} == {k: settings[k] for k in local}
    assert POSTGRES["environment"]["POSTGRES_INITDB_ARGS"].split()[0] == "--auth=scram-sha-256"


def test_pg_hba_has_hostssl_scram_lines_only():
    hba = DOC["configs"]["tls_only_hba"]["content"]
    rules = [line.split() for line in hba.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert rules == [["hostssl", "all", "all", "0.0.0.0/0", "scram-sha-256"],
                     ["hostssl", "all", "all", "::/0", "scram-sha-256"]]
    assert not re.search(r"^\s*(host|local|hostnossl|hostgssenc)\s", hba, re.M)
    assert not re.search(r"\b(trust|md5|password|ident|peer)\b", "\n".join(" ".join(r) for r in rules))
    # make db's file with other addresses, from the same function.
    local = [line.split() for line in pgserver.HBA.splitlines() if line and not line.startswith("#")]
    assert [rule[:3] + rule[4:] for rule in local] == [rule[:3] + rule[4:] for rule in rules]
    # Installed over the image's own pg_hba.conf (which admits plaintext `host` lines) at the end of the first start.
    assert {"source": "tls_only_hba", "target": "/etc/aurora/pg_hba.conf"} in POSTGRES["configs"]
    assert {"source": "tls_only_init", "target": "/docker-entrypoint-initdb.d/99-tls-only.sh"} in POSTGRES["configs"]
    assert DOC["configs"]["tls_only_init"]["content"] == 'cp /etc/aurora/pg_hba.conf "$$PGDATA/pg_hba.conf"\n'


def test_the_generated_certificate_is_mounted_and_the_key_installed_private():
    assert "./.db/compose/tls:/run/aurora-tls:ro" in POSTGRES["volumes"]
    [shell, flag, script, zero] = POSTGRES["entrypoint"]
    assert (shell, flag, zero) == ("sh", "-c", "--")
    assert "install -o postgres -g postgres -m 0600 /run/aurora-tls/server.key /var/lib/postgresql/server.key" in script
    assert script.endswith('exec docker-entrypoint.sh "$$@"')
    assert tls.SERVER_NAME == "localhost"  # why the migrate service dials localhost in the server's namespace


def test_migrations_and_seed_run_through_the_same_runner_verified():
    assert MIGRATE["build"] == "."
    assert MIGRATE["entrypoint"] == ["python", "-m", "db"]
    assert MIGRATE["command"] == ["apply", "--seed"]
    assert MIGRATE["network_mode"] == "service:postgres"
    assert MIGRATE["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    env = MIGRATE["environment"]
    assert (env["PGHOST"], env["PGPORT"], env["PGSSLMODE"]) == ("localhost", "5432", "verify-full")
    assert env["PGSSLROOTCERT"] == "/run/aurora-tls/ca.crt"
    assert env["AURORA_ENVIRONMENT"] == "development"
    assert MIGRATE["read_only"] is True and MIGRATE["cap_drop"] == ["ALL"]
    assert not MIGRATE["user"].startswith(("0:", "root"))


def test_no_password_value_is_in_the_file():
    for service in DOC["services"].values():
        for name, value in service.get("environment", {}).items():
            if re.search("PASSWORD", name):
                assert name.endswith("_FILE") and value.startswith("/run/secrets/"), name
    assert {s["file"] for s in DOC["secrets"].values()} == {"./.db/compose/secrets/postgres_password",
                                                          "./.db/compose/secrets/blog_app_password"}


def test_every_dollar_is_escaped_or_a_compose_variable():
    # A bare $ is compose's own interpolation: "$@" or "$PGDATA" would be replaced before the container sees them.
    bare = re.findall(r"(?<!\$)\$(?!\$|\{(?:POSTGRES_MAJOR|DB_COMPOSE_UID|DB_COMPOSE_GID):-[0-9]+\})", TEXT.replace(
        "$$", ""))
    assert bare == []


def test_prepare_writes_private_files_once(tmp_path, monkeypatch):
    out, err = io.StringIO(), io.StringIO()
    base = tmp_path / "compose"
    assert compose.prepare(base, "dev", out, err) == 0
    for path in (base / "tls" / "server.key", base / "secrets" / "postgres_password",
                 base / "secrets" / "blog_app_password", base / "pgpass"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    first = (base / "secrets" / "blog_app_password").read_text()
    password = first.strip()
    assert len(password) >= 24 and password not in out.getvalue() + err.getvalue()
    exports = dict(line[len("export "):].split("=", 1) for line in out.getvalue().splitlines())
    assert exports["PGHOST"] == "localhost" and exports["PGPORT"] == "54329" and exports["PGUSER"] == "blog_app"
    assert exports["PGSSLMODE"] == "verify-full"
    assert "POSTGRES_MAJOR" not in exports
    compose.prepare(base, "dev", io.StringIO(), io.StringIO())
    assert (base / "secrets" / "blog_app_password").read_text() == first


def test_an_unknown_stack_is_one_clear_error(tmp_path):
    with pytest.raises(compose.DbError, match="stack nope: no Aurora PostgreSQL engineVersion in Pulumi.nope.yaml"):
        compose.prepare(tmp_path, "nope", io.StringIO(), io.StringIO())
