"""snapshot: a tagged manual cluster snapshot, optionally copied under another KMS key."""

from __future__ import annotations

import argparse
from typing import Any

from ops.cluster import describe_cluster
from ops.context import Context
from ops.errors import EXIT_OK, OpsError
from ops.lookup import check_identifier, find_cluster_snapshot
from ops.target import resolve_target
from ops.waiters import Poller

NAME = "snapshot"
HELP = "take a manual cluster snapshot with tags and wait until it is available"
DISRUPTIVE = False
DEFAULT_TIMEOUT = 3600

CREATED_BY = {"Key": "created-by", "Value": "aurora-platform-ops"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--snapshot-id", metavar="ID", help="snapshot identifier (default CLUSTER-ops-TIMESTAMP)")
    parser.add_argument("--tag", action="append", default=[], metavar="KEY=VALUE", help="extra tag (repeatable)")
    parser.add_argument("--copy-kms-key", metavar="ARN", help="also copy the snapshot, encrypted with this key")
    parser.add_argument("--copy-id", metavar="ID", help="identifier of the copy (default SNAPSHOT-copy)")


def parse_tags(pairs: list[str]) -> list[dict[str, str]]:
    tags = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise OpsError(f"--tag {pair!r}: expected KEY=VALUE")
        tags.append({"Key": key, "Value": value})
    return tags


def snapshot_tags(cluster: dict[str, Any], extra: list[dict[str, str]]) -> list[dict[str, str]]:
    """The cluster's own tags, ours, then the user's; later wins. Passing tags explicitly means
    the snapshot is tagged whatever CopyTagsToSnapshot says. ``aws:`` keys are AWS's to set."""
    merged: dict[str, str] = {}
    for tag in [*cluster.get("TagList", []), CREATED_BY, *extra]:
        if not tag["Key"].startswith("aws:"):
            merged[tag["Key"]] = tag["Value"]
    return [{"Key": k, "Value": v} for k, v in merged.items()]


def wait_available(poller: Poller, rds: Any, snapshot_id: str) -> dict[str, Any]:
    def probe() -> dict[str, Any]:
        found = rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=snapshot_id)
        return found["DBClusterSnapshots"][0]

    return poller.until(
        f"snapshot {snapshot_id}",
        probe=probe,
        done=lambda s: s.get("Status") == "available",
        describe=lambda s: f"{s.get('Status')} {s.get('PercentProgress', 0)}%",
        failed=lambda s: f"status {s['Status']}" if s.get("Status") in ("failed", "error") else None,
    )


def summary(snap: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": snap["DBClusterSnapshotIdentifier"],
        "arn": snap.get("DBClusterSnapshotArn"),
        "status": snap.get("Status"),
        "encrypted": snap.get("StorageEncrypted"),
        "kmsKeyId": snap.get("KmsKeyId"),
        "tags": {t["Key"]: t["Value"] for t in snap.get("TagList", [])},
    }


def run(args: argparse.Namespace, ctx: Context) -> int:
    extra_tags = parse_tags(args.tag)
    target = resolve_target(args)
    cluster_id = target.require_cluster()
    if args.copy_id and not args.copy_kms_key:
        raise OpsError("--copy-id is only used with --copy-kms-key")
    if args.copy_kms_key and args.no_wait:
        raise OpsError("--no-wait with --copy-kms-key: the copy can only start once the snapshot is available; "
                       "take the snapshot with --no-wait, then copy it later, or wait")
    snapshot_id = args.snapshot_id or f"{cluster_id}-ops-{ctx.now():%Y%m%d-%H%M%S}"
    snapshot_id = check_identifier("--snapshot-id", snapshot_id, "snapshot")
    copy_id = None
    if args.copy_kms_key:
        copy_id = check_identifier("--copy-id", args.copy_id or f"{snapshot_id}-copy", "snapshot")
        if copy_id == snapshot_id:
            raise OpsError(f"--copy-id {copy_id}: the same as the snapshot id; choose another")
    rds = ctx.clients(target.region).rds
    cluster = describe_cluster(rds, cluster_id)
    # Both ids are checked before anything is created: a copy id that is taken would otherwise
    # fail only after the snapshot exists, leaving it behind with nothing said.
    for flag, ident in (("--snapshot-id", snapshot_id), ("--copy-id", copy_id)):
        if ident and find_cluster_snapshot(rds, ident) is not None:
            raise OpsError(f"{flag} {ident}: a cluster snapshot of that name already exists; choose another. "
                           "Nothing changed")
    tags = snapshot_tags(cluster, extra_tags)
    poller = ctx.poller(args)

    ctx.started(f"snapshot {snapshot_id} of {cluster_id}", "--snapshot", snapshot_id, pending=True)
    rds.create_db_cluster_snapshot(DBClusterIdentifier=cluster_id, DBClusterSnapshotIdentifier=snapshot_id, Tags=tags)
    ctx.started(f"snapshot {snapshot_id} of {cluster_id}", "--snapshot", snapshot_id)
    if args.no_wait:
        data: dict[str, Any] = {"cluster": cluster_id, "snapshot": {"id": snapshot_id, "status": "creating"},
                                "copy": None, "waited": False}
        ctx.result(args, data, f"snapshot {snapshot_id}: started; not waiting (--no-wait)")
        return EXIT_OK
    ctx.say(f"snapshot {snapshot_id} of {cluster_id} started")
    snap = wait_available(poller, rds, snapshot_id)
    data = {"cluster": cluster_id, "snapshot": summary(snap), "copy": None}
    text = f"snapshot {snapshot_id}: {snap.get('Status')}"

    if args.copy_kms_key and copy_id:
        ctx.started(f"copy {copy_id} of snapshot {snapshot_id}", "--snapshot", copy_id, pending=True)
        rds.copy_db_cluster_snapshot(
            SourceDBClusterSnapshotIdentifier=snap["DBClusterSnapshotArn"],
            TargetDBClusterSnapshotIdentifier=copy_id,
            KmsKeyId=args.copy_kms_key,
            CopyTags=True,
        )
        ctx.started(f"copy {copy_id} of snapshot {snapshot_id}", "--snapshot", copy_id)
        ctx.say(f"copy {copy_id} under {args.copy_kms_key} started")
        copy = wait_available(poller, rds, copy_id)
        data["copy"] = summary(copy)
        text += f"\ncopy {copy_id}: {copy.get('Status')}, encrypted with {copy.get('KmsKeyId')}"
    ctx.result(args, data, text)
    return EXIT_OK
