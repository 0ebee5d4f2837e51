"""Least privilege, proved by trying: what the application and read-only roles can and cannot do."""

from __future__ import annotations

import pytest

from db import migrate
from db.connect import Endpoint, connect
from db.errors import DbError
from db.roles import APP, OWNER, READONLY, RolePasswords, ensure_roles

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (requirements.in pins it)")

NEW_GUEST = "INSERT INTO users (user_type, email, display_name) VALUES ('guest', 'new@example.com', 'New')"


def test_app_reads_and_writes_the_blog_through_its_search_path(cluster, blog_db):
    with cluster.as_app(blog_db) as conn:
        conn.execute(NEW_GUEST)
        conn.execute("UPDATE posts SET title = 'Renamed' WHERE slug = 'a-draft'")
        conn.execute("DELETE FROM comments WHERE body = 'Least privilege, finally.'")
        assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 5
        assert conn.execute("SELECT count(*) FROM comments").fetchone()[0] == 3


@pytest.mark.parametrize("statement", [
    "CREATE TABLE blog.evil (id int)",
    "CREATE TABLE public.evil (id int)",
    "CREATE TEMPORARY TABLE evil (id int)",
    "CREATE SCHEMA evil",
    "DROP TABLE blog.comments",
    "ALTER TABLE blog.posts ADD COLUMN evil int",
    "ALTER TABLE blog.posts DISABLE TRIGGER posts_touch_updated_at",
    "TRUNCATE blog.comments",
    "CREATE INDEX evil ON blog.posts (title)",
    "CREATE FUNCTION blog.evil() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "SELECT * FROM ledger._yoyo_migration",
    "SELECT * FROM ledger.migration_checksum",
    "DELETE FROM ledger._yoyo_migration",
    "SET ROLE blog_owner",
    "SELECT blog.touch_updated_at()",
])
def test_app_cannot_change_the_schema_or_touch_the_ledger(cluster, blog_db, statement):
    with cluster.as_app(blog_db) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_app_cannot_pass_its_privileges_on(cluster, blog_db):
    # GRANT without the grant option is a warning, not an error, in PostgreSQL: check that nothing was granted.
    with cluster.as_app(blog_db) as conn:
        conn.execute("GRANT INSERT ON blog.users TO blog_readonly")
    with cluster.admin(blog_db) as conn:
        assert conn.execute("SELECT has_table_privilege('blog_readonly', 'blog.users', 'INSERT')").fetchone() == (
            False,)


@pytest.mark.parametrize("statement", [
    NEW_GUEST,
    "UPDATE blog.posts SET title = 'x'",
    "DELETE FROM blog.comments",
    "TRUNCATE blog.comments",
    "CREATE TABLE blog.evil (id int)",
    "CREATE TEMPORARY TABLE evil (id int)",
    "SELECT * FROM ledger._yoyo_migration",
])
def test_readonly_cannot_write(cluster, blog_db, statement):
    with cluster.as_readonly(blog_db) as conn:
        assert conn.execute("SELECT count(*) FROM posts").fetchone()[0] == 3
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)


def test_a_table_added_later_is_granted_without_being_named(cluster, blog_db, tmp_path):
    import shutil

    migrations = tmp_path / "m"
    shutil.copytree(migrate.MIGRATIONS_DIR, migrations)
    (migrations / "0003.tags.sql").write_text("CREATE TABLE blog.tags (id int PRIMARY KEY, name text NOT NULL);\n")
    migrate.apply(cluster.endpoint(blog_db), cluster.superuser_password, migrations_dir=migrations)
    with cluster.as_app(blog_db) as conn:
        conn.execute("INSERT INTO tags VALUES (1, 'tls')")
    with cluster.as_readonly(blog_db) as conn:
        assert conn.execute("SELECT name FROM tags").fetchall() == [("tls",)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM tags")


def test_roles_have_only_the_attributes_they_need(cluster, blog_db):
    with cluster.admin(blog_db) as conn:
        rows = conn.execute(
            "SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication "
            "FROM pg_roles WHERE rolname = ANY(%s) ORDER BY rolname", [[OWNER, APP, READONLY]]).fetchall()
        members = conn.execute(
            "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
            "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = ANY(%s)", [[APP, READONLY]]).fetchall()
    assert rows == [
        ("blog_app", True, False, False, False, False, False),
        ("blog_owner", False, False, False, False, False, False),
        ("blog_readonly", True, False, False, False, False, False),
    ]
    assert members == []


def test_owner_cannot_log_in(cluster, blog_db):
    with pytest.raises(DbError, match="blog_owner"):
        connect(cluster.endpoint(blog_db, OWNER), cluster.app_password)


def test_passwords_are_stored_as_scram_and_never_sent_in_clear(cluster, empty_db):
    with cluster.admin(empty_db) as conn:
        conn.execute("SET log_statement = 'all'")  # what a server logging every statement would record
        captured = []
        conn.add_notice_handler(captured.append)
        ensure_roles(conn, RolePasswords(app="fresh-app-password-123", readonly=None))
        stored = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", [APP]).fetchone()[0]
    assert stored.startswith("SCRAM-SHA-256$4096:")
    assert "fresh-app-password-123" not in stored
    log = cluster.server.log_file.read_text(errors="replace")
    assert "fresh-app-password-123" not in log
    assert "ALTER ROLE blog_app PASSWORD 'SCRAM-SHA-256$" in log.replace('"', "")
    endpoint = cluster.endpoint(empty_db, APP)
    with connect(endpoint, "fresh-app-password-123") as app:
        assert app.execute("SELECT current_user").fetchone()[0] == APP
    # The readonly password was not given, so it was left alone.
    with connect(cluster.endpoint(empty_db, READONLY), cluster.readonly_password) as ro:
        assert ro.execute("SELECT 1").fetchone() == (1,)
    ensure_roles(cluster.admin(empty_db), cluster.roles())  # restore for the other tests


def test_role_passwords_never_in_repr():
    text = repr(RolePasswords(app="s3cret-value-app", readonly="s3cret-value-ro"))
    assert "s3cret" not in text


def test_empty_password_is_refused(cluster, empty_db):
    with cluster.admin(empty_db) as conn, pytest.raises(DbError, match="password for role blog_app is empty"):
        ensure_roles(conn, RolePasswords(app=""))


def test_endpoint_refuses_weaker_sslmode(cluster):
    endpoint: Endpoint = cluster.endpoint()
    for mode in ("require", "verify-ca", "prefer", "disable", "allow"):
        with pytest.raises(DbError, match=f"sslmode '{mode}' is not allowed"):
            connect(endpoint.with_(sslmode=mode), cluster.superuser_password)
