"""The gate's report in its three formats, rendered from a hand-built Report (no program, no engine): the exact text,
markdown and JSON a reader relies on - headline verb, counts, tree, violation order, exports with secrets masked,
the verdict - written out by hand (docs/preflight.md)."""

from __future__ import annotations

import datetime
import json
from types import SimpleNamespace

from preflight import cost
from preflight.engine import Secret
from preflight.policy_eval import Evaluation, Violation
from preflight.report import Report, render_json, render_markdown, render_text, to_json

STACK = "urn:pulumi:dev::shop::pulumi:pulumi:Stack::shop-dev"
DB = "urn:pulumi:dev::shop::shop:db:Database::db"
NET = "urn:pulumi:dev::shop::shop:db:Database$shop:net:Network::net"
CLUSTER = "urn:pulumi:dev::shop::shop:db:Database$aws:rds/cluster:Cluster::db"
BUCKET = "urn:pulumi:dev::shop::aws:s3/bucket:Bucket::logs"


def resource(urn, type_, name, parent, custom=True, **extra):
    fields = {"urn": urn, "type": type_, "name": name, "parent": parent, "custom": custom, "protect": False,
              "dependencies": None, "inputs": {}}
    return SimpleNamespace(**{**fields, **extra})


def stack_resources():
    """A component with three instances of its own, a nested component with one, and a resource at the top."""
    return [
        resource(DB, "shop:db:Database", "db", STACK, custom=False),
        resource(CLUSTER, "aws:rds/cluster:Cluster", "db", DB, protect=True, dependencies=[NET],
                 inputs={"masterPassword": Secret("hunter2-pw"), "storageEncrypted": True,
                         "tags": [{"Key": "Token", "Value": Secret("tok-123")}]}),
        resource(f"{DB}-1", "aws:rds/clusterInstance:ClusterInstance", "db-1", DB),
        resource(f"{DB}-2", "aws:rds/clusterInstance:ClusterInstance", "db-2", DB),
        resource(NET, "shop:net:Network", "net", DB, custom=False),
        resource(f"{NET}-vpc", "aws:ec2/vpc:Vpc", "vpc", NET),
        resource(BUCKET, "aws:s3/bucket:Bucket", "logs", STACK),
    ]


ADVISORY = Violation("s3-versioning", "advisory", BUCKET, "Buckets keep versions.\nlogs has no versioning.",
                     "logs has no versioning.")
RETENTION = Violation("aurora-backup-retention", "mandatory", CLUSTER,
                      "Backups are kept.\nbackupRetentionPeriod is 1 days.", "backupRetentionPeriod is 1 days.")
STACK_WIDE = Violation("stack-tags", "mandatory", "", "Stacks are tagged.\nno Environment tag.", "no Environment tag.")


def failing_report(**extra):
    fields = {
        "stack": "dev", "project": "shop", "source": "program", "resources": stack_resources(),
        "exports": {"password": Secret("hunter2-pw"), "endpoint": {"port": 5432}},
        # The engine's order: an advisory first; the report must still list mandatory ones first.
        "evaluation": Evaluation(violations=[ADVISORY, RETENTION, STACK_WIDE]),
        "pack_version": "0.1.0", "policy_count": 12, "warnings": ["config names rule x the pack does not have"],
        "cost": "no prices for eu-south-2",
    }
    return Report(**{**fields, **extra})


def test_text_report_of_a_failing_program_line_by_line():
    assert render_text(failing_report()).splitlines() == [
        "Stack shop/dev would create 7 resources.",
        "",
        "Resources by type:",
        "     1  aws:ec2/vpc:Vpc",
        "     1  aws:rds/cluster:Cluster",
        "     2  aws:rds/clusterInstance:ClusterInstance",
        "     1  aws:s3/bucket:Bucket",
        "     1  shop:db:Database",
        "     1  shop:net:Network",
        "",
        "Component tree:",
        "  db (shop:db:Database): 3 resources",
        "    net (shop:net:Network): 1 resources",
        "",
        "Policy pack aurora-platform-policies 0.1.0 (12 policies), config: none (pack defaults)",
        "  [mandatory] aurora-backup-retention",
        f"      {CLUSTER}",
        "      Backups are kept.",
        "      backupRetentionPeriod is 1 days.",
        "  [mandatory] stack-tags",
        "      (stack)",
        "      Stacks are tagged.",
        "      no Environment tag.",
        "  [advisory] s3-versioning",
        f"      {BUCKET}",
        "      Buckets keep versions.",
        "      logs has no versioning.",
        "  warning: config names rule x the pack does not have",
        "",
        "Exports:",
        '  endpoint: {"port": 5432}',
        '  password: "[secret]"',
        "",
        "Monthly cost: not estimated (no prices for eu-south-2).",
        "",
        "FAIL: 2 mandatory, 1 advisory policy violation(s).",
    ]


def test_text_report_of_an_empty_state_passes_and_says_so():
    report = Report(stack="prod", project="shop", source="state", resources=[], exports={},
                    evaluation=Evaluation(), policy_config="policies/config/prod.json", pack_version="0.1.0",
                    policy_count=3)
    assert render_text(report).splitlines() == [
        "Stack shop/prod has in state 0 resources.",
        "",
        "Resources by type:",
        "",
        "Component tree:",
        "  (no components)",
        "",
        "Policy pack aurora-platform-policies 0.1.0 (3 policies), config: policies/config/prod.json",
        "  no violations",
        "",
        "Exports:",
        "  (none)",
        "",
        "PASS: 0 mandatory, 0 advisory policy violation(s).",
    ]
    assert report.exit_code == 0


def test_only_mandatory_violations_fail_the_gate():
    advisory_only = failing_report(evaluation=Evaluation(violations=[ADVISORY]))
    assert advisory_only.exit_code == 0
    assert render_text(advisory_only).splitlines()[-1] == "PASS: 0 mandatory, 1 advisory policy violation(s)."
    assert failing_report().exit_code == 1
    remediate = Violation("r", "remediate", BUCKET, "d\nm", "m")
    assert failing_report(evaluation=Evaluation(violations=[remediate])).exit_code == 0


def test_violations_are_ordered_mandatory_remediate_advisory_disabled_then_unknown_levels():
    def v(level):
        return Violation(level, level, BUCKET, "d\nm", "m")

    engine_order = [v("made-up"), v("disabled"), v("advisory"), v("remediate"), v("mandatory")]
    report = failing_report(evaluation=Evaluation(violations=engine_order))
    assert [x.policy for x in report.violations] == ["mandatory", "remediate", "advisory", "disabled", "made-up"]
    # Within one level the engine's order stays.
    report = failing_report(evaluation=Evaluation(violations=[STACK_WIDE, ADVISORY, RETENTION]))
    assert [x.policy for x in report.violations] == ["stack-tags", "aurora-backup-retention", "s3-versioning"]


def test_a_remote_component_makes_the_verdict_incomplete_in_every_format():
    remote = resource("urn:pulumi:dev::shop::awsx:ec2:Vpc::vpc", "awsx:ec2:Vpc", "vpc", STACK, custom=False,
                      remote=True)
    report = failing_report(resources=[*stack_resources(), remote], evaluation=Evaluation())
    verdict = ("PASS: 0 mandatory, 0 advisory policy violation(s). INCOMPLETE: 1 remote component(s) could not be "
               "expanded offline and were not evaluated (see warnings).")
    assert render_text(report).splitlines()[-1] == verdict
    summary = to_json(report)["summary"]
    assert summary["complete"] is False
    assert summary["opaqueComponents"] == ["urn:pulumi:dev::shop::awsx:ec2:Vpc::vpc"]
    assert verdict in render_markdown(report)
    # Without one the verdict is complete.
    assert to_json(failing_report())["summary"]["complete"] is True
    assert to_json(failing_report())["summary"]["opaqueComponents"] == []


def test_json_report_values():
    data = json.loads(render_json(failing_report(policy_config="policies/config/dev.json")))
    assert data["formatVersion"] == 1
    assert (data["stack"], data["project"], data["source"]) == ("dev", "shop", "program")
    assert data["policyPack"] == {"name": "aurora-platform-policies", "version": "0.1.0",
                                  "config": "policies/config/dev.json"}
    assert data["summary"]["resources"] == 7
    assert data["summary"]["byType"]["aws:rds/clusterInstance:ClusterInstance"] == 2
    assert data["summary"]["violations"] == {"mandatory": 2, "advisory": 1}
    assert data["summary"]["exitCode"] == 1
    cluster = data["resources"][1]
    assert cluster == {
        "urn": CLUSTER, "type": "aws:rds/cluster:Cluster", "name": "db", "custom": True, "parent": DB,
        "protect": True, "dependencies": [NET],
        "inputs": {"masterPassword": "[secret]", "storageEncrypted": True,
                   "tags": [{"Key": "Token", "Value": "[secret]"}]},
    }
    component = data["resources"][0]
    assert (component["custom"], component["protect"], component["dependencies"]) == (False, False, [])
    assert [v["policy"] for v in data["violations"]] == ["aurora-backup-retention", "stack-tags", "s3-versioning"]
    assert data["violations"][1] == {"policy": "stack-tags", "enforcementLevel": "mandatory", "urn": "",
                                     "message": "Stacks are tagged.\nno Environment tag."}
    assert data["exports"] == {"password": "[secret]", "endpoint": {"port": 5432}}
    assert data["warnings"] == ["config names rule x the pack does not have"]
    assert data["cost"] == {"error": "no prices for eu-south-2"}


def test_secrets_appear_in_no_format():
    report = failing_report()
    for rendered in (render_text(report), render_json(report), render_markdown(report)):
        assert "hunter2-pw" not in rendered
        assert "tok-123" not in rendered


def test_json_cost_is_null_without_an_estimate_and_the_estimate_when_there_is_one():
    assert to_json(failing_report(cost=None))["cost"] is None
    estimate = SimpleNamespace(as_json=lambda: {"region": "eu-west-1", "monthly": {"total": 12.5}})
    assert to_json(failing_report(cost=estimate))["cost"] == {"region": "eu-west-1", "monthly": {"total": 12.5}}
    assert "Monthly cost" not in render_text(failing_report(cost=None))
    assert "Monthly cost" not in render_markdown(failing_report(cost=None))


def test_an_export_json_cannot_encode_is_printed_as_its_text_not_a_crash():
    # A program may export a value JSON has no type for; the text report still prints, every export on its line.
    lines = render_text(failing_report(exports={"built": datetime.date(2026, 12, 1)})).splitlines()
    assert lines[lines.index("Exports:") + 1] == '  built: "2026-12-01"'


def test_the_cost_estimate_stands_apart_in_the_text_report(monkeypatch):
    monkeypatch.setattr(cost, "text_lines", lambda estimate: ["Monthly cost: $43.80", "  $43.80  db"])
    lines = render_text(failing_report(cost=SimpleNamespace())).splitlines()
    start = lines.index("Monthly cost: $43.80")
    assert lines[start - 1:start + 3] == ["", "Monthly cost: $43.80", "  $43.80  db", ""]


def test_markdown_comment_line_by_line():
    report = Report(
        stack="dev", project="shop", source="program",
        resources=[resource(DB, "shop:db:Database", "db", STACK, custom=False),
                   resource(CLUSTER, "aws:rds/cluster:Cluster", "db", DB)],
        exports={"password": Secret("hunter2-pw")}, evaluation=Evaluation(violations=[STACK_WIDE, RETENTION]),
        policy_config="policies/config/dev.json", pack_version="0.1.0", policy_count=3,
        warnings=["an invoke was answered with a default"], cost="no prices",
    )
    assert render_markdown(report).splitlines() == [
        "### :x: preflight `shop/dev`",
        "",
        "Stack `shop/dev` would create 2 resources. FAIL: 2 mandatory, 0 advisory policy violation(s).",
        "",
        "Policy pack `aurora-platform-policies` 0.1.0 (3 policies), config: `policies/config/dev.json`",
        "",
        "| level | policy | resource | message |",
        "| --- | --- | --- | --- |",
        "| mandatory | `stack-tags` | `(stack)` | no Environment tag. |",
        "| mandatory | `aurora-backup-retention` | `db` | backupRetentionPeriod is 1 days. |",
        "",
        "- warning: an invoke was answered with a default",
        "",
        "Monthly cost: not estimated (no prices).",
        "",
        "<details><summary>Resources by type</summary>",
        "",
        "| count | type |",
        "| ---: | --- |",
        "| 1 | `aws:rds/cluster:Cluster` |",
        "| 1 | `shop:db:Database` |",
        "",
        "</details>",
        "",
        "<details><summary>Component tree</summary>",
        "",
        "```",
        "db (shop:db:Database): 1 resources",
        "```",
        "",
        "</details>",
        "",
        "<details><summary>Exports</summary>",
        "",
        "| export | value |",
        "| --- | --- |",
        '| `password` | `"[secret]"` |',
        "",
        "</details>",
    ]


def test_markdown_of_a_passing_state_without_config_violations_or_warnings():
    report = Report(stack="prod", project="shop", source="state", resources=[], exports={}, evaluation=Evaluation(),
                    pack_version="0.1.0", policy_count=3)
    lines = render_markdown(report).splitlines()
    assert lines[:6] == [
        "### :white_check_mark: preflight `shop/prod`",
        "",
        "Stack `shop/prod` has in state 0 resources. PASS: 0 mandatory, 0 advisory policy violation(s).",
        "",
        "Policy pack `aurora-platform-policies` 0.1.0 (3 policies), config: none (pack defaults)",
        "",
    ]
    assert lines[6] == "<details><summary>Resources by type</summary>"  # no table, no warning list, no cost
    start = lines.index("<details><summary>Component tree</summary>")
    assert lines[start + 2:start + 5] == ["```", "```", ""]  # an empty tree: the fences only


def test_markdown_escapes_a_pipe_only_inside_a_table_nests_the_tree_and_prints_any_export():
    # Outside a table a `\|` shows its backslash; inside one an unescaped `|` splits the cell. The config path,
    # the pack's version and a warning are outside any table.
    report = failing_report(policy_config="policies/config/a|b.json", pack_version="1.0|rc",
                            warnings=["rule a|b is not in the pack"], cost=None,
                            exports={"built": datetime.date(2026, 12, 1), "pipe": "x|y"})
    lines = render_markdown(report).splitlines()
    assert lines[4] == "Policy pack `aurora-platform-policies` 1.0|rc (12 policies), config: `policies/config/a|b.json`"
    assert "- warning: rule a\\|b is not in the pack" not in lines
    assert "- warning: rule a|b is not in the pack" in lines
    start = lines.index("<details><summary>Component tree</summary>")
    assert lines[start + 2:start + 6] == ["```", "db (shop:db:Database): 3 resources",
                                          "  net (shop:net:Network): 1 resources", "```"]
    start = lines.index("<details><summary>Exports</summary>")
    assert lines[start + 4:start + 6] == ['| `built` | `"2026-12-01"` |', '| `pipe` | `"x\\|y"` |']
