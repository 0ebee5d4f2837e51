"""`python -m db` (db/__main__.py), the migration task's entry point, against the session's real TLS-only server with
the environment the task definition sets: PG* variables, the master password from PGPASSWORD, blog_app's from
BLOG_APP_PASSWORD. Exit codes: 0 done, 1 findings, 2 refused (ops migrate --via ecs returns them as its own)."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from db import migrate
from db.__main__ import main

from .migration_dirs import use_dirs

ROOT = Path(__file__).resolve().parents[2]


def task_env(cluster, db: str, **extra: str) -> dict[str, str]:
    return {"PGHOST": "localhost", "PGPORT": str(cluster.server.port), "PGDATABASE": db, "PGUSER": "postgres",
            "PGSSLMODE": "verify-full", "PGSSLROOTCERT": str(cluster.server.ca_cert),
            "PGPASSWORD": cluster.superuser_password, "AURORA_ENVIRONMENT": "development", **extra}


def run(argv, env, monkeypatch) -> tuple[int, str, str]:
    # libpq reads PGPASSWORD from the process environment, as in the container.
    for name in ("PGPASSWORD", "PGPASSFILE", "PGSSLMODE"):
        monkeypatch.delenv(name, raising=False)
    if "PGPASSWORD" in env:
        monkeypatch.setenv("PGPASSWORD", env["PGPASSWORD"])
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, env=env, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_apply_creates_the_roles_sets_blog_apps_password_and_is_then_a_no_op(cluster, empty_db, monkeypatch):
    env = task_env(cluster, empty_db, BLOG_APP_PASSWORD=cluster.app_password)
    code, out, err = run(["plan"], env, monkeypatch)
    assert (code, err) == (0, "")
    assert out.splitlines() == ["-- 0001.blog-schema (migration, 0001.blog-schema.sql)",
                                "-- 0002.role-grants (migration, 0002.role-grants.sql)"]
    code, out, err = run(["apply"], env, monkeypatch)
    assert code == 0, err
    assert "applied 0001.blog-schema (migration) in" in out
    assert "set the password of blog_app" in out
    assert cluster.app_password not in out + err
    with cluster.as_app(empty_db) as conn:  # blog_app logs in with the password the task was given
        assert conn.execute("SELECT count(*) FROM posts").fetchone() == (0,)
    assert run(["apply"], env, monkeypatch)[1].splitlines()[-1] == "nothing to apply"
    code, out, _ = run(["status"], env, monkeypatch)
    assert code == 0
    assert [line.split()[:2] for line in out.splitlines()] == [["0001.blog-schema", "ok"], ["0002.role-grants", "ok"]]


def test_status_exits_one_when_an_applied_migration_was_edited(cluster, empty_db, monkeypatch, tmp_path):
    migrations = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, migrations)
    env = task_env(cluster, empty_db)
    assert run(["apply"], env, monkeypatch)[0] == 0
    edited = migrations / "0002.role-grants.sql"
    edited.write_text(edited.read_text() + "\n-- an edit\n")
    # The image's files are the runner's defaults; here a copy stands in for them.
    use_dirs(monkeypatch, migrate.status, migrations_dir=migrations)
    code, out, _ = run(["status"], env, monkeypatch)
    assert code == 1
    assert "0002.role-grants  edited" in out


def test_a_destructive_migration_needs_yes(cluster, empty_db, monkeypatch, tmp_path):
    migrations = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, migrations)
    (migrations / "0003.drop-comments.sql").write_text(
        "-- destructive: comments are moved to another service\nDROP TABLE blog.comments;\n")
    use_dirs(monkeypatch, migrate.apply, migrations_dir=migrations)
    env = task_env(cluster, empty_db)
    code, _, err = run(["apply"], env, monkeypatch)
    assert code == 2
    assert err == ("error: destructive migration(s) 0003.drop-comments not confirmed; nothing was applied (confirm "
                   "the run, or --yes)\n")
    code, out, err = run(["apply", "--yes"], env, monkeypatch)
    assert code == 0, err
    assert "applied 0003.drop-comments (migration)" in out


def test_seed_is_refused_on_production(cluster, empty_db, monkeypatch):
    env = task_env(cluster, empty_db, AURORA_ENVIRONMENT="production")
    code, out, err = run(["apply", "--seed"], env, monkeypatch)
    assert (code, out) == (2, "")
    assert err == "error: seed data is for development: refusing --seed on a production stack\n"


def test_a_wrong_password_is_one_line_without_it(cluster, empty_db, monkeypatch):
    env = task_env(cluster, empty_db, PGPASSWORD="not-the-password")
    code, _, err = run(["status"], env, monkeypatch)
    assert code == 2
    assert err.startswith("error: wrong password for user postgres at localhost:") and err.count("\n") == 1
    assert "not-the-password" not in err


@pytest.mark.parametrize("change, expected", [
    ({"PGHOST": ""}, "environment variable(s) PGHOST not set"),
    ({"PGPORT": "", "PGSSLROOTCERT": ""}, "environment variable(s) PGPORT, PGSSLROOTCERT not set"),
    ({"PGPORT": "five"}, "PGPORT is 'five'; allowed: a port number 1-65535"),
    ({"PGPORT": "70000"}, "PGPORT is '70000'; allowed: a port number 1-65535"),
    ({"PGSSLMODE": "require"}, "PGSSLMODE is 'require'; allowed: verify-full only"),
    ({"PGSSLMODE": "disable"}, "PGSSLMODE is 'disable'; allowed: verify-full only"),
    ({"PGSSLROOTCERT": "/nonexistent/ca.pem"}, "sslrootcert '/nonexistent/ca.pem' is not a file"),
    ({"BLOG_APP_PASSWORD": "x", "BLOG_APP_PASSWORD_FILE": "/run/secrets/app"}, "both set; allowed: one of them"),
    ({"BLOG_APP_PASSWORD_FILE": "/nonexistent/app"}, "BLOG_APP_PASSWORD_FILE /nonexistent/app: cannot read it"),
])
def test_bad_environment_is_one_line_naming_the_variable(monkeypatch, change, expected):
    env = {"PGHOST": "localhost", "PGPORT": "5432", "PGDATABASE": "blog", "PGUSER": "postgres",
           "PGSSLROOTCERT": str(ROOT / "README.md"), **change}
    code, out, err = run(["apply"], env, monkeypatch)
    assert (code, out) == (2, "")
    assert expected in err and err.count("\n") == 1 and "Traceback" not in err


def test_an_empty_password_file_is_refused(monkeypatch, tmp_path):
    empty = tmp_path / "app"
    empty.write_text("\n")
    env = {"PGHOST": "localhost", "PGPORT": "5432", "PGDATABASE": "blog", "PGUSER": "postgres",
           "PGSSLROOTCERT": str(ROOT / "README.md"), "BLOG_APP_PASSWORD_FILE": str(empty)}
    code, _, err = run(["apply"], env, monkeypatch)
    assert code == 2 and err == f"error: BLOG_APP_PASSWORD_FILE {empty} is empty\n"


def test_runs_as_a_module_the_way_the_task_definition_calls_it():
    # entryPoint ["python", "-m", "db"]: a separate interpreter, as in the container; a usage error exits 2.
    done = subprocess.run([sys.executable, "-m", "db", "migrate-everything"], cwd=ROOT, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 2
    assert "invalid choice: 'migrate-everything'" in done.stderr


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "soon"])
def test_a_lock_timeout_that_is_no_time_is_refused_before_any_connection(value, capsys):
    # The same check as python -m ops migrate --lock-timeout: nan and inf parse as floats, neither is a wait.
    with pytest.raises(SystemExit) as exited:
        main(["apply", "--lock-timeout", value], env={}, out=io.StringIO(), err=io.StringIO())
    assert exited.value.code == 2
    assert "argument --lock-timeout: " in capsys.readouterr().err
