"""The application's container definition, as a pure function of plain values (unit-tested without Pulumi).

The database password reaches the container only through `secrets` (the ECS agent resolves `valueFrom`, the SSM
parameter ARN, at task start with the execution role); `environment` carries only non-secret connection settings:
hosts, port, database, user, TLS mode and the CA bundle path.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .settings.app import AppSettings, volume_name

POSTGRES = "aurora-postgresql"
MYSQL = "aurora-mysql"


@dataclass(frozen=True)
class ConnectionNames:
    """The conventional variable names of an engine's client libraries (libpq / node-pg read the PG* ones)."""

    host: str
    reader_host: str
    port: str
    database: str
    user: str
    ssl_mode: str
    ca_bundle: str
    password: str
    # The strictest mode: TLS required, the server certificate chained to the CA bundle and naming the host.
    ssl_mode_value: str


ENGINE_NAMES = {
    POSTGRES: ConnectionNames("PGHOST", "PGHOST_READER", "PGPORT", "PGDATABASE", "PGUSER", "PGSSLMODE",
                              "PGSSLROOTCERT", "PGPASSWORD", "verify-full"),
    MYSQL: ConnectionNames("DB_HOST", "DB_HOST_READER", "DB_PORT", "DB_NAME", "DB_USER", "DB_SSL_MODE",
                           "DB_SSL_CA", "DB_PASSWORD", "VERIFY_IDENTITY"),
}


def names_for(engine: str) -> ConnectionNames:
    try:
        return ENGINE_NAMES[engine]
    except KeyError:
        raise ValueError(f"unknown database engine {engine!r}; expected one of {', '.join(ENGINE_NAMES)}") from None


def reader_host(settings: AppSettings, database: Any) -> Any:
    """The host for PGHOST_READER / DB_HOST_READER: the custom endpoint `app.readerEndpoint` names, else the
    database's reader host (the cluster's reader endpoint, or the proxy's)."""
    if settings.reader_endpoint is None:
        return database.reader_host
    endpoints = database.custom_endpoints
    if settings.reader_endpoint not in endpoints:
        # The settings check the name against the database's; reaching here means they disagree, a program bug.
        raise ValueError(f"app.readerEndpoint {settings.reader_endpoint!r} is not one of the database's custom "
                         f"endpoints ({', '.join(endpoints) or 'none'})")
    return endpoints[settings.reader_endpoint]


def container_definitions(
    settings: AppSettings,
    *,
    engine: str,
    writer_host: str,
    reader_host: str,
    port: int,
    database_name: str,
    user: str,
    password_value_from: str | None,
    extra_secret_arns: Mapping[str, str],
    log_group_name: str,
    region: str,
) -> list[dict]:
    """The task's one container. `password_value_from` None means no password is injected (IAM authentication)."""
    names = names_for(engine)
    environment = {
        names.host: writer_host,
        names.reader_host: reader_host,
        names.port: str(port),
        names.database: database_name,
        names.user: user,
        names.ssl_mode: names.ssl_mode_value,
        names.ca_bundle: settings.ca_bundle_path,
        **settings.environment,
    }
    secrets = dict(extra_secret_arns)
    if password_value_from is not None:
        secrets[names.password] = password_value_from

    container: dict = {
        "name": settings.container_name,
        "image": settings.image,
        "essential": True,
        "user": settings.user,
        "readonlyRootFilesystem": settings.readonly_root_filesystem,
        "portMappings": [{"containerPort": settings.container_port, "protocol": "tcp"}],
        # Sorted, so a reordered config map does not register a new task definition revision.
        "environment": [{"name": k, "value": v} for k, v in sorted(environment.items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(secrets.items())],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": log_group_name,
                "awslogs-region": region,
                "awslogs-stream-prefix": settings.container_name,
            },
        },
        "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
    }
    if settings.readonly_root_filesystem and settings.writable_paths:
        container["mountPoints"] = [{"sourceVolume": volume_name(p), "containerPath": p, "readOnly": False}
                                    for p in settings.writable_paths]
    return [container]
