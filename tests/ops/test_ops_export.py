"""export: against moto (which records the task and reports it complete at once, writing
nothing to S3) and with Stubber for the progress loop and a failed task."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

import boto3
import pytest
from botocore.stub import Stubber

from ops.commands.export import default_task_id

ROLE = "arn:aws:iam::123456789012:role/rds-s3-export"
SNAP_ARN = "arn:aws:rds:eu-west-1:123456789012:cluster-snapshot:nightly"


def export_target(stacks, bucket="exports"):
    """The bucket and role an export needs, in moto; returns the role's ARN."""
    s3 = boto3.client("s3", region_name="eu-west-1")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    iam = boto3.client("iam", region_name="eu-west-1")
    return iam.create_role(RoleName="rds-s3-export", AssumeRolePolicyDocument=json.dumps(EXPORT_TRUST))["Role"]["Arn"]


def test_export_starts_task_with_the_given_parameters(stacks, run_ops):
    stack = stacks.build(encrypted=True)
    role = export_target(stacks)
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
        role,
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
    assert task["IamRoleArn"] == role
    assert task["KmsKeyId"] == stack.key_arn
    assert result.json()["status"] == "COMPLETE"


def test_unknown_snapshot_is_one_line_aws_error(moto, run_ops):
    result = run_ops("export", "--snapshot", "ghost", "--bucket", "b", "--kms-key", "k", "--role", ROLE)
    assert result.code == 3
    assert result.err.startswith("ops: error: DBClusterSnapshotNotFoundFault in eu-west-1 (DescribeDBClusterSnapshots")
    assert len(result.err.splitlines()) == 1


EXPORT_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "export.rds.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def precheck_clients(rds, location="eu-west-1", key_state="Enabled", trust=None, errors=None):
    """Stubbed S3, KMS and IAM answering export's pre-checks; RDS is the test's own client. A service named in
    `errors` answers its pre-check with that error code instead."""
    errors = errors or {}
    role = {
        "RoleName": "rds-s3-export",
        "Path": "/",
        "RoleId": "AROAEXAMPLEEXAMPLE01",
        "Arn": ROLE,
        "CreateDate": datetime(2026, 1, 1, tzinfo=UTC),
        # The wire form: URL-encoded JSON text.
        "AssumeRolePolicyDocument": quote(json.dumps(trust or EXPORT_TRUST)),
    }
    checks = {
        "s3": ("get_bucket_location", {"LocationConstraint": location}, {"Bucket": "exports"}),
        "kms": ("describe_key", {"KeyMetadata": {"KeyId": "k", "KeyState": key_state}}, {"KeyId": "alias/exports"}),
        "iam": ("get_role", {"Role": role}, {"RoleName": "rds-s3-export"}),
    }
    clients = {"rds": rds}
    for service, (operation, response, params) in checks.items():
        clients[service] = boto3.client(service, region_name="eu-west-1")
        stub = Stubber(clients[service])
        if service in errors:
            stub.add_client_error(operation, service_error_code=errors[service], http_status_code=403,
                                  expected_params=params)
        else:
            stub.add_response(operation, response, params)
        stub.activate()
    return lambda service, region: clients[service]


def task_is_free(stubber, task_id):
    stubber.add_response("describe_export_tasks", {"ExportTasks": []}, {"ExportTaskIdentifier": task_id})


def export_with(run_ops, client, *argv, **checks):
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
        make_client=precheck_clients(client, **checks),
        now=lambda: datetime(2026, 11, 27, 3, 0, tzinfo=UTC),
    )


def test_progress_is_followed_to_complete(stubbed_rds, run_ops):
    """Stubber, because moto's export task is complete at once: the exact StartExportTask request
    and the polling through STARTING and IN_PROGRESS."""
    client, stubber = stubbed_rds
    # An ARN is used as given: no describe call before start_export_task.
    task_is_free(stubber, "nightly-export-20261127030000")
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
    task_is_free(stubber, "e")
    stubber.add_response("start_export_task", {"ExportTaskIdentifier": "e", "Status": "STARTING"})
    stubber.add_response(
        "describe_export_tasks",
        {"ExportTasks": [{"Status": "FAILED", "FailureCause": "S3 access denied"}]},
    )
    result = export_with(run_ops, client, "--export-id", "e")
    assert result.code == 3
    assert result.err.endswith("ops: error: export e: FAILED: S3 access denied\n")


def test_timeout_stops_waiting_with_a_clear_message(stubbed_rds, run_ops):
    client, stubber = stubbed_rds
    task_is_free(stubber, "e")
    stubber.add_response("start_export_task", {"ExportTaskIdentifier": "e", "Status": "STARTING"})
    stubber.add_response("describe_export_tasks", {"ExportTasks": [{"Status": "IN_PROGRESS"}]})
    result = export_with(run_ops, client, "--export-id", "e", "--timeout", "0")
    assert result.code == 4
    assert result.err.splitlines()[-1] == (
        "ops: error: "
        "stopped waiting for export e after 0s (--timeout 0), last state: IN_PROGRESS 0%; export e continues "
        "in AWS; check it with `python -m ops status --export-task e --region eu-west-1`, resume with "
        "`python -m ops wait --export-task e --region eu-west-1`"
    )


@pytest.mark.parametrize(
    ("checks", "message"),
    [
        ({"location": "us-east-2"}, "--bucket exports: is in us-east-2, the snapshot in eu-west-1"),
        ({"location": ""}, "--bucket exports: is in us-east-1, the snapshot in eu-west-1"),
        ({"key_state": "PendingDeletion"}, "--kms-key alias/exports: is PendingDeletion, not Enabled"),
        (
            {"trust": {"Statement": {"Effect": "Allow", "Principal": {"Service": "rds.amazonaws.com"}}}},
            "--role " + ROLE + ": its trust policy does not let export.rds.amazonaws.com assume it",
        ),
        (
            {"trust": {"Statement": [{"Effect": "Deny", "Principal": {"Service": "export.rds.amazonaws.com"}}]}},
            "--role " + ROLE + ": its trust policy does not let export.rds.amazonaws.com assume it",
        ),
    ],
    ids=["other-region", "us-east-1-empty-location", "key-pending-deletion", "role-trusts-rds-only", "deny"],
)
def test_prechecks_refuse_before_the_task_starts(stubbed_rds, run_ops, checks, message):
    """No start_export_task is stubbed: the Stubber fails the test if one were sent."""
    client, stubber = stubbed_rds
    task_is_free(stubber, "e")
    result = export_with(run_ops, client, "--export-id", "e", **checks)
    assert result.code == 2
    assert result.err.startswith("ops: error: " + message)
    assert len(result.err.splitlines()) == 1


def test_taken_export_id_is_refused_before_the_task_starts(stubbed_rds, run_ops):
    client, stubber = stubbed_rds
    stubber.add_response(
        "describe_export_tasks", {"ExportTasks": [{"ExportTaskIdentifier": "e", "Status": "COMPLETE"}]}
    )
    result = run_ops(
        "export", "--snapshot", SNAP_ARN, "--bucket", "exports", "--kms-key", "k", "--role", ROLE,
        "--export-id", "e", make_client=lambda service, region: client,
    )
    assert (result.code, result.err) == (
        2,
        "ops: error: --export-id e: an export task of that name already exists; choose another\n",
    )


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


@pytest.mark.parametrize(
    "role",
    ["rds-s3-export", "role/rds-s3-export", "arn:aws:iam::123456789012:user/rds-s3-export",
     "arn:aws:iam::1234:role/rds-s3-export", "arn:aws:iam::123456789012:role/", "arn:aws:s3:::exports"],
)
def test_a_role_that_is_no_iam_role_arn_is_refused_before_any_call(run_ops, role):
    def no_aws(service, region):
        raise AssertionError(f"unexpected AWS client {service}")

    result = run_ops("export", "--snapshot", SNAP_ARN, "--bucket", "exports", "--kms-key", "k", "--role", role,
                     make_client=no_aws)
    assert result.code == 2
    assert result.err.splitlines()[-1] == (
        f"ops: error: argument --role: not an IAM role ARN: '{role}' (arn:aws:iam::ACCOUNT:role/NAME)")


@pytest.mark.parametrize(
    ("service", "code", "message"),
    [
        ("s3", "NoSuchBucket", "--bucket exports: no such bucket; nothing started"),
        ("s3", "404", "--bucket exports: no such bucket; nothing started"),
        ("s3", "NotFound", "--bucket exports: no such bucket; nothing started"),
        ("kms", "NotFoundException", "--kms-key alias/exports: no such key in eu-west-1; nothing started"),
        ("iam", "NoSuchEntity", f"--role {ROLE}: no such role; nothing started"),
    ],
)
def test_a_missing_bucket_key_or_role_is_refused_before_the_task_starts(stubbed_rds, run_ops, service, code,
                                                                        message):
    client, stubber = stubbed_rds
    task_is_free(stubber, "e")
    result = export_with(run_ops, client, "--export-id", "e", "--region", "eu-west-1", errors={service: code})
    assert (result.code, result.err) == (2, f"ops: error: {message}\n")


@pytest.mark.parametrize(
    ("service", "code", "note"),
    [
        ("s3", "AccessDenied", "bucket exports not checked (AccessDenied)"),
        ("s3", "AllAccessDisabled", "bucket exports not checked (AllAccessDisabled)"),
        ("kms", "AccessDeniedException", "key not checked (AccessDeniedException)"),
        ("iam", "AccessDenied", "role not checked (AccessDenied)"),
        ("iam", "UnauthorizedOperation", "role not checked (UnauthorizedOperation)"),
    ],
)
def test_a_pre_check_the_caller_may_not_make_is_a_note_and_the_task_starts(stubbed_rds, run_ops, service, code,
                                                                           note):
    client, stubber = stubbed_rds
    task_is_free(stubber, "e")
    stubber.add_response("start_export_task", {"ExportTaskIdentifier": "e", "Status": "STARTING"})
    result = export_with(run_ops, client, "--export-id", "e", "--no-wait", errors={service: code})
    assert result.code == 0, result.err
    assert f"note: {note}; AWS checks it when the task starts\n" in result.err


@pytest.mark.parametrize("service", ["s3", "kms", "iam"])
def test_another_pre_check_error_stops_the_export_with_the_aws_error(stubbed_rds, run_ops, service):
    client, stubber = stubbed_rds
    task_is_free(stubber, "e")
    result = export_with(run_ops, client, "--export-id", "e", errors={service: "ServiceUnavailable"})
    assert result.code == 3
    assert result.err.startswith("ops: error: ServiceUnavailable in eu-west-1 (")
    assert "note:" not in result.err


def test_the_other_region_refusal_says_why_in_full(stubbed_rds, run_ops):
    client, stubber = stubbed_rds
    task_is_free(stubber, "e")
    result = export_with(run_ops, client, "--export-id", "e", location="us-east-2")
    assert result.err == ("ops: error: --bucket exports: is in us-east-2, the snapshot in eu-west-1; an export "
                          "writes to a bucket of the same region\n")


def test_a_role_with_a_path_is_looked_up_by_its_name(stubbed_rds, run_ops):
    client, stubber = stubbed_rds
    task_is_free(stubber, "e")
    stubber.add_response("start_export_task", {"ExportTaskIdentifier": "e", "Status": "STARTING"})
    # precheck_clients' IAM stub expects get_role(RoleName="rds-s3-export") and fails on any other name; the last
    # --role given is the one argparse keeps.
    result = export_with(run_ops, client, "--role", "arn:aws:iam::123456789012:role/service-role/rds-s3-export",
                         "--export-id", "e", "--no-wait")
    assert result.code == 0, result.err


def test_a_role_without_a_trust_policy_is_refused_not_a_crash(stubbed_rds, run_ops):
    client, stubber = stubbed_rds
    task_is_free(stubber, "e")
    clients = precheck_clients(client)
    iam = boto3.client("iam", region_name="eu-west-1")
    with Stubber(iam) as iam_stub:
        iam_stub.add_response("get_role", {"Role": {
            "RoleName": "rds-s3-export", "Path": "/", "RoleId": "AROAEXAMPLEEXAMPLE01", "Arn": ROLE,
            "CreateDate": datetime(2026, 1, 1, tzinfo=UTC)}}, {"RoleName": "rds-s3-export"})
        result = run_ops("export", "--snapshot", SNAP_ARN, "--bucket", "exports", "--kms-key", "alias/exports",
                         "--role", ROLE, "--export-id", "e",
                         make_client=lambda service, region: iam if service == "iam" else clients(service, region))
    assert (result.code, result.err) == (
        2, f"ops: error: --role {ROLE}: its trust policy does not let export.rds.amazonaws.com assume it; "
           "nothing started\n")


@pytest.mark.parametrize(("prefix", "where"), [([], "s3://exports/e/"), (["--prefix", "audit"], "s3://exports/audit/e/")])
def test_no_wait_says_where_the_export_goes_and_stops(stubbed_rds, run_ops, prefix, where):
    client, stubber = stubbed_rds
    task_is_free(stubber, "e")
    stubber.add_response("start_export_task", {"ExportTaskIdentifier": "e", "Status": "STARTING"})
    result = export_with(run_ops, client, "--export-id", "e", "--no-wait", *prefix)
    assert (result.code, result.out) == (0, f"export e: started -> {where}; not waiting (--no-wait)\n")
    task_is_free(stubber, "e2")
    stubber.add_response("start_export_task", {"ExportTaskIdentifier": "e2", "Status": "STARTING"})
    result = export_with(run_ops, client, "--export-id", "e2", "--no-wait", "--json", *prefix)
    assert result.json() == {"exportTaskId": "e2", "sourceArn": SNAP_ARN, "bucket": "exports",
                             "prefix": prefix[1] if prefix else None, "status": "STARTING", "waited": False}


@pytest.mark.parametrize(("prefix", "line"), [([], "s3://exports/ started"), (["--prefix", "audit"],
                                                                               "s3://exports/audit started")])
def test_a_followed_export_says_what_it_started(stubbed_rds, run_ops, prefix, line):
    client, stubber = stubbed_rds
    task_is_free(stubber, "e")
    stubber.add_response("start_export_task", {"ExportTaskIdentifier": "e", "Status": "STARTING"})
    stubber.add_response("describe_export_tasks", {"ExportTasks": [{"Status": "COMPLETE", "PercentProgress": 100}]})
    result = export_with(run_ops, client, "--export-id", "e", *prefix)
    assert result.code == 0, result.err
    assert f"export e of {SNAP_ARN} to {line}\n" in result.err


def test_an_invalid_export_id_is_refused_naming_the_flag(stubbed_rds, run_ops):
    client, _ = stubbed_rds
    result = export_with(run_ops, client, "--export-id", "2-bad--id")
    assert result.code == 2
    assert result.err.startswith("ops: error: --export-id '2-bad--id': not a valid export task identifier (1-60 ")


def test_the_stacks_region_wins_over_the_environments(stacks, run_ops, monkeypatch):
    stack = stacks.build(encrypted=True)
    role = export_target(stacks)
    stacks.rds.create_db_cluster_snapshot(DBClusterIdentifier=stack.cluster_id, DBClusterSnapshotIdentifier="nightly")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-2")  # nothing there: the snapshot is in the stack's eu-west-1
    result = run_ops("export", "--outputs", str(stack.outputs), "--snapshot", "nightly", "--bucket", "exports",
                     "--kms-key", stack.key_arn, "--role", role, "--export-id", "nightly-export", "--no-wait")
    assert result.code == 0, result.err
    assert stacks.rds.describe_export_tasks(ExportTaskIdentifier="nightly-export")["ExportTasks"]


def test_a_finished_export_in_json_names_the_task_its_source_bucket_prefix_and_size(stubbed_rds, run_ops):
    client, stubber = stubbed_rds
    task_is_free(stubber, "e")
    stubber.add_response("start_export_task", {"ExportTaskIdentifier": "e", "Status": "STARTING"})
    stubber.add_response("describe_export_tasks", {"ExportTasks": [
        {"Status": "COMPLETE", "PercentProgress": 100, "TotalExtractedDataInGB": 42}]})
    result = export_with(run_ops, client, "--export-id", "e", "--prefix", "audit", "--json")
    assert result.code == 0, result.err
    assert result.json() == {"exportTaskId": "e", "sourceArn": SNAP_ARN, "bucket": "exports", "prefix": "audit",
                             "status": "COMPLETE", "totalExtractedDataInGB": 42}


def test_a_failed_export_without_a_cause_says_so(stubbed_rds, run_ops):
    client, stubber = stubbed_rds
    task_is_free(stubber, "e")
    stubber.add_response("start_export_task", {"ExportTaskIdentifier": "e", "Status": "STARTING"})
    stubber.add_response("describe_export_tasks", {"ExportTasks": [{"Status": "CANCELED"}]})
    result = export_with(run_ops, client, "--export-id", "e")
    assert result.code == 3
    assert result.err.endswith("ops: error: export e: CANCELED: no cause given\n")
