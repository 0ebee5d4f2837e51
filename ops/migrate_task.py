"""`ops migrate ... --via ecs`: run the migrations as the stack's one-off ECS task and wait for it.

`ecs.run_task` with the task definition, subnets and security group the stack exports (components/migration_task.py),
the container's command overridden for plan / apply / status; then describe_tasks until STOPPED while the task's
CloudWatch log lines are streamed back (get_log_events from the head, following nextForwardToken). The container's
exit code becomes the command's (the runner, `python -m db`, uses the same scheme as ops: 0 done, 1 findings,
2 refused); any other exit code, or a task that stops before its container ran, is an AWS-side failure (3) with the
task's stoppedReason in one line.
"""

from __future__ import annotations

import argparse
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from db.errors import RUNNER_ERROR_PREFIX
from ops.confirm import confirm
from ops.context import Context
from ops.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, OpsError, Refused

# Outputs of the stack (`pulumi stack output --json`) the task is run with.
REQUIRED_OUTPUTS = ("ecsClusterName", "migrationTaskDefinitionArn", "migrationSubnetIds", "migrationSecurityGroupId")
# The runner's own codes pass through; anything else (137: killed, out of memory; 139...) is not the runner's answer.
RUNNER_CODES = {EXIT_OK, EXIT_FINDINGS, EXIT_USAGE}
STARTED_BY = "ops-migrate"
# A finding of `python -m db status`: "<id>  <state>  <applied at>" with a state other than ok.
FINDING = re.compile(r"^\S+  (edited|missing file|no checksum)  ")
# Flags that pick the database on the tunnel path; the task definition fixes all of them.
TUNNEL_ONLY = ("host", "local_port", "port", "dbname", "user", "app_password_parameter")


@dataclass
class LogStream:
    """One task's log stream, read from the head; `nextForwardToken` remembers where the last read stopped."""

    group: str
    name: str
    token: str | None = None
    lines: list[str] = field(default_factory=list)

    def read(self, logs: Any, emit) -> None:
        while True:
            request: dict[str, Any] = {"logGroupName": self.group, "logStreamName": self.name}
            if self.token:
                request["nextToken"] = self.token
            else:
                request["startFromHead"] = True
            try:
                page = logs.get_log_events(**request)
            except ClientError as exc:
                # The stream appears when the container first writes; before that there is nothing to read.
                if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                    return
                raise
            for event in page.get("events", []):
                line = str(event.get("message", "")).rstrip("\n")
                self.lines.append(line)
                emit(line)
            following = page.get("nextForwardToken")
            # The same token back means the end of what is there now (GetLogEvents' documented end condition).
            if not following or following == self.token:
                return
            self.token = following
            if not page.get("events"):
                return


def container_command(args: argparse.Namespace) -> list[str]:
    """The container's command for this action: `python -m db <command>` (db/__main__.py)."""
    if args.action == "status":
        return ["status"]
    if args.action == "plan" or args.dry_run:
        return ["plan", *(["--sql"] if args.dry_run else []), *(["--seed"] if args.seed else [])]
    return ["apply", *(["--seed"] if args.seed else []), *(["--yes"] if args.yes else []),
            "--lock-timeout", f"{args.lock_timeout:g}"]


def _required(outputs: dict[str, Any], path: str | None) -> dict[str, Any]:
    missing = [key for key in REQUIRED_OUTPUTS if not outputs.get(key)]
    if missing:
        where = f"--outputs {path}" if path else "no --outputs given"
        raise OpsError(f"--via ecs: {where}: missing {', '.join(missing)}; the stack exports them when it has an app "
                       "on Aurora PostgreSQL (pulumi up first, then pulumi stack output --json > FILE)")
    subnets = outputs["migrationSubnetIds"]
    if not isinstance(subnets, list) or not all(isinstance(s, str) and s for s in subnets):
        raise OpsError(f"--outputs {path}: migrationSubnetIds should be a list of subnet ids, got {subnets!r}")
    for key in ("ecsClusterName", "migrationTaskDefinitionArn", "migrationSecurityGroupId"):
        if not isinstance(outputs[key], str):
            raise OpsError(f"--outputs {path}: {key} should be a string, got {type(outputs[key]).__name__}")
    return outputs


def run_via_ecs(args: argparse.Namespace, ctx: Context, stack: dict[str, Any], outputs: dict[str, Any]) -> int:
    given = [f"--{name.replace('_', '-')}" for name in TUNNEL_ONLY if getattr(args, name, None) is not None]
    if given:
        raise OpsError(f"--via ecs: {', '.join(given)} not allowed; the task definition fixes the host, port, "
                       "database, login and passwords (allowed with --via ecs: --outputs, --region, --seed, "
                       "--dry-run, --yes, --lock-timeout, --timeout)")
    _required(outputs, args.outputs)
    family_output = outputs.get("migrationTaskFamily")
    # Another stack's outputs would run that stack's task while the checks above read this stack's file.
    if isinstance(family_output, str) and not family_output.endswith(f"-{args.stack}-migrations"):
        raise OpsError(f"--outputs {args.outputs}: migrationTaskFamily is {family_output}, not stack {args.stack}'s "
                       f"(<project>-{args.stack}-migrations); pass the outputs of --stack {args.stack}")
    cluster = outputs["ecsClusterName"]
    definition_arn = outputs["migrationTaskDefinitionArn"]
    region = args.region or outputs.get("region")
    clients = ctx.clients(region)
    ecs, logs = clients.ecs, clients.logs

    definition = ecs.describe_task_definition(taskDefinition=definition_arn)["taskDefinition"]
    containers = definition.get("containerDefinitions") or []
    if len(containers) != 1:
        raise OpsError(f"task definition {definition_arn} has {len(containers)} containers; the migration task has "
                       "exactly one")
    container = containers[0]
    options = (container.get("logConfiguration") or {}).get("options") or {}
    group, prefix = options.get("awslogs-group"), options.get("awslogs-stream-prefix")
    if (container.get("logConfiguration") or {}).get("logDriver") != "awslogs" or not group or not prefix:
        raise OpsError(f"task definition {definition_arn}: its container does not log with awslogs to a group and "
                       "stream prefix, so its output could not be read back")

    command = container_command(args)
    family = definition.get("family") or definition_arn
    if args.action == "apply" and not args.dry_run:
        destructive = "confirmed (--yes)" if args.yes else "refused unless --yes"
        confirm(f"migrate {args.stack}: run `python -m db {shlex.join(command)}` as ECS task {family} in cluster "
                f"{cluster} (destructive migrations: {destructive})",
                assume_yes=args.yes, stdin=ctx.stdin, stderr=ctx.stderr)

    network = {"awsvpcConfiguration": {"subnets": list(outputs["migrationSubnetIds"]),
                                       "securityGroups": [outputs["migrationSecurityGroupId"]],
                                       "assignPublicIp": "DISABLED"}}
    what = f"the migration task of {args.stack}"
    check = f"aws ecs describe-tasks --cluster {shlex.quote(cluster)} --tasks <task id>"
    ctx.inflight.started(what, check, f"aws logs tail {shlex.quote(group)} --follow", pending=True)
    started = ecs.run_task(
        cluster=cluster, taskDefinition=definition_arn, launchType="FARGATE", count=1, startedBy=STARTED_BY,
        networkConfiguration=network,
        overrides={"containerOverrides": [{"name": container["name"], "command": command}]})
    tasks, failures = started.get("tasks") or [], started.get("failures") or []
    if failures or not tasks:
        reasons = "; ".join(" ".join(str(f.get(k)) for k in ("arn", "reason", "detail") if f.get(k))
                            for f in failures) or "no task and no failure returned"
        ctx.inflight.what = None  # nothing runs: no "continues in AWS" advice
        raise Refused(f"the migration task did not start in cluster {cluster}: {reasons}")
    task_arn = tasks[0]["taskArn"]
    task_id = task_arn.rsplit("/", 1)[-1]
    check = f"aws ecs describe-tasks --cluster {shlex.quote(cluster)} --tasks {task_id}"
    stream = LogStream(group=group, name=f"{prefix}/{container['name']}/{task_id}")
    ctx.inflight.started(f"migration task {task_id}", check,
                         f"aws logs tail {shlex.quote(group)} --log-stream-names {shlex.quote(stream.name)} --follow")
    ctx.say(f"started migration task {task_id} ({family}, `python -m db {shlex.join(command)}`); logs: {group} "
            f"{stream.name}")

    as_json = bool(args.json)

    def emit(line: str) -> None:
        if not as_json:
            ctx.stdout.write(line + "\n")
            ctx.stdout.flush()

    def probe() -> dict[str, Any]:
        found = ecs.describe_tasks(cluster=cluster, tasks=[task_arn])
        stream.read(logs, emit)
        if not found.get("tasks"):
            reasons = "; ".join(str(f.get("reason")) for f in found.get("failures") or []) or "not found"
            raise Refused(f"migration task {task_id} can no longer be described ({reasons})")
        return found["tasks"][0]

    task = ctx.poller(args).until(
        f"migration task {task_id}", probe, lambda t: t.get("lastStatus") == "STOPPED",
        lambda t: str(t.get("lastStatus")))
    # CloudWatch Logs may deliver the last lines after the task stopped: read once more.
    stream.read(logs, emit)
    ctx.inflight.what = None  # it stopped: nothing is left running
    return _outcome(args, ctx, task, container["name"], task_id, stream)


def _outcome(args: argparse.Namespace, ctx: Context, task: dict[str, Any], name: str, task_id: str,
             stream: LogStream) -> int:
    container = next((c for c in task.get("containers") or [] if c.get("name") == name), {})
    code = container.get("exitCode")
    reason = task.get("stoppedReason") or ""
    data = {"stack": args.stack, "task": task.get("taskArn"), "exitCode": code, "stopCode": task.get("stopCode"),
            "stoppedReason": reason or None, "log": stream.lines}
    if code is None:
        detail = "; ".join(x for x in (task.get("stopCode"), reason, container.get("reason")) if x) or "no reason given"
        raise Refused(f"migration task {task_id} stopped before its container ran: {detail}")
    # The runner answers 1 only to `status`; elsewhere 1 is Python itself failing (`No module named db`: an image
    # without db/, or an uncaught error), not a finding.
    expected = RUNNER_CODES if args.action == "status" else RUNNER_CODES - {EXIT_FINDINGS}
    if code == EXIT_FINDINGS and not any(FINDING.match(line) for line in stream.lines):
        expected = expected - {EXIT_FINDINGS}  # `status` said 1 without naming a bad migration: not the runner's 1
    if code not in expected:
        last = next((line for line in reversed(stream.lines) if line.strip()), None)
        raise Refused(f"migration task {task_id}: the container exited {code} ({reason or 'no stopped reason'})"
                      + (f", last log line: {last.strip()}" if last else "") + f"; see {stream.group} {stream.name}")
    if code == EXIT_USAGE:
        last = next((line for line in reversed(stream.lines) if line.startswith(RUNNER_ERROR_PREFIX.strip())), None)
        refused = last[len(RUNNER_ERROR_PREFIX.strip()):].strip() if last else "exit 2"
        raise OpsError(f"migration task {task_id} refused: {refused}")
    if args.json:
        ctx.result(args, data, "")
    else:
        ctx.say(f"migration task {task_id} exited {code}")
    return code
