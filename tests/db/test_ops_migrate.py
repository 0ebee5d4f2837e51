"""`python -m ops migrate` against the session's real server, the way an administrator runs it through the
bastion's port-forwarding session: --host is the name on the certificate, --local-port the tunnel on 127.0.0.1."""

from __future__ import annotations

import io
import json

import pytest

from ops.cli import main
from ops.commands import migrate as command
from ops.context import Context

from .migration_dirs import use_dirs


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(argv, stdin=None):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, Context(stdin=stdin, stdout=out, stderr=err, make_client=_no_aws))
    return code, out.getvalue(), err.getvalue()


def _no_aws(service, region):  # these tests never reach AWS
    raise AssertionError(f"unexpected AWS client {service}")


@pytest.fixture
def args(cluster, monkeypatch):
    # The master password as an administrator hands it over: in the environment, never on the command line.
    monkeypatch.setenv("PGPASSWORD", cluster.superuser_password)
    monkeypatch.delenv("PGPASSFILE", raising=False)

    def build(db, *extra):
        return ["migrate", "--stack", "dev", *extra, "--host", "localhost", "--local-port", str(cluster.server.port),
                "--dbname", db, "--user", "postgres", "--sslrootcert", str(cluster.server.ca_cert)]
    return build


def test_plan_apply_status(cluster, empty_db, args):
    code, out, _ = _run(args(empty_db, "plan"))
    assert code == 0
    assert out.splitlines() == ["-- 0001.blog-schema (migration, 0001.blog-schema.sql)",
                                "-- 0002.role-grants (migration, 0002.role-grants.sql)"]
    code, out, err = _run(args(empty_db, "apply", "--json"))
    assert code == 0, err
    assert json.loads(out)["applied"] == ["0001.blog-schema", "0002.role-grants"]
    assert "applied 0001.blog-schema (migration) in" in err
    code, out, _ = _run(args(empty_db, "apply"))
    assert (code, out) == (0, "nothing to apply\n")
    code, out, _ = _run(args(empty_db, "status", "--json"))
    assert code == 0
    status = json.loads(out)
    assert [(a["id"], a["state"]) for a in status["applied"]] == [("0001.blog-schema", "ok"),
                                                                   ("0002.role-grants", "ok")]
    assert status["pending"] == []


def test_the_json_plan_names_each_pending_migration_its_kind_and_whether_it_destroys(cluster, empty_db, args):
    """What a pipeline reads before it applies: every pending file, a migration (never a seed), none destructive."""
    code, out, err = _run(args(empty_db, "plan", "--json"))
    assert code == 0, err
    assert json.loads(out)["pending"] == [
        {"id": "0001.blog-schema", "kind": "migration", "destructive": None},
        {"id": "0002.role-grants", "kind": "migration", "destructive": None}]


def test_dry_run_prints_sql_and_applies_nothing(cluster, empty_db, args):
    code, out, _ = _run(args(empty_db, "apply", "--dry-run"))
    assert code == 0
    assert "CREATE TABLE blog.posts (" in out
    assert "GRANT SELECT ON ALL TABLES IN SCHEMA blog TO blog_readonly;" in out
    with cluster.admin(empty_db) as conn:
        assert conn.execute("SELECT to_regnamespace('blog')").fetchone() == (None,)


def test_password_is_never_a_flag(args, capsys):
    code, _, _ = _run([*args("postgres", "plan"), "--password", "x"])
    assert code == 2
    assert "unrecognized arguments: --password" in capsys.readouterr().err  # argparse writes to sys.stderr


def test_mysql_stack_is_refused(tmp_path, monkeypatch):
    (tmp_path / "Pulumi.legacy.yaml").write_text(
        "config:\n  aurora-platform:database:\n    engine: aurora-mysql\n")
    monkeypatch.setattr(command, "STACKS_DIR", tmp_path)
    code, out, err = _run(["migrate", "--stack", "legacy", "--host", "db.example.com", "--sslrootcert", "x"])
    assert code == 2
    assert out == ""
    assert err == ("ops: error: --stack legacy: the engine is aurora-mysql; the blog's migrations are PostgreSQL only "
                   "(aurora-postgresql stacks)\n")


def test_seed_refused_on_production_before_connecting():
    code, _, err = _run(["migrate", "--stack", "prod", "apply", "--seed", "--host", "db.example.com",
                         "--sslrootcert", "/nonexistent"])
    assert code == 2
    assert err == "ops: error: --seed: stack prod is production; seed data is for development only\n"


def test_unreachable_database_is_one_line_with_host_port_and_sslmode(cluster, args):
    from db.server import free_port

    argv = args("postgres", "status")
    argv[argv.index("--local-port") + 1] = str(free_port())
    code, out, err = _run(argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("ops: error: cannot connect to localhost:")
    assert "via 127.0.0.1" in err
    assert "sslmode=verify-full" in err


def test_wrong_password_says_so(cluster, empty_db, args, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "wrong-password-value")
    code, _, err = _run(args(empty_db, "status"))
    assert code == 2
    assert err.startswith("ops: error: wrong password for user postgres at localhost:")
    assert "wrong-password-value" not in err


def test_no_ca_bundle_is_refused(args, monkeypatch):
    monkeypatch.delenv("PGSSLROOTCERT", raising=False)
    argv = args("postgres", "plan")
    index = argv.index("--sslrootcert")
    del argv[index:index + 2]
    code, _, err = _run(argv)
    assert code == 2
    assert "pass --sslrootcert FILE" in err


def test_destructive_migration_needs_yes_without_a_terminal(cluster, blog_db, args, tmp_path, monkeypatch):
    import shutil

    from db import migrate

    migrations = tmp_path / "m"
    shutil.copytree(migrate.MIGRATIONS_DIR, migrations)
    (migrations / "0003.drop-bio.sql").write_text("-- destructive: bio moves elsewhere\n"
                                                 "ALTER TABLE blog.users DROP COLUMN bio;\n")
    # The command always runs the packaged migrations; point the runner's default directory at the copy.
    use_dirs(monkeypatch, migrate.apply, migrate.plan, migrations_dir=migrations)
    code, out, _ = _run(args(blog_db, "plan"))
    assert "-- 0003.drop-bio (migration, 0003.drop-bio.sql)  DESTRUCTIVE: bio moves elsewhere" in out
    code, _, err = _run(args(blog_db, "apply"), stdin=io.StringIO(""))
    assert code == 2
    assert "confirmation needed but stdin is not a terminal; pass --yes" in err
    code, _, err = _run(args(blog_db, "apply"), stdin=_Tty("n\n"))
    assert code == 2
    assert "aborted at the confirmation prompt" in err
    code, out, err = _run(args(blog_db, "apply", "--yes"))
    assert (code, out) == (0, "applied 0003.drop-bio\n"), err


def test_apply_sets_the_app_roles_password_from_the_stacks_ssm_secure_string(cluster, empty_db, args, tmp_path,
                                                                                monkeypatch):
    # The stack keeps blog_app's password in a SecureString named by the appPasswordParameterName output, in the
    # region of the region output; the command must decrypt it there and set it on the role.
    import boto3
    from moto import mock_aws

    from db.connect import connect
    from db.errors import DbError
    from ops.aws import boto3_client

    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):  # another region than the stack's
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    new_password = "Q7v-rotated-app-password-2x9"
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"region": "eu-west-1", "appPasswordParameterName": "/blog/dev/app-password"}))
    with mock_aws():
        boto3.client("ssm", region_name="eu-west-1").put_parameter(
            Name="/blog/dev/app-password", Value=new_password, Type="SecureString")
        out, err = io.StringIO(), io.StringIO()
        code = main(args(empty_db, "apply", "--outputs", str(outputs)),
                    Context(stdin=None, stdout=out, stderr=err, make_client=boto3_client))
    try:
        assert code == 0, err.getvalue()
        assert new_password not in out.getvalue() + err.getvalue()
        with connect(cluster.endpoint(empty_db, "blog_app"), new_password, autocommit=True) as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("blog_app",)
        with pytest.raises(DbError, match="wrong password"):
            connect(cluster.endpoint(empty_db, "blog_app"), cluster.app_password)
    finally:
        # The role belongs to the session's server: give the other tests their password back.
        with cluster.admin() as conn:
            conn.execute(f"ALTER ROLE blog_app PASSWORD '{cluster.app_password}'")


def test_an_empty_app_password_parameter_is_refused_before_connecting(tmp_path, monkeypatch):
    # moto refuses to store an empty value, so botocore's Stubber plays SSM here.
    import boto3
    from botocore.stub import Stubber

    ssm = boto3.client("ssm", region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    stubber = Stubber(ssm)
    stubber.add_response("get_parameter", {"Parameter": {"Name": "/blog/dev/app-password", "Value": ""}},
                         {"Name": "/blog/dev/app-password", "WithDecryption": True})
    ca = tmp_path / "ca.pem"
    ca.write_text("not read: the command stops before it connects\n")
    monkeypatch.setenv("PGPASSWORD", "unused")
    clients = []

    def make_client(service, region, options=None):
        clients.append((service, region))
        return ssm

    out, err = io.StringIO(), io.StringIO()
    with stubber:
        code = main(["migrate", "--stack", "dev", "apply", "--host", "localhost", "--local-port", "9",
                     "--sslrootcert", str(ca), "--app-password-parameter", "/blog/dev/app-password",
                     "--region", "eu-west-1"],
                    Context(stdin=None, stdout=out, stderr=err, make_client=make_client))
    assert (code, out.getvalue()) == (2, "")
    assert err.getvalue() == "ops: error: SSM parameter /blog/dev/app-password is empty\n"
    assert clients == [("ssm", "eu-west-1")]


def test_status_of_an_edited_migration_is_a_finding_named_in_the_json(cluster, empty_db, args, tmp_path, monkeypatch):
    import shutil
    from datetime import datetime

    from db import migrate

    code, _, err = _run(args(empty_db, "apply"))
    assert code == 0, err
    migrations = tmp_path / "m"
    shutil.copytree(migrate.MIGRATIONS_DIR, migrations)
    grants = migrations / "0002.role-grants.sql"
    grants.write_text(grants.read_text() + "\n-- edited after it was applied\n")
    use_dirs(monkeypatch, migrate.status, migrations_dir=migrations)
    code, out, _ = _run(args(empty_db, "status", "--json"))
    assert code == 1
    status = json.loads(out)
    assert set(status) == {"stack", "applied", "pending"}
    assert status["stack"] == "dev"
    assert [(a["id"], a["state"]) for a in status["applied"]] == [("0001.blog-schema", "ok"),
                                                                   ("0002.role-grants", "edited")]
    assert all(set(a) == {"id", "state", "appliedAt"} for a in status["applied"])
    datetime.fromisoformat(status["applied"][1]["appliedAt"])  # a timestamp, not a missing value


def test_status_in_text_lists_each_applied_migration_then_each_pending_one(cluster, empty_db, args, tmp_path,
                                                                            monkeypatch):
    from db import migrate

    code, out, _ = _run(args(empty_db, "status"))
    assert (code, out) == (0, "0001.blog-schema  pending\n0002.role-grants  pending\n")
    code, _, err = _run(args(empty_db, "apply"))
    assert code == 0, err
    code, out, _ = _run(args(empty_db, "status"))
    assert code == 0
    assert [line.split("  ")[:2] for line in out.splitlines()] == [["0001.blog-schema", "ok"],
                                                                   ["0002.role-grants", "ok"]]
    none = tmp_path / "none"
    none.mkdir()
    use_dirs(monkeypatch, migrate.status, migrations_dir=none, seed_dir=none)
    code, out, _ = _run(args("postgres", "status"))
    assert (code, out) == (0, "no migrations\n")


def test_plan_and_apply_with_seed_take_the_development_seed_after_the_migrations(cluster, empty_db, args):
    """--seed (a development stack): the plan lists the seed after the migrations, and apply applies it, each
    applied file on its own line."""
    code, out, err = _run(args(empty_db, "plan", "--seed", "--json"))
    assert code == 0, err
    assert [(p["id"], p["kind"]) for p in json.loads(out)["pending"]] == [
        ("0001.blog-schema", "migration"), ("0002.role-grants", "migration"), ("9001.dev-seed", "seed")]
    code, out, err = _run(args(empty_db, "apply", "--seed"))
    assert (code, out) == (0, "applied 0001.blog-schema\napplied 0002.role-grants\napplied 9001.dev-seed\n"), err
    with cluster.admin(empty_db) as conn:
        assert conn.execute("SELECT count(*) > 0 FROM blog.users").fetchone() == (True,)


def test_the_json_of_apply_names_the_stack_what_was_applied_the_roles_and_the_seconds(cluster, empty_db, args,
                                                                                       monkeypatch):
    """The keys a pipeline reads after apply; `seconds` is the run's duration to the hundredth (the clock here is
    one that says 1.23456 s passed)."""
    import time
    from types import SimpleNamespace

    from db import migrate

    readings = iter([100.0])
    clock = SimpleNamespace(perf_counter=lambda: next(readings, 101.23456), monotonic=time.monotonic,
                            sleep=time.sleep)
    monkeypatch.setattr(migrate, "time", clock)
    code, out, err = _run(args(empty_db, "apply", "--json"))
    assert code == 0, err
    assert json.loads(out) == {"stack": "dev", "applied": ["0001.blog-schema", "0002.role-grants"], "roles": [],
                               "seconds": 1.23}


def test_apply_gives_up_after_lock_timeout_while_another_run_holds_the_lock(cluster, empty_db, args):
    """--lock-timeout 0 with the migration lock held by another session: one line, nothing applied, at once (the
    other session lets go after a few seconds, so waiting instead would apply and be seen)."""
    import threading

    from db import migrate

    with cluster.admin(empty_db) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [migrate.LOCK_KEY])
        release = threading.Timer(5, lambda: holder.execute("SELECT pg_advisory_unlock(%s)", [migrate.LOCK_KEY]))
        release.start()
        try:
            code, out, err = _run(args(empty_db, "apply", "--lock-timeout", "0"))
        finally:
            release.cancel()  # given up at once: closing `holder` lets go of the lock
            release.join()
    assert (code, out) == (2, "")
    assert err.splitlines()[-1].startswith(
        "ops: error: another migration run held the migration lock for more than 0 s on localhost:")
    assert err.splitlines()[-1].endswith("; nothing was applied")
    with cluster.admin(empty_db) as conn:
        assert conn.execute("SELECT to_regnamespace('blog')").fetchone() == (None,)


def test_plan_names_the_stack_and_says_nothing_to_apply_once_applied(cluster, empty_db, args):
    code, out, err = _run(args(empty_db, "plan", "--json"))
    assert (code, json.loads(out)["stack"]) == (0, "dev"), err
    code, _, err = _run(args(empty_db, "apply"))
    assert code == 0, err
    assert _run(args(empty_db, "plan")) == (0, "nothing to apply\n", "")
    code, out, err = _run(args(empty_db, "plan", "--json"))
    assert (code, json.loads(out)) == (0, {"stack": "dev", "pending": []}), err


def test_dry_run_prints_each_statement_as_the_file_has_it_and_lists_them_in_json(cluster, empty_db, args, tmp_path,
                                                                                  monkeypatch):
    """The SQL a reviewer reads before apply: each statement as written (its indentation kept), a blank line
    between two; with --json each pending file carries its statements under `sql`."""
    from db import migrate

    migrations = tmp_path / "m"
    migrations.mkdir()
    (migrations / "0001.two-tables.sql").write_text(
        "-- two tables\n  CREATE TABLE public.t1 (id int);\nCREATE TABLE public.t2 (id int);\n")
    use_dirs(monkeypatch, migrate.plan, migrations_dir=migrations)
    code, out, err = _run(args(empty_db, "apply", "--dry-run"))
    assert (code, out) == (0, "-- 0001.two-tables (migration, 0001.two-tables.sql)\n"
                              "  CREATE TABLE public.t1 (id int);\n\n"
                              "CREATE TABLE public.t2 (id int);\n"), err
    code, out, err = _run(args(empty_db, "apply", "--dry-run", "--json"))
    assert code == 0, err
    assert json.loads(out)["pending"] == [{"id": "0001.two-tables", "kind": "migration", "destructive": None,
                                           "sql": ["  CREATE TABLE public.t1 (id int);",
                                                   "CREATE TABLE public.t2 (id int);"]}]


def test_the_confirmation_names_each_destructive_migration_and_its_reason(cluster, blog_db, args, tmp_path,
                                                                          monkeypatch):
    """What the operator is asked before anything destroys data: the stack, every destructive file with the reason
    its `-- destructive:` line gives. Declined: nothing applied."""
    import shutil

    from db import migrate

    migrations = tmp_path / "m"
    shutil.copytree(migrate.MIGRATIONS_DIR, migrations)
    (migrations / "0003.drop-bio.sql").write_text("-- destructive: bio moves elsewhere\n"
                                                 "ALTER TABLE blog.users DROP COLUMN bio;\n")
    (migrations / "0004.empty-posts.sql").write_text("-- destructive: the posts are re-imported\n"
                                                    "TRUNCATE blog.posts CASCADE;\n")
    use_dirs(monkeypatch, migrate.apply, migrate.plan, migrations_dir=migrations)
    code, out, err = _run(args(blog_db, "apply"), stdin=_Tty("n\n"))
    assert (code, out) == (2, "")
    assert ("migrate dev: destructive migration(s) - 0003.drop-bio: bio moves elsewhere; 0004.empty-posts: the posts "
            "are re-imported\nProceed? [y/N] ") in err
    with cluster.admin(blog_db) as conn:
        assert conn.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'blog' "
                            "AND table_name = 'users' AND column_name = 'bio'").fetchone() == (1,)
