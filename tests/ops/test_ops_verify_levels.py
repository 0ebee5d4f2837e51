"""verify --policy-config: a live stack judged at the levels and thresholds its stack's policy config sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def check(run, name: str) -> dict:
    return next(c for c in run.json()["checks"] if c["name"] == name)


def test_without_a_config_every_check_is_mandatory(shared_stacks, run_ops):
    stack = shared_stacks.get(deletion_protection=False)
    result = run_ops("verify", "--outputs", str(stack.outputs), "--json")
    assert result.code == 1
    assert check(result, "aurora-deletion-protection") == {
        "name": "aurora-deletion-protection", "status": "fail", "level": "mandatory",
        "detail": "deletion protection is off"}


def test_the_dev_config_makes_deletion_protection_advisory(shared_stacks, run_ops):
    """dev ships deletionProtection: false on purpose; its policy config says so, and verify agrees with the gate."""
    stack = shared_stacks.get(deletion_protection=False)
    config = REPO / "policies" / "config" / "dev.json"
    result = run_ops("verify", "--outputs", str(stack.outputs), "--policy-config", str(config), "--json")
    assert result.code == 0, result.out + result.err
    assert check(result, "aurora-deletion-protection")["status"] == "fail"
    assert check(result, "aurora-deletion-protection")["level"] == "advisory"
    assert result.json()["ok"] is True
    text = run_ops("verify", "--outputs", str(stack.outputs), "--policy-config", str(config))
    line = next(x for x in text.out.splitlines() if x.startswith("aurora-deletion-protection"))
    assert line.split()[1] == "WARN"
    # Counted apart from failures, in JSON and in the text summary.
    assert result.json()["summary"] == {"pass": 15, "fail": 0, "warn": 1, "skip": 0, "error": 0}
    assert text.out.splitlines()[-1] == "16 checks: 15 passed, 0 failed, 1 warnings, 0 skipped, 0 errors"


def test_the_prod_config_keeps_it_mandatory(shared_stacks, run_ops):
    stack = shared_stacks.get(deletion_protection=False)
    config = REPO / "policies" / "config" / "prod.json"
    result = run_ops("verify", "--outputs", str(stack.outputs), "--policy-config", str(config), "--json")
    assert result.code == 1
    assert check(result, "aurora-deletion-protection")["level"] == "mandatory"


def test_disabled_rules_are_skipped_and_all_applies_first(shared_stacks, run_ops, tmp_path):
    stack = shared_stacks.get(deletion_protection=False, copy_tags=False)
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"all": "advisory", "aurora-copy-tags-to-snapshot": "disabled"}))
    result = run_ops("verify", "--outputs", str(stack.outputs), "--policy-config", str(config), "--json")
    assert result.code == 0
    assert check(result, "aurora-copy-tags-to-snapshot") == {
        "name": "aurora-copy-tags-to-snapshot", "status": "skip", "level": "disabled",
        "detail": "disabled by the policy config"}
    assert check(result, "aurora-deletion-protection")["level"] == "advisory"


def test_the_retention_threshold_comes_from_the_config_unless_the_flag_says_otherwise(shared_stacks, run_ops,
                                                                                       tmp_path):
    stack = shared_stacks.get()
    config = tmp_path / "policy.json"
    config.write_text(json.dumps({"aurora-backup-retention": {"minimumRetentionDays": 30}}))
    result = run_ops("verify", "--outputs", str(stack.outputs), "--policy-config", str(config), "--json")
    assert result.code == 1
    assert check(result, "aurora-backup-retention")["status"] == "fail"
    flag = run_ops("verify", "--outputs", str(stack.outputs), "--policy-config", str(config),
                   "--min-retention", "1", "--json")
    assert check(flag, "aurora-backup-retention")["status"] == "pass"


def test_an_unreadable_config_is_one_line_naming_the_flag(shared_stacks, run_ops, tmp_path):
    stack = shared_stacks.get()
    config = tmp_path / "policy.json"
    config.write_text('{"aurora-iam-auth": "sometimes"}')
    result = run_ops("verify", "--outputs", str(stack.outputs), "--policy-config", str(config))
    assert result.code == 2
    assert result.err.strip().startswith("ops: error: --policy-config: invalid policy pack config")
    assert '"sometimes" is not a valid enforcement level' in result.err
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err


@pytest.mark.parametrize("given", ["", "  "])
def test_an_empty_policy_config_is_a_usage_error_not_every_check_mandatory(run_ops, given):
    # `--policy-config "$CONFIG"` with CONFIG unset: the run must not quietly judge at the strictest levels.
    result = run_ops("verify", "--cluster", "aurora-dev", "--region", "us-east-1", "--policy-config", given)
    assert result.code == 2 and result.out == ""
    assert result.err.splitlines()[-1] == (
        "ops: error: argument --policy-config: empty; name the stack's policy pack config "
        "(policies/config/<stack>.json), or leave the flag out to make every check mandatory")

