"""Small reads of an Aurora cluster shared by the commands."""

from __future__ import annotations

from typing import Any

from ops.errors import OpsError


def describe_cluster(rds: Any, cluster_id: str) -> dict[str, Any]:
    return rds.describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]


def cluster_instances(rds: Any, cluster_id: str) -> list[dict[str, Any]]:
    pages = rds.get_paginator("describe_db_instances").paginate(
        Filters=[{"Name": "db-cluster-id", "Values": [cluster_id]}]
    )
    return [instance for page in pages for instance in page["DBInstances"]]


def writer_of(cluster: dict[str, Any]) -> str | None:
    for member in cluster.get("DBClusterMembers", []):
        if member.get("IsClusterWriter"):
            return member["DBInstanceIdentifier"]
    return None


def readers_of(cluster: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in cluster.get("DBClusterMembers", []) if not m.get("IsClusterWriter")]


def require_writer(cluster: dict[str, Any]) -> str:
    writer = writer_of(cluster)
    if writer is None:
        raise OpsError(f"cluster {cluster['DBClusterIdentifier']} has no writer instance")
    return writer
