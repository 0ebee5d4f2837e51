"""`preflight diff` judges a pull request's head exactly as the main gate does, secrets by value included.

A pull request that puts a secret's value into a tag or a description must fail the diff's policy verdict as it fails
`python -m preflight`, and neither the diff's text nor its pull-request markdown may print the value: a report shows
`[secret]` where it was.
"""

from __future__ import annotations

import json

import pytest

from preflight.diff import diff_reports, main, render_markdown, render_text, report_from_run
from preflight.engine import run_stack
from tests.conftest import per_module_unless_collecting

from .gate_helpers import PROGRAM, SAFE, gate_json, write_program

PLAIN_TEXT = "secret-value-not-in-plain-text"
TOKEN = "sk-live-4f9a8b7c6d5e3a21"

# BASE has a topic and a group; the pull request changes a tag and the description: a literal the program itself
# declares secret, and the secure master password, each made plain with Output.unsecret and put where AWS shows it
# to anyone who can describe the resource. Updates, so the diff prints the old and new values.
RESOURCES = '''
token = pulumi.Output.secret("{token}")
password = pulumi.Config().require_secret("dbPassword")
aws.sns.Topic("leak", kms_master_key_id=key.arn,
              tags=pulumi.Output.unsecret(token).apply(lambda t: {{"Environment": "development", "Token": {tag}}}))
aws.ec2.SecurityGroup("leak", vpc_id="vpc-0123", tags=tags,
                      description=pulumi.Output.unsecret(password).apply(lambda p: {description}))
'''
BASE = RESOURCES.format(token=TOKEN, tag='"none"', description='"app"')
LEAK = RESOURCES.format(token=TOKEN, tag="t", description='f"app (password {p})"')


@pytest.fixture(scope="module")
def programs(tmp_path_factory):
    base = write_program(tmp_path_factory.mktemp("base"), body=PROGRAM.format(**SAFE) + BASE)
    head = write_program(tmp_path_factory.mktemp("head"), body=PROGRAM.format(**SAFE) + LEAK)
    return base, head


@pytest.fixture(scope=per_module_unless_collecting)
def reports(programs):
    base, head = programs
    return report_from_run(run_stack("test", base)), report_from_run(run_stack("test", head))


def leaked(report: dict) -> list[tuple[str, str]]:
    return sorted((v["urn"].rsplit("::", 1)[-1], v["message"].split("\n")[1].split(" holds")[0])
                  for v in report["violations"] if v["policy"] == PLAIN_TEXT)


def test_the_heads_report_flags_both_leaks(reports):
    _, head = reports
    assert leaked(head) == [("leak", "description"), ("leak", "tags.Token")]
    assert head["summary"]["exitCode"] == 1


def test_the_diff_verdict_fails_naming_the_new_violations(reports):
    base, head = reports
    diff = diff_reports(base, head)
    assert not diff.verdict.passed
    assert sorted(v["policy"] for v in diff.verdict.new) == [PLAIN_TEXT, PLAIN_TEXT]
    assert "Policy: FAIL" in render_text(diff)
    assert "**Policy: FAIL**" in render_markdown(diff)


def test_the_diff_and_the_gate_give_the_same_verdicts(programs, reports):
    """One evaluation for both: every violation of the gate's own JSON report, no more, no less."""
    _, head = programs
    code, gate = gate_json("--stack", "test", "--program", str(head))
    assert code == 1
    # The gate loads policies/config/<stack>.json of the program when there is one; these programs have none.
    assert gate["policyPack"]["config"] is None

    def key(v):
        return v["policy"], v["urn"], v["enforcementLevel"], v["message"]

    assert sorted(map(key, reports[1]["violations"])) == sorted(map(key, gate["violations"]))


def test_neither_the_report_nor_the_diff_prints_the_value(reports, tmp_path, capsys):
    base, head = reports
    diff = diff_reports(base, head)
    printed = [json.dumps(head, default=str), render_text(diff), render_markdown(diff)]
    (tmp_path / "base.json").write_text(json.dumps(base, default=str))
    (tmp_path / "head.json").write_text(json.dumps(head, default=str))
    for form in ("text", "markdown"):
        assert main([str(tmp_path / "base.json"), str(tmp_path / "head.json"), "--format", form]) == 0
        captured = capsys.readouterr()
        printed += [captured.out, captured.err]
    for text in printed:
        assert TOKEN not in text
        assert "preflight-placeholder-secret" not in text
    # Where the values were, the reports say [secret]: the tag and the description are still shown as changed.
    [topic] = [r for r in head["resources"] if r["urn"].endswith("Topic::leak")]
    assert topic["inputs"]["tags"]["Token"] == "[secret]"
    [group] = [r for r in head["resources"] if r["urn"].endswith("SecurityGroup::leak")]
    assert group["inputs"]["description"] == "[secret]"
    text = render_text(diff)
    assert 'tags.Token: "none" -> "[secret]"' in text
    assert 'description: "app" -> "[secret]"' in text
    assert '`tags.Token: "none" -> "[secret]"`' in render_markdown(diff)


def test_without_evaluation_the_values_are_still_concealed(programs):
    _, head = programs
    report = report_from_run(run_stack("test", head), evaluate=False)
    assert "violations" not in report
    assert TOKEN not in json.dumps(report, default=str)
