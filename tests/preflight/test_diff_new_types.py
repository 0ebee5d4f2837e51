"""`preflight diff` on the stateful types the program gained on 2026-12-02, and on inputs unknown offline.

Per type: a pull request that changes a forcing input is a replacement, shown with its risk first in the PR comment
(data loss as the blockquote banner, the others as the first row of the table, before an ordinary update); a change
of an input the provider updates in place is an update. Expected risks and texts are literals from the requirement.
"""

from __future__ import annotations

import json

import pytest

from preflight.diff import ENGINE_UNKNOWN, diff_reports, main, render_markdown, render_text

STACK = "urn:pulumi:prod::aurora-platform::"
SG_URN = f"{STACK}aws:ec2/securityGroup:SecurityGroup::app-lb"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/95b85ad2-7b14-96fd-ab6f-99dc9b937fc2"


def urn(parent: str, token: str, name: str) -> str:
    return f"{STACK}{parent}${token}::{name}"


def resource(urn_: str, inputs: dict, protect: bool = False) -> dict:
    return {"urn": urn_, "type": urn_.split("::")[2].rsplit("$", 1)[-1], "name": urn_.rsplit("::", 1)[-1],
            "parent": None, "protect": protect, "dependencies": [], "inputs": inputs}


def report(*resources: dict) -> dict:
    return {"stack": "prod", "project": "aurora-platform", "exports": {}, "resources": list(resources),
            "violations": []}


# (token, component, base inputs as the prod report has them, a forcing edit, an in-place edit, risk)
CASES = [
    ("aws:ecr/repository:Repository", "aurora-platform:app:AppImage",
     {"name": "aurora-platform/prod/app", "imageTagMutability": "IMMUTABLE", "forceDelete": False,
      "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": KEY_ARN}]},
     {"name": "aurora-platform/prod/web"}, {"imageTagMutability": "IMMUTABLE_WITH_EXCLUSION"}, "data-loss"),
    ("aws:backup/vault:Vault", "aurora-platform:database:AuroraCluster",
     {"name": "aurora-platform-prod-backups", "kmsKeyArn": KEY_ARN, "forceDestroy": False},
     {"kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/other"}, {"forceDestroy": True}, "data-loss"),
    ("aws:s3/bucket:Bucket", "aurora-platform:app:LoadBalancer",
     {"bucketPrefix": "aurora-platform-prod-alb-logs-"},
     {"bucketPrefix": "aurora-platform-prod-lb-logs-"}, {"forceDestroy": True}, "data-loss"),
    ("aws:lb/loadBalancer:LoadBalancer", "aurora-platform:app:LoadBalancer",
     {"internal": False, "loadBalancerType": "application", "enableDeletionProtection": True,
      "subnets": ["subnet-1", "subnet-2"]},
     {"internal": True}, {"subnets": ["subnet-1", "subnet-2", "subnet-3"]}, "outage"),
    ("aws:lb/targetGroup:TargetGroup", "aurora-platform:app:LoadBalancer",
     {"port": 3000, "protocol": "HTTP", "targetType": "ip", "vpcId": "vpc-1", "deregistrationDelay": 30},
     {"port": 8080}, {"deregistrationDelay": 60}, "outage"),
    ("aws:acm/certificate:Certificate", "aurora-platform:app:LoadBalancer",
     {"domainName": "blog.example.com", "validationMethod": "DNS"},
     {"subjectAlternativeNames": ["www.blog.example.com"]}, {"tags": {"Name": "app-lb-2"}}, "outage"),
    ("aws:backup/plan:Plan", "aurora-platform:database:AuroraCluster",
     {"name": "aurora-platform-prod-daily", "rules": [{"ruleName": "daily", "schedule": "cron(0 3 * * ? *)"}]},
     {"name": "aurora-platform-prod-nightly"}, {"rules": [{"ruleName": "daily", "schedule": "cron(0 4 * * ? *)"}]},
     "outage"),
    ("aws:backup/selection:Selection", "aurora-platform:database:AuroraCluster",
     {"name": "aurora-platform-prod-cluster", "planId": "plan-1",
      "resources": ["arn:aws:rds:us-east-1:123456789012:cluster:aurora-platform-prod"]},
     {"resources": ["arn:aws:rds:us-east-1:123456789012:cluster:aurora-platform-prod2"]}, None, "outage"),
    ("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "aurora-platform:database:AuroraCluster",
     {"backupVaultName": "aurora-platform-prod-backups", "minRetentionDays": 7, "maxRetentionDays": 3650},
     {"minRetentionDays": 14}, None, "outage"),
    ("aws:ec2/vpcEndpoint:VpcEndpoint", "aurora-platform:network:IsolatedEndpoints",
     {"serviceName": "com.amazonaws.us-east-1.s3", "vpcEndpointType": "Gateway", "vpcId": "vpc-1"},
     {"vpcEndpointType": "Interface"}, {"policy": '{"Statement": []}'}, "outage"),
    ("aws:ec2/networkAcl:NetworkAcl", "aurora-platform:network:Network",
     {"vpcId": "vpc-1", "subnetIds": ["subnet-1"]},
     {"vpcId": "vpc-2"}, {"subnetIds": ["subnet-1", "subnet-2"]}, "configuration"),
    ("aws:ecs/taskDefinition:TaskDefinition", "aurora-platform:app:App",
     {"family": "aurora-platform-prod-app", "cpu": "512", "memory": "1024", "tags": {"Name": "app"}},
     {"memory": "2048"}, {"tags": {"Name": "app-2"}}, "configuration"),
]
CONSEQUENCE_WORDS = {  # a literal phrase each risk's consequence must carry (from the requirement)
    "aws:ecr/repository:Repository": "every image in it is deleted",
    "aws:backup/vault:Vault": "the backups are lost",
    "aws:s3/bucket:Bucket": "access logs",
    "aws:lb/loadBalancer:LoadBalancer": "new DNS name",
    "aws:lb/targetGroup:TargetGroup": "requests fail",
    "aws:acm/certificate:Certificate": "must validate again",
    "aws:backup/plan:Plan": "no backup is scheduled",
    "aws:backup/selection:Selection": "no backup is taken",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": "removes the vault's lock",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "cannot reach the service",
    "aws:ec2/networkAcl:NetworkAcl": "default ACL",
    "aws:ecs/taskDefinition:TaskDefinition": "a new revision, not a loss",
}
IDS = [c[0] for c in CASES]


def pair(case, edit):
    token, parent, inputs, *_ = case
    target = urn(parent, token, "subject")
    sg = resource(SG_URN, {"description": "load balancer"})
    base = report(resource(target, dict(inputs)), sg)
    head = report(resource(target, {**inputs, **edit}), resource(SG_URN, {"description": "load balancer (edited)"}))
    return base, head


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_forcing_change_is_a_replacement_with_its_risk_first_in_the_comment(case):
    token, _, _, forcing, _, risk = case
    diff = diff_reports(*pair(case, forcing))
    first = diff.changes[0]
    assert (first.type, first.action, first.risk) == (token, "replace", risk)
    assert [c.action for c in diff.changes[1:]] == ["update"]  # the security group, after it
    assert CONSEQUENCE_WORDS[token] in first.consequence
    markdown = render_markdown(diff)
    if risk == "data-loss":
        banner = next(line for line in markdown.splitlines() if line.startswith(("> ", "| ")))
        assert banner.startswith(f"> **:rotating_light: DATA LOSS RISK: `{token}` `subject` will be REPLACED.**")
        assert markdown.startswith("### :x: ")
    else:
        rows = [line for line in markdown.splitlines() if line.startswith("| ") and "---" not in line]
        assert rows[1].startswith(f"| **replace** | `{token}` | `subject` |")
        assert "**(forces replacement)**" in rows[1] and CONSEQUENCE_WORDS[token] in rows[1]
        assert rows[2].startswith("| update | `aws:ec2/securityGroup:SecurityGroup` |")
        assert markdown.startswith("### :warning: ")
    key = next(iter(forcing))
    assert "forces replacement: hashicorp/terraform-provider-aws internal/service/" in render_text(diff)
    assert key in render_text(diff)


@pytest.mark.parametrize("case", [c for c in CASES if c[4] is not None], ids=[c[0] for c in CASES if c[4]])
def test_an_in_place_change_is_an_update(case):
    token, _, _, _, in_place, _ = case
    diff = diff_reports(*pair(case, in_place))
    (change,) = [c for c in diff.changes if c.type == token]
    assert change.action == "update" and change.risk is None
    assert "forces replacement" not in render_text(diff)


def test_the_risks_come_in_order_data_loss_outage_configuration():
    by_token = {c[0]: c for c in CASES}
    picked = [by_token[t] for t in ("aws:ecs/taskDefinition:TaskDefinition", "aws:lb/targetGroup:TargetGroup",
                                    "aws:ecr/repository:Repository")]
    base = report(*[resource(urn(c[1], c[0], f"r{i}"), dict(c[2])) for i, c in enumerate(picked)])
    head = report(*[resource(urn(c[1], c[0], f"r{i}"), {**c[2], **c[3]}) for i, c in enumerate(picked)])
    assert [c.risk for c in diff_reports(base, head).changes] == ["data-loss", "outage", "configuration"]


@pytest.mark.parametrize(("token", "code"), [("aws:lb/targetGroup:TargetGroup", 1),
                                             ("aws:backup/vault:Vault", 1),
                                             ("aws:ecs/taskDefinition:TaskDefinition", 0)])
def test_fail_on_replace_fails_on_the_new_types_but_not_on_a_new_task_definition_revision(tmp_path, capsys, token,
                                                                                        code):
    case = next(c for c in CASES if c[0] == token)
    base, head = pair(case, case[3])
    (tmp_path / "b.json").write_text(json.dumps(base))
    (tmp_path / "h.json").write_text(json.dumps(head))
    assert main([str(tmp_path / "b.json"), str(tmp_path / "h.json"), "--fail-on-replace"]) == code
    assert "to replace" in capsys.readouterr().out


# ---- inputs known only after deployment ---------------------------------------------------------------------------
BUCKET = urn("aurora-platform:app:LoadBalancer", "aws:s3/bucket:Bucket", "app-lb-logs")
TASK = urn("aurora-platform:app:App", "aws:ecs/taskDefinition:TaskDefinition", "app")
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/aurora-platform/prod/app@[unknown]"


def test_an_unknown_forcing_input_in_both_reports_says_may_be_replaced_not_nothing(tmp_path):
    """A bucket name from a random suffix: `[unknown]` in BASE and HEAD is equal, yet the real value may differ."""
    same = report(resource(BUCKET, {"bucket": "[unknown]", "tags": {"Name": "logs"}}))
    diff = diff_reports(same, same)
    assert diff.changes == [] and diff.unchanged == 1
    (maybe,) = diff.unknowns
    assert [f.key for f in maybe.may_replace] == ["bucket"]
    text, markdown = render_text(diff), render_markdown(diff)
    assert "1 may be replaced (an input that forces replacement is unknown offline)" in text
    assert ("!!! MAY BE REPLACED, DATA LOSS RISK: aws:s3/bucket:Bucket 'app-lb-logs': bucket known only after "
            "deployment, and a different value forces replacement") in text
    assert "> **:warning: MAY BE REPLACED, DATA LOSS RISK: `aws:s3/bucket:Bucket` `app-lb-logs`**: `bucket`" in markdown
    assert markdown.startswith("### :warning: ")
    # Not decided: --fail-on-replace does not fail on a possibility (documented).
    (tmp_path / "r.json").write_text(json.dumps(same))
    assert main([str(tmp_path / "r.json"), str(tmp_path / "r.json"), "--fail-on-replace"]) == 0


def test_a_forcing_input_that_becomes_unknown_is_an_update_that_may_replace():
    base = report(resource(BUCKET, {"bucket": "aurora-platform-prod-alb-logs-1"}))
    head = report(resource(BUCKET, {"bucket": "[unknown]"}))
    (change,) = diff_reports(base, head).changes
    assert change.action == "update" and [f.key for f in change.may_replace] == ["bucket"]
    assert change.changes[0].forcing is None and change.changes[0].may_force.key == "bucket"
    assert "may force replacement: unknown offline" in render_markdown(diff_reports(base, head))


def test_an_unknown_inside_a_string_or_a_nested_block_counts():
    """The image digest is interpolated into the container definitions; a KMS key deep in a block."""
    task = report(resource(TASK, {"family": "aurora-platform-prod-app",
                                  "containerDefinitions": json.dumps([{"name": "app", "image": IMAGE}])}))
    (maybe,) = diff_reports(task, task).unknowns
    assert [f.key for f in maybe.may_replace] == ["containerDefinitions"]
    assert "a new revision, not a loss" in render_text(diff_reports(task, task))
    repo = urn("aurora-platform:app:AppImage", "aws:ecr/repository:Repository", "app-image")
    nested = report(resource(repo, {"name": "aurora-platform/prod/app",
                                    "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": "[unknown]"}]}))
    (maybe,) = diff_reports(nested, nested).unknowns
    assert [f.key for f in maybe.may_replace] == ["encryptionConfigurations"]


def test_the_engines_own_unknown_sentinel_counts_too():
    from pulumi.runtime import rpc

    assert rpc.UNKNOWN == ENGINE_UNKNOWN  # the literal in preflight/diff.py is the SDK's
    same = report(resource(BUCKET, {"bucket": ENGINE_UNKNOWN}))
    assert [f.key for f in diff_reports(same, same).unknowns[0].may_replace] == ["bucket"]


@pytest.mark.parametrize("inputs", [
    {"bucket": "logs", "tags": {"Name": "[unknown]"}},  # unknown, but tags do not force replacement
    {"bucket": "logs", "forceDestroy": "[unknown]"},
])
def test_an_unknown_input_that_does_not_force_replacement_is_not_flagged(inputs):
    same = report(resource(BUCKET, inputs))
    assert diff_reports(same, same).unknowns == []


def test_an_unknown_on_a_type_outside_the_table_is_not_flagged():
    rule = urn("aurora-platform:app:LoadBalancer", "aws:lb/listener:Listener", "app-lb-https")
    same = report(resource(rule, {"certificateArn": "[unknown]"}))
    assert diff_reports(same, same).unknowns == []
