"""`python -m preflight diff` on hand-made reports: matching, actions, the replacement table, secrets, exit codes."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from preflight.diff import diff_reports, main, render_markdown, render_text, validate_report
from preflight.replacements import DATA_LOSS, TABLE

REPO_ROOT = Path(__file__).resolve().parents[2]
STACK = "urn:pulumi:dev::aurora-platform::"
DB = "aurora-platform:database:AuroraCluster"
CLUSTER_URN = f"{STACK}{DB}$aws:rds/cluster:Cluster::database"
KEY_URN = f"{STACK}{DB}$aws:kms/key:Key::database-key"
WRITER_URN = f"{STACK}{DB}$aws:rds/clusterInstance:ClusterInstance::database-1"
PARAM_URN = f"{STACK}{DB}$aws:ssm/parameter:Parameter::database-password"
BASTION_URN = f"{STACK}aurora-platform:bastion:Bastion$aws:ec2/instance:Instance::bastion"
SG_URN = f"{STACK}{DB}$aws:ec2/securityGroup:SecurityGroup::database-sg"


def resource(urn: str, inputs: dict, protect: bool = False, dependencies: list | None = None) -> dict:
    type_ = urn.split("::")[2].rsplit("$", 1)[-1]
    return {"urn": urn, "type": type_, "name": urn.rsplit("::", 1)[-1], "parent": None, "protect": protect,
            "dependencies": dependencies or [], "inputs": inputs}


def report(*resources: dict, violations: list | None = None, stack: str = "dev") -> dict:
    document = {"stack": stack, "project": "aurora-platform", "resources": list(resources), "exports": {}}
    if violations is not None:
        document["violations"] = violations
    return document


def base_report() -> dict:
    return report(
        resource(KEY_URN, {"enableKeyRotation": True, "description": "database key"}),
        resource(CLUSTER_URN, {"engine": "aurora-postgresql", "databaseName": "blog", "backupRetentionPeriod": 7.0,
                               "masterPassword": "[secret]", "kmsKeyId": "arn:aws:kms:us-east-1:1:key/k",
                               "tags": {"Environment": "development", "Name": "db"}},
                 dependencies=[KEY_URN]),
        resource(WRITER_URN, {"engine": "aurora-postgresql", "instanceClass": "db.serverless",
                              "clusterIdentifier": "db"}, dependencies=[CLUSTER_URN]),
        resource(PARAM_URN, {"name": "/aurora-platform/dev/db/password", "type": "SecureString",
                             "value": "[secret]"}),
        resource(BASTION_URN, {"ami": "ami-1", "instanceType": "t4g.micro"}),
        resource(SG_URN, {"description": "db"}),
        violations=[{"policy": "rds-backup-retention", "enforcementLevel": "advisory", "urn": CLUSTER_URN,
                     "message": "retention is short"}])


def changed(**edits) -> dict:
    """The base report with some inputs of some resources changed: changed(cluster={"databaseName": "x"})."""
    head = copy.deepcopy(base_report())
    by_name = {"cluster": CLUSTER_URN, "key": KEY_URN, "writer": WRITER_URN, "param": PARAM_URN,
               "bastion": BASTION_URN, "sg": SG_URN}
    for name, inputs in edits.items():
        target = next(r for r in head["resources"] if r["urn"] == by_name[name])
        target["inputs"].update(inputs)
    return head


def actions(diff) -> dict[str, str]:
    return {c.name: c.action for c in diff.changes}


def test_identical_reports_have_no_changes():
    diff = diff_reports(base_report(), base_report())
    assert diff.changes == [] and diff.unchanged == 6
    assert "0 to replace, 0 to delete, 0 to create, 0 to update, 6 unchanged" in render_text(diff)


def test_database_name_change_replaces_the_cluster_with_a_data_loss_warning_first():
    diff = diff_reports(base_report(), changed(cluster={"databaseName": "orders"}, sg={"description": "x"}))
    assert actions(diff) == {"database": "replace", "database-sg": "update"}
    cluster = next(c for c in diff.changes if c.urn == CLUSTER_URN)
    assert cluster.action == "replace" and cluster.risk == DATA_LOSS
    forcing = [c for c in cluster.changes if c.forcing]
    assert [c.key for c in forcing] == ["databaseName"]
    assert "internal/service/rds/cluster.go" in forcing[0].forcing.source
    assert diff.changes[0].urn == CLUSTER_URN  # data loss first, before the security group's update
    text = render_text(diff)
    assert text.index("!!! DATA LOSS RISK: aws:rds/cluster:Cluster 'database' will be REPLACED") \
        < text.index("aws:ec2/securityGroup:SecurityGroup")
    assert 'databaseName: "blog" -> "orders"' in text
    markdown = render_markdown(diff)
    assert "> **:rotating_light: DATA LOSS RISK: `aws:rds/cluster:Cluster` `database` will be REPLACED.**" in markdown
    assert markdown.index("DATA LOSS RISK") < markdown.index("aws:ec2/securityGroup:SecurityGroup")


def test_the_writer_is_flagged_as_possibly_replaced_with_its_cluster():
    diff = diff_reports(base_report(), changed(cluster={"engine": "aurora-mysql"}))
    assert [(c.name, c.depends_on_replaced) for c in diff.cascades] == [("database-1", [CLUSTER_URN])]
    assert "May be replaced too" in render_text(diff) and "**May be replaced too**" in render_markdown(diff)


def test_backup_retention_is_an_in_place_update():
    diff = diff_reports(base_report(), changed(cluster={"backupRetentionPeriod": 14}))
    (change,) = diff.changes
    assert change.action == "update" and change.risk is None
    assert [(c.key, c.old, c.new, c.forcing) for c in change.changes] == [("backupRetentionPeriod", 7, 14, None)]
    assert "backupRetentionPeriod: 7 -> 14" in render_text(diff)
    assert "DATA LOSS" not in render_text(diff) + render_markdown(diff)


def test_floats_and_ints_are_the_same_number():
    diff = diff_reports(base_report(), changed(cluster={"backupRetentionPeriod": 7}))
    assert diff.changes == []


def test_create_and_delete_by_urn():
    head = base_report()
    head["resources"] = [r for r in head["resources"] if r["urn"] != BASTION_URN]
    head["resources"].append(resource(WRITER_URN.replace("database-1", "database-2"), {"engine": "x"}))
    diff = diff_reports(base_report(), head)
    assert actions(diff) == {"database-2": "create", "bastion": "delete"}
    assert diff.stateful_replacements == []  # deleting the bastion loses no data


def test_a_changed_type_is_a_delete_and_a_create():
    head = base_report()
    sg = next(r for r in head["resources"] if r["urn"] == SG_URN)
    sg["urn"] = sg["urn"].replace("aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:X")
    sg["type"] = "aws:ec2/defaultSecurityGroup:X"
    diff = diff_reports(base_report(), head)
    assert sorted((c.action, c.type) for c in diff.changes) == [
        ("create", "aws:ec2/defaultSecurityGroup:X"), ("delete", "aws:ec2/securityGroup:SecurityGroup")]


def test_deleting_the_cluster_is_a_data_loss_risk():
    head = base_report()
    head["resources"] = [r for r in head["resources"] if r["urn"] != CLUSTER_URN]
    diff = diff_reports(base_report(), head)
    (change,) = diff.data_loss
    assert change.action == "delete"
    assert "!!! DATA LOSS RISK: aws:rds/cluster:Cluster 'database' will be DELETED" in render_text(diff)
    assert [c.urn for c in diff.stateful_replacements] == [CLUSTER_URN]


def test_replacing_the_key_is_a_data_loss_risk_and_flags_the_cluster():
    diff = diff_reports(base_report(), changed(key={"customerMasterKeySpec": "RSA_2048"}))
    assert diff.data_loss[0].urn == KEY_URN
    assert "can no longer be decrypted" in render_text(diff)
    assert [c.name for c in diff.cascades] == ["database"]


def test_instances_and_the_password_parameter_are_replacements_without_data_loss():
    diff = diff_reports(base_report(), changed(writer={"availabilityZone": "us-east-1b"},
                                               param={"name": "/other"}))
    assert {c.name: (c.action, c.risk) for c in diff.changes} == {
        "database-1": ("replace", "outage"), "database-password": ("replace", "credentials")}
    assert diff.data_loss == []
    assert "Replaced (brief outage)" in render_text(diff)


def test_secrets_never_appear_and_a_secret_change_is_invisible():
    base = base_report()
    head = changed(cluster={"masterPassword": "[secret]", "backupRetentionPeriod": 10},
                   param={"value": "[secret]"})
    diff = diff_reports(base, head)
    assert [c.key for ch in diff.changes for c in ch.changes] == ["backupRetentionPeriod"]
    # A secret that turns into plain text shows only the mask for the old side.
    head = changed(param={"value": "hunter2-plain"})
    (change,) = diff_reports(base, head).changes
    assert render_text(diff_reports(base, head)).count("[secret]") == 1
    assert change.changes[0].secret


def test_nested_objects_and_json_strings_show_the_changed_leaf():
    head = changed(cluster={"tags": {"Environment": "development", "Name": "db2"}},
                   sg={"description": json.dumps([{"name": "app", "environment": [{"name": "DB", "value": "a"}]}])})
    base = base_report()
    next(r for r in base["resources"] if r["urn"] == SG_URN)["inputs"]["description"] = json.dumps(
        [{"name": "app", "environment": [{"name": "DB", "value": "b"}]}])
    text = render_text(diff_reports(base, head))
    assert 'tags.Name: "db" -> "db2"' in text
    assert 'description[0].environment[0].value: "b" -> "a"' in text


def test_long_values_are_truncated():
    text = render_text(diff_reports(base_report(), changed(sg={"description": "x" * 500})))
    assert "x" * 100 not in text and "…" in text


def test_policy_verdict_counts_new_and_resolved_violations():
    head = base_report()
    head["violations"] = [{"policy": "rds-storage-encrypted", "enforcementLevel": "mandatory", "urn": CLUSTER_URN,
                           "message": "storage is not encrypted\nmore"}]
    diff = diff_reports(base_report(), head)
    assert (diff.verdict.mandatory, len(diff.verdict.new), len(diff.verdict.resolved)) == (1, 1, 1)
    assert "Policy: FAIL: 1 mandatory, 0 advisory violation(s) in HEAD; 1 new, 1 resolved since BASE." \
        in render_text(diff)
    assert "| `rds-storage-encrypted` | mandatory | `database` | storage is not encrypted |" in render_markdown(diff)


def test_a_report_without_violations_is_accepted():
    head = base_report()
    del head["violations"]
    diff = diff_reports(base_report(), head)
    assert not diff.verdict.known and "carries no policy verdicts" in render_text(diff)


def test_every_table_entry_names_its_source():
    for token, entry in TABLE.items():
        assert entry.inputs, token
        for forcing in entry.inputs:
            assert forcing.source.startswith(("hashicorp/terraform-provider-aws internal/service/",
                                              "hashicorp/terraform-provider-random internal/provider/")), forcing
    assert {"aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance", "aws:kms/key:Key",
            "aws:rds/clusterParameterGroup:ClusterParameterGroup", "aws:rds/parameterGroup:ParameterGroup",
            "aws:rds/subnetGroup:SubnetGroup", "aws:ssm/parameter:Parameter", "aws:ec2/instance:Instance"} <= set(TABLE)
    assert TABLE["aws:rds/cluster:Cluster"].forcing("engineVersion") is None  # upgraded in place
    assert TABLE["aws:rds/cluster:Cluster"].forcing("backupRetentionPeriod") is None


def test_user_data_replaces_the_bastion_only_when_asked():
    in_place = diff_reports(base_report(), changed(bastion={"userData": "#!/bin/sh"}))
    assert in_place.changes[0].action == "update"
    replaced = diff_reports(base_report(), changed(bastion={"userData": "#!/bin/sh",
                                                            "userDataReplaceOnChange": True}))
    assert replaced.changes[0].action == "replace"


def test_validate_report_rejects_what_is_not_a_report():
    with pytest.raises(ValueError, match="x.json: not a preflight JSON report, no 'stack' or 'resources'"):
        validate_report({"resources": []}, "x.json")
    with pytest.raises(ValueError, match=r"x.json: resources\[0\] has no 'urn' or 'type'"):
        validate_report({"stack": "dev", "resources": [{"type": "t"}]}, "x.json")


# ---- the CLI ---------------------------------------------------------------------------------------------------------
def write(tmp_path: Path, name: str, document) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    return path


def test_fail_on_replace_exits_1_only_for_a_stateful_replacement(tmp_path, capsys):
    base = write(tmp_path, "base.json", base_report())
    replaced = write(tmp_path, "replaced.json", changed(cluster={"databaseName": "orders"}))
    updated = write(tmp_path, "updated.json", changed(cluster={"backupRetentionPeriod": 14}, sg={"description": "y"}))
    assert main([str(base), str(replaced), "--fail-on-replace"]) == 1
    assert main([str(base), str(replaced)]) == 0  # without the flag a replacement is reported, not failed
    assert main([str(base), str(updated), "--fail-on-replace"]) == 0
    capsys.readouterr()


def test_usage_and_input_errors_exit_2_with_one_line(tmp_path, capsys):
    base = write(tmp_path, "base.json", base_report())
    cases = {
        "broken.json": ("{not json", "broken.json: not valid JSON: Expecting property name enclosed in double "
                                     "quotes: line 1 column 2 (char 1)"),
        "prod.json": (json.dumps(report(stack="prod")), "the reports are of different stacks: base 'dev', head "
                                                        "'prod'"),
        "list.json": ("[]", "list.json: not a preflight JSON report"),
    }
    for name, (text, message) in cases.items():
        head = write(tmp_path, name, text)
        assert main([str(base), str(head)]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert main([str(base), str(tmp_path / "missing.json")]) == 2
    assert "missing.json: no such file" in capsys.readouterr().err


def test_a_missing_base_is_a_new_stack_with_base_missing_ok(tmp_path, capsys):
    head = write(tmp_path, "head.json", base_report())
    assert main([str(tmp_path / "none.json"), str(head), "--base-missing-ok", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "_New stack: it does not exist on the base branch._" in out and "6 to create" in out


def test_python_dash_m_preflight_diff_dispatches(tmp_path):
    base = write(tmp_path, "base.json", base_report())
    head = write(tmp_path, "head.json", changed(cluster={"engine": "aurora-mysql"}))
    result = subprocess.run([sys.executable, "-m", "preflight", "diff", str(base), str(head), "--fail-on-replace"],
                            cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert "!!! DATA LOSS RISK" in result.stdout


def test_a_changed_script_shows_its_first_differing_line():
    script = "#!/bin/sh\n" + "echo preparing the bastion with a long line of setup text\n" * 3
    base = base_report()
    next(r for r in base["resources"] if r["urn"] == BASTION_URN)["inputs"]["userData"] = script + "psql dbname=blog"
    head = changed(bastion={"userData": script + "psql dbname=orders"})
    text = render_text(diff_reports(base, head))
    assert 'userData (line 5): "psql dbname=blog" -> "psql dbname=orders"' in text
