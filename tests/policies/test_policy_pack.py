"""The pack as a whole: metadata, the two import paths, and the engine semantics the analyzer reproduces."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from policies.rules import ALL_POLICIES, RULES
from preflight.policy_eval import UNKNOWN, PolicyConfigError, load_policy_config

from .policy_helpers import analyzer, resource

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = "aws:rds/cluster:Cluster"
UNENCRYPTED = {"engine": "aurora-postgresql", "storageEncrypted": False, "backupRetentionPeriod": 7.0}


def test_every_rule_has_a_kebab_case_name_a_sentence_and_a_control():
    assert len(RULES) == len(ALL_POLICIES) >= 30
    for policy in ALL_POLICIES:
        info = policy.info
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", info.name), info.name
        assert info.controls, info.name
        assert policy.description.endswith(f"({', '.join(info.controls)}).")
        assert policy.description.count(". ") == 0, policy.description  # one sentence
        assert info.resource_types and all(t.startswith("aws:") for t in info.resource_types)


def test_encryption_and_tls_rules_are_mandatory_by_default():
    for name in ("aurora-storage-encrypted", "aurora-tls-forced", "rds-proxy-require-tls",
                 "rds-performance-insights-cmk", "kms-key-rotation", "ssm-secret-parameter-secure-cmk",
                 "log-group-encrypted", "sns-topic-encrypted", "ec2-ebs-encrypted", "secretsmanager-secret-cmk"):
        assert RULES[name].level.value == "mandatory", name


def test_issue_controls_are_all_covered():
    controls = " ".join(c for r in RULES.values() for c in r.controls)
    for control in ("RDS.27", "CKV_AWS_327", "RDS.50", "RDS.7", "RDS.12", "RDS.16", "RDS.34", "RDS.37", "RDS.2",
                    "RDS.35", "RDS.6", "CKV_AWS_354", "RDS.15", "RDS.19", "RDS.43", "CKV_AWS_7", "CKV2_AWS_34",
                    "CKV_AWS_337", "EC2.8", "EC2.3", "EC2.19", "CKV_AWS_24", "EC2.6", "EC2.2", "ECS.8", "ECS.9",
                    "ECS.2"):
        assert re.search(rf"\b{re.escape(control)}\b", controls), control


def test_rules_import_as_top_level_package_from_the_pack_directory():
    # This is how the CLI runs the pack: `python __main__.py` with cwd policies/ (so `import rules`).
    code = "import rules; print(len(rules.ALL_POLICIES))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT / "policies", capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == str(len(ALL_POLICIES))


def test_pack_entry_point_only_wraps_the_rules():
    source = (ROOT / "policies" / "__main__.py").read_text()
    assert "from rules import ALL_POLICIES" in source
    assert 'name="aurora-platform-policies"' in source
    assert "def " not in source and "class " not in source


def test_pack_project_file_runs_python_in_a_virtualenv():
    project = yaml.safe_load((ROOT / "policies" / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"]["virtualenv"]
    requirements = (ROOT / "policies" / "requirements.txt").read_text()
    assert "pulumi-policy==1.21.0" in requirements and "pulumi==3.272.0" in requirements


# --- engine semantics -----------------------------------------------------------------------------------------------

def levels_of(evaluation, policy):
    return [v.enforcement_level for v in evaluation.violations if v.policy == policy]


def test_message_is_description_then_detail_as_the_cli_prints_it():
    [v] = [v for v in analyzer().analyze(resource(CLUSTER, "db", UNENCRYPTED)).violations
           if v.policy == "aurora-storage-encrypted"][:1]
    assert v.message == RULES["aurora-storage-encrypted"].summary.rstrip(".") + \
        " (Security Hub RDS.27, Checkov CKV_AWS_327).\nstorageEncrypted must be true."
    assert v.urn == resource(CLUSTER, "db", {}).urn


def test_all_sets_every_level_and_a_named_policy_overrides_it():
    a = analyzer({"all": "advisory", "aurora-iam-auth": "mandatory"})
    evaluation = a.analyze(resource(CLUSTER, "db", UNENCRYPTED))
    assert set(levels_of(evaluation, "aurora-storage-encrypted")) == {"advisory"}
    assert levels_of(evaluation, "aurora-iam-auth") == ["mandatory"]
    assert evaluation.mandatory == [v for v in evaluation.violations if v.policy == "aurora-iam-auth"]


def test_disabled_policy_does_not_run():
    evaluation = analyzer({"aurora-storage-encrypted": "disabled"}).analyze(resource(CLUSTER, "db", UNENCRYPTED))
    assert levels_of(evaluation, "aurora-storage-encrypted") == []


def test_reading_an_unknown_value_is_an_advisory_cannot_run():
    # The engine marshals every unknown as the unknown-string sentinel, hence "string value" for a number.
    evaluation = analyzer().analyze(resource(CLUSTER, "db", {**UNENCRYPTED, "backupRetentionPeriod": UNKNOWN}))
    [v] = [v for v in evaluation.violations if v.policy == "aurora-backup-retention"]
    assert v.enforcement_level == "advisory"
    assert v.detail == ("can't run policy 'aurora-backup-retention' from policy pack 'aurora-platform-policies@v0.0.1'"
                        " during preview: string value at .backupRetentionPeriod can't be known during preview")


def test_defaults_from_schemas_reach_the_rules():
    assert analyzer().config["aurora-backup-retention"] == ("mandatory", {"minimumRetentionDays": 7})


@pytest.mark.parametrize(("config", "error"), [
    ({"aurora-iam-auth": "strict"},
     'parsing enforcement level for "aurora-iam-auth": "strict" is not a valid enforcement level'),
    ({"aurora-iam-auth": 3}, 'parsing "aurora-iam-auth": 3 is not a valid value; must be a string or object'),
    ({"no-world-admin-ingress": {"ports": ["ssh"]}}, "no-world-admin-ingress: ports.0: 'ssh' is not of type 'integer'"),
])
def test_invalid_config_is_reported(config, error):
    with pytest.raises(PolicyConfigError) as raised:
        analyzer(config)
    assert raised.value.errors == [error]


def test_config_for_an_unknown_policy_is_ignored_like_the_engine_but_remembered():
    assert analyzer({"no-such-rule": "mandatory"}).unknown_policies == ["no-such-rule"]


def test_policy_config_file(tmp_path):
    good = tmp_path / "prod.json"
    good.write_text('{"all": "mandatory", "aurora-backup-retention": {"minimumRetentionDays": 14}}')
    assert load_policy_config(good)["all"] == "mandatory"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(PolicyConfigError, match="bad.json: not valid JSON"):
        load_policy_config(bad)
    with pytest.raises(PolicyConfigError, match="missing.json: cannot read it: No such file or directory"):
        load_policy_config(tmp_path / "missing.json")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_shipped_stack_configs_are_valid(stack):
    path = ROOT / "policies" / "config" / f"{stack}.json"
    levels = analyzer(load_policy_config(path)).levels()
    assert set(levels) == set(RULES)
    # Encryption and TLS stay mandatory in every stack; prod makes everything mandatory.
    for name in ("aurora-storage-encrypted", "aurora-tls-forced", "no-world-admin-ingress"):
        assert levels[name] == "mandatory", (stack, name)
    if stack == "prod":
        assert set(levels.values()) == {"mandatory"}
    else:
        assert levels["aurora-deletion-protection"] == "advisory"


def test_schema_defaults_are_valid_against_their_schemas():
    # The analyzer skips validation when no config is given, so the defaults themselves must be valid.
    config = analyzer({"all": "advisory"}).config
    assert config["no-world-admin-ingress"][1]["ports"][:3] == [20, 21, 22]


def test_docs_list_every_rule_with_its_default_level():
    doc = (ROOT / "docs" / "policies.md").read_text()
    for name, info in RULES.items():
        assert re.search(rf"^\| `{name}` \| .* \| {info.level.value} \|", doc, re.MULTILINE), name


def test_docs_say_what_every_rule_reads_and_cannot_see_offline():
    doc = (ROOT / "docs" / "policies.md").read_text()
    start = doc.index("## What each rule reads, and what it cannot see offline")
    section = doc[start:doc.index("## Running the real gate")]
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| [^|]+ \| [^|]+ \| [^|]+ \|$", section, re.MULTILINE)
    assert sorted(rows) == sorted(RULES)
