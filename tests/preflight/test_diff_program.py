"""`preflight diff` on reports of the real program: a settings change in a stack, as a pull request would make it.

Each report is what `python -m preflight --stack S --format json` prints (built with preflight/report.py's `to_json`
through `report_from_run`), for the stack's own settings (BASE) and with one setting changed (HEAD).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from preflight.diff import diff_reports, main, render_markdown, render_text, report_from_run
from preflight.engine import SECURE_PLACEHOLDER, Secret, StackRun, run_stack
from tests.conftest import _cached_run, cache_unless_collecting

REPO_ROOT = Path(__file__).resolve().parents[2]
DATABASE = "aurora-platform:database"
BASTION = "aurora-platform:bastion"
CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"


def section(stack: str, name: str, **changes) -> dict:
    """The stack's own settings section with some keys changed (overrides replace a whole section)."""
    config = yaml.safe_load((REPO_ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    value = copy.deepcopy(config[name])
    value.update(changes)
    return {name: value}


def base_run(stack: str) -> StackRun:
    return _cached_run(stack)  # the session's one evaluation of the unchanged stack (tests/conftest.py)


@cache_unless_collecting
def base_report(stack: str) -> str:
    # as render_json writes it (`default=str`: an output the mock engine leaves unknown, e.g. a DNS record's fqdn)
    return json.dumps(report_from_run(base_run(stack)), default=str)


def compare(stack: str, overrides: dict, evaluate: bool = False):
    """BASE carries the policy verdicts; HEAD only when asked (the pack costs time, these tests are about resources)."""
    head_run = run_stack(stack, REPO_ROOT, overrides)
    base, head = json.loads(base_report(stack)), report_from_run(head_run, evaluate=evaluate)
    return diff_reports(base, head), base, head, head_run


def by_type(diff, token: str):
    return [c for c in diff.changes if c.type == token]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_database_name_change_replaces_the_cluster_with_the_data_loss_warning(stack, tmp_path):
    diff, base, head, _ = compare(stack, section(stack, DATABASE, databaseName="orders"))
    (cluster,) = by_type(diff, CLUSTER)
    assert cluster.action == "replace" and cluster.data_loss
    assert [c.key for c in cluster.changes if c.forcing] == ["databaseName"]
    assert diff.changes[0] is cluster  # first
    text, markdown = render_text(diff), render_markdown(diff)
    assert text.splitlines()[2] == f"!!! DATA LOSS RISK: {CLUSTER} '{cluster.name}' will be REPLACED"
    first_block = next(line for line in markdown.splitlines() if line.startswith(("> ", "| ")))
    assert first_block.startswith(f"> **:rotating_light: DATA LOSS RISK: `{CLUSTER}` `{cluster.name}` will be "
                                  "REPLACED.**")
    assert '"orders"' in text
    if stack == "prod":  # prod protects the cluster: the diff says `pulumi up` will refuse
        assert cluster.protect and "it is protected" in text
    # --fail-on-replace fails the pull request on it.
    (tmp_path / "base.json").write_text(json.dumps(base, default=str))
    (tmp_path / "head.json").write_text(json.dumps(head, default=str))
    assert main([str(tmp_path / "base.json"), str(tmp_path / "head.json"), "--fail-on-replace"]) == 1


def test_an_engine_change_replaces_the_cluster_with_the_data_loss_warning():
    diff, *_ = compare("dev", section("dev", DATABASE, engine="aurora-mysql", engineVersion="8.0.mysql_aurora.3.08.0",
                                      serverless={"minCapacity": 0.5, "maxCapacity": 4}))
    (cluster,) = by_type(diff, CLUSTER)
    assert cluster.action == "replace" and cluster.data_loss
    assert "engine" in [c.key for c in cluster.changes if c.forcing]
    assert diff.changes[0] is cluster
    assert all(c.action == "replace" for c in by_type(diff, INSTANCE))  # their engine forces it too


def test_backup_retention_is_an_in_place_update(tmp_path):
    diff, base, head, _ = compare("dev", section("dev", DATABASE, backupRetentionDays=14))
    (cluster,) = by_type(diff, CLUSTER)
    assert cluster.action == "update" and not cluster.data_loss
    assert [(c.key, c.old, c.new) for c in cluster.changes] == [("backupRetentionPeriod", 7, 14)]
    assert diff.stateful_replacements == [] and "DATA LOSS" not in render_text(diff)
    (tmp_path / "base.json").write_text(json.dumps(base))
    (tmp_path / "head.json").write_text(json.dumps(head))
    assert main([str(tmp_path / "base.json"), str(tmp_path / "head.json"), "--fail-on-replace"]) == 0


def test_adding_a_reader_is_a_create():
    readers = yaml.safe_load((REPO_ROOT / "Pulumi.dev.yaml").read_text())["config"][DATABASE].get("readers", 0)
    diff, *_ = compare("dev", section("dev", DATABASE, readers=readers + 1))
    assert [c.action for c in by_type(diff, INSTANCE)] == ["create"]
    assert not [c for c in diff.changes if c.action in ("replace", "delete")]


def test_removing_the_bastion_is_a_delete_and_no_failure(tmp_path):
    diff, base, head, _ = compare("dev", section("dev", BASTION, enabled=False))
    assert [c.action for c in by_type(diff, "aws:ec2/instance:Instance")] == ["delete"]
    assert {c.action for c in diff.changes} == {"delete"}
    assert diff.data_loss == [] and diff.stateful_replacements == []
    (tmp_path / "base.json").write_text(json.dumps(base))
    (tmp_path / "head.json").write_text(json.dumps(head))
    assert main([str(tmp_path / "base.json"), str(tmp_path / "head.json"), "--fail-on-replace"]) == 0


def _secret_values(run: StackRun) -> set[str]:
    found: set[str] = set()

    def walk(value):
        if isinstance(value, Secret):
            inner = value.value
            if isinstance(inner, str) and len(inner) >= 6:
                found.add(inner)
            walk(inner)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for resource in run.resources:
        walk(resource.inputs)
        walk(resource.outputs)
    walk(run.exports)
    return found


def test_secrets_never_appear_in_the_diff():
    # A change that touches the password's neighbours: new name, new user, another password version.
    diff, _, _, head_run = compare("dev", section("dev", DATABASE, databaseName="orders", masterUsername="owner",
                                                  passwordVersion=2), evaluate=True)
    secrets = _secret_values(base_run("dev")) | _secret_values(head_run) | {SECURE_PLACEHOLDER}
    assert len(secrets) > 1  # the generated password is among them
    rendered = render_text(diff) + render_markdown(diff)
    leaked = [s for s in secrets if s in rendered]
    assert leaked == [], "a secret value reached the diff"
