"""`make db`, `make db-stop`, `make db-reset`: the blog's database on your own machine, TLS-only like Aurora.

    python -m db.local start [--stack dev]   # init on first use, start, roles + migrations + seed, print the env
    python -m db.local env                   # print the environment again
    python -m db.local stop
    python -m db.local reset                 # stop and delete everything under .db/

Everything lives in `.db/` at the repository root (ignored by git): the cluster, the generated CA and server
certificate, the log, and `pgpass` (0600) with the generated passwords. The printed `PG*` variables are the ones the
ECS task gets, so the application runs unchanged: `eval "$(make -s db)"`.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
from pathlib import Path

from db import migrate
from db import server as pgserver
from db.connect import Endpoint, connect
from db.errors import DbError
from db.roles import APP, READONLY, RolePasswords

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DIR = REPO / ".db"
DEFAULT_PORT = 54329
DATABASE = "blog"


def _secrets_file(base: Path) -> Path:
    return base / "secrets.json"


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _load_or_create_secrets(base: Path) -> dict[str, str]:
    path = _secrets_file(base)
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    secrets = {"postgres": pgserver.new_password(), APP: pgserver.new_password(),
               READONLY: pgserver.new_password()}
    base.mkdir(parents=True, exist_ok=True)
    _write_private(path, json.dumps(secrets, indent=2) + "\n")
    return secrets


def _pgpass_escape(value: str) -> str:
    # The pgpass format: `:` and `\` in a field are escaped with a backslash (libpq, "The Password File").
    return value.replace("\\", "\\\\").replace(":", "\\:")


def _write_pgpass(base: Path, port: int, secrets: dict[str, str]) -> Path:
    path = base / "pgpass"
    lines = [":".join(_pgpass_escape(f) for f in ("localhost", str(port), "*", user, password))
             for user, password in secrets.items()]
    _write_private(path, "\n".join(lines) + "\n")
    return path


def stack_major_version(stack: str) -> tuple[int, str] | None:
    """(major, engineVersion) of the stack's database, or None when the stack file does not say."""
    import yaml

    path = REPO / f"Pulumi.{stack}.yaml"
    if not path.exists():
        return None
    config = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("config") or {}
    database = config.get("aurora-platform:database") or {}
    if database.get("engine", "aurora-postgresql") != "aurora-postgresql":
        return None
    version = str(database.get("engineVersion", "16.6"))
    return int(version.split(".")[0]), version


def env_lines(server: pgserver.LocalServer, base: Path) -> list[str]:
    values = {
        "PGHOST": "localhost",
        "PGPORT": str(server.port),
        "PGDATABASE": DATABASE,
        "PGUSER": APP,
        "PGSSLMODE": "verify-full",
        "PGSSLROOTCERT": str(server.ca_cert),
        "PGPASSFILE": str(base / "pgpass"),
    }
    return [f"export {key}={shlex.quote(value)}" for key, value in values.items()]


def start(base: Path, port: int, stack: str, out, err) -> int:
    server = pgserver.LocalServer(base=base, port=port, run_as=pgserver.default_run_as())
    secrets = _load_or_create_secrets(base)
    local_major = pgserver.server_major_version()
    stack_version = stack_major_version(stack)
    if stack_version and stack_version[0] != local_major:
        err.write(f"warning: local PostgreSQL is {local_major}, stack {stack} runs Aurora PostgreSQL "
                  f"{stack_version[1]} (major {stack_version[0]}): features and defaults may differ\n")
    if not server.initialized():
        err.write(f"initialising a TLS-only PostgreSQL {local_major} in {base}\n")
        server.init(secrets["postgres"])
    if not server.running():
        server.start()
    admin = Endpoint(host="localhost", port=port, dbname="postgres", user=pgserver.SUPERUSER,
                     sslrootcert=server.ca_cert)
    with connect(admin, secrets["postgres"], autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone() is None:
            conn.execute(f"CREATE DATABASE {DATABASE}")
    result = migrate.apply(admin.with_(dbname=DATABASE), secrets["postgres"],
                           roles=RolePasswords(app=secrets[APP], readonly=secrets[READONLY]), seed=True,
                           production=False, say=lambda text: err.write(text + "\n"))
    _write_pgpass(base, port, secrets)
    err.write(f"database {DATABASE} on localhost:{port}: {len(result.applied)} migration(s) applied; "
              f"the app logs in as {APP} (password in {base / 'pgpass'})\n")
    out.write("\n".join(env_lines(server, base)) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m db.local", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["start", "stop", "reset", "env"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="where the server's files live (.db/)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("DB_PORT", DEFAULT_PORT)),
                        help=f"TCP port on localhost (default {DEFAULT_PORT}, or DB_PORT)")
    parser.add_argument("--stack", default=os.environ.get("STACK", "dev"),
                        help="stack whose engineVersion the local major version is compared with (default dev)")
    args = parser.parse_args(argv)
    base: Path = args.dir.resolve()
    server = pgserver.LocalServer(base=base, port=args.port, run_as=pgserver.default_run_as())
    try:
        if args.action == "start":
            return start(base, args.port, args.stack, sys.stdout, sys.stderr)
        if args.action == "env":
            if not server.initialized():
                raise DbError(f"no local database in {base}: run `make db` first")
            sys.stdout.write("\n".join(env_lines(server, base)) + "\n")
        elif args.action == "stop":
            server.stop()
        elif args.action == "reset":
            server.stop()
            shutil.rmtree(base, ignore_errors=True)
            sys.stderr.write(f"removed {base}\n")
        return 0
    except DbError as exc:
        sys.stderr.write(f"error: {' '.join(str(exc).split())}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
