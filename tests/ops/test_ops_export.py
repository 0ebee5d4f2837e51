"""export: against moto (which records the task and reports it complete at once, writing
nothing to S3) and with Stubber for the progress loop and a failed task."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ops.commands.export import default_task_id

ROLE = "arn:aws:iam::123456789012:role/rds-s3-export"
SNAP_ARN = "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:nightly"


def test_export_starts_task_with_the_given_parameters(stacks, run_ops):
    stack = stacks.build(encrypted=True)
    snap = stacks.rds.create_db_cluster_snapshot(
        DBClusterIdentifier=stack.cluster_id, DBClusterSnapshotIdentifier="nightly"
    )["DBClusterSnapshot"]
    result = run_ops(
        "export",
        "--outputs",
        str(stack.outputs),
        "--snapshot",
        "nightly",
        "--bucket",
        "exports",
        "--kms-key",
        stack.key_arn,
        "--role",
        ROLE,
        "--prefix",
        "aurora-dev",
        "--export-id",
        "nightly-export",
        "--json",
    )
    assert result.code == 0, result.err
    task = stacks.rds.describe_export_tasks(ExportTaskIdentifier="nightly-export")["ExportTasks"][0]
    assert task["SourceArn"] == snap["DBClusterSnapshotArn"]
    assert task["S3Bucket"] == "exports"
    assert task["S3Prefix"] == "aurora-dev"
    assert task["IamRoleArn"] == ROLE
    assert task["KmsKeyId"] == stack.key_arn
    assert result.json()["status"] == "COMPLETE"


def test_unknown_snapshot_is_one_line_aws_error(moto, run_ops):
    result = run_ops("export", "--snapshot", "ghost", "--bucket", "b", "--kms-key", "k", "--role", ROLE)
    assert result.code == 2
    assert result.err.startswith("error: DBClusterSnapshotNotFoundFault: ")
    assert len(result.err.splitlines()) == 1


def export_with(run_ops, client, *argv):
    return run_ops(
        "export",
        "--snapshot",
        SNAP_ARN,
        "--bucket",
        "exports",
        "--kms-key",
        "alias/exports",
        "--role",
        ROLE,
        *argv,
        make_client=lambda service, region: client,
        now=lambda: datetime(2026, 11, 27, 3, 0, tzinfo=UTC),
    )


def test_progress_is_followed_to_complete(stubbed_rds, run_ops):
    """Stubber, because moto's export task is complete at once: the exact StartExportTask request
    and the polling through STARTING and IN_PROGRESS."""
    client, stubber = stubbed_rds
    # An ARN is used as given: no describe call before start_export_task.
    stubber.add_response(
        "start_export_task",
        {"ExportTaskIdentifier": "nightly-export-20261127030000", "Status": "STARTING"},
        {
            "ExportTaskIdentifier": "nightly-export-20261127030000",
            "SourceArn": SNAP_ARN,
            "S3BucketName": "exports",
            "IamRoleArn": ROLE,
            "KmsKeyId": "alias/exports",
        },
    )
    for status, percent in (("STARTING", 0), ("IN_PROGRESS", 40), ("COMPLETE", 100)):
        stubber.add_response(
            "describe_export_tasks",
            {"ExportTasks": [{"Status": status, "PercentProgress": percent}]},
            {"ExportTaskIdentifier": "nightly-export-20261127030000"},
        )
    result = export_with(run_ops, client)
    assert result.code == 0, result.err
    assert "IN_PROGRESS 40%" in result.err
    assert result.out == (
        "export nightly-export-20261127030000: COMPLETE -> s3://exports/nightly-export-20261127030000/\n"
    )


def test_failed_export_reports_its_cause(stubbed_rds, run_ops):
    """Stubber, because a moto export never fails."""
    client, stubber = stubbed_rds
    stubber.add_response("start_export_task", {"ExportTaskIdentifier": "e", "Status": "STARTING"})
    stubber.add_response(
        "describe_export_tasks",
        {"ExportTasks": [{"Status": "FAILED", "FailureCause": "S3 access denied"}]},
    )
    result = export_with(run_ops, client, "--export-id", "e")
    assert result.code == 2
    assert result.err.endswith("error: export e: FAILED: S3 access denied\n")


def test_timeout_stops_waiting_with_a_clear_message(stubbed_rds, run_ops):
    client, stubber = stubbed_rds
    stubber.add_response("start_export_task", {"ExportTaskIdentifier": "e", "Status": "STARTING"})
    stubber.add_response("describe_export_tasks", {"ExportTasks": [{"Status": "IN_PROGRESS"}]})
    result = export_with(run_ops, client, "--export-id", "e", "--timeout", "0")
    assert result.code == 2
    assert "error: timed out after 0s waiting for export e (last state: IN_PROGRESS 0%)" in result.err


@pytest.mark.parametrize(
    ("snapshot", "expected"),
    [
        ("rds:aurora-prod-2026-11-27-03-10", "aurora-prod-2026-11-27-03-10-export-20261127030000"),
        (SNAP_ARN, "nightly-export-20261127030000"),
        # cut at 38 characters, right after a hyphen: no "--" in the task id
        ("a" * 37 + "-before-upgrade", "a" * 37 + "-export-20261127030000"),
    ],
    ids=["automated", "arn", "cut-at-hyphen"],
)
def test_default_task_id_is_valid_and_fits(snapshot, expected):
    task_id = default_task_id(snapshot, "20261127030000")
    assert task_id == expected
    assert len(task_id) <= 60
    assert "--" not in task_id
