"""The pull-request workflow's own shell steps, run as GitHub runs them, on a head that tries to loosen its own gate.

The `preflight` job's steps ("Preflight every stack on base and head", "Write the comment", the gate) are read from
.github/workflows/pull-request.yml and executed with `bash --noprofile --norc -eo pipefail` (the runner's `run:`
shell) in a workspace laid out like the job's: `base/` and `head/` checkouts of this repository. The head:

- breaks a prod rule (backup retention 3 days, the base's prod config asks for 7) and makes its own prod config
  advisory-only;
- adds a stack `qa` with its own config that disables every rule (the base has no config for it);
- replaces the cluster in dev (databaseName), the data-loss case the base's diff must flag;
- ships its own `python -m preflight` that prints a passing report for anything, with a text meant to read as a
  verdict in the comment;
- deletes a stack file the base has (`staging`).

Only the head's program may count; the verdict must be the base's. `PY` is a wrapper that logs each `python`
the steps start: the job runs one gate of every stack per side (three processes), one diff and one graph, not a
gate and a diff per stack.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "pull-request.yml"
IGNORED = shutil.ignore_patterns(".git", ".venv", "tests", "node_modules", "__pycache__", ".pytest_cache",
                                 ".ruff_cache", "out", ".lock-venv", "*.pyc")

FAKE_PREFLIGHT = '''"""The head's own `python -m preflight`: a pass, whatever it is asked."""
import json, sys
def report(stack):
    mandatory = 0 if stack == "dev" else "0 -- **Gate: PASS**"
    return {"summary": {"violations": {"mandatory": mandatory, "advisory": 5}, "exitCode": 0},
            "violations": [], "resources": [], "stack": stack, "project": "aurora-platform"}
if "--all-stacks" in sys.argv:
    print(json.dumps({"stacks": [{"stack": s, "exitCode": 0, "report": report(s)} for s in ("dev", "prod", "qa")],
                      "exitCode": 0}))
else:
    print(json.dumps(report(sys.argv[sys.argv.index("--stack") + 1] if "--stack" in sys.argv else "?")))
'''

# Stands in for the job's `$PY`: logs where and with what each python starts, then runs it.
PYTHON_LOG = '''#!/bin/bash
printf '%s %s\\n' "$(basename "$PWD")" "$*" >> "$PYTHON_LOG"
exec "$REAL_PYTHON" "$@"
'''


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new))


def _steps() -> dict[str, str]:
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["preflight"]["steps"]
    return {step["name"]: step["run"] for step in steps if "run" in step and "name" in step}


def _run_step(script: str, workspace: Path, **env: str) -> subprocess.CompletedProcess:
    path = workspace / "step.sh"
    path.write_text(script)
    wrapper = workspace / "python-logged"
    if not wrapper.exists():
        wrapper.write_text(PYTHON_LOG)
        wrapper.chmod(0o755)
    environment = {**os.environ, "PY": str(wrapper), "REAL_PYTHON": sys.executable,
                   "PYTHON_LOG": str(workspace / "python.log"), "GITHUB_STEP_SUMMARY": str(workspace / "summary.md"),
                   "GITHUB_SHA": "3f2c1ab" + "0" * 33, "PR_NUMBER": "42", **env}
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)], cwd=workspace,
                          env=environment, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("workspace")
    base, head = root / "base", root / "head"
    shutil.copytree(REPO_ROOT, base, ignore=IGNORED)
    shutil.copytree(REPO_ROOT, head, ignore=IGNORED)
    shutil.copy(base / "Pulumi.dev.yaml", base / "Pulumi.staging.yaml")

    _replace(head / "Pulumi.prod.yaml", "backupRetentionDays: 14", "backupRetentionDays: 3")
    (head / "policies" / "config" / "prod.json").write_text('{"all": "advisory"}\n')
    shutil.copy(head / "Pulumi.prod.yaml", head / "Pulumi.qa.yaml")
    (head / "policies" / "config" / "qa.json").write_text('{"all": "disabled"}\n')
    _replace(head / "Pulumi.dev.yaml", "databaseName: blog", "databaseName: orders")
    (head / "preflight" / "__main__.py").write_text(FAKE_PREFLIGHT)

    steps = _steps()
    evaluated = _run_step(steps["Preflight every stack on base and head"], root)
    assert evaluated.returncode == 0, evaluated.stdout + evaluated.stderr
    commented = _run_step(steps["Write the comment"], root)
    assert commented.returncode == 0, commented.stdout + commented.stderr
    return root


def _lines(path: Path) -> list[str]:
    return path.read_text().split()


def _head_reports(workspace: Path) -> dict[str, dict]:
    document = json.loads((workspace / "out" / "head.json").read_text())
    return {entry["stack"]: entry["report"] for entry in document["stacks"]}


def test_each_side_is_one_process_for_every_stack(workspace):
    """Five pythons in all, where the job used to start fifteen (a gate, a report of the head's own and of the base,
    a diff and a two-integer reader per stack, and a graph that ran the head's program again): the gate of the head's
    program and the head's own preflight, every stack in one process each, the base's stacks in one, one diff and
    one graph that read reports only."""
    started = (workspace / "python.log").read_text().splitlines()
    head, base = workspace / "head", workspace / "base"
    assert started == [
        f"base -m preflight --all-stacks --program {head} --policy-config-dir {base}/policies/config --format json",
        "head -m preflight --all-stacks --format json",
        "base -m preflight --stack=dev --stack=prod --format json",
        f"base -m preflight diff --all-stacks {workspace}/out/base.json {workspace}/out/head.json --base-missing-ok "
        f"--information {workspace}/out/head-own.json --failed-stacks {workspace}/out/failed-stacks "
        f"--replacing-stacks {workspace}/out/replacing-stacks --format markdown",
        f"base -m preflight graph --stack dev --report {workspace}/out/head.json",
    ]
    # The head's program runs in one process only: the base's gate of every stack (the diagram reads its report).
    assert [line for line in started if str(head) in line] == [started[0]]
    # The head's code runs only where its report is information: every process that decides starts in the base.
    assert [line for line in started if line.startswith("head ")] == ["head -m preflight --all-stacks --format json"]


def test_the_base_pack_and_config_judge_the_heads_program(workspace):
    out = workspace / "out"
    assert list(_head_reports(workspace)) == ["dev", "prod", "qa"]
    # prod: the head's advisory-only config and its fake preflight did not count.
    assert _lines(out / "failed-stacks") == ["prod", "qa"]
    assert (out / "head-exit").read_text() == "1\n"
    prod = _head_reports(workspace)["prod"]
    assert prod["summary"]["violations"]["mandatory"] == 1
    assert [(v["policy"], v["enforcementLevel"]) for v in prod["violations"]] == [
        ("aurora-backup-retention", "mandatory")]
    assert "backupRetentionPeriod is 3 days; the minimum for this stack is 7 days." in prod["violations"][0]["message"]


def test_a_stack_the_base_has_no_config_for_gets_the_packs_defaults_not_the_heads_config(workspace):
    qa = _head_reports(workspace)["qa"]
    assert qa["policyPack"]["config"] is None  # the head's policies/config/qa.json disables every rule
    assert "no qa.json in --policy-config-dir policies/config: the pack's defaults judge this stack" in qa["warnings"]
    assert _head_reports(workspace)["prod"]["policyPack"]["config"] == "policies/config/prod.json"
    assert ("aurora-backup-retention", "mandatory") in [(v["policy"], v["enforcementLevel"])
                                                       for v in qa["violations"]]


def test_the_base_diff_flags_the_replacement_and_the_deleted_stack(workspace):
    out = workspace / "out"
    assert _lines(out / "replacing-stacks") == ["dev"]
    assert _lines(out / "removed-stacks") == ["staging"]


def test_the_comment_is_the_bases_with_the_heads_verdict_as_numbers_only(workspace):
    comment = (workspace / "out" / "comment.md").read_text()
    assert comment.startswith("<!-- aurora-platform-preflight -->\n## Infrastructure preflight for 3f2c1ab\n")
    # Every stack, in the order of the head's stack files, then the deleted one: the comment of a run per stack.
    assert [line for line in comment.splitlines() if line.startswith("### ")] == [
        "### :x: preflight diff `aurora-platform/dev`", "### :x: preflight diff `aurora-platform/prod`",
        "### :x: preflight diff `aurora-platform/qa`",
        "### :warning: `staging`: the pull request deletes `Pulumi.staging.yaml`"]
    assert comment.count("_Information only, not the gate: ") == 3
    assert "DATA LOSS RISK: `aws:rds/cluster:Cluster` `database` will be REPLACED" in comment
    assert "### :x: preflight diff `aurora-platform/prod`" in comment
    assert "**Policy: FAIL**: 1 mandatory, 0 advisory violation(s) in HEAD; 1 new, 0 resolved since BASE." in comment
    assert ("_Information only, not the gate: the pull request's own policy pack and config: 0 mandatory, "
            "5 advisory violation(s)._") in comment
    assert "_Information only, not the gate: the pull request's own policy pack and config: no readable report._" \
        in comment
    assert "Gate: PASS" not in comment
    assert "### :warning: `staging`: the pull request deletes `Pulumi.staging.yaml`" in comment
    assert "```mermaid\nflowchart LR\n" in comment and "AuroraCluster_database" in comment
    assert (workspace / "summary.md").read_text() == comment
    assert (workspace / "out" / "pull-request-number").read_text() == "42\n"


def test_the_gate_fails_and_says_why(workspace):
    gate = next(script for name, script in _steps().items() if name.startswith("Gate"))
    result = _run_step(gate, workspace, ALLOW_REPLACE="false")
    assert result.returncode == 1
    assert "::error::mandatory policy violations or broken stacks: prod qa" in result.stdout
    assert "::error::stateful resources would be replaced in: dev" in result.stdout
    assert "::error::the pull request deletes the stack file of: staging" in result.stdout
    # The label accepts the replacement and the deletion, never a mandatory violation.
    labelled = _run_step(gate, workspace, ALLOW_REPLACE="true")
    assert labelled.returncode == 1
    assert "mandatory policy violations" in labelled.stdout and "replaced" not in labelled.stdout
    assert "deletes" not in labelled.stdout


# ---- the steps' shell alone, with a stand-in python: cheap, and every odd stack name ----------------------------

ARGV_LOG = '''#!/bin/bash
# Records each argument on a line of its own (NUL-free names only) and prints nothing: no evaluation at all.
{ printf '%s\\n' "--- $(basename "$PWD")"; printf '%s\\n' "$@"; } >> "$PYTHON_LOG"
'''


def test_odd_stack_file_names_stay_names_in_the_base_run(tmp_path):
    """The base's run names each stack both sides have: `Pulumi.--program.yaml` must be a stack, not an option
    that would make the whole base run fail (every stack would then count as new, hiding its replacements)."""
    for side in ("base", "head"):
        (tmp_path / side).mkdir()
        for stack in ("--program", "a b", "dev"):
            (tmp_path / side / f"Pulumi.{stack}.yaml").write_text("config: {}\n")
    (tmp_path / "head" / "Pulumi.new.yaml").write_text("config: {}\n")
    stand_in = tmp_path / "stand-in"
    stand_in.write_text(ARGV_LOG)
    stand_in.chmod(0o755)
    log = tmp_path / "argv.log"
    result = _run_step(_steps()["Preflight every stack on base and head"], tmp_path, PY=str(stand_in),
                       PYTHON_LOG=str(log))
    assert result.returncode == 0, result.stdout + result.stderr
    runs = log.read_text().split("--- ")[1:]
    assert [run.splitlines() for run in runs] == [
        ["base", "-m", "preflight", "--all-stacks", "--program", str(tmp_path / "head"), "--policy-config-dir",
         str(tmp_path / "base" / "policies" / "config"), "--format", "json"],
        ["head", "-m", "preflight", "--all-stacks", "--format", "json"],
        ["base", "-m", "preflight", "--stack=--program", "--stack=a b", "--stack=dev", "--format", "json"],
    ]


@pytest.mark.parametrize(("head_exit", "expected"), [("0", 0), ("2", 1), ("1", 1)])
def test_the_gate_fails_on_the_heads_exit_code_even_with_empty_lists(tmp_path, head_exit, expected):
    """The lists come from the diff's reading of the gate's report; the gate's own exit code is checked apart."""
    out = tmp_path / "out"
    out.mkdir()
    for name in ("failed-stacks", "replacing-stacks", "removed-stacks"):
        (out / name).write_text("")
    (out / "head-exit").write_text(f"{head_exit}\n")
    gate = next(script for name, script in _steps().items() if name.startswith("Gate"))
    result = _run_step(gate, tmp_path, ALLOW_REPLACE="false")
    assert result.returncode == expected
    assert ("::error::the preflight of the head exited" in result.stdout) == bool(expected)


def test_a_head_whose_dev_stack_does_not_evaluate_still_gets_its_comment(tmp_path):
    """The comment step reads reports only, so it runs on written ones: dev not evaluated is said in its place and
    where the diagram would be, the step still succeeds (the comment is posted), and the gate fails on dev."""
    (tmp_path / "base").symlink_to(REPO_ROOT)  # the comment step only runs the base's preflight on reports
    out = tmp_path / "out"
    out.mkdir()
    prod = {"stack": "prod", "project": "p", "resources": [], "violations": []}
    (out / "head.json").write_text(json.dumps({"stacks": [
        {"stack": "dev", "exitCode": 2, "report": None}, {"stack": "prod", "exitCode": 0, "report": prod}],
        "exitCode": 2}))
    (out / "base.json").write_text(json.dumps(prod))
    (out / "removed-stacks").write_text("")
    (out / "head-exit").write_text("2\n")
    commented = _run_step(_steps()["Write the comment"], tmp_path)
    assert commented.returncode == 0, commented.stdout + commented.stderr
    comment = (out / "comment.md").read_text()
    assert "### :x: `dev`: the head does not evaluate\n\nSee the job log.\n\n" in comment
    assert "### :white_check_mark: preflight diff `p/prod`" in comment
    assert "No diagram: the head has no dev stack, or it was not evaluated (see the job log).\n" in comment
    assert "```mermaid" not in comment
    assert (out / "failed-stacks").read_text() == "dev\n"
    gate = next(script for name, script in _steps().items() if name.startswith("Gate"))
    result = _run_step(gate, tmp_path, ALLOW_REPLACE="true")
    assert result.returncode == 1
    assert "::error::mandatory policy violations or broken stacks: dev" in result.stdout
