"""The blog's database roles, created by an administrator's login (Aurora's master user) before any migration.

- `blog_owner` (NOLOGIN) owns the `blog` schema, its tables and the migration ledger. Migrations run as it: the
  administrator logs in and `SET ROLE blog_owner`, so every object is owned by the role, not by a person.
- `blog_app` (LOGIN) reads and writes the blog's tables and nothing else: no DDL, no ledger, no TRUNCATE.
- `blog_readonly` (LOGIN) reads the blog's tables: reporting, and the reader endpoint.

Roles are not in a migration file because their passwords must never be in one (files are committed, and a
statement with `PASSWORD '...'` is written to the server log when statements are logged). A password is sent as a
SCRAM-SHA-256 verifier computed on this side (what `psql`'s `\\password` does), so neither the statement nor the
server log ever holds the plaintext. The grants on tables are in the migrations (db/migrations/), which name these
roles.
"""

from __future__ import annotations

from dataclasses import dataclass

from db.errors import DbError

OWNER = "blog_owner"
APP = "blog_app"
READONLY = "blog_readonly"
LEDGER_SCHEMA = "ledger"
BLOG_SCHEMA = "blog"
# Any constant this project owns (advisory locks are per database; roles are per server, so two databases of one
# server can still race: the second then fails with "role already exists" and a re-run succeeds).
ROLES_LOCK_KEY = 0x626C6F67726F6C65  # "blogrole"


@dataclass(frozen=True)
class RolePasswords:
    """The login roles' passwords; None leaves a role's current password as it is."""

    app: str | None = None
    readonly: str | None = None

    def __repr__(self) -> str:  # never print a password, even in a test failure or a traceback
        return f"RolePasswords(app={'***' if self.app else None}, readonly={'***' if self.readonly else None})"


def ensure_roles(conn, passwords: RolePasswords) -> list[str]:
    """Idempotent: create the roles that are missing, set the passwords given. Returns what it changed.

    `conn` is an administrator's connection (Aurora's master user: CREATEROLE, member of rds_superuser) in
    autocommit mode or not; this commits its own transaction.
    """
    from psycopg import sql

    changed: list[str] = []
    with conn.transaction():
        # Two runners starting at once would both try CREATE ROLE and one would fail on the duplicate: serialize.
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [ROLES_LOCK_KEY])
        existing = {row[0] for row in conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", [[OWNER, APP, READONLY]])}
        for role, login in ((OWNER, False), (APP, True), (READONLY, True)):
            if role not in existing:
                conn.execute(sql.SQL("CREATE ROLE {} {}").format(
                    sql.Identifier(role), sql.SQL("LOGIN" if login else "NOLOGIN")))
                changed.append(f"created role {role}")
        # The administrator runs migrations as the owner (SET ROLE), so it must be a member of it.
        admin = conn.execute("SELECT current_user").fetchone()[0]
        is_member = conn.execute("SELECT pg_has_role(current_user, %s, 'MEMBER')", [OWNER]).fetchone()[0]
        if not is_member:
            conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(OWNER), sql.Identifier(admin)))
            changed.append(f"granted {OWNER} to {admin}")
        dbname = conn.execute("SELECT current_database()").fetchone()[0]
        # The owner creates the blog schema in the first migration, so it needs CREATE on this database. Temporary
        # tables are DDL the application does not need: only the owner keeps TEMPORARY.
        conn.execute(sql.SQL("GRANT CREATE, TEMPORARY ON DATABASE {} TO {}").format(
            sql.Identifier(dbname), sql.Identifier(OWNER)))
        conn.execute(sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC").format(sql.Identifier(dbname)))
        # PostgreSQL 15 already revokes CREATE on `public` from PUBLIC; a cluster upgraded from 14 may not have.
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        for role in (APP, READONLY):
            # The application writes `SELECT ... FROM posts`, as against any database: the schema is found by
            # the role's search_path, so the app runs unchanged locally and in AWS.
            conn.execute(sql.SQL("ALTER ROLE {} SET search_path = {}").format(
                sql.Identifier(role), sql.Identifier(BLOG_SCHEMA)))
        for role, password in ((APP, passwords.app), (READONLY, passwords.readonly)):
            if password is None:
                continue
            if not password:
                raise DbError(f"the password for role {role} is empty")
            verifier = conn.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256").decode()
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(verifier)))
            changed.append(f"set the password of {role}")
    return changed
