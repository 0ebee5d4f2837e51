"""The JSON report is an interface (diff and graph tools build on it): its keys are pinned here."""

from preflight.engine import SECURE_PLACEHOLDER

from .gate_helpers import gate_json, write_program


def test_json_report_keys_are_stable(tmp_path):
    _, report = gate_json("--stack", "test", "--program", str(write_program(tmp_path, retention=1)))
    assert set(report) == {"formatVersion", "stack", "project", "source", "policyPack", "summary", "resources",
                           "violations", "exports", "warnings", "cost"}
    assert report["formatVersion"] == 1
    assert set(report["policyPack"]) == {"name", "version", "config"}
    assert set(report["summary"]) == {"resources", "byType", "violations", "exitCode", "complete", "opaqueComponents"}
    assert report["summary"]["violations"] == {"mandatory": 1, "advisory": 0}
    for resource in report["resources"]:
        assert set(resource) == {"urn", "type", "name", "custom", "parent", "protect", "dependencies", "inputs"}
    [violation] = report["violations"]
    assert set(violation) == {"policy", "enforcementLevel", "urn", "message"}
    assert violation["message"].endswith("\nbackupRetentionPeriod is 1 days; the minimum for this stack is 7 days.")


def test_secrets_are_masked_everywhere_in_json(tmp_path):
    _, report = gate_json("--stack", "test", "--program", str(write_program(tmp_path)))
    text = str(report)
    assert SECURE_PLACEHOLDER not in text  # the master password's stand-in for its secure config value
    cluster = next(r for r in report["resources"] if r["name"] == "db")
    assert cluster["inputs"]["masterPassword"] == "[secret]"
    assert report["exports"]["masterPassword"] == "[secret]"


def test_resources_are_listed_once_with_their_parents(tmp_path):
    _, report = gate_json("--stack", "test", "--program", str(write_program(tmp_path)))
    names = [r["name"] for r in report["resources"]]
    # Registration order: resources waiting on another's outputs (the cluster waits for the key ARN) come later.
    assert names[0] == "key" and names.index("db") > names.index("key")
    assert sorted(names) == ["app", "bastion", "db", "db-0", "db-1", "events", "events", "key", "tls"]
    assert report["summary"]["byType"]["aws:rds/clusterInstance:ClusterInstance"] == 2
    assert all(r["parent"].endswith("pulumi:pulumi:Stack::gate-test-test") for r in report["resources"])


def test_markdown_table_cells_escape_pipes_in_messages(tmp_path):
    import re

    from .gate_helpers import run_gate

    code, out, _ = run_gate("--stack", "test", "--program", str(write_program(tmp_path, force_ssl="0|1")),
                            "--format", "markdown")
    assert code == 1
    [row] = [line for line in out.splitlines() if "`aurora-tls-forced`" in line]
    # Markdown punctuation is escaped too (`\_`): it renders as the message's own text.
    assert row.endswith("must set rds.force\\_ssl=1; it sets 0\\|1. |")
    # Four cells: an unescaped pipe would split the message into a fifth column and break the table.
    assert len(re.split(r"(?<!\\)\|", row)) == 4 + 2


def test_the_json_report_text_is_indented_with_sorted_keys_and_prints_any_export():
    """A saved report is read and diffed as text by people (two runs' files side by side): the same report is the
    same bytes, keys sorted at every level, two spaces an indent; an export JSON has no type for (a date) is printed
    as its text, not a crash."""
    import datetime

    from preflight.policy_eval import Evaluation
    from preflight.report import Report, render_json

    report = Report(stack="dev", project="shop", source="state", resources=[],
                    exports={"zone": "b", "built": datetime.date(2026, 12, 1)}, evaluation=Evaluation(violations=[]))
    assert render_json(report).splitlines() == [
        "{",
        '  "cost": null,',
        '  "exports": {',
        '    "built": "2026-12-01",',
        '    "zone": "b"',
        "  },",
        '  "formatVersion": 1,',
        '  "policyPack": {',
        '    "config": null,',
        '    "name": "aurora-platform-policies",',
        '    "version": ""',
        "  },",
        '  "project": "shop",',
        '  "resources": [],',
        '  "source": "state",',
        '  "stack": "dev",',
        '  "summary": {',
        '    "byType": {},',
        '    "complete": true,',
        '    "exitCode": 0,',
        '    "opaqueComponents": [],',
        '    "resources": 0,',
        '    "violations": {',
        '      "advisory": 0,',
        '      "mandatory": 0',
        "    }",
        "  },",
        '  "violations": [],',
        '  "warnings": []',
        "}",
    ]
