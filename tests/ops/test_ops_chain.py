"""End to end on moto, as a user chains the commands in a shell: each step is a real
`python -m ops` subprocess that reads the previous step's JSON output.

snapshot -> restore --snapshot -> verify (the restored cluster) -> export (the snapshot)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[2]
EXPORT_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "export.rds.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def ops(*argv: str) -> tuple[int, dict, str]:
    completed = subprocess.run(
        [sys.executable, "-m", "ops", *argv, "--json"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in completed.stderr
    return completed.returncode, json.loads(completed.stdout), completed.stderr


def test_snapshot_restore_verify_export(stacks):
    stack = stacks.build(network=True, encrypted=True)
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(Bucket="aurora-exports", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    role = boto3.client("iam", region_name="eu-west-1").create_role(
        RoleName="rds-s3-export", AssumeRolePolicyDocument=json.dumps(EXPORT_TRUST)
    )["Role"]["Arn"]

    code, snap, err = ops("snapshot", "--outputs", str(stack.outputs), "--snapshot-id", "before-incident",
                          "--poll-interval", "1")
    assert code == 0, err
    snapshot_id = snap["snapshot"]["id"]
    assert snapshot_id == "before-incident"

    code, restored, err = ops("restore", "--outputs", str(stack.outputs), "--snapshot", snapshot_id,
                              "--new-cluster", "aurora-dev-restored", "--instances", "2", "--yes",
                              "--poll-interval", "1")
    assert code == 0, err
    assert restored["instances"] == ["aurora-dev-restored-1", "aurora-dev-restored-2"]
    assert restored["tags"]["restored-from-point"] == "snapshot:before-incident"

    code, verified, err = ops("verify", "--cluster", restored["cluster"], "--region", "eu-west-1")
    assert code == 0, json.dumps(verified["checks"], indent=1)
    assert verified["cluster"] == "aurora-dev-restored"
    assert verified["summary"]["fail"] == 0

    code, exported, err = ops("export", "--region", "eu-west-1", "--snapshot", snapshot_id,
                              "--bucket", "aurora-exports", "--kms-key", stack.key_arn, "--role", role,
                              "--prefix", "incident", "--poll-interval", "1")
    assert code == 0, err
    assert exported["status"] == "COMPLETE"
    assert exported["sourceArn"] == snap["snapshot"]["arn"]
    task = stacks.rds.describe_export_tasks(ExportTaskIdentifier=exported["exportTaskId"])["ExportTasks"][0]
    assert (task["S3Bucket"], task["S3Prefix"]) == ("aurora-exports", "incident")
