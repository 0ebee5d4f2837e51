"""Audit logging read back from the live cluster parameter group (the pack's aurora-audit-logging).

A parameter changed in the console, or a cluster moved to another group, drifts from what the stack set; this reads
what the cluster uses now. pgaudit needs `CREATE EXTENSION pgaudit` once in the database too, which no describe call
shows (docs/database.md, Audit logging). That the log is exported is aurora-log-exports' check."""

from __future__ import annotations

from ops.checks.base import Facts, Outcome, failed, passed
from ops.checks.tls import parameter_value

ENGINES = ("aurora-postgresql", "aurora-mysql")
PGAUDIT_CLASSES = {"read", "write", "function", "role", "ddl", "misc", "misc_set", "all"}


def audit_logging(facts: Facts) -> Outcome:
    engine = facts.cluster.get("Engine", "")
    if engine not in ENGINES:
        return failed(f"unknown engine {engine!r}: cannot tell how auditing is turned on")
    group = facts.cluster.get("DBClusterParameterGroup")
    if not group or group.startswith("default."):
        return failed(f"cluster uses {group or 'no'} cluster parameter group; the engine's default does not audit")
    rds = facts.aws.rds
    if engine == "aurora-mysql":
        value = parameter_value(rds, group, "server_audit_logging")
        if (value or "").strip().lower() not in ("1", "on"):
            return failed(f"server_audit_logging is {value or 'not set'} in {group}; expected 1")
        return passed(f"server_audit_logging={value} in {group}")
    libraries = parameter_value(rds, group, "shared_preload_libraries") or ""
    if "pgaudit" not in [part.strip() for part in libraries.split(",")]:
        return failed(f"shared_preload_libraries in {group} does not load pgaudit ({libraries or 'not set'})")
    log = parameter_value(rds, group, "pgaudit.log") or ""
    if not [c for c in (p.strip().lower() for p in log.split(",")) if c in PGAUDIT_CLASSES]:
        return failed(f"pgaudit.log in {group} audits no class ({log or 'not set'})")
    return passed(f"pgaudit loaded, pgaudit.log={log} in {group}")
