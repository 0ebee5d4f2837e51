"""verify: a compliant stack passes; each single non-compliant setting fails, naming its check."""

from __future__ import annotations

import json
import re

import pytest

ALL_CHECKS = [
    "aurora-storage-encrypted",
    "kms-key-rotation",
    "aurora-tls-forced",
    "aurora-backup-retention",
    "aurora-deletion-protection",
    "aurora-iam-auth",
    "aurora-copy-tags-to-snapshot",
    "aurora-log-exports",
    "aurora-audit-logging",
    "aurora-write-forwarding-consistency",
    "rds-not-publicly-accessible",
    "aurora-readers-multi-az",
    "ssm-secret-parameter-secure-cmk",
    "no-world-database-ingress",
    "ec2-imdsv2-required",
    "ec2-ebs-encrypted",
]


def statuses(run) -> dict[str, str]:
    return {c["name"]: c["status"] for c in run.json()["checks"]}


@pytest.mark.parametrize("engine", ["aurora-postgresql", "aurora-mysql"])
def test_compliant_stack_passes_every_check(shared_stacks, run_ops, engine):
    stack = shared_stacks.get(engine)
    result = run_ops("verify", "--outputs", str(stack.outputs), "--json")
    assert result.code == 0, result.out + result.err
    assert statuses(result) == {name: "pass" for name in ALL_CHECKS}
    assert result.json()["ok"] is True


@pytest.mark.parametrize("engine", ["aurora-postgresql", "aurora-mysql"])
def test_the_json_names_the_cluster_its_engine_and_region(shared_stacks, run_ops, engine):
    """The top-level keys docs/ops.md promises for `--json`: a pipeline checking several stacks reads which cluster,
    engine and region each document is about."""
    stack = shared_stacks.get(engine)
    result = run_ops("verify", "--outputs", str(stack.outputs), "--json")
    assert result.code == 0, result.out + result.err
    data = result.json()
    assert set(data) == {"cluster", "engine", "region", "ok", "summary", "checks"}
    assert (data["cluster"], data["engine"], data["region"]) == (stack.cluster_id, engine, "eu-west-1")


def test_text_table_names_each_check(shared_stacks, run_ops):
    stack = shared_stacks.get()
    result = run_ops("verify", "--outputs", str(stack.outputs))
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == f"cluster {stack.cluster_id} (aurora-postgresql, eu-west-1)"
    assert lines[1].split() == ["CHECK", "STATUS", "DETAIL"]
    for name in ALL_CHECKS:
        assert any(line.startswith(name) and " PASS " in line for line in lines), name
    assert lines[-1] == "16 checks: 16 passed, 0 failed, 0 warnings, 0 skipped, 0 errors"


VARIANTS = [
    ({"encrypted": False}, "aurora-storage-encrypted", "not encrypted"),
    ({"key": "aws"}, "aurora-storage-encrypted", "alias/aws/rds"),
    ({"rotation": False}, "kms-key-rotation", "rotation is off"),
    ({"tls": None}, "aurora-tls-forced", "rds.force_ssl is not set"),
    ({"tls": "0"}, "aurora-tls-forced", "rds.force_ssl=0"),
    ({"retention": 3}, "aurora-backup-retention", "retention 3 day(s), below the minimum of 7"),
    ({"retention": 0}, "aurora-backup-retention", "retention 0 day(s), below the minimum of 7"),  # moto accepts 0
    ({"deletion_protection": False}, "aurora-deletion-protection", "off"),
    ({"iam_auth": False}, "aurora-iam-auth", "off"),
    ({"copy_tags": False}, "aurora-copy-tags-to-snapshot", "not copied"),
    ({"logs": []}, "aurora-log-exports", "no logs exported"),
    ({"logs": ["upgrade"]}, "aurora-log-exports", "missing log export(s): postgresql"),
    ({"public": True}, "rds-not-publicly-accessible", "publicly accessible: shared-"),
    ({"zones": ("a", "a")}, "aurora-readers-multi-az", "all 2 instance(s) in eu-west-1a"),
    ({"zones": ("b",)}, "aurora-readers-multi-az", "all 1 instance(s) in eu-west-1b"),
    ({"password_type": "String"}, "ssm-secret-parameter-secure-cmk", "is a String, not a SecureString"),
    ({"password_key": "aws"}, "ssm-secret-parameter-secure-cmk", "alias/aws/ssm"),
    ({"open_ingress": "tcp"}, "no-world-database-ingress", "allows 0.0.0.0/0 on tcp 1024-65535"),
    ({"open_ingress": "all-traffic"}, "no-world-database-ingress", "allows 0.0.0.0/0 on all traffic"),
    ({"open_ingress": "ipv6"}, "no-world-database-ingress", "allows ::/0 on tcp 5432-5432"),
    ({"imds": "optional"}, "ec2-imdsv2-required", "HttpTokens=optional"),
    ({"bastion_encrypted": False}, "ec2-ebs-encrypted", "unencrypted volume"),
]


# Compliant variants that a too-strict check would fail.
PASSING_VARIANTS = [
    {"password_key": "cmk-id"},
    {"password_key": "cmk-alias"},
    {"retention": 35},
]


@pytest.mark.parametrize("change", PASSING_VARIANTS, ids=[str(v) for v in PASSING_VARIANTS])
def test_other_compliant_shapes_pass(shared_stacks, run_ops, change):
    stack = shared_stacks.get(**change)
    result = run_ops("verify", "--outputs", str(stack.outputs), "--json")
    assert result.code == 0, result.out + result.err
    assert set(statuses(result).values()) == {"pass"}


@pytest.mark.parametrize(("change", "check", "detail"), VARIANTS, ids=[f"{v[1]}:{v[0]}" for v in VARIANTS])
def test_each_violation_fails_only_its_check(shared_stacks, run_ops, change, check, detail):
    stack = shared_stacks.get(**change)
    result = run_ops("verify", "--outputs", str(stack.outputs), "--json")
    assert result.code == 1, result.out + result.err
    failed = {name for name, status in statuses(result).items() if status == "fail"}
    assert failed == {check}
    assert detail in next(c["detail"] for c in result.json()["checks"] if c["name"] == check)


def test_text_table_marks_the_failed_check(shared_stacks, run_ops):
    stack = shared_stacks.get(deletion_protection=False)
    result = run_ops("verify", "--outputs", str(stack.outputs))
    assert result.code == 1
    line = next(x for x in result.out.splitlines() if x.startswith("aurora-deletion-protection"))
    assert line.split()[1:] == ["FAIL", "deletion", "protection", "is", "off"]
    assert result.out.splitlines()[-1] == "16 checks: 15 passed, 1 failed, 0 warnings, 0 skipped, 0 errors"


def test_mysql_without_tls_parameter_names_require_secure_transport(shared_stacks, run_ops):
    stack = shared_stacks.get("aurora-mysql", tls=None)
    result = run_ops("verify", "--outputs", str(stack.outputs), "--json")
    assert result.code == 1
    detail = next(c["detail"] for c in result.json()["checks"] if c["name"] == "aurora-tls-forced")
    assert "require_secure_transport is not set" in detail


def test_mysql_require_secure_transport_one_is_accepted(shared_stacks, run_ops):
    stack = shared_stacks.get("aurora-mysql", tls="1")
    assert run_ops("verify", "--outputs", str(stack.outputs)).code == 0


def test_min_retention_flag_raises_the_bar(shared_stacks, run_ops):
    stack = shared_stacks.get(retention=7)
    result = run_ops("verify", "--outputs", str(stack.outputs), "--min-retention", "14", "--json")
    assert result.code == 1
    assert statuses(result)["aurora-backup-retention"] == "fail"


def test_flags_override_outputs_file(shared_stacks, run_ops):
    good = shared_stacks.get()
    bad = shared_stacks.get(password_type="String")
    result = run_ops("verify", "--outputs", str(good.outputs), "--password-parameter", bad.password_parameter, "--json")
    assert result.code == 1
    assert statuses(result)["ssm-secret-parameter-secure-cmk"] == "fail"


def test_cluster_flag_alone_skips_password_and_bastion(shared_stacks, run_ops):
    stack = shared_stacks.get()
    result = run_ops("verify", "--cluster", stack.cluster_id, "--region", "eu-west-1", "--json")
    assert result.code == 0
    skipped = {n for n, s in statuses(result).items() if s == "skip"}
    assert skipped == {"ssm-secret-parameter-secure-cmk", "ec2-imdsv2-required", "ec2-ebs-encrypted"}


def test_null_bastion_in_outputs_skips_bastion_checks(shared_stacks, run_ops):
    stack = shared_stacks.get(bastion=False)
    result = run_ops("verify", "--outputs", str(stack.outputs), "--json")
    assert result.code == 0
    assert statuses(result)["ec2-imdsv2-required"] == "skip"


def test_missing_password_parameter_is_a_finding(shared_stacks, run_ops):
    stack = shared_stacks.get()
    result = run_ops("verify", "--outputs", str(stack.outputs), "--password-parameter", "/nope", "--json")
    assert result.code == 1
    detail = next(c["detail"] for c in result.json()["checks"] if c["name"] == "ssm-secret-parameter-secure-cmk")
    assert detail == "parameter /nope not found"


def test_check_that_cannot_read_reports_error_and_exit_3(shared_stacks, run_ops):
    stack = shared_stacks.get()
    result = run_ops("verify", "--outputs", str(stack.outputs), "--bastion-instance", "i-00000000000000000")
    assert result.code == 3  # AWS refused a read: not a finding (1), not a usage error (2)
    line = next(x for x in result.out.splitlines() if x.startswith("ec2-imdsv2-required"))
    assert "ERROR" in line and "InvalidInstanceID.NotFound" in line


def test_unknown_cluster_is_one_line_error(moto, run_ops, tmp_path):
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"region": "eu-west-1", "clusterIdentifier": "ghost"}))
    result = run_ops("verify", "--outputs", str(outputs))
    assert result.code == 3
    assert result.out == ""
    assert re.fullmatch(
        r"ops: error: DBClusterNotFoundFault in eu-west-1 \(DescribeDBClusters, request id \w+\): "
        r"DBCluster ghost not found\.\n",
        result.err,
    )
