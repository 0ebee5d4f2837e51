"""Throwaway Pulumi programs for the gate's tests: one small Aurora stack that passes every mandatory rule, and
knobs that make it deliberately weak one way at a time."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

from preflight.cli import main

PROGRAM = '''
import json

import pulumi
import pulumi_aws as aws

tags = {{"Environment": "{environment}"}}
key = aws.kms.Key("key", enable_key_rotation=True, tags=tags, opts=pulumi.ResourceOptions(protect={protect}))
pg = aws.rds.ClusterParameterGroup("tls", family="aurora-postgresql16", tags=tags, parameters=[
    aws.rds.ClusterParameterGroupParameterArgs(name="rds.force_ssl", value="{force_ssl}"),
    aws.rds.ClusterParameterGroupParameterArgs(name="shared_preload_libraries", value="pgaudit"),
    aws.rds.ClusterParameterGroupParameterArgs(name="pgaudit.log", value="ddl,role"),
])
cluster = aws.rds.Cluster(
    "db", engine="aurora-postgresql", engine_version="16.4", master_username="app",
    master_password=pulumi.Config().require_secret("dbPassword"), storage_encrypted={storage_encrypted},
    kms_key_id=key.arn, backup_retention_period={retention}, db_cluster_parameter_group_name=pg.name,
    deletion_protection=True, iam_database_authentication_enabled=True, copy_tags_to_snapshot=True,
    enabled_cloudwatch_logs_exports=["postgresql"], final_snapshot_identifier="db-final", tags=tags,
    opts=pulumi.ResourceOptions(protect={protect}))
for i, zone in enumerate(["us-east-1a", "us-east-1b"]):
    aws.rds.ClusterInstance(
        f"db-{{i}}", cluster_identifier=cluster.id, instance_class="db.r6g.large", engine="aurora-postgresql",
        availability_zone=zone, monitoring_interval=60,
        monitoring_role_arn="arn:aws:iam::123456789012:role/rds-monitoring", tags=tags)
topic = aws.sns.Topic("events", kms_master_key_id=key.arn, tags=tags)
aws.rds.EventSubscription("events", sns_topic=topic.arn, source_type="db-cluster", source_ids=[cluster.id],
                          event_categories=["failure", "maintenance"], tags=tags)
aws.ec2.SecurityGroup("bastion", vpc_id="vpc-0123", tags=tags, ingress=[
    aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=22, to_port=22, cidr_blocks=["{ssh_cidr}"]),
])
aws.ecs.TaskDefinition("app", family="app", tags=tags, container_definitions=json.dumps([{{
    "name": "app", "image": "app:1",
    "environment": [{{"name": "PGHOST", "value": "db"}}] + {extra_environment},
    "secrets": [{{"name": "PGPASSWORD", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/db/password"}}],
    "logConfiguration": {{"logDriver": "awslogs"}},
}}]))
pulumi.export("endpoint", cluster.endpoint)
pulumi.export("masterPassword", cluster.master_password)
'''

SAFE = {"environment": "development", "protect": False, "force_ssl": "1", "storage_encrypted": True, "retention": 7,
        "ssh_cidr": "203.0.113.0/24", "extra_environment": "[]"}


def write_program(directory: Path, stack: str = "test", body: str | None = None, **knobs: Any) -> Path:
    """A minimal project in `directory`: Pulumi.yaml, Pulumi.<stack>.yaml and __main__.py."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text("name: gate-test\nruntime: python\n")
    # The master password comes from a secure value, as a hard-coded one fails database-password-not-hard-coded.
    (directory / f"Pulumi.{stack}.yaml").write_text(
        "config:\n  aws:region: us-east-1\n  gate-test:dbPassword:\n    secure: AAABAJ2x0fakeciphertext\n")
    (directory / "__main__.py").write_text(body if body is not None else PROGRAM.format(**{**SAFE, **knobs}))
    return directory


def run_gate(*argv: str) -> tuple[int, str, str]:
    """`python -m preflight ARGV` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def gate_json(*argv: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run_gate(*argv, "--format", "json")
    assert not err, err
    return code, json.loads(out)


def mandatory(report: dict[str, Any]) -> list[tuple[str, str]]:
    """(policy, resource name) of every mandatory violation."""
    return [(v["policy"], v["urn"].rsplit("::", 1)[-1]) for v in report["violations"]
            if v["enforcementLevel"] == "mandatory"]
