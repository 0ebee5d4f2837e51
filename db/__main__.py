"""`python -m db plan|apply|status`: the migration runner inside a container (the one-off ECS task, compose).

Everything comes from the environment the task definition sets, the way libpq reads it, so nothing secret is ever on
the command line:

    PGHOST, PGPORT, PGDATABASE, PGUSER   the writer and the administrator's login (Aurora's master user)
    PGSSLROOTCERT                        the CA bundle (sslmode is always verify-full)
    PGPASSWORD or PGPASSFILE             read by libpq itself (ECS `secrets`: the master password parameter)
    PGPASSWORD_FILE                      the master password from a file instead (compose secrets)
    BLOG_APP_PASSWORD                    optional: blog_app's password, set on the role by `apply`
    BLOG_APP_PASSWORD_FILE               the same from a file (compose secrets)
    AURORA_ENVIRONMENT                   `production` refuses --seed

Exit codes follow `python -m ops` (ops/errors.py), so `ops migrate --via ecs` hands the container's code back as its
own: 0 done, 1 findings (`status`: an applied migration was edited or its file is gone), 2 refused or failed (one line
on stderr naming what and why; what a failing migration had applied before it stays applied and is named).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from db.arguments import add_lock_timeout
from db.errors import RUNNER_ERROR_PREFIX, DbError

EXIT_OK, EXIT_FINDINGS, EXIT_REFUSED = 0, 1, 2
REQUIRED = ("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSSLROOTCERT")


def _endpoint(env):
    from db.connect import Endpoint

    missing = [name for name in REQUIRED if not env.get(name)]
    if missing:
        raise DbError(f"environment variable(s) {', '.join(missing)} not set; the task definition (or compose file) "
                      f"sets {', '.join(REQUIRED)}")
    try:
        port = int(env["PGPORT"])
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise DbError(f"PGPORT is {env['PGPORT']!r}; allowed: a port number 1-65535")
    mode = env.get("PGSSLMODE", "verify-full")
    if mode != "verify-full":
        # libpq would read PGSSLMODE itself; the runner always passes verify-full, so say it rather than ignore it.
        raise DbError(f"PGSSLMODE is {mode!r}; allowed: verify-full only (the runner always verifies the server)")
    return Endpoint(host=env["PGHOST"], port=port, dbname=env["PGDATABASE"], user=env["PGUSER"],
                    sslrootcert=Path(env["PGSSLROOTCERT"]))


def _password(env, name: str) -> str | None:
    """`name` or `name_FILE` (a file holding it, as compose mounts secrets); None when neither is set."""
    value = env.get(name)
    path = env.get(f"{name}_FILE")
    if value and path:
        raise DbError(f"{name} and {name}_FILE are both set; allowed: one of them")
    if path:
        try:
            value = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise DbError(f"{name}_FILE {path}: cannot read it ({exc.strerror})") from None
        if not value:
            raise DbError(f"{name}_FILE {path} is empty")
    return value or None


def main(argv: list[str] | None = None, env=None, out=None, err=None) -> int:
    env = os.environ if env is None else env
    out = out or sys.stdout
    err = err or sys.stderr
    parser = argparse.ArgumentParser(prog="python -m db", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["plan", "apply", "status"])
    parser.add_argument("--seed", action="store_true", help="also the development seed (refused on production)")
    parser.add_argument("--sql", action="store_true", help="plan: print each pending migration's SQL")
    parser.add_argument("--yes", action="store_true",
                        help="apply: confirm migrations that declare `-- destructive:` (nobody can answer a prompt "
                             "in a task)")
    add_lock_timeout(parser)
    args = parser.parse_args(argv)

    def say(text: str) -> None:
        out.write(text + "\n")
        out.flush()

    try:
        from db import migrate
        from db.roles import RolePasswords

        endpoint = _endpoint(env)
        # None: libpq reads PGPASSWORD or PGPASSFILE itself; PGPASSWORD_FILE is ours, so it is passed on.
        admin_password = _password(env, "PGPASSWORD") if env.get("PGPASSWORD_FILE") else None
        production = env.get("AURORA_ENVIRONMENT") == "production"
        if args.action == "status":
            applied, pending = migrate.status(endpoint, admin_password)
            for migration_id, state, when in applied:
                say(f"{migration_id}  {state}  {when}")
            for f in pending:
                say(f"{f.id}  pending")
            if not applied and not pending:
                say("no migrations")
            return EXIT_FINDINGS if any(state != "ok" for _, state, _ in applied) else EXIT_OK
        if args.action == "plan":
            planned = migrate.plan(endpoint, admin_password, seed=args.seed, production=production)
            for f in planned.pending:
                flag = f"  DESTRUCTIVE: {f.destructive_reason}" if f.destructive_reason else ""
                say(f"-- {f.id} ({f.kind}, {f.path.name}){flag}")
                if args.sql:
                    for statement in f.statements:
                        say(statement.sql.rstrip())
            if not planned.pending:
                say("nothing to apply")
            return EXIT_OK
        roles = RolePasswords(app=_password(env, "BLOG_APP_PASSWORD"))
        result = migrate.apply(endpoint, admin_password, roles=roles, seed=args.seed,
                               production=production, confirm_destructive=lambda _files: args.yes,
                               lock_timeout=args.lock_timeout, say=say)
        for line in result.roles_changed:
            say(line)
        say(f"{len(result.applied)} migration(s) applied in {result.seconds:.2f} s" if result.applied
            else "nothing to apply")
        return EXIT_OK
    except DbError as exc:
        err.write(f"{RUNNER_ERROR_PREFIX}{' '.join(str(exc).split())}\n")
        err.flush()
        return EXIT_REFUSED
    except ImportError as exc:
        err.write(f"{RUNNER_ERROR_PREFIX}the migration runner needs {exc.name}: the image must install "
                  "db/requirements.txt\n")
        return EXIT_REFUSED


if __name__ == "__main__":
    sys.exit(main())
