"""Audit logging on every Aurora cluster: pgaudit (PostgreSQL) or the server audit plugin (MySQL), set in the cluster
parameter group the cluster's value names. That the log holding the records is exported is aurora-log-exports' rule.

Like aurora-tls-forced, the group is the one `dbClusterParameterGroupName` names by value (tls.resolve), never merely
one the cluster depends on; whatever cannot be resolved fails with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from ._base import ADVISORY, OURS, StackRule, label
from .rds import CLUSTER
from .tls import PARAMETER_GROUP, _family, _normalise, _read, resolve

# pgaudit classes that log something; "none" and exclusions alone log nothing.
PGAUDIT_CLASSES = {"read", "write", "function", "role", "ddl", "misc", "misc_set", "all"}


def _values(group: PolicyResource, name: str) -> list[Any]:
    entries = [p for p in (_read(group.props, "parameters") or []) if hasattr(p, "get")]
    return [p.get("value") for p in entries if _normalise(p.get("name")) == name]


def _one(group: PolicyResource, name: str) -> tuple[str | None, str | None]:
    """(value, problem): the parameter's single value, or why there is none to trust."""
    values = _values(group, name)
    if not values:
        return None, "does not set it"
    if len({str(v).strip() for v in values}) > 1:
        # Two entries for one parameter: which one AWS applies is not defined.
        return None, f"sets it {len(values)} times with different values"
    return str(values[0]).strip(), None


def _postgres(group: PolicyResource, where: str) -> Iterator[str]:
    libraries, problem = _one(group, "shared_preload_libraries")
    # Library names are file names: case matters, only the exact name loads.
    if problem or "pgaudit" not in [part.strip() for part in (libraries or "").split(",")]:
        yield (f"{where} must load pgaudit (shared_preload_libraries including pgaudit); it "
               f"{problem or f'sets {libraries!r}'}.")
    log, problem = _one(group, "pgaudit.log")
    classes = [part.strip().lower() for part in (log or "").split(",") if part.strip()]
    logged = [c for c in classes if c in PGAUDIT_CLASSES]
    if problem:
        yield f"{where} must set pgaudit.log to the classes to audit (e.g. ddl,role); it {problem}."
    elif not logged:
        yield f"{where} must set pgaudit.log to at least one class to audit (e.g. ddl,role); it sets {log!r}."


def _mysql(group: PolicyResource, where: str) -> Iterator[str]:
    value, problem = _one(group, "server_audit_logging")
    if problem:
        yield f"{where} must set server_audit_logging=1; it {problem}."
    elif value.lower() not in ("1", "on"):
        yield f"{where} must set server_audit_logging=1; it sets {value}."


def _audit_logging(resources: list[PolicyResource], _args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    for cluster in resources:
        if cluster.resource_type != CLUSTER:
            continue
        reference = resolve(cluster, "dbClusterParameterGroupName", (PARAMETER_GROUP,), ("name", "id"), resources)
        family = _family(cluster, reference)
        if family is None:
            continue  # neither PostgreSQL nor MySQL: no audit parameters to read
        if reference.kind != "found":
            yield (f"{label(cluster)}: the cluster parameter group it uses is not one of this stack's "
                   f"({reference.kind}), so audit logging cannot be verified; name the stack's group directly.",
                   cluster.urn)
            continue
        group = reference.matches[0]
        where = f"{label(group)} (used by {label(cluster)})"
        try:
            messages = list(_postgres(group, where) if family == "postgres" else _mysql(group, where))
        except UnknownValueError:
            messages = [f"{where}: its parameters are not known before deployment, so audit logging cannot be "
                        f"verified; set them as literals."]
        for message in messages:
            yield message, cluster.urn


POLICIES = [
    StackRule(
        "aurora-audit-logging",
        "Aurora clusters must write an audit log (pgaudit or the MySQL server audit plugin)",
        ("Security Hub RDS.45", OURS), ADVISORY, (CLUSTER, PARAMETER_GROUP),
        _audit_logging),
]
