"""status and wait: pick up any operation by its identifier."""

from __future__ import annotations

import pytest


def test_status_of_a_cluster_lists_writer_and_instances(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("status", "--cluster", stack.cluster_id)
    assert result.code == 0, result.err
    assert result.out == (
        "cluster aurora-dev: status available, writer aurora-dev-1, instances: aurora-dev-1 available, "
        "aurora-dev-2 available (done)\n"
    )


def test_status_of_a_snapshot_and_wait_for_it(stacks, run_ops):
    stack = stacks.build()
    stacks.rds.create_db_cluster_snapshot(DBClusterIdentifier=stack.cluster_id, DBClusterSnapshotIdentifier="s1")
    status = run_ops("status", "--snapshot", "s1", "--json")
    assert status.code == 0, status.err
    assert (status.json()["kind"], status.json()["id"], status.json()["done"]) == ("snapshot", "s1", True)
    waited = run_ops("wait", "--snapshot", "s1")
    assert (waited.code, waited.out) == (0, "snapshot s1: available 100%\n")


def test_wait_with_json_names_what_it_waited_for_and_its_final_state(stacks, run_ops):
    # Scripts chain `ops wait --json` into the next step and read these keys.
    stack = stacks.build()
    stacks.rds.create_db_cluster_snapshot(DBClusterIdentifier=stack.cluster_id, DBClusterSnapshotIdentifier="s1")
    waited = run_ops("wait", "--snapshot", "s1", "--json")
    assert waited.code == 0, waited.err
    data = waited.json()
    assert {key: data[key] for key in ("kind", "id", "state", "done")} == {
        "kind": "snapshot", "id": "s1", "state": "available 100%", "done": True}


def test_wait_for_a_writer_that_never_comes_times_out_with_exit_4(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("wait", "--cluster", stack.cluster_id, "--writer", "aurora-dev-2", "--timeout", "0")
    assert result.code == 4
    assert result.err.splitlines()[-1] == (
        "ops: error: "
        "stopped waiting for cluster aurora-dev after 0s (--timeout 0), last state: status available, writer "
        "aurora-dev-1, instances: aurora-dev-1 available, aurora-dev-2 available; cluster aurora-dev may still "
        "change in AWS"
    )


def test_status_of_an_export_task(stacks, run_ops):
    stack = stacks.build(encrypted=True)
    snap = stacks.rds.create_db_cluster_snapshot(
        DBClusterIdentifier=stack.cluster_id, DBClusterSnapshotIdentifier="s1"
    )["DBClusterSnapshot"]
    stacks.rds.start_export_task(
        ExportTaskIdentifier="e1", SourceArn=snap["DBClusterSnapshotArn"], S3BucketName="b",
        IamRoleArn="arn:aws:iam::123456789012:role/r", KmsKeyId=stack.key_arn,
    )
    result = run_ops("status", "--export-task", "e1", "--json")
    assert result.code == 0, result.err
    assert result.json()["kind"] == "export"


@pytest.mark.parametrize("command", ["status", "wait"])
def test_unknown_identifier_is_aws_refusal(moto, run_ops, command):
    result = run_ops(command, "--instance", "ghost")
    assert result.code == 3
    assert result.err.startswith("ops: error: DBInstanceNotFound in eu-west-1 (DescribeDBInstances")


def test_writer_goes_with_a_cluster_only(aws_env, run_ops):
    result = run_ops("wait", "--snapshot", "s", "--writer", "x")
    assert (result.code, result.err) == (
        2,
        "ops: error: --writer goes with a cluster only (--cluster or --outputs), not with another identifier\n",
    )


def test_wait_has_no_no_wait(aws_env, run_ops):
    result = run_ops("wait", "--cluster", "c", "--no-wait")
    assert result.code == 2
    assert "unrecognized arguments: --no-wait" in result.err


def test_unknown_export_task_is_one_line_not_a_crash(stubbed_rds, run_ops):
    """Stubber: DescribeExportTasks answers an empty list for an id it does not know."""
    client, stubber = stubbed_rds
    stubber.add_response("describe_export_tasks", {"ExportTasks": []}, {"ExportTaskIdentifier": "ghost"})
    result = run_ops("status", "--export-task", "ghost", make_client=lambda service, region: client)
    assert (result.code, result.err) == (3, "ops: error: export ghost: not found\n")


def test_wait_for_an_export_task_that_failed_stops_at_once_with_its_cause(stubbed_rds, run_ops):
    """Stubber, because a moto export never fails: one answer only, so a second poll would fail the test."""
    client, stubber = stubbed_rds
    stubber.add_response("describe_export_tasks",
                         {"ExportTasks": [{"ExportTaskIdentifier": "e", "Status": "FAILED",
                                           "FailureCause": "S3 access denied"}]},
                         {"ExportTaskIdentifier": "e"})
    result = run_ops("wait", "--export-task", "e", "--region", "eu-west-1", make_client=lambda service, region: client)
    assert (result.code, result.out) == (3, "")
    assert result.err.splitlines()[-1] == "ops: error: export e: FAILED: S3 access denied"
