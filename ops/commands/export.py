"""export: export a cluster snapshot to S3 (Parquet) and follow the task to the end.

Nothing in the cluster changes; the export is billed per GB scanned.
"""

from __future__ import annotations

import argparse
from typing import Any

from ops.context import Context
from ops.errors import EXIT_OK
from ops.target import resolve_target

NAME = "export"
HELP = "export a cluster snapshot to S3 and follow its progress"
DISRUPTIVE = False
DEFAULT_TIMEOUT = 6 * 3600

# Status values are upper case on AWS; moto answers in lower case.
DONE = "COMPLETE"
BAD = ("FAILED", "CANCELED", "CANCELING")
MAX_TASK_ID = 60  # ExportTaskIdentifier limit


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--snapshot", required=True, metavar="ID", help="cluster snapshot id or ARN")
    parser.add_argument("--bucket", required=True, metavar="NAME", help="S3 bucket to write to")
    parser.add_argument("--kms-key", required=True, metavar="ARN", help="KMS key for the export")
    parser.add_argument("--role", required=True, metavar="ARN", help="IAM role RDS assumes to write")
    parser.add_argument("--prefix", metavar="P", help="S3 key prefix")
    parser.add_argument("--export-id", metavar="ID", help="task id (default SNAPSHOT-export-TIME)")


def snapshot_arn(rds: Any, snapshot: str) -> str:
    if snapshot.startswith("arn:"):
        return snapshot
    found = rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=snapshot)
    return found["DBClusterSnapshots"][0]["DBClusterSnapshotArn"]


def default_task_id(snapshot: str, stamp: str) -> str:
    """SNAPSHOT-export-STAMP within the 60-character limit. The snapshot's id already follows the
    same naming rules; only cutting it can leave a hyphen before ours, and the API refuses two
    consecutive hyphens. ``rds:`` (automated snapshots) and ARN prefixes are dropped."""
    base = snapshot.rsplit(":", 1)[-1]
    suffix = f"-export-{stamp}"
    return base[: MAX_TASK_ID - len(suffix)].rstrip("-") + suffix


def run(args: argparse.Namespace, ctx: Context) -> int:
    target = resolve_target(args)
    rds = ctx.clients(target.region).rds
    source_arn = snapshot_arn(rds, args.snapshot)
    task_id = args.export_id or default_task_id(args.snapshot, f"{ctx.now():%Y%m%d%H%M%S}")
    request = {
        "ExportTaskIdentifier": task_id,
        "SourceArn": source_arn,
        "S3BucketName": args.bucket,
        "IamRoleArn": args.role,
        "KmsKeyId": args.kms_key,
    }
    if args.prefix:
        request["S3Prefix"] = args.prefix
    rds.start_export_task(**request)
    ctx.say(f"export {task_id} of {source_arn} to s3://{args.bucket}/{args.prefix or ''} started")

    final = ctx.poller(args).until(
        f"export {task_id}",
        probe=lambda: rds.describe_export_tasks(ExportTaskIdentifier=task_id)["ExportTasks"][0],
        done=lambda t: str(t.get("Status", "")).upper() == DONE,
        describe=lambda t: f"{t.get('Status')} {t.get('PercentProgress', 0)}%",
        failed=lambda t: (
            f"{t.get('Status')}: {t.get('FailureCause', 'no cause given')}"
            if str(t.get("Status", "")).upper() in BAD
            else None
        ),
    )
    data = {
        "exportTaskId": task_id,
        "sourceArn": source_arn,
        "bucket": args.bucket,
        "prefix": args.prefix,
        "status": str(final.get("Status")).upper(),
        "totalExtractedDataInGB": final.get("TotalExtractedDataInGB"),
    }
    where = f"s3://{args.bucket}/{args.prefix + '/' if args.prefix else ''}{task_id}/"
    ctx.result(args, data, f"export {task_id}: {data['status']} -> {where}")
    return EXIT_OK
