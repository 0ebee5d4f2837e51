"""export: export a cluster snapshot to S3 (Parquet) and follow the task to the end.

Nothing in the cluster changes; the export is billed per GB scanned.
"""

from __future__ import annotations

import argparse
import json
import re
from typing import Any
from urllib.parse import unquote

from botocore.exceptions import ClientError

from ops.context import Context
from ops.errors import EXIT_OK, OpsError
from ops.lookup import check_identifier, error_code, find
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
    parser.add_argument("--role", required=True, metavar="ARN", type=role_arn, help="IAM role RDS assumes to write")
    parser.add_argument("--prefix", metavar="P", help="S3 key prefix")
    parser.add_argument("--export-id", metavar="ID", help="task id (default SNAPSHOT-export-TIME)")


# StartExportTask takes the role as an ARN only; a path (role/service-role/NAME) may stand before the name.
ROLE_ARN = re.compile(r"arn:aws(?:-[a-z]+)*:iam::[0-9]{12}:role/(?:[!-~]+/)?[\w+=,.@-]{1,64}")


def role_arn(value: str) -> str:
    if not ROLE_ARN.fullmatch(value):
        raise argparse.ArgumentTypeError(f"not an IAM role ARN: {value!r} (arn:aws:iam::ACCOUNT:role/NAME)")
    return value


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


EXPORT_PRINCIPAL = "export.rds.amazonaws.com"
# Refusals that mean "you may not look", not "it is wrong": the pre-check is then skipped with a
# note, and AWS still checks when the task starts.
NOT_ALLOWED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AllAccessDisabled")


def bucket_region(location: str | None) -> str:
    """GetBucketLocation's LocationConstraint: empty means us-east-1, and "EU" is the old name of eu-west-1."""
    if not location:
        return "us-east-1"
    return "eu-west-1" if location == "EU" else location


def _principals(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal", {})
    service = principal.get("Service", []) if isinstance(principal, dict) else []
    return [service] if isinstance(service, str) else list(service)


def role_trusts_export(document: Any) -> bool:
    if isinstance(document, str):  # boto3 decodes it; a raw answer may still be text
        document = json.loads(unquote(document))
    statements = document.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    return any(
        s.get("Effect") == "Allow" and EXPORT_PRINCIPAL in _principals(s) for s in statements if isinstance(s, dict)
    )


def precheck(aws: Any, args: argparse.Namespace, region: str | None, notes: list[str]) -> None:
    """Everything StartExportTask would only find out after being asked: bucket, key, role."""
    try:
        location = aws.s3.get_bucket_location(Bucket=args.bucket).get("LocationConstraint")
        where = bucket_region(location)
        if region and where != region:
            raise OpsError(
                f"--bucket {args.bucket}: is in {where}, the snapshot in {region}; an export writes to a bucket "
                "of the same region"
            )
    except ClientError as exc:
        code = error_code(exc)
        if code in ("NoSuchBucket", "404", "NotFound"):
            raise OpsError(f"--bucket {args.bucket}: no such bucket; nothing started") from None
        if code not in NOT_ALLOWED:
            raise
        notes.append(f"bucket {args.bucket} not checked ({code})")
    try:
        key = aws.kms.describe_key(KeyId=args.kms_key)["KeyMetadata"]
        if key.get("KeyState") != "Enabled":
            raise OpsError(f"--kms-key {args.kms_key}: is {key.get('KeyState')}, not Enabled; nothing started")
    except ClientError as exc:
        code = error_code(exc)
        if code == "NotFoundException":
            raise OpsError(f"--kms-key {args.kms_key}: no such key in {region}; nothing started") from None
        if code not in NOT_ALLOWED:
            raise
        notes.append(f"key not checked ({code})")
    role_name = args.role.rsplit("/", 1)[-1]
    try:
        role = aws.iam.get_role(RoleName=role_name)["Role"]
        if not role_trusts_export(role.get("AssumeRolePolicyDocument", {})):
            raise OpsError(
                f"--role {args.role}: its trust policy does not let {EXPORT_PRINCIPAL} assume it; nothing started"
            )
    except ClientError as exc:
        code = error_code(exc)
        if code == "NoSuchEntity":
            raise OpsError(f"--role {args.role}: no such role; nothing started") from None
        if code not in NOT_ALLOWED:
            raise
        notes.append(f"role not checked ({code})")


def run(args: argparse.Namespace, ctx: Context) -> int:
    target = resolve_target(args)
    aws = ctx.clients(target.region)
    rds = aws.rds
    task_id = args.export_id or default_task_id(args.snapshot, f"{ctx.now():%Y%m%d%H%M%S}")
    task_id = check_identifier("--export-id", task_id, "export task")
    source_arn = snapshot_arn(rds, args.snapshot)
    taken = find(lambda: rds.describe_export_tasks(ExportTaskIdentifier=task_id), "ExportTaskNotFound",
                 "ExportTaskNotFoundFault")
    if taken and taken.get("ExportTasks"):
        raise OpsError(f"--export-id {task_id}: an export task of that name already exists; choose another")
    notes: list[str] = []
    precheck(aws, args, ctx.region, notes)
    for note in notes:
        ctx.say(f"note: {note}; AWS checks it when the task starts")
    request = {
        "ExportTaskIdentifier": task_id,
        "SourceArn": source_arn,
        "S3BucketName": args.bucket,
        "IamRoleArn": args.role,
        "KmsKeyId": args.kms_key,
    }
    if args.prefix:
        request["S3Prefix"] = args.prefix
    ctx.started(f"export {task_id}", "--export-task", task_id, pending=True)
    rds.start_export_task(**request)
    ctx.started(f"export {task_id}", "--export-task", task_id)
    where = f"s3://{args.bucket}/{args.prefix + '/' if args.prefix else ''}{task_id}/"
    if args.no_wait:
        data = {"exportTaskId": task_id, "sourceArn": source_arn, "bucket": args.bucket, "prefix": args.prefix,
                "status": "STARTING", "waited": False}
        ctx.result(args, data, f"export {task_id}: started -> {where}; not waiting (--no-wait)")
        return EXIT_OK
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
    ctx.result(args, data, f"export {task_id}: {data['status']} -> {where}")
    return EXIT_OK
