"""The migration runner against a real server: apply, no-op, edited file, lock, rollback, destructive guard."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from db import migrate
from db.errors import DbError, MigrationRefused

pytest.importorskip("yoyo", reason="yoyo-migrations is not installed (requirements.in pins it)")

BLOG_TABLES = {"users", "social_accounts", "posts", "comments"}


def _tables(cluster, db, schema):
    with cluster.admin(db) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema]).fetchall()
    return {r[0] for r in rows}


def _copy_migrations(tmp_path: Path) -> Path:
    target = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, target)
    return target


def test_apply_on_empty_database_then_noop(cluster, empty_db):
    endpoint = cluster.endpoint(empty_db)
    first = migrate.apply(endpoint, cluster.superuser_password, roles=cluster.roles())
    assert first.applied == ["0001.blog-schema", "0002.role-grants"]
    assert _tables(cluster, empty_db, "blog") == BLOG_TABLES
    second = migrate.apply(endpoint, cluster.superuser_password, roles=cluster.roles())
    assert second.applied == []
    applied, pending = migrate.status(endpoint, cluster.superuser_password)
    assert [(i, s) for i, s, _ in applied] == [("0001.blog-schema", "ok"), ("0002.role-grants", "ok")]
    assert pending == []


def test_everything_is_owned_by_the_owner_role(cluster, blog_db):
    with cluster.admin(blog_db) as conn:
        owners = conn.execute(
            "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname IN ('blog', 'ledger')").fetchall()
        schema_owners = conn.execute(
            "SELECT DISTINCT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname IN ('blog', 'ledger')"
        ).fetchall()
    assert owners == [("blog_owner",)]
    assert schema_owners == [("blog_owner",)]


def test_seed_is_recorded_and_not_reapplied(cluster, blog_db):
    endpoint = cluster.endpoint(blog_db)
    again = migrate.apply(endpoint, cluster.superuser_password, seed=True)
    assert again.applied == []
    with cluster.admin(blog_db) as conn:
        counts = conn.execute("SELECT (SELECT count(*) FROM blog.users), (SELECT count(*) FROM blog.posts),"
                              " (SELECT count(*) FROM blog.comments)").fetchone()
    assert counts == (4, 3, 4)


def test_seed_refused_on_production(cluster, empty_db):
    with pytest.raises(MigrationRefused, match="production"):
        migrate.apply(cluster.endpoint(empty_db), cluster.superuser_password, seed=True, production=True)
    with pytest.raises(MigrationRefused, match="production"):
        migrate.plan(cluster.endpoint(empty_db), cluster.superuser_password, seed=True, production=True)
    assert _tables(cluster, empty_db, "blog") == set()


def test_edited_applied_migration_is_refused(cluster, empty_db, tmp_path):
    migrations = _copy_migrations(tmp_path)
    endpoint = cluster.endpoint(empty_db)
    migrate.apply(endpoint, cluster.superuser_password, migrations_dir=migrations, seed_dir=None)
    edited = migrations / "0002.role-grants.sql"
    edited.write_text(edited.read_text() + "\nGRANT TRUNCATE ON ALL TABLES IN SCHEMA blog TO blog_app;\n")
    (migrations / "0003.more.sql").write_text("CREATE TABLE blog.more (id int PRIMARY KEY);\n")
    with pytest.raises(MigrationRefused, match=r"0002\.role-grants\.sql: this migration was edited after it"):
        migrate.apply(endpoint, cluster.superuser_password, migrations_dir=migrations, seed_dir=None)
    # Refused before anything ran: the new migration is not applied either.
    assert "more" not in _tables(cluster, empty_db, "blog")
    with pytest.raises(MigrationRefused, match="edited"):
        migrate.plan(endpoint, cluster.superuser_password, migrations_dir=migrations, seed_dir=None)
    applied, _ = migrate.status(endpoint, cluster.superuser_password, migrations_dir=migrations, seed_dir=None)
    assert ("0002.role-grants", "edited") in [(i, s) for i, s, _ in applied]


def test_line_endings_alone_are_not_an_edit(cluster, empty_db, tmp_path):
    migrations = _copy_migrations(tmp_path)
    endpoint = cluster.endpoint(empty_db)
    migrate.apply(endpoint, cluster.superuser_password, migrations_dir=migrations, seed_dir=None)
    path = migrations / "0002.role-grants.sql"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert migrate.apply(endpoint, cluster.superuser_password, migrations_dir=migrations, seed_dir=None).applied == []


def test_removed_applied_migration_is_refused(cluster, empty_db, tmp_path):
    migrations = _copy_migrations(tmp_path)
    endpoint = cluster.endpoint(empty_db)
    migrate.apply(endpoint, cluster.superuser_password, migrations_dir=migrations, seed_dir=None)
    (migrations / "0002.role-grants.sql").unlink()
    with pytest.raises(MigrationRefused, match="0002.role-grants is applied but its file is gone"):
        migrate.apply(endpoint, cluster.superuser_password, migrations_dir=migrations, seed_dir=None)


def test_failing_migration_rolls_back_completely(cluster, empty_db, tmp_path):
    migrations = _copy_migrations(tmp_path)
    (migrations / "0003.half.sql").write_text(
        "CREATE TABLE blog.half (id int PRIMARY KEY);\n"
        "INSERT INTO blog.half VALUES (1);\n"
        "INSERT INTO blog.half VALUES (1);\n")  # duplicate key: the third statement fails
    endpoint = cluster.endpoint(empty_db)
    with pytest.raises(DbError) as caught:
        migrate.apply(endpoint, cluster.superuser_password, migrations_dir=migrations, seed_dir=None)
    message = str(caught.value)
    assert message.startswith("0003.half.sql:3: duplicate key value violates unique constraint")
    assert "nothing from 0003.half was applied" in message
    assert "applied before it in this run: 0001.blog-schema, 0002.role-grants" in message
    assert "half" not in _tables(cluster, empty_db, "blog")
    applied, pending = migrate.status(endpoint, cluster.superuser_password, migrations_dir=migrations,
                                      seed_dir=None)
    assert [i for i, _, _ in applied] == ["0001.blog-schema", "0002.role-grants"]
    assert [p.id for p in pending] == ["0003.half"]


def test_syntax_error_names_file_and_line_and_applies_nothing(cluster, empty_db, tmp_path):
    migrations = tmp_path / "m"
    migrations.mkdir()
    (migrations / "0001.broken.sql").write_text(
        "-- a header comment\n"
        "CREATE SCHEMA scratch; CREATE TABLE scratch.ok_table (id int);\n"
        "\n"
        "CREATE TABLE scratch.bad (\n"
        "    id int,\n"
        "    name txet NOT NULL,\n"
        "    oops int,,\n"
        ");\n")
    with pytest.raises(DbError) as caught:
        migrate.apply(cluster.endpoint(empty_db), cluster.superuser_password, migrations_dir=migrations,
                      seed_dir=None)
    message = str(caught.value)
    assert message.startswith("0001.broken.sql:7: syntax error at or near \",\"")
    assert "SQLSTATE 42601" in message
    with cluster.admin(empty_db) as conn:
        assert conn.execute("SELECT to_regnamespace('scratch')").fetchone()[0] is None


def test_python_and_rollback_files_are_refused(tmp_path):
    for name in ("0002.code.py", "0001.x.rollback.sql", "post-apply.sql", "1.short.sql", "0001.Upper.sql"):
        directory = tmp_path / name.replace(".", "_")
        directory.mkdir()
        (directory / name).write_text("SELECT 1;\n")
        with pytest.raises(DbError, match="not a migration file name"):
            migrate.load_files(directory, "migration")


@pytest.mark.parametrize("sql", ["COMMIT;", "commit work;", "/* c */ END;", "ROLLBACK;", "BEGIN;",
                                 "START TRANSACTION;", "SAVEPOINT s;", "PREPARE TRANSACTION 'x';"])
def test_transaction_control_in_a_migration_is_refused(tmp_path, sql):
    (tmp_path / "0001.x.sql").write_text(f"CREATE TABLE public.a (id int);\n{sql}\nCREATE TABLE public.b (x int);\n")
    with pytest.raises(DbError, match=r"^0001\.x\.sql:2: [A-Z]+ is not allowed in a migration"):
        migrate.load_files(tmp_path, "migration")


@pytest.mark.parametrize("sql", ["SET ROLE postgres;", "reset role;", "SET LOCAL ROLE postgres;",
                                 "SET SESSION AUTHORIZATION postgres;", "RESET SESSION AUTHORIZATION;",
                                 "SET session_authorization = postgres;", "SET role TO DEFAULT;"])
def test_changing_the_role_in_a_migration_is_refused(tmp_path, sql):
    (tmp_path / "0001.x.sql").write_text(f"CREATE TABLE public.a (id int);\n{sql}\n")
    with pytest.raises(DbError, match=r"^0001\.x\.sql:2: changing the role is not allowed"):
        migrate.load_files(tmp_path, "migration")


def test_a_do_block_with_begin_is_not_transaction_control(tmp_path):
    (tmp_path / "0001.x.sql").write_text("DO $$ BEGIN PERFORM 1; END $$;\n")
    [loaded] = migrate.load_files(tmp_path, "migration")
    assert len(loaded.statements) == 1


def test_non_transactional_migration_is_refused(cluster, empty_db, tmp_path):
    migrations = tmp_path / "m"
    migrations.mkdir()
    (migrations / "0001.concurrent.sql").write_text(
        "-- transactional: false\nCREATE TABLE public.t (id int);\n")
    with pytest.raises(MigrationRefused, match="transactional: false"):
        migrate.apply(cluster.endpoint(empty_db), cluster.superuser_password, migrations_dir=migrations,
                      seed_dir=None)
    assert _tables(cluster, empty_db, "public") == set()


def test_two_concurrent_runs_serialize(cluster, empty_db, tmp_path):
    migrations = _copy_migrations(tmp_path)
    # A slow migration keeps the first runner inside the lock long enough for the second to arrive.
    (migrations / "0003.slow.sql").write_text("SELECT pg_sleep(1.5);\nCREATE TABLE blog.slow (id int);\n")
    endpoint = cluster.endpoint(empty_db)
    results: dict[str, object] = {}
    messages: dict[str, list[str]] = {"a": [], "b": []}

    def run(name: str) -> None:
        try:
            results[name] = migrate.apply(endpoint, cluster.superuser_password, migrations_dir=migrations,
                                          seed_dir=None, say=messages[name].append)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[name] = exc

    first = threading.Thread(target=run, args=("a",))
    first.start()
    time.sleep(0.8)
    second = threading.Thread(target=run, args=("b",))
    second.start()
    first.join(30)
    second.join(30)
    assert results["a"].applied == ["0001.blog-schema", "0002.role-grants", "0003.slow"]
    assert results["b"].applied == []
    assert any("waiting for another migration run" in m for m in messages["b"])


def test_lock_timeout_is_one_clear_error(cluster, empty_db):
    endpoint = cluster.endpoint(empty_db)
    with cluster.admin(empty_db) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [migrate.LOCK_KEY])
        with pytest.raises(DbError, match=r"held the migration lock for more than 1 s .*nothing was applied"):
            migrate.apply(endpoint, cluster.superuser_password, lock_timeout=1)
    assert _tables(cluster, empty_db, "blog") == set()


DESTRUCTIVE = {
    "drop": "DROP TABLE blog.comments;",
    "lower": "drop table blog.comments;",
    "truncate": "TRUNCATE blog.comments;",
    "delete": "DELETE FROM blog.comments WHERE id > 0;",
    "column": "ALTER TABLE blog.posts DROP COLUMN image_url;",
    "do-block": "DO $$ BEGIN EXECUTE 'DROP TABLE blog.comments'; END $$;",
    "tagged-dollar": "DO $x$ BEGIN DELETE FROM blog.comments; END $x$;",
    "function": "CREATE FUNCTION blog.wipe() RETURNS void LANGUAGE sql AS 'TRUNCATE blog.comments';",
    "comment-first": "/* harmless */ TRUNCATE blog.comments;",
}


@pytest.mark.parametrize("sql", DESTRUCTIVE.values(), ids=DESTRUCTIVE.keys())
def test_destructive_migration_without_header_is_refused(cluster, blog_db, tmp_path, sql):
    migrations = _copy_migrations(tmp_path)
    (migrations / "0003.cleanup.sql").write_text("-- cleans up\n" + sql + "\n")
    with pytest.raises(MigrationRefused, match=r"0003\.cleanup\.sql:2: .* can lose data"):
        migrate.apply(cluster.endpoint(blog_db), cluster.superuser_password, migrations_dir=migrations,
                      confirm_destructive=lambda _: True)
    with cluster.admin(blog_db) as conn:
        assert conn.execute("SELECT count(*) FROM blog.comments").fetchone()[0] == 4


def test_destructive_migration_needs_confirmation(cluster, blog_db, tmp_path):
    migrations = _copy_migrations(tmp_path)
    (migrations / "0003.drop-bio.sql").write_text(
        "-- destructive: drops users.bio, replaced by profiles\nALTER TABLE blog.users DROP COLUMN bio;\n")
    endpoint = cluster.endpoint(blog_db)
    with pytest.raises(MigrationRefused, match="not confirmed"):
        migrate.apply(endpoint, cluster.superuser_password, migrations_dir=migrations)
    with pytest.raises(MigrationRefused, match="not confirmed"):
        migrate.apply(endpoint, cluster.superuser_password, migrations_dir=migrations,
                      confirm_destructive=lambda _: False)
    asked = []
    result = migrate.apply(endpoint, cluster.superuser_password, migrations_dir=migrations,
                           confirm_destructive=lambda files: asked.extend(f.id for f in files) or True)
    assert result.applied == ["0003.drop-bio"]
    assert asked == ["0003.drop-bio"]


@pytest.mark.parametrize("sql", [
    "GRANT DELETE ON blog.posts TO blog_readonly;",
    "ALTER TABLE blog.comments ADD CONSTRAINT c FOREIGN KEY (user_id) REFERENCES blog.users ON DELETE CASCADE;",
    "INSERT INTO blog.users (user_type, email, display_name) VALUES ('guest', 'drop@example.com', 'Drop Table');",
])
def test_not_destructive_is_not_flagged(tmp_path, sql):
    (tmp_path / "0001.x.sql").write_text(sql + "\n")
    [loaded] = migrate.load_files(tmp_path, "migration")
    assert loaded.destructive_found == ()


def test_plan_lists_pending_with_sql_and_changes_nothing(cluster, empty_db):
    endpoint = cluster.endpoint(empty_db)
    planned = migrate.plan(endpoint, cluster.superuser_password, seed=True)
    assert [p.id for p in planned.pending] == ["0001.blog-schema", "0002.role-grants", "9001.dev-seed"]
    assert any("CREATE TABLE blog.posts" in s.sql for s in planned.pending[0].statements)
    with cluster.admin(empty_db) as conn:
        schemas = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname IN ('blog', 'ledger')").fetchall()
    assert schemas == []


def test_login_without_createrole_is_one_clear_error(cluster, empty_db):
    import psycopg as pg

    from db.connect import connect
    from db.server import new_password

    password = new_password()
    with cluster.admin(empty_db) as conn:
        conn.execute("DROP ROLE IF EXISTS weak_admin")
        conn.execute(pg.sql.SQL("CREATE ROLE weak_admin LOGIN PASSWORD {}").format(pg.sql.Literal(password)))
    try:
        endpoint = cluster.endpoint(empty_db, "weak_admin")
        with connect(endpoint, password) as conn:
            assert conn.execute("SELECT current_user").fetchone() == ("weak_admin",)
        # One line naming the step, the endpoint and the server's reason; never a traceback.
        with pytest.raises(DbError, match=r"^creating the roles on localhost:\d+ via 127\.0\.0\.1 \(database t.*"
                                          r"user weak_admin, sslmode=verify-full\): .*\(SQLSTATE 42501\)$"):
            migrate.apply(endpoint, password)
    finally:
        with cluster.admin(empty_db) as conn:
            conn.execute("DROP ROLE weak_admin")


def test_simultaneous_first_runs_both_succeed(cluster, empty_db):
    endpoint = cluster.endpoint(empty_db)
    results = []
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        try:
            results.append(migrate.apply(endpoint, cluster.superuser_password).applied)
        except Exception as exc:  # noqa: BLE001 - the assertion shows it
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results, key=len) == [[], ["0001.blog-schema", "0002.role-grants"]]
