"""The cluster parameters that turn audit logging on (or off): pgaudit for PostgreSQL, the server audit plugin for
MySQL. The audit records go to the engine log the cluster already exports to CloudWatch (`postgresql`, `audit`)."""

from __future__ import annotations

from .settings.database import DatabaseSettings
from .settings.database_audit import OWNED_PARAMETERS

# Aurora PostgreSQL's own default for shared_preload_libraries: setting the parameter replaces the default, so the
# default library stays in the list beside pgaudit (dropping it would silently turn pg_stat_statements off).
DEFAULT_PRELOAD = ("pg_stat_statements",)


def _libraries(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def cluster_parameters(settings: DatabaseSettings) -> dict[str, str]:
    """Every cluster parameter the cluster parameter group sets: the engine's defaults, the audit parameters, the
    user's `parameters`, and the TLS parameter last (it cannot be overridden)."""
    engine = settings.engine_spec
    owned = OWNED_PARAMETERS.get(settings.engine, ())
    # The engine table's defaults include MySQL's audit parameters; `audit` decides them here.
    values = {name: value for name, value in engine.default_parameters if name.lower() not in owned}
    user = dict(settings.parameters)
    audit = settings.audit
    if audit.enabled and settings.engine == "aurora-postgresql":
        preload_key = next((k for k in user if k.lower() == "shared_preload_libraries"), "shared_preload_libraries")
        given = _libraries(user.pop(preload_key)) if preload_key in user else list(DEFAULT_PRELOAD)
        libraries = given + [name for name in ("pgaudit",) if name not in [g.lower() for g in given]]
        values.update({"shared_preload_libraries": ",".join(libraries),
                       "pgaudit.log": ",".join(audit.pgaudit_log),
                       "pgaudit.role": audit.pgaudit_role})
    elif audit.enabled and settings.engine == "aurora-mysql":
        values.update({"server_audit_logging": "1", "server_audit_events": ",".join(audit.server_audit_events)})
    tls_name, tls_value = engine.tls_parameter
    return {**values, **user, tls_name: tls_value}
