"""restore: a NEW cluster from a point in time or a snapshot, with the source's settings.

The source cluster is never modified. moto accepts any RestoreToTime, so the restorable window
is checked here, before anything is created.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from ops.cluster import cluster_instances, describe_cluster, writer_of
from ops.confirm import confirm
from ops.context import Context
from ops.errors import EXIT_OK, OpsError
from ops.target import resolve_target
from ops.timeparse import as_utc, iso, iso_time
from ops.waiters import Poller

NAME = "restore"
HELP = "restore to a point in time or from a snapshot into a new cluster, then its instances"
DISRUPTIVE = True
DEFAULT_TIMEOUT = 7200
MAX_INSTANCES = 16


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--to-time", type=iso_time, metavar="ISO8601", help="restore to this time")
    source.add_argument("--latest", action="store_true", help="restore to the latest restorable time")
    source.add_argument("--snapshot", metavar="ID", help="restore from this cluster snapshot")
    parser.add_argument("--new-cluster", required=True, metavar="NAME", help="new cluster identifier")
    parser.add_argument("--instances", type=int, default=1, metavar="N", help="instances to create (default 1)")


def check_window(cluster: dict[str, Any], when: datetime) -> None:
    cluster_id = cluster["DBClusterIdentifier"]
    earliest, latest = cluster.get("EarliestRestorableTime"), cluster.get("LatestRestorableTime")
    if earliest is None or latest is None:
        raise OpsError(f"cluster {cluster_id} reports no restorable window (are backups on?)")
    earliest, latest = as_utc(earliest), as_utc(latest)
    if not earliest <= when <= latest:
        raise OpsError(
            f"--to-time {iso(when)} is outside the restorable window of {cluster_id}: {iso(earliest)} .. {iso(latest)}"
            " (both ends included; --latest restores to the latest)"
        )


def cluster_settings(source: dict[str, Any], new_cluster: str) -> dict[str, Any]:
    """Request fields copied from the source so the new cluster is as locked down as the old."""
    params: dict[str, Any] = {
        "DBClusterIdentifier": new_cluster,
        "DBSubnetGroupName": source.get("DBSubnetGroup"),
        "VpcSecurityGroupIds": [g["VpcSecurityGroupId"] for g in source.get("VpcSecurityGroups", [])],
        "DBClusterParameterGroupName": source.get("DBClusterParameterGroup"),
        "EnableIAMDatabaseAuthentication": bool(source.get("IAMDatabaseAuthenticationEnabled")),
        "CopyTagsToSnapshot": bool(source.get("CopyTagsToSnapshot")),
        "DeletionProtection": bool(source.get("DeletionProtection")),
        # Without these the new cluster inherits what the snapshot recorded, not what the source
        # runs with today; verify's aurora-backup-retention would then judge a stale value.
        "BackupRetentionPeriod": source.get("BackupRetentionPeriod"),
        "PreferredBackupWindow": source.get("PreferredBackupWindow"),
        "Tags": restored_tags(source),
    }
    if source.get("StorageEncrypted") and source.get("KmsKeyId"):
        params["KmsKeyId"] = source["KmsKeyId"]
    if source.get("EnabledCloudwatchLogsExports"):
        params["EnableCloudwatchLogsExports"] = list(source["EnabledCloudwatchLogsExports"])
    if source.get("Port"):
        params["Port"] = int(source["Port"])
    if source.get("BacktrackWindow"):
        params["BacktrackWindow"] = int(source["BacktrackWindow"])
    if str(source.get("StorageType", "")).startswith("aurora"):  # aurora | aurora-iopt1 (I/O-Optimized)
        params["StorageType"] = source["StorageType"]
    scaling = source.get("ServerlessV2ScalingConfiguration")
    if scaling:
        # db.serverless instances can only be created in a cluster that has a Serverless v2
        # scaling configuration; the restore APIs do not carry it over by themselves.
        params["ServerlessV2ScalingConfiguration"] = {
            k: scaling[k] for k in ("MinCapacity", "MaxCapacity", "SecondsUntilAutoPause") if k in scaling
        }
    return {k: v for k, v in params.items() if v not in (None, [])}


def restored_tags(source: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"Key": "restored-from", "Value": source["DBClusterIdentifier"]},
        {"Key": "created-by", "Value": "aurora-platform-ops"},
    ]


def snapshot_engine(snap: dict[str, Any], source: dict[str, Any]) -> dict[str, str]:
    """Engine (required by the API) and engine version of the snapshot, else of the source."""
    engine = {"Engine": snap.get("Engine") or source["Engine"]}
    version = snap.get("EngineVersion") or source.get("EngineVersion")
    if version:
        engine["EngineVersion"] = version
    return engine


def instance_template(rds: Any, source: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Instance settings from the source's writer; zones from where its instances run."""
    instances = cluster_instances(rds, source["DBClusterIdentifier"])
    writer_id = writer_of(source)
    writer = next((i for i in instances if i["DBInstanceIdentifier"] == writer_id), None)
    if writer is None:
        raise OpsError(f"cluster {source['DBClusterIdentifier']} has no writer to copy settings from")
    template: dict[str, Any] = {
        "DBInstanceClass": writer["DBInstanceClass"],
        "Engine": source["Engine"],
        "PubliclyAccessible": False,
        "Tags": restored_tags(source),
    }
    groups = writer.get("DBParameterGroups") or []
    if groups:
        template["DBParameterGroupName"] = groups[0]["DBParameterGroupName"]
    # The server certificate's CA and minor upgrades: left out, RDS would pick its defaults,
    # which need not be what the source (and the clients that pin its CA) use.
    if writer.get("CACertificateIdentifier"):
        template["CACertificateIdentifier"] = writer["CACertificateIdentifier"]
    if writer.get("AutoMinorVersionUpgrade") is not None:
        template["AutoMinorVersionUpgrade"] = bool(writer["AutoMinorVersionUpgrade"])
    if writer.get("PerformanceInsightsEnabled"):
        template["EnablePerformanceInsights"] = True
        if writer.get("PerformanceInsightsKMSKeyId"):
            template["PerformanceInsightsKMSKeyId"] = writer["PerformanceInsightsKMSKeyId"]
        if writer.get("PerformanceInsightsRetentionPeriod"):
            template["PerformanceInsightsRetentionPeriod"] = int(writer["PerformanceInsightsRetentionPeriod"])
    if writer.get("MonitoringInterval") and writer.get("MonitoringRoleArn"):
        template["MonitoringInterval"] = writer["MonitoringInterval"]
        template["MonitoringRoleArn"] = writer["MonitoringRoleArn"]
    zones = sorted({i["AvailabilityZone"] for i in instances if i.get("AvailabilityZone")})
    return template, zones


def create_instances(rds: Any, new_cluster: str, template: dict[str, Any], zones: list[str], count: int) -> list[str]:
    """Writer first (tier 0), readers after, round-robin over the source's zones."""
    names = []
    for index in range(count):
        name = f"{new_cluster}-{index + 1}"
        extra = {"AvailabilityZone": zones[index % len(zones)]} if zones else {}
        rds.create_db_instance(
            DBInstanceIdentifier=name,
            DBClusterIdentifier=new_cluster,
            PromotionTier=min(index, 15),
            **template,
            **extra,
        )
        names.append(name)
    return names


def wait_cluster(poller: Poller, rds: Any, cluster_id: str) -> dict[str, Any]:
    return poller.until(
        f"cluster {cluster_id}",
        probe=lambda: describe_cluster(rds, cluster_id),
        done=lambda c: c.get("Status") == "available",
        describe=lambda c: str(c.get("Status")),
    )


def wait_instance(poller: Poller, rds: Any, name: str) -> None:
    poller.until(
        f"instance {name}",
        probe=lambda: rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0],
        done=lambda i: i.get("DBInstanceStatus") == "available",
        describe=lambda i: str(i.get("DBInstanceStatus")),
        failed=lambda i: "failed" if i.get("DBInstanceStatus") == "failed" else None,
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    if not 1 <= args.instances <= MAX_INSTANCES:
        raise OpsError(f"--instances {args.instances}: must be between 1 and {MAX_INSTANCES}")
    target = resolve_target(args)
    source_id = target.require_cluster()
    rds = ctx.clients(target.region).rds
    source = describe_cluster(rds, source_id)
    params = cluster_settings(source, args.new_cluster)
    template, zones = instance_template(rds, source)

    if args.snapshot:
        snap = rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=args.snapshot)
        snap = snap["DBClusterSnapshots"][0]
        what = f"snapshot {args.snapshot}"
    elif args.latest:
        what = "the latest restorable time"
    else:
        check_window(source, args.to_time)
        what = iso(args.to_time)

    confirm(
        f"Create cluster {args.new_cluster} from {source_id} at {what}, "
        f"with {args.instances} instance(s) (billed from now on).",
        assume_yes=args.yes,
        stdin=ctx.stdin,
        stderr=ctx.stderr,
    )
    if args.snapshot:
        rds.restore_db_cluster_from_snapshot(
            SnapshotIdentifier=args.snapshot,
            **snapshot_engine(snap, source),
            **params,
        )
    elif args.latest:
        rds.restore_db_cluster_to_point_in_time(
            SourceDBClusterIdentifier=source_id, UseLatestRestorableTime=True, **params
        )
    else:
        rds.restore_db_cluster_to_point_in_time(
            SourceDBClusterIdentifier=source_id, RestoreToTime=args.to_time, **params
        )
    ctx.say(f"restore of {args.new_cluster} from {source_id} ({what}) started")

    poller = ctx.poller(args)
    wait_cluster(poller, rds, args.new_cluster)
    names = create_instances(rds, args.new_cluster, template, zones, args.instances)
    for name in names:
        wait_instance(poller, rds, name)
    final = describe_cluster(rds, args.new_cluster)
    data = {
        "source": source_id,
        "restoredFrom": what,
        "cluster": args.new_cluster,
        "endpoint": final.get("Endpoint"),
        "readerEndpoint": final.get("ReaderEndpoint"),
        "instances": names,
        "settings": {k: v for k, v in params.items() if k not in ("DBClusterIdentifier", "Tags")},
    }
    text = (
        f"cluster {args.new_cluster} restored from {source_id} ({what})\n"
        f"endpoint {final.get('Endpoint')}\ninstances {', '.join(names)}"
    )
    ctx.result(args, data, text)
    return EXIT_OK
