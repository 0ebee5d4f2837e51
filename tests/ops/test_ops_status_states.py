"""status: what it says (done, in progress, FAILED and why) for each kind of identifier and each answer AWS gives.

Most answers here are played by botocore's Stubber: moto creates everything `available` at once, never fails an
export or a cluster, and always reports progress. The request each test expects is stated with the answer.
"""

from __future__ import annotations

import boto3
import pytest


def _stubbed(client):
    return lambda service, region: client


def test_status_of_an_instance_names_it_and_is_done_when_available(stacks, run_ops):
    stacks.build()
    text = run_ops("status", "--instance", "aurora-dev-2")
    assert (text.code, text.out) == (0, "instance aurora-dev-2: available (done)\n"), text.err
    data = run_ops("status", "--instance", "aurora-dev-2", "--json").json()
    assert {key: data[key] for key in ("kind", "id", "state", "done", "failed")} == {
        "kind": "instance", "id": "aurora-dev-2", "state": "available", "done": True, "failed": None}


def test_status_reads_the_cluster_in_the_region_given_and_says_when_it_has_no_instances(moto, run_ops):
    """--region is where the cluster is looked up (the default region, eu-west-1 here, has no such cluster); a
    cluster whose instances are not created yet (restore --no-wait) lists `none`."""
    boto3.client("rds", region_name="us-east-1").create_db_cluster(
        DBClusterIdentifier="east-only", Engine="aurora-postgresql", MasterUsername="dbadmin",
        MasterUserPassword="not-a-real-password-1")
    result = run_ops("status", "--cluster", "east-only", "--region", "us-east-1")
    assert result.code == 0, result.err
    assert result.out.startswith("cluster east-only: status available, ")
    assert result.out.endswith(", instances: none (done)\n")


@pytest.mark.parametrize(("argv", "operation", "request_params", "key", "message"), [
    (("--instance", "ghost"), "describe_db_instances", {"DBInstanceIdentifier": "ghost"}, "DBInstances",
     "instance ghost: not found"),
    (("--snapshot", "ghost"), "describe_db_cluster_snapshots", {"DBClusterSnapshotIdentifier": "ghost"},
     "DBClusterSnapshots", "snapshot ghost: not found"),
    (("--cluster", "orders", "--backtrack", "ghost"), "describe_db_cluster_backtracks",
     {"DBClusterIdentifier": "orders", "BacktrackIdentifier": "ghost"}, "DBClusterBacktracks",
     "backtrack ghost of orders: not found"),
])
def test_an_empty_answer_is_one_line_naming_what_was_not_found(stubbed_rds, run_ops, argv, operation,
                                                               request_params, key, message):
    """Stubber: these calls answer NotFound for an unknown id, but an empty list (what DescribeExportTasks answers)
    must still be one line naming the thing and its identifier, not a crash or a `None`."""
    client, stubber = stubbed_rds
    stubber.add_response(operation, {key: []}, request_params)
    result = run_ops("status", *argv, "--region", "eu-west-1", make_client=_stubbed(client))
    assert (result.code, result.out, result.err) == (3, "", f"ops: error: {message}\n")


def test_a_snapshot_being_created_shows_its_progress_and_0_percent_before_aws_reports_any(stubbed_rds, run_ops):
    """Stubber: a snapshot in `creating` (moto's are available at once)."""
    client, stubber = stubbed_rds
    for progress in ({}, {"PercentProgress": 40}):
        stubber.add_response("describe_db_cluster_snapshots",
                             {"DBClusterSnapshots": [{"DBClusterSnapshotIdentifier": "s1", "Status": "creating",
                                                      **progress}]},
                             {"DBClusterSnapshotIdentifier": "s1"})
    first = run_ops("status", "--snapshot", "s1", "--region", "eu-west-1", make_client=_stubbed(client))
    assert (first.code, first.out) == (0, "snapshot s1: creating 0% (in progress)\n"), first.err
    later = run_ops("status", "--snapshot", "s1", "--region", "eu-west-1", make_client=_stubbed(client))
    assert (later.code, later.out) == (0, "snapshot s1: creating 40% (in progress)\n"), later.err


def _export(stubber, **task):
    stubber.add_response("describe_export_tasks", {"ExportTasks": [{"ExportTaskIdentifier": "e1", **task}]},
                         {"ExportTaskIdentifier": "e1"})


def test_an_export_task_is_done_when_complete_and_shows_status_and_percent(stubbed_rds, run_ops):
    """Stubber: DescribeExportTasks' statuses are upper case (STARTING, IN_PROGRESS, COMPLETE, FAILED, CANCELED,
    CANCELING); done is COMPLETE only."""
    client, stubber = stubbed_rds
    _export(stubber, Status="COMPLETE", PercentProgress=100)
    _export(stubber, Status="IN_PROGRESS", PercentProgress=35)
    done = run_ops("status", "--export-task", "e1", "--region", "eu-west-1", make_client=_stubbed(client))
    assert (done.code, done.out) == (0, "export e1: COMPLETE 100% (done)\n"), done.err
    going = run_ops("status", "--export-task", "e1", "--region", "eu-west-1", "--json", make_client=_stubbed(client))
    assert going.code == 0, going.err
    data = going.json()
    assert {key: data[key] for key in ("kind", "id", "state", "done", "failed")} == {
        "kind": "export", "id": "e1", "state": "IN_PROGRESS 35%", "done": False, "failed": None}


def test_an_export_task_that_has_not_reported_progress_shows_0_percent(stubbed_rds, run_ops):
    """Stubber: a task just started, without PercentProgress in the answer."""
    client, stubber = stubbed_rds
    _export(stubber, Status="STARTING")
    result = run_ops("status", "--export-task", "e1", "--region", "eu-west-1", make_client=_stubbed(client))
    assert (result.code, result.out) == (0, "export e1: STARTING 0% (in progress)\n"), result.err


def test_a_failed_export_without_a_cause_says_no_cause_given(stubbed_rds, run_ops):
    """Stubber: a FAILED task whose answer has no FailureCause; `wait` stops at once (one answer only)."""
    client, stubber = stubbed_rds
    _export(stubber, Status="FAILED", PercentProgress=0)
    result = run_ops("wait", "--export-task", "e1", "--region", "eu-west-1", make_client=_stubbed(client))
    assert (result.code, result.out) == (3, "")
    assert result.err.splitlines()[-1] == "ops: error: export e1: FAILED: no cause given"


def _cluster(stubber, status, instances):
    stubber.add_response(
        "describe_db_clusters",
        {"DBClusters": [{"DBClusterIdentifier": "orders", "Status": status, "DBClusterMembers": [
            {"DBInstanceIdentifier": name, "IsClusterWriter": name == "orders-1"} for name in instances]}]},
        {"DBClusterIdentifier": "orders"})
    stubber.add_response(
        "describe_db_instances",
        {"DBInstances": [{"DBInstanceIdentifier": name, "DBInstanceStatus": state}
                         for name, state in instances.items()]},
        {"Filters": [{"Name": "db-cluster-id", "Values": ["orders"]}]})


def test_a_cluster_still_modifying_is_not_done_though_its_instances_are_available(stubbed_rds, run_ops):
    """Stubber: the cluster `modifying` (a parameter change, a failover) with every instance `available`: done
    needs the cluster available too (docs/ops.md)."""
    client, stubber = stubbed_rds
    _cluster(stubber, "modifying", {"orders-1": "available", "orders-2": "available"})
    result = run_ops("status", "--cluster", "orders", "--region", "eu-west-1", "--json", make_client=_stubbed(client))
    assert result.code == 0, result.err
    assert (result.json()["done"], result.json()["failed"]) == (False, None)


def test_a_failed_cluster_names_the_cluster_state_and_each_failed_instance(stubbed_rds, run_ops):
    """Stubber: a cluster whose KMS key was disabled, one instance with parameters it cannot use. Both reasons are
    given, the cluster's first."""
    client, stubber = stubbed_rds
    _cluster(stubber, "inaccessible-encryption-credentials",
             {"orders-1": "available", "orders-2": "incompatible-parameters"})
    result = run_ops("status", "--cluster", "orders", "--region", "eu-west-1", "--json", make_client=_stubbed(client))
    assert result.code == 0, result.err
    assert (result.json()["done"], result.json()["failed"]) == (
        False, "cluster is inaccessible-encryption-credentials; orders-2 is incompatible-parameters")
