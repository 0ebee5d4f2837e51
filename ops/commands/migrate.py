"""migrate: the blog's schema migrations against a stack's Aurora PostgreSQL (plan / apply / status).

Connects as the master user (the password from PGPASSWORD or PGPASSFILE, never a flag) with sslmode=verify-full
against the RDS CA bundle, usually through the bastion's port-forwarding session: `--host` is the writer endpoint
(the name the certificate is checked against) and `--local-port` the session's local port on 127.0.0.1. The runner
itself is db/migrate.py (docs/blog-database.md).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from db.arguments import add_lock_timeout
from ops.confirm import confirm
from ops.context import Context
from ops.errors import EXIT_FINDINGS, EXIT_OK, OpsError
from ops.target import load_outputs

NAME = "migrate"
HELP = "apply the blog's database migrations to a PostgreSQL stack (plan, apply, status)"
DISRUPTIVE = True  # --yes: confirms a migration that declares it destroys data
# --timeout and --poll-interval: how long `--via ecs` waits for the task (the tunnel path runs in this process).
DEFAULT_TIMEOUT = 1800
NO_WAIT = False

STACKS_DIR = Path(__file__).resolve().parents[2]
POSTGRES = "aurora-postgresql"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", nargs="?", choices=["plan", "apply", "status"], default="plan",
                        help="plan: list pending migrations (default); apply: run them; status: the ledger")
    parser.add_argument("--stack", required=True, metavar="NAME",
                        help="the stack (Pulumi.NAME.yaml): engine, database, master user and environment")
    parser.add_argument("--host", metavar="NAME",
                        help="the writer endpoint's DNS name (default: writerEndpoint from --outputs)")
    parser.add_argument("--local-port", type=_port, metavar="PORT",
                        help="dial 127.0.0.1:PORT (the bastion's port-forwarding session) and verify the certificate "
                             "against --host")
    parser.add_argument("--port", type=_port, metavar="PORT", help="the database port (default: the stack's)")
    parser.add_argument("--dbname", metavar="NAME", help="database (default: the stack's databaseName)")
    parser.add_argument("--user", metavar="NAME", help="login (default: the stack's masterUsername)")
    parser.add_argument("--sslrootcert", metavar="FILE", default=os.environ.get("PGSSLROOTCERT"),
                        help="CA bundle the server certificate must chain to (the RDS bundle; default PGSSLROOTCERT)")
    parser.add_argument("--dry-run", action="store_true", help="list the pending migrations and their SQL; apply "
                        "nothing")
    parser.add_argument("--seed", action="store_true", help="also apply the development seed (refused on production)")
    parser.add_argument("--app-password-parameter", metavar="NAME",
                        help="SSM SecureString with blog_app's password, set on the role (default: "
                             "appPasswordParameterName from --outputs; without either the password is left as is)")
    add_lock_timeout(parser)
    parser.add_argument("--via", choices=["tunnel", "ecs"], default="tunnel",
                        help="tunnel: connect from here (the bastion's port forwarding; default); ecs: run the "
                             "stack's migration task (ecs.run_task with the exported task definition, subnets and "
                             "security group), stream its log and exit with its exit code")



def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is outside 1-65535")
    return port


def stack_database(stack: str) -> dict[str, Any]:
    """The stack's engine, database name, master user, port and environment, from Pulumi.<stack>.yaml."""
    import yaml

    path = STACKS_DIR / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = sorted(p.name[len("Pulumi."):-len(".yaml")] for p in STACKS_DIR.glob("Pulumi.*.yaml"))
        raise OpsError(f"--stack {stack}: no {path.name}; stacks: {', '.join(known) or 'none'}")
    try:
        config = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("config") or {}
    except yaml.YAMLError as exc:
        raise OpsError(f"--stack {stack}: {path.name} is not valid YAML ({' '.join(str(exc).split())})") from None
    database = config.get("aurora-platform:database") or {}
    return {
        "engine": database.get("engine", POSTGRES),
        "databaseName": database.get("databaseName", "app"),
        "masterUsername": database.get("masterUsername", "dbadmin"),
        "port": database.get("port", 5432),
        "production": config.get("aurora-platform:environment") == "production",
    }


def run(args: argparse.Namespace, ctx: Context) -> int:
    stack = stack_database(args.stack)
    if stack["engine"] != POSTGRES:
        raise OpsError(f"--stack {args.stack}: the engine is {stack['engine']}; the blog's migrations are "
                       f"PostgreSQL only ({POSTGRES} stacks)")
    if args.seed and stack["production"]:
        raise OpsError(f"--seed: stack {args.stack} is production; seed data is for development only")
    outputs = load_outputs(args.outputs) if args.outputs else {}
    if args.via == "ecs":
        from ops.migrate_task import run_via_ecs

        return run_via_ecs(args, ctx, stack, outputs)
    host = args.host or outputs.get("writerEndpoint")
    if not host:
        raise OpsError("no database host: pass --host (the writer endpoint's name) or --outputs with writerEndpoint")
    if not args.sslrootcert:
        raise OpsError("no CA bundle: pass --sslrootcert FILE (the RDS CA bundle) or set PGSSLROOTCERT; "
                       "every connection uses sslmode=verify-full")
    try:
        from db import migrate
        from db.connect import Endpoint
        from db.errors import DbError
        from db.roles import RolePasswords
    except ImportError as exc:
        raise OpsError(f"the database tools need {exc.name}: install requirements.txt") from None

    endpoint = Endpoint(
        host=host, hostaddr="127.0.0.1" if args.local_port else None,
        port=args.local_port or args.port or int(outputs.get("port") or stack["port"]),
        dbname=args.dbname or outputs.get("databaseName") or stack["databaseName"],
        user=args.user or outputs.get("masterUsername") or stack["masterUsername"],
        sslrootcert=Path(args.sslrootcert))
    # None: libpq reads PGPASSWORD or the PGPASSFILE entry itself, so the password never passes through argv.
    password = None
    try:
        if args.action == "status":
            return _status(args, ctx, migrate, endpoint, password)
        if args.action == "plan" or args.dry_run:
            planned = migrate.plan(endpoint, password, seed=args.seed, production=stack["production"])
            _print_plan(args, ctx, planned.pending, with_sql=args.dry_run)
            return EXIT_OK
        parameter = args.app_password_parameter or outputs.get("appPasswordParameterName")
        roles = RolePasswords(app=_read_parameter(ctx, args, outputs, parameter) if parameter else None)

        def confirm_destructive(files) -> bool:
            reasons = "; ".join(f"{f.id}: {f.destructive_reason}" for f in files)
            confirm(f"migrate {args.stack}: destructive migration(s) - {reasons}", assume_yes=args.yes,
                    stdin=ctx.stdin, stderr=ctx.stderr)
            return True

        result = migrate.apply(endpoint, password, roles=roles, seed=args.seed, production=stack["production"],
                               confirm_destructive=confirm_destructive, lock_timeout=args.lock_timeout,
                               say=ctx.say)
    except DbError as exc:
        raise OpsError(str(exc)) from None
    data = {"stack": args.stack, "applied": result.applied, "roles": result.roles_changed,
            "seconds": round(result.seconds, 2)}
    text = "\n".join([*(f"applied {i}" for i in result.applied), *result.roles_changed]) or "nothing to apply"
    ctx.result(args, data, text)
    return EXIT_OK


def _status(args, ctx: Context, migrate, endpoint, password) -> int:
    applied, pending = migrate.status(endpoint, password)
    bad = [(i, state) for i, state, _ in applied if state != "ok"]
    data = {"stack": args.stack,
            "applied": [{"id": i, "state": state, "appliedAt": when} for i, state, when in applied],
            "pending": [f.id for f in pending]}
    lines = [f"{i}  {state}  {when}" for i, state, when in applied]
    lines += [f"{f.id}  pending" for f in pending]
    ctx.result(args, data, "\n".join(lines) or "no migrations")
    return EXIT_FINDINGS if bad else EXIT_OK


def _print_plan(args, ctx: Context, pending, *, with_sql: bool) -> None:
    data = {"stack": args.stack, "pending": [
        {"id": f.id, "kind": f.kind, "destructive": f.destructive_reason,
         **({"sql": [s.sql for s in f.statements]} if with_sql else {})} for f in pending]}
    lines = []
    for f in pending:
        flag = f"  DESTRUCTIVE: {f.destructive_reason}" if f.destructive_reason else ""
        lines.append(f"-- {f.id} ({f.kind}, {f.path.name}){flag}")
        if with_sql:
            lines += [s.sql.rstrip() + "\n" for s in f.statements]
    ctx.result(args, data, "\n".join(lines) if lines else "nothing to apply")


def _read_parameter(ctx: Context, args, outputs: dict[str, Any], name: str) -> str:
    region = args.region or outputs.get("region")
    ssm = ctx.clients(region).ssm
    value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    if not value:
        raise OpsError(f"SSM parameter {name} is empty")
    return value

