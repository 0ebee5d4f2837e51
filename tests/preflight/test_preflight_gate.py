"""`python -m preflight --stack`: the real stacks pass, deliberately weak programs fail naming the right rule,
and every error is one clear message with exit code 2."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .gate_helpers import PROGRAM, SAFE, gate_json, mandatory, run_gate, write_program

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_real_stacks_have_no_mandatory_violation(stack):
    code, report = gate_json("--stack", stack)
    assert (code, mandatory(report)) == (0, [])
    assert report["policyPack"]["config"].endswith(f"policies/config/{stack}.json")


def test_the_small_safe_program_passes_clean(tmp_path):
    code, report = gate_json("--stack", "test", "--program", str(write_program(tmp_path)))
    assert (code, report["violations"]) == (0, [])


@pytest.mark.parametrize(("knobs", "expected"), [
    ({"storage_encrypted": False}, [("aurora-storage-encrypted", "db")]),
    ({"force_ssl": "0"}, [("aurora-tls-forced", "db")]),
    ({"extra_environment": '[{"name": "PGPASSWORD", "value": "hunter2"}]'},
     [("ecs-secrets-not-in-environment", "app")]),
    ({"ssh_cidr": "0.0.0.0/0"}, [("no-world-admin-ingress", "bastion")]),
    ({"retention": 1}, [("aurora-backup-retention", "db")]),
    ({"environment": "production"}, [("production-protect", "key"), ("production-protect", "db")]),
], ids=["unencrypted-cluster", "parameter-group-without-tls", "password-in-task-environment", "ssh-open-to-world",
        "retention-1", "production-unprotected"])
def test_weak_program_fails_naming_the_rule(tmp_path, knobs, expected):
    code, report = gate_json("--stack", "test", "--program", str(write_program(tmp_path, **knobs)))
    assert (code, mandatory(report)) == (1, expected)


def test_production_program_that_protects_its_state_passes(tmp_path):
    program = write_program(tmp_path, environment="production", protect=True)
    assert gate_json("--stack", "test", "--program", str(program))[0] == 0


def test_text_report_names_rule_urn_and_message(tmp_path):
    code, out, _ = run_gate("--stack", "test", "--program", str(write_program(tmp_path, ssh_cidr="0.0.0.0/0")))
    assert code == 1
    assert "  [mandatory] no-world-admin-ingress\n" in out
    assert "      urn:pulumi:test::gate-test::aws:ec2/securityGroup:SecurityGroup::bastion\n" in out
    assert "      ingress[0] opens port(s) 22 to 0.0.0.0/0.\n" in out
    assert out.rstrip().endswith("FAIL: 1 mandatory, 0 advisory policy violation(s).")


def test_markdown_report_has_a_violation_table(tmp_path):
    code, out, _ = run_gate("--stack", "test", "--program", str(write_program(tmp_path, retention=1)),
                            "--format", "markdown")
    assert code == 1
    assert out.startswith("### :x: preflight `gate-test/test`")
    assert ("| mandatory | `aurora-backup-retention` | `db` | backupRetentionPeriod is 1 days; "
            "the minimum for this stack is 7 days. |") in out


def test_policy_config_sets_levels_and_thresholds(tmp_path):
    program = write_program(tmp_path / "p", retention=1)
    config = tmp_path / "lenient.json"
    config.write_text(json.dumps({"aurora-backup-retention": {"minimumRetentionDays": 1}}))
    assert gate_json("--stack", "test", "--program", str(program), "--policy-config", str(config))[0] == 0
    config.write_text(json.dumps({"aurora-backup-retention": "advisory"}))
    code, report = gate_json("--stack", "test", "--program", str(program), "--policy-config", str(config))
    assert code == 0
    assert [(v["policy"], v["enforcementLevel"]) for v in report["violations"]] == [
        ("aurora-backup-retention", "advisory")]


def test_stack_policy_config_is_picked_up_from_the_program(tmp_path):
    program = write_program(tmp_path, retention=1)
    (program / "policies" / "config").mkdir(parents=True)
    (program / "policies" / "config" / "test.json").write_text('{"aurora-backup-retention": "disabled"}')
    code, report = gate_json("--stack", "test", "--program", str(program))
    assert (code, report["violations"]) == (0, [])


# --- exit code 2: one clear message ---------------------------------------------------------------------------------

def test_stack_without_its_settings_file(tmp_path):
    code, out, err = run_gate("--stack", "staging", "--program", str(write_program(tmp_path)))
    assert (code, out) == (2, "")
    assert err == f"preflight: stack 'staging' has no Pulumi.staging.yaml in {tmp_path} (stacks here: test)\n"


def test_program_that_raises(tmp_path):
    write_program(tmp_path, body="import pulumi\nraise ValueError('boom')\n")
    code, out, err = run_gate("--stack", "test", "--program", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == "preflight: ValueError: boom (at __main__.py:2)\n"


def test_settings_error_from_the_program(tmp_path):
    write_program(tmp_path, body="import pulumi\nraise pulumi.RunError('network.cidrBlock: got \"x\"')\n")
    code, _, err = run_gate("--stack", "test", "--program", str(tmp_path))
    assert (code, err) == (2, 'preflight: network.cidrBlock: got "x"\n')


def test_invalid_policy_config(tmp_path):
    config = tmp_path / "bad.json"
    config.write_text('{"aurora-backup-retention": {"minimumRetentionDays": 90}, "aurora-iam-auth": "strict"}')
    code, out, err = run_gate("--stack", "dev", "--policy-config", str(config))
    assert (code, out) == (2, "")
    # Every problem at once, in the file the user named: a bad level and a value out of its schema's range.
    assert err == (f"preflight: invalid policy pack config {config}: parsing enforcement level for "
                   f'"aurora-iam-auth": "strict" is not a valid enforcement level; aurora-backup-retention: '
                   f"minimumRetentionDays: 90 is greater than the maximum of 35\n")


@pytest.mark.parametrize(("content", "problem"), [
    (b"\xff\xfe{}", "not valid JSON: not UTF-8 text (invalid start byte at byte 0)"),
    (b"{not json", "not valid JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    (b"[1]", "it must hold a JSON object"),
])
def test_unreadable_policy_config_names_the_file(tmp_path, content, problem):
    config = tmp_path / "bad.json"
    config.write_bytes(content)
    code, out, err = run_gate("--stack", "dev", "--policy-config", str(config))
    assert (code, out, err) == (2, "", f"preflight: invalid policy pack config {config}: {problem}\n")


def test_usage_error_exits_2():
    with pytest.raises(SystemExit) as exit_:
        run_gate("--format", "json")
    assert exit_.value.code == 2


def test_as_a_real_process_with_exit_code(tmp_path):
    program = write_program(tmp_path, storage_encrypted=False)
    done = subprocess.run([sys.executable, "-m", "preflight", "--stack", "test", "--program", str(program)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "[mandatory] aurora-storage-encrypted" in done.stdout


def test_world_open_custom_database_port_fails_naming_the_stack_rule(tmp_path):
    # The port is not in EC2.19's list: only the stack rule, which reads the cluster's port, can see the hole.
    body = PROGRAM.format(**SAFE).replace('engine_version="16.4",', 'engine_version="16.4", port=6543,')
    body = body.replace('from_port=22, to_port=22, cidr_blocks=["203.0.113.0/24"]',
                        'from_port=6543, to_port=6543, cidr_blocks=["0.0.0.0/0"]')
    assert "port=6543," in body and "to_port=6543" in body
    code, report = gate_json("--stack", "test", "--program", str(write_program(tmp_path, body=body)))
    assert (code, mandatory(report)) == (1, [("no-world-database-ingress", "bastion")])
    [violation] = [v for v in report["violations"] if v["policy"] == "no-world-database-ingress"]
    assert violation["message"].endswith(
        "SecurityGroup 'bastion': ingress[0] opens port(s) 6543 to 0.0.0.0/0, the database port of Cluster 'db'.")


def test_help_names_the_diff_and_graph_subcommands(capsys):
    """`--help` is where users look first: it must lead to the PR tools too."""
    from preflight.cli import main as gate

    with pytest.raises(SystemExit) as caught:
        gate(["--help"])
    assert caught.value.code == 0
    text = capsys.readouterr().out
    assert "python -m preflight diff BASE.json HEAD.json" in text
    assert "python -m preflight graph --stack STACK" in text


def test_resources_the_program_only_reads_are_not_judged_by_resource_rules(tmp_path):
    """`Resource.get` reads an existing resource into the state (external): the engine runs resource policies on what
    the program registers, so an unencrypted cluster someone else owns does not fail this stack's gate."""
    body = ("import pulumi_aws as aws\n"
            "aws.rds.Cluster.get('legacy', 'legacy-cluster', storage_encrypted=False)\n")
    program = write_program(tmp_path / "reads", body=body)
    code, report = gate_json("--stack", "test", "--program", str(program))
    assert [r["name"] for r in report["resources"]] == ["legacy"]
    assert [v for v in report["violations"] if v["policy"] == "aurora-storage-encrypted"] == []
    assert code == 0
