"""`python -m ops migrate --via ecs`: the stack's migration task run with ecs.run_task, its log streamed back, its exit
code returned (ops/migrate_task.py).

On moto at 127.0.0.1 where moto does the calls: describe_task_definition, run_task with awsvpc (moto needs the VPC's
DNS host names on, as the program's VPC has them, and a container-level memory), describe_tasks (moto moves a task
one state per describe until STOPPED), get_log_events with nextForwardToken. moto always reports a container exit
code of 0 and never a stop code, so every other outcome (exit 1, 2, 137, a task that failed to start, run_task
failures[]) is answered by botocore's Stubber with the exact requests stated.
"""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from .stacks import REGION

CLUSTER = "aurora-platform-dev-app"
FAMILY = "aurora-platform-dev-migrations"
GROUP = "/aurora-platform/dev/migrations"
DEFINITION_ARN = f"arn:aws:ecs:{REGION}:123456789012:task-definition/{FAMILY}:3"
TASK_ID = "0123456789abcdef0123456789abcdef"
TASK_ARN = f"arn:aws:ecs:{REGION}:123456789012:task/{CLUSTER}/{TASK_ID}"
STREAM = f"migrate/migrate/{TASK_ID}"
SUBNETS = ["subnet-0aaa", "subnet-0bbb"]
GROUP_ID = "sg-0migrations"


def container_definition() -> dict[str, Any]:
    return {"name": "migrate", "image": "ghcr.io/aurora-platform/blog:1.0.0", "essential": True,
            "entryPoint": ["python", "-m", "db"], "command": ["apply"],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": GROUP, "awslogs-region": REGION, "awslogs-stream-prefix": "migrate"}}}


def write_outputs(tmp_path, **changes) -> str:
    outputs = {"region": REGION, "ecsClusterName": CLUSTER, "migrationTaskFamily": FAMILY,
               "migrationTaskDefinitionArn": DEFINITION_ARN, "migrationSubnetIds": SUBNETS,
               "migrationSecurityGroupId": GROUP_ID, "migrationLogGroupName": GROUP, **changes}
    outputs = {k: v for k, v in outputs.items() if v is not None}
    path = tmp_path / "dev-outputs.json"
    path.write_text(json.dumps(outputs))
    return str(path)


# ---- on moto --------------------------------------------------------------------------------------------------------
@pytest.fixture
def moto_stack(moto, tmp_path):
    ec2, ecs = boto3.client("ec2", REGION), boto3.client("ecs", REGION)
    logs = boto3.client("logs", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24")["Subnet"]["SubnetId"] for i in (8, 9)]
    group = ec2.create_security_group(VpcId=vpc, GroupName="migrations", Description="migrations")["GroupId"]
    ecs.create_cluster(clusterName=CLUSTER)
    definition = {**container_definition(), "memory": 512}  # moto sums container memory; Fargate sets the task's
    arn = ecs.register_task_definition(
        family=FAMILY, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[definition])["taskDefinition"]["taskDefinitionArn"]
    logs.create_log_group(logGroupName=GROUP)
    outputs = write_outputs(tmp_path, migrationTaskDefinitionArn=arn, migrationSubnetIds=subnets,
                            migrationSecurityGroupId=group)
    return {"ecs": ecs, "logs": logs, "outputs": outputs, "subnets": subnets, "group": group, "arn": arn}


def container_writes(stack, lines: list[str]):
    """A sleep hook: the first time ops waits between polls, the running task's container 'writes' its log."""
    written = []

    def sleep(seconds: float) -> None:
        assert seconds == 0
        if written:
            return
        [task_arn] = stack["ecs"].list_tasks(cluster=CLUSTER)["taskArns"]
        stream = f"migrate/migrate/{task_arn.rsplit('/', 1)[-1]}"
        stack["logs"].create_log_stream(logGroupName=GROUP, logStreamName=stream)
        now = int(time.time() * 1000)
        stack["logs"].put_log_events(logGroupName=GROUP, logStreamName=stream, logEvents=[
            {"timestamp": now + i, "message": line} for i, line in enumerate(lines)])
        written.append(stream)
    return sleep


def test_status_runs_the_task_in_the_exported_network_and_streams_its_log(moto_stack, run_ops):
    lines = ["0001.blog-schema  ok  2026-12-01 10:00:00+00:00", "0002.role-grants  ok  2026-12-01 10:00:01+00:00"]
    result = run_ops("migrate", "--stack", "dev", "--outputs", moto_stack["outputs"], "status", "--via", "ecs",
                     sleep=container_writes(moto_stack, lines))
    assert result.code == 0, result.err
    assert result.out.splitlines() == lines
    [task_arn] = moto_stack["ecs"].list_tasks(cluster=CLUSTER, desiredStatus="STOPPED")["taskArns"] or \
        moto_stack["ecs"].list_tasks(cluster=CLUSTER)["taskArns"]
    [task] = moto_stack["ecs"].describe_tasks(cluster=CLUSTER, tasks=[task_arn])["tasks"]
    assert task["lastStatus"] == "STOPPED"
    assert task["taskDefinitionArn"] == moto_stack["arn"]
    assert task["overrides"]["containerOverrides"] == [{"name": "migrate", "command": ["status"]}]
    assert task["startedBy"] == "ops-migrate"
    assert task["launchType"] == "FARGATE"
    details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
    assert details["subnetId"] == moto_stack["subnets"][0]
    [eni] = boto3.client("ec2", REGION).describe_network_interfaces(
        NetworkInterfaceIds=[details["networkInterfaceId"]])["NetworkInterfaces"]
    assert [g["GroupId"] for g in eni["Groups"]] == [moto_stack["group"]]
    assert f"started migration task {task_arn.rsplit('/', 1)[-1]}" in result.err


def test_json_puts_the_log_lines_in_the_result(moto_stack, run_ops):
    result = run_ops("migrate", "--stack", "dev", "--outputs", moto_stack["outputs"], "plan", "--via", "ecs", "--json",
                     sleep=container_writes(moto_stack, ["-- 0003.tags (migration, 0003.tags.sql)"]))
    assert result.code == 0, result.err
    data = result.json()
    assert data["log"] == ["-- 0003.tags (migration, 0003.tags.sql)"]
    assert data["exitCode"] == 0 and data["stack"] == "dev"


def test_a_definition_that_does_not_log_with_awslogs_is_refused_before_anything_runs(moto_stack, run_ops, tmp_path):
    arn = moto_stack["ecs"].register_task_definition(
        family="quiet", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "migrate", "image": "i", "memory": 512}])["taskDefinition"]["taskDefinitionArn"]
    outputs = write_outputs(tmp_path, migrationTaskDefinitionArn=arn)
    result = run_ops("migrate", "--stack", "dev", "--outputs", outputs, "status", "--via", "ecs")
    assert result.code == 2
    assert "does not log with awslogs" in result.err
    assert moto_stack["ecs"].list_tasks(cluster=CLUSTER)["taskArns"] == []


# ---- under Stubber: what moto cannot answer --------------------------------------------------------------------------
class Stubbed:
    """ECS and Logs clients under botocore's Stubber; every request the command makes is stated exactly."""

    def __init__(self) -> None:
        self.ecs = boto3.client("ecs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
        self.logs = boto3.client("logs", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
        self.ecs_stub, self.logs_stub = Stubber(self.ecs), Stubber(self.logs)

    def make_client(self, service: str, region: str | None, options: Any = None) -> Any:
        assert region == REGION
        return {"ecs": self.ecs, "logs": self.logs}[service]

    def definition(self) -> None:
        self.ecs_stub.add_response("describe_task_definition", {"taskDefinition": {
            "taskDefinitionArn": DEFINITION_ARN, "family": FAMILY, "containerDefinitions": [container_definition()]}},
            {"taskDefinition": DEFINITION_ARN})

    def run_task(self, command: list[str], response: dict | None = None) -> None:
        started = {"tasks": [{"taskArn": TASK_ARN, "lastStatus": "PROVISIONING"}], "failures": []}
        self.ecs_stub.add_response("run_task", response or started, {
            "cluster": CLUSTER, "taskDefinition": DEFINITION_ARN, "launchType": "FARGATE", "count": 1,
            "startedBy": "ops-migrate",
            "networkConfiguration": {"awsvpcConfiguration": {
                "subnets": SUBNETS, "securityGroups": [GROUP_ID], "assignPublicIp": "DISABLED"}},
            "overrides": {"containerOverrides": [{"name": "migrate", "command": command}]}})

    def describe(self, status: str, **stopped: Any) -> None:
        container: dict[str, Any] = {"name": "migrate", "lastStatus": status}
        task: dict[str, Any] = {"taskArn": TASK_ARN, "lastStatus": status, "containers": [container]}
        if "exitCode" in stopped:
            container["exitCode"] = stopped.pop("exitCode")
        if "reason" in stopped:
            container["reason"] = stopped.pop("reason")
        task.update(stopped)
        self.ecs_stub.add_response("describe_tasks", {"tasks": [task], "failures": []},
                                   {"cluster": CLUSTER, "tasks": [TASK_ARN]})

    def log_page(self, lines: list[str], token: str | None, following: str) -> None:
        request: dict[str, Any] = {"logGroupName": GROUP, "logStreamName": STREAM}
        request.update({"nextToken": token} if token else {"startFromHead": True})
        self.logs_stub.add_response("get_log_events", {
            "events": [{"timestamp": 1, "message": line, "ingestionTime": 2} for line in lines],
            "nextForwardToken": following, "nextBackwardToken": "b/0"}, request)

    def no_stream_yet(self) -> None:
        self.logs_stub.add_client_error("get_log_events", "ResourceNotFoundException",
                                        "The specified log stream does not exist.", 400,
                                        expected_params={"logGroupName": GROUP, "logStreamName": STREAM,
                                                         "startFromHead": True})

    def __enter__(self) -> Stubbed:
        self.ecs_stub.activate()
        self.logs_stub.activate()
        return self

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is None:
            self.ecs_stub.assert_no_pending_responses()
            self.logs_stub.assert_no_pending_responses()
        self.ecs_stub.deactivate()
        self.logs_stub.deactivate()


@pytest.fixture
def stubbed(aws_env):
    with Stubbed() as stubs:
        yield stubs


def run_stubbed(run_ops, stubbed, tmp_path, *argv: str, **extra):
    return run_ops("migrate", "--stack", "dev", "--outputs", write_outputs(tmp_path), *argv,
                   make_client=stubbed.make_client, **extra)


def test_apply_with_yes_streams_pages_and_returns_zero(run_ops, stubbed, tmp_path):
    stubbed.definition()
    stubbed.run_task(["apply", "--yes", "--lock-timeout", "600"])
    stubbed.describe("PENDING")
    stubbed.no_stream_yet()
    stubbed.describe("RUNNING")
    stubbed.log_page(["applied 0001.blog-schema (migration) in 0.35 s"], None, "f/1")
    stubbed.log_page(["applied 0002.role-grants (migration) in 0.02 s"], "f/1", "f/2")
    stubbed.log_page([], "f/2", "f/2")
    stubbed.describe("STOPPED", exitCode=0, stopCode="EssentialContainerExited",
                     stoppedReason="Essential container in task exited")
    stubbed.log_page(["2 migration(s) applied in 0.40 s"], "f/2", "f/3")
    stubbed.log_page([], "f/3", "f/3")
    stubbed.log_page([], "f/3", "f/3")  # the read after STOPPED: nothing late
    result = run_stubbed(run_ops, stubbed, tmp_path, "apply", "--via", "ecs", "--yes")
    assert result.code == 0, result.err
    assert result.out.splitlines() == ["applied 0001.blog-schema (migration) in 0.35 s",
                                       "applied 0002.role-grants (migration) in 0.02 s",
                                       "2 migration(s) applied in 0.40 s"]
    assert f"migration task {TASK_ID} exited 0" in result.err


def test_status_findings_exit_one(run_ops, stubbed, tmp_path):
    stubbed.definition()
    stubbed.run_task(["status"])
    stubbed.describe("STOPPED", exitCode=1)
    stubbed.log_page(["0002.role-grants  edited  2026-12-01"], None, "f/1")
    stubbed.log_page([], "f/1", "f/1")
    stubbed.log_page([], "f/1", "f/1")
    result = run_stubbed(run_ops, stubbed, tmp_path, "status", "--via", "ecs")
    assert result.code == 1
    assert result.out.splitlines() == ["0002.role-grants  edited  2026-12-01"]


def test_a_refusing_runner_exits_two_with_its_error_line(run_ops, stubbed, tmp_path):
    stubbed.definition()
    stubbed.run_task(["apply", "--seed", "--yes", "--lock-timeout", "30"])
    stubbed.describe("STOPPED", exitCode=2)
    stubbed.log_page(["error: 0003.broken.sql:7: syntax error at or near \",\" (SQLSTATE 42601); nothing from "
                      "0003.broken was applied"], None, "f/1")
    stubbed.log_page([], "f/1", "f/1")
    stubbed.log_page([], "f/1", "f/1")
    result = run_stubbed(run_ops, stubbed, tmp_path, "apply", "--via", "ecs", "--seed", "--yes",
                         "--lock-timeout", "30")
    assert result.code == 2
    [line] = result.err.strip().splitlines()[-1:]
    assert line == (f"ops: error: migration task {TASK_ID} refused: 0003.broken.sql:7: syntax error at or near \",\" "
                    "(SQLSTATE 42601); nothing from 0003.broken was applied")


def test_a_container_killed_for_memory_is_an_aws_failure(run_ops, stubbed, tmp_path):
    stubbed.definition()
    stubbed.run_task(["plan", "--sql"])
    stubbed.describe("STOPPED", exitCode=137, stopCode="EssentialContainerExited",
                     stoppedReason="OutOfMemoryError: Container killed due to memory usage")
    stubbed.log_page([], None, "f/0")
    stubbed.log_page([], "f/0", "f/0")
    result = run_stubbed(run_ops, stubbed, tmp_path, "apply", "--via", "ecs", "--dry-run")
    assert result.code == 3
    assert result.err.strip().splitlines()[-1] == (
        f"ops: error: migration task {TASK_ID}: the container exited 137 (OutOfMemoryError: Container killed due to "
        f"memory usage); see {GROUP} {STREAM}")  # no log line: none to show


def test_exit_one_outside_status_is_python_failing_not_a_finding(run_ops, stubbed, tmp_path):
    stubbed.definition()
    stubbed.run_task(["plan"])
    stubbed.describe("STOPPED", exitCode=1, stoppedReason="Essential container in task exited")
    stubbed.log_page(["/opt/venv/bin/python: No module named db"], None, "f/1")
    stubbed.log_page([], "f/1", "f/1")
    stubbed.log_page([], "f/1", "f/1")
    result = run_stubbed(run_ops, stubbed, tmp_path, "plan", "--via", "ecs")
    assert result.code == 3
    assert result.err.strip().splitlines()[-1] == (
        f"ops: error: migration task {TASK_ID}: the container exited 1 (Essential container in task exited), last log "
        f"line: /opt/venv/bin/python: No module named db; see {GROUP} {STREAM}")


def test_status_exit_one_without_a_bad_migration_in_the_log_is_not_a_finding(run_ops, stubbed, tmp_path):
    stubbed.definition()
    stubbed.run_task(["status"])
    stubbed.describe("STOPPED", exitCode=1)
    stubbed.log_page(["/opt/venv/bin/python: No module named db"], None, "f/1")
    stubbed.log_page([], "f/1", "f/1")
    stubbed.log_page([], "f/1", "f/1")
    result = run_stubbed(run_ops, stubbed, tmp_path, "status", "--via", "ecs")
    assert result.code == 3
    assert "the container exited 1" in result.err and "No module named db" in result.err


def test_a_task_that_never_ran_its_container_names_why_in_one_line(run_ops, stubbed, tmp_path):
    reason = ("ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
              "failed: unable to retrieve secret from asm")
    stubbed.definition()
    stubbed.run_task(["plan"])
    stubbed.describe("STOPPED", stopCode="TaskFailedToStart", stoppedReason=reason)
    stubbed.no_stream_yet()
    stubbed.no_stream_yet()
    result = run_stubbed(run_ops, stubbed, tmp_path, "plan", "--via", "ecs")
    assert result.code == 3
    lines = result.err.strip().splitlines()
    assert lines[-1] == (f"ops: error: migration task {TASK_ID} stopped before its container ran: "
                         f"TaskFailedToStart; {reason}")
    assert "Traceback" not in result.err


def test_run_task_failures_are_one_line_and_nothing_is_left_running(run_ops, stubbed, tmp_path):
    stubbed.definition()
    stubbed.run_task(["status"], {"tasks": [], "failures": [
        {"arn": f"arn:aws:ecs:{REGION}:123456789012:cluster/{CLUSTER}", "reason": "MISSING",
         "detail": "cluster not active"}]})
    result = run_stubbed(run_ops, stubbed, tmp_path, "status", "--via", "ecs")
    assert result.code == 3
    assert result.err.strip().splitlines()[-1] == (
        f"ops: error: the migration task did not start in cluster {CLUSTER}: "
        f"arn:aws:ecs:{REGION}:123456789012:cluster/{CLUSTER} MISSING cluster not active")
    assert "continues in AWS" not in result.err


def test_stopping_the_wait_says_how_to_follow_the_task(run_ops, stubbed, tmp_path):
    stubbed.definition()
    stubbed.run_task(["status"])
    stubbed.describe("RUNNING")
    stubbed.no_stream_yet()
    result = run_stubbed(run_ops, stubbed, tmp_path, "status", "--via", "ecs", "--timeout", "0")
    assert result.code == 4
    last = result.err.strip().splitlines()[-1]
    assert f"aws ecs describe-tasks --cluster {CLUSTER} --tasks {TASK_ID}" in last
    assert f"aws logs tail {GROUP} --log-stream-names {STREAM} --follow" in last


def test_apply_asks_first_and_a_no_starts_nothing(run_ops, stubbed, tmp_path, tty):
    stubbed.definition()
    result = run_stubbed(run_ops, stubbed, tmp_path, "apply", "--via", "ecs", stdin=tty("n\n"))
    assert result.code == 2
    assert f"run `python -m db apply --lock-timeout 600` as ECS task {FAMILY} in cluster {CLUSTER}" in result.err
    assert "destructive migrations: refused unless --yes" in result.err
    assert "aborted at the confirmation prompt" in result.err


def test_apply_without_a_terminal_or_yes_is_refused(run_ops, stubbed, tmp_path):
    stubbed.definition()
    result = run_stubbed(run_ops, stubbed, tmp_path, "apply", "--via", "ecs")
    assert result.code == 2
    assert "pass --yes to proceed" in result.err


@pytest.mark.parametrize("argv, expected", [
    (["apply", "--via", "ecs", "--seed"], "--seed: stack prod is production"),
    (["status", "--via", "ecs", "--host", "db.example.com"], "--via ecs: --host not allowed"),
    (["status", "--via", "ecs", "--local-port", "15432"], "--via ecs: --local-port not allowed"),
    (["status", "--via", "ecs", "--user", "postgres", "--dbname", "x"], "--via ecs: --dbname, --user not allowed"),
    (["status", "--via", "ecs", "--app-password-parameter", "/x"], "--app-password-parameter not allowed"),
    (["status", "--via", "ECS"], "invalid choice: 'ECS'"),
    (["status", "--via", "ecs", "--lock-timeout", "nan"], "--lock-timeout"),
    (["status", "--via", "ecs", "--lock-timeout", "-1"], "--lock-timeout"),
])
def test_refused_before_any_aws_call(run_ops, tmp_path, aws_env, argv, expected):
    def no_aws(service, region, options=None):
        raise AssertionError(f"unexpected AWS client {service}")

    stack = "prod" if "--seed" in argv else "dev"
    result = run_ops("migrate", "--stack", stack, "--outputs", write_outputs(tmp_path), *argv, make_client=no_aws)
    assert result.code == 2
    assert expected in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("changes, expected", [
    ({"migrationTaskDefinitionArn": None}, "missing migrationTaskDefinitionArn"),
    ({"ecsClusterName": None, "migrationSubnetIds": None}, "missing ecsClusterName, migrationSubnetIds"),
    ({"migrationSubnetIds": "subnet-0aaa"}, "migrationSubnetIds should be a list of subnet ids"),
    ({"migrationSubnetIds": [""]}, "migrationSubnetIds should be a list of subnet ids"),
    ({"migrationSecurityGroupId": ["sg-1"]}, "migrationSecurityGroupId should be a string, got list"),
    ({"migrationTaskFamily": "aurora-platform-prod-migrations"},
     "migrationTaskFamily is aurora-platform-prod-migrations, not stack dev's"),
    ({"migrationTaskFamily": "aurora-platform-dev-migrations-old"}, "not stack dev's"),
])
def test_outputs_without_the_task_are_named(run_ops, tmp_path, aws_env, changes, expected):
    def no_aws(service, region, options=None):
        raise AssertionError(f"unexpected AWS client {service}")

    outputs = write_outputs(tmp_path, **changes)
    result = run_ops("migrate", "--stack", "dev", "--outputs", outputs, "status", "--via", "ecs", make_client=no_aws)
    assert result.code == 2
    assert expected in result.err


def test_a_mysql_stack_is_refused_before_any_aws_call(run_ops, tmp_path, aws_env, monkeypatch):
    from ops.commands import migrate

    monkeypatch.setattr(migrate, "stack_database", lambda stack: {
        "engine": "aurora-mysql", "databaseName": "blog", "masterUsername": "a", "port": 3306, "production": False})
    result = run_ops("migrate", "--stack", "dev", "--outputs", write_outputs(tmp_path), "status", "--via", "ecs",
                     make_client=lambda *a, **k: pytest.fail("no AWS call expected"))
    assert result.code == 2
    assert "the engine is aurora-mysql" in result.err

