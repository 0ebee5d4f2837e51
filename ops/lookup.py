"""Pre-checks shared by the commands: identifiers that AWS would refuse, and "does it exist?"
look-ups that turn a NotFound answer into None instead of an error."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from ops.errors import OpsError

# RDS identifiers (clusters, instances, cluster snapshots, export tasks): a letter first, then
# letters, digits and single hyphens, no hyphen at the end. RDS stores them lower-cased.
_IDENTIFIER = re.compile(r"[A-Za-z](?:-?[A-Za-z0-9])*")
MAX_IDENTIFIER = {"cluster": 63, "instance": 63, "snapshot": 255, "export task": 60}


def check_identifier(flag: str, value: str, kind: str, max_length: int | None = None) -> str:
    """``value`` lower-cased, as RDS will store it; a usage error naming the flag otherwise."""
    limit = max_length or MAX_IDENTIFIER[kind]
    if not value or len(value) > limit or _IDENTIFIER.fullmatch(value) is None:
        raise OpsError(
            f"{flag} {value!r}: not a valid {kind} identifier (1-{limit} letters, digits and single hyphens, "
            "starting with a letter, not ending with a hyphen)"
        )
    return value.lower()


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def find(call: Callable[[], Any], *not_found: str) -> Any | None:
    """The answer of ``call``, or None when AWS says the thing does not exist."""
    try:
        return call()
    except ClientError as exc:
        if error_code(exc) in not_found:
            return None
        raise


def find_cluster(rds: Any, cluster_id: str) -> dict[str, Any] | None:
    found = find(lambda: rds.describe_db_clusters(DBClusterIdentifier=cluster_id), "DBClusterNotFoundFault")
    return found["DBClusters"][0] if found and found.get("DBClusters") else None


def find_instance(rds: Any, instance_id: str) -> dict[str, Any] | None:
    found = find(lambda: rds.describe_db_instances(DBInstanceIdentifier=instance_id), "DBInstanceNotFound")
    return found["DBInstances"][0] if found and found.get("DBInstances") else None


def find_cluster_snapshot(rds: Any, snapshot_id: str) -> dict[str, Any] | None:
    found = find(
        lambda: rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=snapshot_id),
        "DBClusterSnapshotNotFoundFault",
    )
    return found["DBClusterSnapshots"][0] if found and found.get("DBClusterSnapshots") else None


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in resource.get("TagList", [])}
