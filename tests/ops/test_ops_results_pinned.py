"""What the day-2 commands print that scripts and people read: the --json result of --no-wait, the status line of a
backtrack and of an instance (with its FAILED reason), the command that resumes an interrupted backtrack, the
migration's defaults from the stack file. Each was changeable without any test noticing; expected values are written
out by hand."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta

import pytest

from ops.commands import migrate as migrate_command
from ops.errors import OpsError

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


# ---- --no-wait results -------------------------------------------------------------------------------------------
def test_snapshot_no_wait_json_names_the_snapshot_and_says_it_is_creating(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("snapshot", "--cluster", stack.cluster_id, "--snapshot-id", "quick", "--no-wait", "--json")
    assert result.code == 0, result.err
    assert result.json() == {"cluster": "aurora-dev", "snapshot": {"id": "quick", "status": "creating"},
                             "copy": None, "waited": False}


def test_failover_no_wait_json_names_the_old_and_the_new_writer(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("failover", "--cluster", stack.cluster_id, "--yes", "--no-wait", "--json")
    assert result.code == 0, result.err
    assert result.json() == {"cluster": "aurora-dev", "oldWriter": "aurora-dev-1", "newWriter": "aurora-dev-2",
                             "waited": False}


# ---- status lines --------------------------------------------------------------------------------------------
def backtrack_status(run_ops, client, stubber, status):
    stubber.add_response(
        "describe_db_cluster_backtracks",
        {"DBClusterBacktracks": [{"BacktrackIdentifier": "bt-1", "Status": status}]},
        {"DBClusterIdentifier": "orders", "BacktrackIdentifier": "bt-1"},
    )
    return run_ops("status", "--cluster", "orders", "--backtrack", "bt-1", make_client=lambda service, region: client)


@pytest.mark.parametrize(("status", "line"), [
    ("applying", "backtrack bt-1: applying (in progress)\n"),
    ("COMPLETED", "backtrack bt-1: COMPLETED (done)\n"),
    ("failed", "backtrack bt-1: failed (FAILED: failed)\n"),
])
def test_status_of_a_backtrack_shows_its_state_and_whether_it_failed(stubbed_rds, run_ops, status, line):
    client, stubber = stubbed_rds
    result = backtrack_status(run_ops, client, stubber, status)
    assert (result.code, result.err) == (0, "")
    assert result.out == line


def test_status_of_an_instance_shows_its_state_and_fails_only_a_failed_one(stubbed_rds, run_ops):
    client, stubber = stubbed_rds
    for status in ("available", "failed"):
        stubber.add_response(
            "describe_db_instances",
            {"DBInstances": [{"DBInstanceIdentifier": "orders-1", "DBInstanceStatus": status}]},
            {"DBInstanceIdentifier": "orders-1"},
        )
    make = {"make_client": lambda service, region: client}
    available = run_ops("status", "--instance", "orders-1", "--json", **make)
    assert available.code == 0, available.err
    assert (available.json()["state"], available.json()["done"], available.json()["failed"]) == (
        "available", True, None)
    failed = run_ops("status", "--instance", "orders-1", "--json", **make)
    assert (failed.json()["state"], failed.json()["done"], failed.json()["failed"]) == (
        "failed", False, "status failed")


# ---- backtrack: what to run after an interruption -------------------------------------------------------------
def test_a_backtrack_that_outlives_the_wait_says_how_to_resume_it(stubbed_rds, run_ops):
    client, stubber = stubbed_rds
    cluster = {"DBClusterIdentifier": "orders", "Engine": "aurora-mysql", "Status": "available",
               "BacktrackWindow": 86400, "EarliestBacktrackTime": NOW - timedelta(hours=6)}
    stubber.add_response("describe_db_clusters", {"DBClusters": [cluster]}, {"DBClusterIdentifier": "orders"})
    stubber.add_response("backtrack_db_cluster", {"BacktrackIdentifier": "bt-1", "Status": "pending"},
                         {"DBClusterIdentifier": "orders", "BacktrackTo": NOW - timedelta(hours=1)})
    stubber.add_response(
        "describe_db_cluster_backtracks",
        {"DBClusterBacktracks": [{"BacktrackIdentifier": "bt-1", "Status": "applying"}]},
        {"DBClusterIdentifier": "orders", "BacktrackIdentifier": "bt-1"},
    )
    result = run_ops("backtrack", "--cluster", "orders", "--to-time", "2026-11-27T11:00:00Z", "--yes",
                     "--timeout", "0", make_client=lambda service, region: client, now=lambda: NOW)
    assert result.code == 4
    last = result.err.splitlines()[-1]
    assert "backtrack bt-1 of orders continues in AWS; check it with `python -m ops status --cluster orders " \
           "--backtrack bt-1" in last
    assert "resume with `python -m ops wait --cluster orders --backtrack bt-1" in last


# ---- migrate: ports and the stack file --------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "port"), [("1", 1), ("5432", 5432), ("65535", 65535)])
def test_every_tcp_port_is_accepted(text, port):
    assert migrate_command._port(text) == port


@pytest.mark.parametrize(("text", "message"), [("0", "0 is outside 1-65535"), ("65536", "65536 is outside 1-65535"),
                                               ("-1", "-1 is outside 1-65535"), ("x", "not a port number: 'x'")])
def test_a_port_outside_tcp_is_refused(text, message):
    with pytest.raises(argparse.ArgumentTypeError) as error:
        migrate_command._port(text)
    assert str(error.value) == message


@pytest.mark.parametrize("flag", ["--port", "--local-port"])
@pytest.mark.parametrize(("text", "message"), [("70000", "70000 is outside 1-65535"), ("x", "not a port number: 'x'")])
def test_both_port_flags_refuse_what_is_not_a_tcp_port_before_anything_happens(run_ops, flag, text, message):
    result = run_ops("migrate", "--stack", "dev", "--host", "db.example.internal", flag, text)
    assert result.code == 2 and result.out == ""
    assert result.err.splitlines()[-1] == f"ops: error: argument {flag}: {message}"


def test_an_unknown_stack_lists_the_stacks_there_are(tmp_path, monkeypatch):
    for name in ("prod", "dev", "staging-eu"):
        (tmp_path / f"Pulumi.{name}.yaml").write_text("config: {}\n")
    (tmp_path / "Pulumi.yaml").write_text("name: x\n")
    monkeypatch.setattr(migrate_command, "STACKS_DIR", tmp_path)
    with pytest.raises(OpsError) as error:
        migrate_command.stack_database("qa")
    assert str(error.value) == "--stack qa: no Pulumi.qa.yaml; stacks: dev, prod, staging-eu"


def _planned_endpoints(monkeypatch, tmp_path):
    """`migrate plan` with the database replaced: the endpoints it would connect to, and a CA file it never reads."""
    from db import migrate

    seen = []

    def plan(endpoint, password, **options):
        seen.append(endpoint)
        return argparse.Namespace(pending=[])

    monkeypatch.setattr(migrate, "plan", plan)
    ca = tmp_path / "ca.pem"
    ca.write_text("not read: plan is replaced\n")
    return seen, ca


def test_the_database_name_and_user_default_to_the_stacks(run_ops, tmp_path, monkeypatch):
    # No --dbname/--user and no outputs: the connection uses Pulumi.dev.yaml's databaseName and masterUsername.
    seen, ca = _planned_endpoints(monkeypatch, tmp_path)
    result = run_ops("migrate", "plan", "--stack", "dev", "--host", "writer.example.internal", "--sslrootcert", str(ca))
    assert result.code == 0, result.err
    assert (seen[0].dbname, seen[0].user, seen[0].port) == ("blog", "blog_admin", 5432)


def test_the_deployed_outputs_name_the_database_before_the_stack_file(run_ops, tmp_path, monkeypatch):
    # The outputs say what was deployed; the stack file says what the next deploy would make. After a rename of
    # databaseName that is not deployed yet, the migrations must still go to the database that exists.
    seen, ca = _planned_endpoints(monkeypatch, tmp_path)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"writerEndpoint": "w.cluster-x.us-east-1.rds.amazonaws.com",
                                   "databaseName": "deployed_db", "masterUsername": "deployed_admin", "port": 6432}))
    result = run_ops("migrate", "plan", "--stack", "dev", "--outputs", str(outputs), "--sslrootcert", str(ca))
    assert result.code == 0, result.err
    assert (seen[0].host, seen[0].dbname, seen[0].user, seen[0].port) == (
        "w.cluster-x.us-east-1.rds.amazonaws.com", "deployed_db", "deployed_admin", 6432)


def test_flags_name_the_database_before_the_deployed_outputs(run_ops, tmp_path, monkeypatch):
    seen, ca = _planned_endpoints(monkeypatch, tmp_path)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"writerEndpoint": "w.example.internal", "databaseName": "deployed_db",
                                   "masterUsername": "deployed_admin", "port": 6432}))
    result = run_ops("migrate", "plan", "--stack", "dev", "--outputs", str(outputs), "--sslrootcert", str(ca),
                     "--host", "flag.example.internal", "--dbname", "flag_db", "--user", "flag_user", "--port", "5433")
    assert result.code == 0, result.err
    assert (seen[0].host, seen[0].dbname, seen[0].user, seen[0].port) == (
        "flag.example.internal", "flag_db", "flag_user", 5433)


@pytest.mark.parametrize(("status", "failed"), [("available", None), ("creating", None), ("failed", "status failed"),
                                                ("error", "status error")])
def test_status_of_a_snapshot_fails_only_a_failed_one(stubbed_rds, run_ops, status, failed):
    client, stubber = stubbed_rds
    stubber.add_response(
        "describe_db_cluster_snapshots",
        {"DBClusterSnapshots": [{"DBClusterSnapshotIdentifier": "s1", "Status": status, "PercentProgress": 40}]},
        {"DBClusterSnapshotIdentifier": "s1"},
    )
    result = run_ops("status", "--snapshot", "s1", "--json", make_client=lambda service, region: client)
    assert result.code == 0, result.err
    assert (result.json()["state"], result.json()["failed"]) == (f"{status} 40%", failed)


def test_a_one_second_backtrack_window_is_a_window():
    # BacktrackWindow is 0 (off) to 259200 seconds; 1 is the smallest window AWS accepts, not "off".
    from ops.commands.backtrack import backtrack_window

    cluster = {"DBClusterIdentifier": "orders", "Engine": "aurora-mysql", "BacktrackWindow": 1}
    assert backtrack_window(cluster, NOW) == (NOW - timedelta(seconds=1), NOW)


# ---- restore: the result and the follow-up command -------------------------------------------------------------
def test_resume_without_waiting_names_the_command_that_follows_the_instances(stacks, run_ops):
    stack = stacks.build()
    started = run_ops("restore", "--cluster", stack.cluster_id, "--latest", "--new-cluster", "copy", "--yes",
                      "--no-wait")
    assert started.code == 0, started.err
    # The emulator makes the cluster available at once: the resume creates the instance and stops there.
    resumed = run_ops("restore", "--resume", "copy", "--region", "eu-west-1", "--yes", "--no-wait")
    assert resumed.code == 0, resumed.err
    assert resumed.out == ("cluster copy available; instances copy-1 being created; follow with "
                           "`python -m ops wait --cluster copy --region eu-west-1`\n")


def test_the_restore_prompt_names_every_instance_it_will_create(stacks, run_ops, tty):
    stack = stacks.build()
    result = run_ops("restore", "--cluster", stack.cluster_id, "--latest", "--new-cluster", "copy", "--instances", "2",
                     stdin=tty("n\n"))
    assert result.code == 2
    assert ("Create cluster copy from aurora-dev at the latest restorable time, with 2 instance(s) copy-1, copy-2 "
            "(billed from now on).") in result.err


def test_a_finished_restore_names_the_new_cluster_and_its_source(stacks, run_ops):
    stack = stacks.build()
    result = run_ops("restore", "--cluster", stack.cluster_id, "--latest", "--new-cluster", "copy", "--yes", "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert (data["cluster"], data["source"], data["restoredFrom"], data["instances"]) == (
        "copy", "aurora-dev", "the latest restorable time", ["copy-1"])


# ---- snapshot: Ctrl-C while the copy is being requested -----------------------------------------------------------
class InterruptedAt:
    """The emulator's client, except that one changing request is interrupted (Ctrl-C) before AWS answers."""

    def __init__(self, client, operation: str):
        self.client, self.operation = client, operation

    def __getattr__(self, name):
        if name == self.operation:
            def interrupted(**request):
                raise KeyboardInterrupt
            return interrupted
        return getattr(self.client, name)


def test_ctrl_c_during_the_copy_request_names_the_copy_to_check(stacks, run_ops):
    from tests.ops.conftest import reused_client

    stack = stacks.build()
    result = run_ops("snapshot", "--cluster", stack.cluster_id, "--snapshot-id", "s1", "--copy-kms-key", "alias/copy",
                     make_client=lambda service, region, options=None: InterruptedAt(
                         reused_client(service, region, options), "copy_db_cluster_snapshot"))
    assert result.code == 130
    assert ("copy s1-copy of snapshot s1 may or may not have started in AWS; check with "
            "`python -m ops status --snapshot s1-copy") in result.err


# ---- what the command line requires and promises ----------------------------------------------------------------
EXPORT_FLAGS = {"--snapshot": "s1", "--bucket": "exports", "--kms-key": "arn:aws:kms:eu-west-1:123456789012:key/k",
                "--role": "arn:aws:iam::123456789012:role/export"}


@pytest.mark.parametrize("missing", sorted(EXPORT_FLAGS))
def test_export_requires_the_snapshot_bucket_key_and_role(moto, run_ops, missing):
    argv = [word for flag, value in EXPORT_FLAGS.items() if flag != missing for word in (flag, value)]
    result = run_ops("export", *argv, "--yes")
    assert result.code == 2
    assert result.err.splitlines()[-1].endswith(f"error: the following arguments are required: {missing}")


@pytest.mark.parametrize(("command", "promise"), [
    ("migrate", "--sslrootcert FILE CA bundle the server certificate must chain to (the RDS bundle; default "
                "PGSSLROOTCERT)"),
    ("migrate", "--local-port PORT dial 127.0.0.1:PORT (the bastion's port-forwarding session) and verify the "
                "certificate against --host"),
    ("verify", "--min-retention DAYS minimum backup retention in days, 1-35 (default: the policy config's, else 7)"),
    ("verify", "--backup also check AWS Backup (database.awsBackup): a plan selects the cluster and its newest "
               "recovery point is at most 48 hours old"),
    ("status", "--writer INSTANCE with a cluster: done only once this is its writer"),
], ids=["sslrootcert", "local-port", "min-retention", "backup", "writer"])
def test_help_states_the_safety_promises(run_ops, command, promise):
    # Whitespace normalised: argparse wraps help to the terminal's width.
    result = run_ops(command, "--help")
    assert result.code == 0
    assert promise in " ".join(result.out.split())


def test_a_stack_file_that_names_nothing_gets_the_settings_documented_defaults(tmp_path, monkeypatch):
    """docs/database.md: databaseName `app`, masterUsername `dbadmin`, PostgreSQL on 5432; environment not
    production. Without them the migration would connect to a database named after the login."""
    (tmp_path / "Pulumi.qa.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    monkeypatch.setattr(migrate_command, "STACKS_DIR", tmp_path)
    assert migrate_command.stack_database("qa") == {
        "engine": "aurora-postgresql", "databaseName": "app", "masterUsername": "dbadmin", "port": 5432,
        "production": False}


def test_ctrl_c_during_the_failover_request_says_it_may_or_may_not_have_started(stacks, run_ops):
    """Between sending the request and reading AWS's answer nobody knows whether the failover began: the operator is
    told to check, never that it "continues in AWS"."""
    from tests.ops.conftest import reused_client

    stack = stacks.build(zones=("a", "b", "c"), tiers=(0, 5, 1))
    result = run_ops("failover", "--cluster", stack.cluster_id, "--yes",
                     make_client=lambda service, region, options=None: InterruptedAt(
                         reused_client(service, region, options), "failover_db_cluster"))
    assert result.code == 130
    assert (f"the failover of {stack.cluster_id} to aurora-dev-3 may or may not have started in AWS; check with "
            f"`python -m ops status --cluster {stack.cluster_id}") in result.err
    assert "continues in AWS" not in result.err


def test_ctrl_c_during_the_export_request_names_the_export_task_to_check(stacks, run_ops):
    from tests.ops.conftest import reused_client
    from tests.ops.test_ops_export import export_target

    stack = stacks.build(encrypted=True)
    role = export_target(stacks)
    stacks.rds.create_db_cluster_snapshot(DBClusterIdentifier=stack.cluster_id, DBClusterSnapshotIdentifier="nightly")
    result = run_ops("export", "--outputs", str(stack.outputs), "--snapshot", "nightly", "--bucket", "exports",
                     "--kms-key", stack.key_arn, "--role", role, "--export-id", "nightly-export",
                     make_client=lambda service, region, options=None: InterruptedAt(
                         reused_client(service, region, options), "start_export_task"))
    assert result.code == 130
    assert ("export nightly-export may or may not have started in AWS; check with "
            "`python -m ops status --export-task nightly-export") in result.err
