"""The migration runner: yoyo-migrations, with what the blog's database needs on top.

yoyo reads the versioned SQL files (`db/migrations/NNNN.name.sql`, applied in file-name order), splits them into
statements, keeps its ledger (`_yoyo_migration`, `_yoyo_log`) and applies the steps. This module adds, in a
subclass of yoyo's psycopg 3 backend:

- a checksum per migration (`ledger.migration_checksum`, SHA-256 of the file with its line endings normalised):
  an applied migration whose file changed, or disappeared, is refused before anything runs;
- one transaction per migration that also holds its ledger rows: yoyo applies a migration on a second connection and
  marks it on the first, so a crash between the two would leave it applied but unrecorded;
- a PostgreSQL advisory lock instead of yoyo's lock row: the server releases it when the holder's session ends, so
  a killed runner (an ECS task stopped mid-run) never leaves a stale lock behind; a second runner waits for it and
  then finds nothing to do;
- a guard on data loss: a pending migration that drops, truncates or deletes must say so in a `-- destructive:
  <reason>` header, and the run must be confirmed;
- errors as one line naming the file and line of the failing statement.

Everything runs as the `blog_owner` role (`SET ROLE` from the administrator's login), and the ledger lives in its
own schema, `ledger`, which no other role can read. Seed data (`db/seed/`) goes through the same ledger, only when
asked and never on a production stack.
"""

from __future__ import annotations

import hashlib
import re
import socket
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from db.connect import Endpoint, connect
from db.errors import DbError, MigrationRefused
from db.roles import LEDGER_SCHEMA, OWNER, RolePasswords, ensure_roles

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SEED_DIR = Path(__file__).resolve().parent / "seed"
MIGRATION_TABLE = "_yoyo_migration"
CHECKSUM_TABLE = "migration_checksum"
# pg_advisory_lock's key: any constant this project owns; two runners on one database contend for it.
LOCK_KEY = int.from_bytes(hashlib.sha256(b"aurora-platform blog migrations").digest()[:8], "big", signed=True)
DEFAULT_LOCK_TIMEOUT = 600.0
_FILE_NAME = re.compile(r"^\d{4}\.[a-z0-9][a-z0-9-]*\.sql$")
_DESTRUCTIVE_HEADER = re.compile(r"^--\s*destructive\s*:\s*(\S.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Statement:
    sql: str
    line: int  # 1-based line of the statement's first character in its file


@dataclass(frozen=True)
class MigrationFile:
    id: str
    path: Path
    kind: str  # "migration" or "seed"
    checksum: str
    statements: tuple[Statement, ...]
    destructive_reason: str | None
    # (line, keyword) of each DROP / TRUNCATE / DELETE FROM found in the statements, also inside function bodies
    destructive_found: tuple[tuple[int, str], ...]
    transactional: bool = True


@dataclass
class Result:
    applied: list[str] = field(default_factory=list)
    pending: list[MigrationFile] = field(default_factory=list)
    roles_changed: list[str] = field(default_factory=list)
    seconds: float = 0.0


# ---- reading the files ------------------------------------------------------------------------------------------

def checksum(text: str) -> str:
    # Normalised line endings: a checkout on Windows (CRLF) is the same migration, not an edited one.
    return hashlib.sha256(text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")).hexdigest()


def load_files(directory: Path, kind: str) -> list[MigrationFile]:
    """Every migration in `directory`, in the order yoyo applies them, with what the runner checks."""
    from yoyo import read_migrations

    if not directory.is_dir():
        raise DbError(f"migrations directory {directory} does not exist")
    for path in sorted(directory.iterdir()):
        # yoyo would also run Python migrations, rollback files and post-apply hooks: this project has versioned SQL
        # files only, so anything else in the directory is a mistake, not something to execute.
        if not _FILE_NAME.match(path.name):
            raise DbError(f"{path}: not a migration file name; allowed: NNNN.lower-case-name.sql "
                          "(four digits, a dot, letters, digits or hyphens, .sql)")
    files = []
    for migration in read_migrations(str(directory)):
        migration.load()
        path = Path(migration.path)
        source = path.read_text(encoding="utf-8")
        statements = _locate(source, [step.step._apply for step in migration.steps])
        for statement in statements:
            word = _first_keyword(statement.sql)
            if word in _TRANSACTION_CONTROL:
                # A COMMIT in the middle would end the migration's transaction: what follows could then fail with
                # what came before already committed, which is exactly the half-applied state the runner prevents.
                raise DbError(f"{path.name}:{statement.line}: {word} is not allowed in a migration: each migration "
                              "is one transaction, opened and closed by the runner")
            if word in ("SET", "RESET") and _changes_role(statement.sql):
                # Objects created after it would belong to the administrator, not blog_owner.
                raise DbError(f"{path.name}:{statement.line}: changing the role is not allowed in a migration: "
                              "migrations run as blog_owner")
        header = _header_lines(source)
        reason = next((m.group(1).strip() for m in map(_DESTRUCTIVE_HEADER.match, header) if m), None)
        files.append(MigrationFile(
            id=migration.id, path=path, kind=kind, checksum=checksum(source), statements=tuple(statements),
            destructive_reason=reason, destructive_found=tuple(_destructive(statements)),
            transactional=migration.use_transactions,
        ))
    return files


_TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "END", "START", "ABORT", "SAVEPOINT", "RELEASE", "PREPARE"}


def _first_keyword(sql: str) -> str | None:
    import sqlparse
    from sqlparse import tokens as T

    for token in sqlparse.parse(sql)[0].flatten() if sql.strip() else []:
        if token.is_whitespace or token.ttype in T.Comment:
            continue
        return token.normalized.upper() if token.ttype in T.Keyword else None
    return None


def _changes_role(sql: str) -> bool:
    import sqlparse

    words = {t.normalized.upper() for t in sqlparse.parse(sql)[0].flatten() if not t.is_whitespace}
    return bool(words & {"ROLE", "AUTHORIZATION", "SESSION_AUTHORIZATION"})


def _header_lines(source: str) -> list[str]:
    lines = []
    for line in source.splitlines():
        if line.strip() and not line.lstrip().startswith("--"):
            break
        lines.append(line.strip())
    return lines


def _locate(source: str, sqls: Iterable[str]) -> list[Statement]:
    """Each statement with its line in the file: errors and findings name the line a person can open."""
    statements, offset = [], 0
    for sql in sqls:
        at = source.find(sql, offset)
        if at < 0:  # yoyo re-joined the first statement without its leading comments; search for its first line
            at = source.find(sql.strip().splitlines()[0], offset)
        at = max(at, 0)
        statements.append(Statement(sql=sql, line=source.count("\n", 0, at) + 1))
        offset = at + len(sql)
    return statements


def _destructive(statements: Iterable[Statement]) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for statement in statements:
        for line_in_statement, keyword in _scan(statement.sql, depth=0):
            found.append((statement.line + line_in_statement, keyword))
    return found


def _scan(sql: str, depth: int) -> list[tuple[int, str]]:
    """(line offset, keyword) of DROP, TRUNCATE and DELETE FROM in `sql`, and in the string bodies of DO blocks and
    functions it contains (dynamic SQL written as a literal is found; SQL assembled at run time is not)."""
    import sqlparse
    from sqlparse import tokens as T

    found: list[tuple[int, str]] = []
    line = 0
    words: list[tuple[int, str]] = []
    for token in sqlparse.parse(sql)[0].flatten() if sql.strip() else []:
        if token.ttype in T.Keyword or token.ttype in T.Name.Builtin:
            words.append((line, token.normalized.upper()))
        elif token.ttype in T.Literal and token.value[:1] in ("$", "'", "E", "e"):
            # Strings are SQL only in a body: a DO block, a function or procedure, and anything inside one
            # (EXECUTE 'DROP ...'). A seed's text that says "drop" is data, not a statement.
            is_body = depth > 0 or (words and words[0][1] == "DO") or any(
                w in ("FUNCTION", "PROCEDURE") for _, w in words)
            if is_body and depth < 3:
                body = _unquote(token.value)
                found += [(line + offset, word) for offset, word in _scan(body, depth + 1)]
        elif token.ttype in T.Comment:
            pass
        line += token.value.count("\n")
    for index, (at, word) in enumerate(words):
        if word in ("DROP", "TRUNCATE"):
            found.append((at, word))
        # DELETE is data loss only as a statement (`DELETE FROM`); `ON DELETE CASCADE` and `GRANT ... DELETE ON`
        # are not.
        elif word == "DELETE" and index + 1 < len(words) and words[index + 1][1] == "FROM":
            found.append((at, "DELETE FROM"))
    return found


def _unquote(literal: str) -> str:
    match = re.match(r"^(\$[A-Za-z0-9_]*\$)(.*)\1$", literal, re.DOTALL)
    if match:
        return match.group(2)
    if literal[:2].upper() == "E'":
        literal = literal[1:]
    if len(literal) >= 2 and literal[0] == literal[-1] == "'":
        return literal[1:-1].replace("''", "'")
    return literal


# ---- the yoyo backend -------------------------------------------------------------------------------------------

def _backend_class():
    from yoyo.backends.core.postgresql import PostgresqlPsycopgBackend
    from yoyo.connections import _DatabaseURI

    class BlogBackend(PostgresqlPsycopgBackend):
        """yoyo's psycopg 3 backend on our own connections, as blog_owner, ledger in its own schema."""

        def __init__(self, open_connection: Callable[[], object], endpoint: Endpoint,
                     say: Callable[[str], None]) -> None:
            self._open_connection = open_connection
            self._endpoint = endpoint
            self._say = say
            self.failed_statement: int | None = None
            self.step_index: dict[int, int] = {}
            # yoyo keys a per-URI cache on this; no password in it (there is none to put: we pass our own connect).
            uri = _DatabaseURI("postgresql+psycopg", endpoint.user, None, endpoint.host, endpoint.port,
                               endpoint.dbname, {})
            super().__init__(uri, MIGRATION_TABLE)

        def connect(self, dburi):
            return self._open_connection()

        def copy(self):
            return BlogBackend(self._open_connection, self._endpoint, self._say)

        def init_connection(self, connection):
            # Outside any transaction (autocommit), so a later ROLLBACK cannot undo it.
            connection.execute(f"SET ROLE {OWNER}")
            connection.execute(f"SET search_path = {LEDGER_SCHEMA}")

        def cursor(self):
            return _TrackingCursor(self.connection.cursor(), self)

        def get_log_data(self, migration=None, operation="apply"):
            data = super().get_log_data(migration, operation)
            # yoyo asks socket.getfqdn(), a DNS lookup; the host name is enough and never waits on a resolver.
            data["hostname"] = socket.gethostname()
            return data

        @contextmanager
        def lock(self, timeout=DEFAULT_LOCK_TIMEOUT):
            if self._is_locked:
                yield
                return
            started, told = time.monotonic(), False
            while not self.connection.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY]).fetchone()[0]:
                if not told:
                    self._say("waiting for another migration run to finish (it holds the migration lock)")
                    told = True
                if time.monotonic() - started > timeout:
                    raise DbError(f"another migration run held the migration lock for more than {timeout:.0f} s "
                                  f"on {self._endpoint.describe()}; nothing was applied")
                time.sleep(0.2)
            try:
                self._is_locked = True
                yield
            finally:
                self._is_locked = False
                if not self.connection.closed:
                    self.connection.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])

        def apply_one(self, migration, force=False, mark=True):
            # The steps, yoyo's ledger rows and our checksum in one transaction on one connection: all or nothing.
            self.ensure_internal_schema_updated()
            # yoyo's own set-up statements may fail on purpose (CREATE TABLE of a lock table that exists).
            self.failed_statement = None
            migration.load()
            self.step_index = {id(wrapper.step._apply): i for i, wrapper in enumerate(migration.steps)}
            with self.transaction():
                migration.process_steps(self, "apply", force=force)
                self.log_migration(migration, "apply")
                if mark:
                    self.mark_one(migration, log=False)
                    self.connection.execute(
                        f"INSERT INTO {LEDGER_SCHEMA}.{CHECKSUM_TABLE} (migration_id, sha256) VALUES (%s, %s)",
                        [migration.id, checksum(Path(migration.path).read_text(encoding="utf-8"))])

    return BlogBackend


class _TrackingCursor:
    """Remembers the statement that failed, so an error can name its file and line."""

    def __init__(self, cursor, backend) -> None:
        self._cursor = cursor
        self._backend = backend

    def execute(self, query, params=None):
        try:
            return self._cursor.execute(query, params)
        except Exception:
            # The first failure is the one to report: yoyo's ROLLBACK TO SAVEPOINT runs after it.
            if self._backend.failed_statement is None:
                # By identity: yoyo passes each step's own string, so two identical statements stay apart.
                self._backend.failed_statement = self._backend.step_index.get(id(query), -1)
            raise

    def __getattr__(self, name):
        return getattr(self._cursor, name)


# ---- reading the ledger -----------------------------------------------------------------------------------------

def read_ledger(conn) -> dict[str, tuple[str | None, object]]:
    """{migration id: (sha256 or None, applied at)}; empty when the ledger does not exist yet. Read-only."""
    exists = conn.execute("SELECT to_regclass(%s), to_regclass(%s)",
                          [f"{LEDGER_SCHEMA}.{MIGRATION_TABLE}", f"{LEDGER_SCHEMA}.{CHECKSUM_TABLE}"]).fetchone()
    if exists[0] is None:
        return {}
    if exists[1] is None:
        rows = conn.execute(f"SELECT migration_id, NULL, applied_at_utc FROM {LEDGER_SCHEMA}.{MIGRATION_TABLE}")
    else:
        rows = conn.execute(
            f"SELECT m.migration_id, c.sha256, m.applied_at_utc FROM {LEDGER_SCHEMA}.{MIGRATION_TABLE} m "
            f"LEFT JOIN {LEDGER_SCHEMA}.{CHECKSUM_TABLE} c USING (migration_id) ORDER BY m.applied_at_utc")
    return {row[0]: (row[1], row[2]) for row in rows}


def verify_ledger(files: list[MigrationFile], ledger: dict[str, tuple[str | None, object]]) -> None:
    """Refuse when an applied migration's file was edited or removed: the database would no longer be what the files
    say, and a fresh database built from the files would differ from this one."""
    by_id = {f.id: f for f in files}
    for migration_id, (recorded, _) in ledger.items():
        current = by_id.get(migration_id)
        if current is None:
            raise MigrationRefused(f"migration {migration_id} is applied but its file is gone; restore the file "
                                   "(applied migrations are never removed; write a new migration instead)")
        if recorded is None:
            raise MigrationRefused(f"migration {migration_id} is applied but has no checksum in "
                                   f"{LEDGER_SCHEMA}.{CHECKSUM_TABLE} (applied by another tool?); refusing to guess")
        if recorded != current.checksum:
            raise MigrationRefused(
                f"{current.path.name}: this migration was edited after it was applied (ledger sha256 "
                f"{recorded[:12]}..., file {current.checksum[:12]}...); restore it and put the change in a new "
                "migration")


def _owner_session(conn) -> None:
    member = conn.execute("SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = %s",
                          [OWNER]).fetchone()
    if member and member[0]:
        conn.execute(f"SET ROLE {OWNER}")


# ---- the three operations ---------------------------------------------------------------------------------------

def all_files(seed_dir: Path | None = SEED_DIR, migrations_dir: Path = MIGRATIONS_DIR) -> list[MigrationFile]:
    files = load_files(migrations_dir, "migration")
    if seed_dir is not None:
        files += load_files(seed_dir, "seed")
    ids = [f.id for f in files]
    duplicate = sorted({i for i in ids if ids.count(i) > 1})
    if duplicate:
        raise DbError(f"migration id {duplicate[0]} is both a migration and a seed file: ids must be unique")
    return files


def plan(endpoint: Endpoint, password: str | None, *, seed: bool = False, production: bool = False,
         migrations_dir: Path = MIGRATIONS_DIR, seed_dir: Path = SEED_DIR) -> Result:
    """What `apply` would do, reading only: pending migrations with their SQL. Refuses what apply would refuse."""
    _refuse_seed(seed, production)
    files = all_files(seed_dir, migrations_dir)
    with connect(endpoint, password, autocommit=True) as conn, _one_line(endpoint, "reading the ledger"):
        _owner_session(conn)
        ledger = read_ledger(conn)
    verify_ledger(files, ledger)
    return Result(pending=_wanted(files, ledger, seed))


def status(endpoint: Endpoint, password: str | None, *, migrations_dir: Path = MIGRATIONS_DIR,
           seed_dir: Path = SEED_DIR) -> tuple[list[tuple[str, str, object]], list[MigrationFile]]:
    """([(id, state, applied at)], pending): state is `ok`, `edited`, `missing file` or `no checksum`."""
    files = all_files(seed_dir, migrations_dir)
    with connect(endpoint, password, autocommit=True) as conn, _one_line(endpoint, "reading the ledger"):
        _owner_session(conn)
        ledger = read_ledger(conn)
    by_id = {f.id: f for f in files}
    applied = []
    for migration_id, (recorded, when) in ledger.items():
        current = by_id.get(migration_id)
        state = ("missing file" if current is None else "no checksum" if recorded is None
                 else "ok" if recorded == current.checksum else "edited")
        applied.append((migration_id, state, when))
    pending = [f for f in files if f.id not in ledger and f.kind == "migration"]
    return applied, pending


def apply(endpoint: Endpoint, password: str | None, *, roles: RolePasswords | None = None, seed: bool = False,
          production: bool = False, confirm_destructive: Callable[[list[MigrationFile]], bool] | None = None,
          lock_timeout: float = DEFAULT_LOCK_TIMEOUT, say: Callable[[str], None] = lambda _: None,
          migrations_dir: Path = MIGRATIONS_DIR, seed_dir: Path = SEED_DIR) -> Result:
    """Create the roles (idempotent), then apply every pending migration (and the seed when asked), each in its own
    transaction, under the migration lock. Raises DbError in one line; what was applied before stays applied."""
    import psycopg

    _refuse_seed(seed, production)
    files = all_files(seed_dir, migrations_dir)
    for f in files:
        if not f.transactional:
            raise MigrationRefused(f"{f.path.name}: `-- transactional: false` is not allowed: every migration runs "
                                   "in one transaction, so a failure leaves nothing half-applied")
    result = Result()
    started = time.perf_counter()
    with connect(endpoint, password, autocommit=True) as admin, _one_line(endpoint, "creating the roles"):
        result.roles_changed = ensure_roles(admin, roles or RolePasswords())
        admin.execute(f"SET ROLE {OWNER}")
        admin.execute(f"CREATE SCHEMA IF NOT EXISTS {LEDGER_SCHEMA}")
        admin.execute(f"REVOKE ALL ON SCHEMA {LEDGER_SCHEMA} FROM PUBLIC")
    backend = _backend_class()(lambda: connect(endpoint, password, autocommit=True), endpoint, say)
    current: MigrationFile | None = None
    try:
        backend.init_database()
        with backend.lock(lock_timeout):
            backend.connection.execute(
                f"CREATE TABLE IF NOT EXISTS {LEDGER_SCHEMA}.{CHECKSUM_TABLE} ("
                " migration_id text PRIMARY KEY,"
                " sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),"
                " applied_at timestamptz NOT NULL DEFAULT now(),"
                " applied_by text NOT NULL DEFAULT session_user)")
            ledger = read_ledger(backend.connection)
            verify_ledger(files, ledger)
            pending = _wanted(files, ledger, seed)
            _guard_destructive(pending, confirm_destructive)
            from yoyo import read_migrations

            yoyo_migrations = {m.id: m for m in read_migrations(*{str(f.path.parent) for f in pending})}
            for current in pending:
                one = time.perf_counter()
                backend.apply_one(yoyo_migrations[current.id])
                result.applied.append(current.id)
                say(f"applied {current.id} ({current.kind}) in {time.perf_counter() - one:.2f} s")
            current = None
    except psycopg.Error as exc:
        raise DbError(_explain_failure(exc, current, backend.failed_statement, result.applied)) from None
    finally:
        if not backend.connection.closed:
            backend.connection.close()
    result.seconds = time.perf_counter() - started
    return result


@contextmanager
def _one_line(endpoint: Endpoint, doing: str):
    """A server error outside a migration (no privilege to create roles, a dropped connection) as one DbError."""
    import psycopg

    try:
        yield
    except psycopg.Error as exc:
        diag = getattr(exc, "diag", None)
        message = " ".join((getattr(diag, "message_primary", None) or str(exc)).split())
        code = f" (SQLSTATE {exc.sqlstate})" if getattr(exc, "sqlstate", None) else ""
        raise DbError(f"{doing} on {endpoint.describe()}: {message}{code}") from None


def _refuse_seed(seed: bool, production: bool) -> None:
    if seed and production:
        raise MigrationRefused("seed data is for development: refusing --seed on a production stack")


def _wanted(files: list[MigrationFile], ledger: dict, seed: bool) -> list[MigrationFile]:
    # Migrations first, then the seed: seed data needs the whole schema.
    kinds = ("migration", "seed") if seed else ("migration",)
    return [f for kind in kinds for f in files if f.kind == kind and f.id not in ledger]


def _guard_destructive(pending: list[MigrationFile], confirm: Callable[[list[MigrationFile]], bool] | None) -> None:
    flagged = [f for f in pending if f.destructive_found]
    for f in flagged:
        if not f.destructive_reason:
            line, keyword = f.destructive_found[0]
            raise MigrationRefused(
                f"{f.path.name}:{line}: {keyword} can lose data, and the migration does not say so; add a header "
                "line `-- destructive: <what is removed and why>` and confirm the run")
    if flagged and (confirm is None or not confirm(flagged)):
        names = ", ".join(f.id for f in flagged)
        raise MigrationRefused(f"destructive migration(s) {names} not confirmed; nothing was applied "
                               "(confirm the run, or --yes)")


def _explain_failure(exc, current: MigrationFile | None, index: int | None, applied: list[str]) -> str:
    diag = getattr(exc, "diag", None)
    message = " ".join((getattr(diag, "message_primary", None) or str(exc)).split())
    code = getattr(exc, "sqlstate", None)
    done = f"; applied before it in this run: {', '.join(applied)}" if applied else ""
    if current is None:
        return f"{type(exc).__name__}: {message}{done}"
    where = current.path.name
    if index is not None and 0 <= index < len(current.statements):
        located = current.statements[index]
        line = located.line
        position = getattr(diag, "statement_position", None)
        if position:
            line += located.sql.count("\n", 0, int(position) - 1)
        where = f"{current.path.name}:{line}"
    return (f"{where}: {message}" + (f" (SQLSTATE {code})" if code else "")
            + f"; nothing from {current.id} was applied{done}")
