"""restore: a NEW cluster from a point in time or a snapshot, with the source's settings.

The source cluster is never modified. moto accepts any RestoreToTime, so the restorable window
is checked here, before anything is created.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ops.cluster import cluster_instances, describe_cluster, writer_of
from ops.confirm import confirm
from ops.context import Context, _json_default
from ops.errors import EXIT_OK, OpsError
from ops.lookup import check_identifier, find_cluster, find_cluster_snapshot, find_instance, tags_of
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
    source.add_argument(
        "--resume",
        metavar="NAME",
        help="finish an interrupted restore of cluster NAME: create only what is missing (source, point from its tags)",
    )
    parser.add_argument("--new-cluster", metavar="NAME", help="new cluster identifier (required unless --resume)")
    parser.add_argument(
        "--instances", type=int, default=None, metavar="N", help=f"instances to create, 1-{MAX_INSTANCES} (default 1)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="run the checks, print the exact requests, change nothing"
    )


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


CREATED_BY = "aurora-platform-ops"
# The stack's own tags a restored cluster keeps, so cost reports and the Environment=production
# rules still see it as the stack's. ManagedBy is left out: Pulumi does not manage the copy.
KEPT_TAGS = ("project", "stack", "environment")
POINT_TAG, INSTANCES_TAG = "restored-from-point", "ops-restore-instances"


def restored_tags(
    source: dict[str, Any], point: str | None = None, instances: int | None = None
) -> list[dict[str, str]]:
    """The source's project/stack/environment tags (any key case), then what it was restored from.

    ``point`` is ``snapshot:ID``, ``time:ISO8601`` or ``latest``: with ``restored-from`` it is how a
    re-run (or --resume) recognises the cluster as its own."""
    tags = [t for t in source.get("TagList", []) if t["Key"].lower() in KEPT_TAGS]
    tags.append({"Key": "restored-from", "Value": source["DBClusterIdentifier"]})
    if point is not None:
        tags.append({"Key": POINT_TAG, "Value": point})
    if instances is not None:
        tags.append({"Key": INSTANCES_TAG, "Value": str(instances)})
    tags.append({"Key": "created-by", "Value": CREATED_BY})
    return tags


def snapshot_engine(snap: dict[str, Any], source: dict[str, Any]) -> dict[str, str]:
    """Engine (required by the API) and engine version of the snapshot, else of the source."""
    engine = {"Engine": snap.get("Engine") or source["Engine"]}
    version = snap.get("EngineVersion") or source.get("EngineVersion")
    if version:
        engine["EngineVersion"] = version
    return engine


def instance_template(rds: Any, source: dict[str, Any], point: str | None = None) -> tuple[dict[str, Any], list[str]]:
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
        "Tags": restored_tags(source, point),
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


def instance_names(new_cluster: str, count: int) -> list[str]:
    return [f"{new_cluster}-{index + 1}" for index in range(count)]


def instance_requests(
    new_cluster: str, template: dict[str, Any], zones: list[str], count: int, present: set[str]
) -> list[dict[str, Any]]:
    """CreateDBInstance requests for the instances not ``present``: writer first (tier 0),
    readers after, round-robin over the source's zones."""
    requests = []
    for index, name in enumerate(instance_names(new_cluster, count)):
        if name in present:
            continue
        extra = {"AvailabilityZone": zones[index % len(zones)]} if zones else {}
        requests.append(
            {
                "DBInstanceIdentifier": name,
                "DBClusterIdentifier": new_cluster,
                "PromotionTier": min(index, 15),
                **template,
                **extra,
            }
        )
    return requests


BAD_CLUSTER = ("failed", "deleting", "inaccessible-encryption-credentials", "incompatible-restore")


def wait_cluster(poller: Poller, rds: Any, cluster_id: str) -> dict[str, Any]:
    return poller.until(
        f"cluster {cluster_id}",
        probe=lambda: describe_cluster(rds, cluster_id),
        done=lambda c: c.get("Status") == "available",
        describe=lambda c: str(c.get("Status")),
        failed=lambda c: f"status {c.get('Status')}" if c.get("Status") in BAD_CLUSTER else None,
    )


BAD_INSTANCE = ("failed", "incompatible-parameters", "incompatible-restore", "incompatible-network", "deleting")


def wait_instances(poller: Poller, rds: Any, cluster_id: str, names: list[str]) -> None:
    """All of ``names`` available, in one loop (one describe per poll, whatever the count)."""

    def probe() -> dict[str, str]:
        found = {i["DBInstanceIdentifier"]: str(i.get("DBInstanceStatus")) for i in cluster_instances(rds, cluster_id)}
        return {name: found.get(name, "not found") for name in names}

    poller.until(
        f"instances of {cluster_id}",
        probe=probe,
        done=lambda states: all(s == "available" for s in states.values()),
        describe=lambda states: ", ".join(f"{n} {s}" for n, s in states.items()),
        failed=lambda states: "; ".join(f"{n} is {s}" for n, s in states.items() if s in BAD_INSTANCE) or None,
    )




def point_of(args: argparse.Namespace) -> str:
    """The restore point as its tag records it."""
    if args.snapshot:
        return f"snapshot:{args.snapshot}"
    if args.latest:
        return "latest"
    return f"time:{iso(args.to_time)}"


def point_text(point: str) -> str:
    kind, _, value = point.partition(":")
    if kind == "snapshot":
        return f"snapshot {value}"
    if kind == "latest":
        return "the latest restorable time"
    return value


def _count(flag: str, value: int) -> int:
    if not 1 <= value <= MAX_INSTANCES:
        raise OpsError(f"{flag} {value}: must be between 1 and {MAX_INSTANCES}")
    return value


@dataclass
class Plan:
    """What this run will do, settled before the prompt and before the first changing call."""

    source_id: str
    new_cluster: str
    point: str
    count: int
    existing: dict[str, Any] | None  # the cluster an earlier run created, when resuming


def plan_resume(args: argparse.Namespace, rds: Any, target_cluster: str | None, region: str | None) -> Plan:
    name = check_identifier("--resume", args.resume, "cluster")
    if args.new_cluster and args.new_cluster.lower() != name:
        raise OpsError(f"--new-cluster {args.new_cluster} and --resume {args.resume} name different clusters")
    existing = find_cluster(rds, name)
    if existing is None:
        raise OpsError(
            f"--resume {args.resume}: no cluster of that name in {region}; nothing to resume "
            "(if the restore call itself never went through, run the original restore command again)"
        )
    tags = tags_of(existing)
    if tags.get("created-by") != CREATED_BY or POINT_TAG not in tags or "restored-from" not in tags:
        raise OpsError(
            f"--resume {args.resume}: cluster {name} was not created by `ops restore` "
            f"(no {POINT_TAG} and created-by={CREATED_BY} tags); nothing changed"
        )
    source_id = tags["restored-from"]
    if target_cluster and target_cluster.lower() != source_id.lower():
        raise OpsError(f"--resume {args.resume}: restored from {source_id}, not from --cluster {target_cluster}")
    recorded = tags.get(INSTANCES_TAG, "1")
    if not recorded.isdigit():
        raise OpsError(f"--resume {args.resume}: tag {INSTANCES_TAG}={recorded!r} is not a number; pass --instances N")
    count = _count("--instances", args.instances) if args.instances is not None else int(recorded)
    return Plan(source_id, name, tags[POINT_TAG], _count(f"tag {INSTANCES_TAG}", count), existing)


def plan_new(args: argparse.Namespace, rds: Any, source_id: str) -> Plan:
    if not args.new_cluster:
        raise OpsError("--new-cluster NAME is required (or --resume NAME to finish an earlier restore)")
    # 60, not 63: the instances are NAME-1 .. NAME-16 and share the 63-character limit.
    name = check_identifier("--new-cluster", args.new_cluster, "cluster", 60)
    if name == source_id.lower():
        raise OpsError(f"--new-cluster {args.new_cluster}: that is the source cluster; restore always makes a new one")
    count = _count("--instances", args.instances if args.instances is not None else 1)
    point = point_of(args)
    existing = find_cluster(rds, name)
    if existing is not None:
        tags = tags_of(existing)
        if tags.get("created-by") != CREATED_BY or POINT_TAG not in tags:
            raise OpsError(
                f"--new-cluster {args.new_cluster}: a cluster of that name already exists and was not created by "
                "`ops restore`; choose another name. Nothing changed"
            )
        was = (tags.get("restored-from", ""), tags.get(POINT_TAG, ""))
        if was[0].lower() != source_id.lower() or was[1] != point:
            raise OpsError(
                f"--new-cluster {args.new_cluster}: already exists, restored from {was[0]} at {point_text(was[1])}, "
                f"not from {source_id} at {point_text(point)}; choose another name, or finish that restore with "
                f"`python -m ops restore --resume {name}`. Nothing changed"
            )
    return Plan(source_id, name, point, count, existing)


def check_instance_names(rds: Any, plan: Plan, present: set[str]) -> None:
    """An instance name taken by another cluster would fail half-way, after the cluster exists."""
    for name in instance_names(plan.new_cluster, plan.count):
        if name in present:
            continue
        other = find_instance(rds, name)
        if other is not None:
            raise OpsError(
                f"instance {name} already exists (in cluster {other.get('DBClusterIdentifier') or 'none'}); "
                "choose another --new-cluster. Nothing changed"
            )


def check_point(rds: Any, source: dict[str, Any], point: str) -> dict[str, Any] | None:
    """The snapshot (when restoring from one), after checking it can be restored from."""
    kind, _, value = point.partition(":")
    if kind == "time":
        check_window(source, as_utc(value))
        return None
    if kind != "snapshot":
        return None
    snap = find_cluster_snapshot(rds, value)
    if snap is None:
        raise OpsError(f"--snapshot {value}: no such cluster snapshot; nothing changed")
    if snap.get("Status") not in (None, "available"):
        raise OpsError(f"--snapshot {value}: is {snap.get('Status')}, not available; wait for it (`python -m ops wait "
                       f"--snapshot {value}`) and run again")
    return snap


def restore_request(plan: Plan, source: dict[str, Any], snap: dict[str, Any] | None, params: dict[str, Any]) -> tuple[
    str, dict[str, Any]
]:
    kind, _, value = plan.point.partition(":")
    if kind == "snapshot":
        return "RestoreDBClusterFromSnapshot", {
            "SnapshotIdentifier": value,
            **snapshot_engine(snap or {}, source),
            **params,
        }
    if kind == "latest":
        return "RestoreDBClusterToPointInTime", {
            "SourceDBClusterIdentifier": plan.source_id,
            "UseLatestRestorableTime": True,
            **params,
        }
    return "RestoreDBClusterToPointInTime", {
        "SourceDBClusterIdentifier": plan.source_id,
        "RestoreToTime": as_utc(value),
        **params,
    }


def run(args: argparse.Namespace, ctx: Context) -> int:
    target = resolve_target(args)
    rds = ctx.clients(target.region).rds
    if args.resume:
        plan = plan_resume(args, rds, target.cluster_id if args.cluster else None, ctx.region)
    else:
        plan = plan_new(args, rds, target.require_cluster())
    new = plan.new_cluster
    source = describe_cluster(rds, plan.source_id)
    params = cluster_settings(source, new)
    params["Tags"] = restored_tags(source, plan.point, plan.count)
    template, zones = instance_template(rds, source, plan.point)
    present = {i["DBInstanceIdentifier"] for i in cluster_instances(rds, new)} if plan.existing else set()
    check_instance_names(rds, plan, present)
    what = point_text(plan.point)
    calls: list[tuple[str, dict[str, Any]]] = []
    if plan.existing is None:
        snap = check_point(rds, source, plan.point)
        calls.append(restore_request(plan, source, snap, params))
    creates = instance_requests(new, template, zones, plan.count, present)
    calls += [("CreateDBInstance", request) for request in creates]

    if args.dry_run:
        data = {"dryRun": True, "requests": [{"operation": op, "request": request} for op, request in calls]}
        ctx.result(args, data, "dry run, nothing changed; the requests would be:\n" + _json(data["requests"]))
        return EXIT_OK

    names = instance_names(new, plan.count)
    if plan.existing is not None:
        missing = [r["DBInstanceIdentifier"] for r in creates]
        action = (
            f"Finish the restore of {new} (from {plan.source_id} at {what}, status {plan.existing.get('Status')}): "
            f"create {', '.join(missing) or 'nothing'}"
            + (" (billed from now on)." if missing else "; only wait for it.")
        )
    else:
        action = (
            f"Create cluster {new} from {plan.source_id} at {what}, "
            f"with {plan.count} instance(s) {', '.join(names)} (billed from now on)."
        )
    confirm(action, assume_yes=args.yes, stdin=ctx.stdin, stderr=ctx.stderr)

    resume = ctx.command("restore", "--resume", new)
    what_runs = f"the restore of {new} (its instances are created only by `ops restore`)"
    if plan.existing is None:
        ctx.started(what_runs, "--cluster", new, resume, pending=True)
        operation, request = calls[0]
        if operation == "RestoreDBClusterFromSnapshot":
            rds.restore_db_cluster_from_snapshot(**request)
        else:
            rds.restore_db_cluster_to_point_in_time(**request)
        ctx.say(f"restore of {new} from {plan.source_id} ({what}) started")
    else:
        ctx.say(f"cluster {new} exists from an earlier run of this restore; creating only what is missing")
    ctx.started(what_runs, "--cluster", new, resume)

    if args.no_wait and creates and (plan.existing or {}).get("Status") != "available":
        ctx.result(
            args,
            {"source": plan.source_id, "restoredFrom": what, "cluster": new, "instances": names, "waited": False},
            f"restore of {new} started; not waiting (--no-wait). The instances are not created yet: run `{resume}` "
            "(it waits for the cluster, then creates them)",
        )
        return EXIT_OK

    poller = ctx.poller(args)
    wait_cluster(poller, rds, new)
    for request in creates:
        rds.create_db_instance(**request)
    if args.no_wait:
        ctx.result(
            args,
            {"source": plan.source_id, "restoredFrom": what, "cluster": new, "instances": names, "waited": False},
            f"cluster {new} available; instances {', '.join(names)} being created; follow with "
            f"`{ctx.command('wait', '--cluster', new)}`",
        )
        return EXIT_OK
    wait_instances(poller, rds, new, names)
    final = describe_cluster(rds, new)
    data = {
        "source": plan.source_id,
        "restoredFrom": what,
        "cluster": new,
        "endpoint": final.get("Endpoint"),
        "readerEndpoint": final.get("ReaderEndpoint"),
        "instances": names,
        "settings": {k: v for k, v in params.items() if k not in ("DBClusterIdentifier", "Tags")},
        "tags": {t["Key"]: t["Value"] for t in params["Tags"]},
    }
    text = (
        f"cluster {new} restored from {plan.source_id} ({what})\n"
        f"endpoint {final.get('Endpoint')}\ninstances {', '.join(names)}"
    )
    ctx.result(args, data, text)
    return EXIT_OK


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, default=_json_default)
