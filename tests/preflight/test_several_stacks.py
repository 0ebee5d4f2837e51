"""`python -m preflight --stack A --stack B` and `--all-stacks`: every stack gated in one process, a summary line per
stack, the worst exit code; a wrong name anywhere in the list stops the run before anything is evaluated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import preflight.engine
from tests.preflight.gate_helpers import PROGRAM, SAFE, run_gate

# The backup retention comes from the stack's config, so one program gives a passing, a failing and a broken stack.
BODY = PROGRAM.format(**{**SAFE, "retention": 'int(pulumi.Config().get("retention") or 7)'})
STACK_FILE = "config:\n  aws:region: us-east-1\n  gate-test:dbPassword:\n    secure: AAABAJ2x0fakeciphertext\n"


def _program(directory: Path, stacks: dict[str, str | None]) -> Path:
    """One program, a Pulumi.<stack>.yaml per entry: the value is the stack's `retention` (None: not set)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text("name: gate-test\nruntime: python\n")
    (directory / "__main__.py").write_text(BODY)
    for stack, retention in stacks.items():
        extra = f"  gate-test:retention: \"{retention}\"\n" if retention is not None else ""
        (directory / f"Pulumi.{stack}.yaml").write_text(STACK_FILE + extra)
    return directory


@pytest.fixture
def evaluated(monkeypatch) -> list[str]:
    """The stacks the gate evaluated, in order (the real evaluation still runs)."""
    seen: list[str] = []
    real = preflight.engine.run_stack

    def counting(stack, *args, **kwargs):
        seen.append(stack)
        return real(stack, *args, **kwargs)

    monkeypatch.setattr(preflight.engine, "run_stack", counting)
    return seen


@pytest.fixture
def nothing_evaluated(monkeypatch) -> None:
    def refuse(stack, *args, **kwargs):
        raise AssertionError(f"stack {stack} was evaluated although the list had a problem")

    monkeypatch.setattr(preflight.engine, "run_stack", refuse)


def test_the_real_stacks_in_one_process_each_with_its_summary_line(evaluated):
    code, out, err = run_gate("--stack", "dev", "--stack", "prod")
    assert (code, err) == (0, "")
    assert evaluated == ["dev", "prod"]
    # Each stack's whole report, in the order asked, then the summary.
    assert out.index("Stack aurora-platform/dev would create") < out.index("Stack aurora-platform/prod would create")
    lines = out.rstrip("\n").splitlines()
    assert lines[-4] == "Summary of 2 stacks:"
    assert lines[-3].startswith("  dev: PASS: 0 mandatory, ")
    assert lines[-2].startswith("  prod: PASS: 0 mandatory, ")
    assert lines[-1] == "Overall: PASS, exit code 0 (the worst of the stacks)."


def test_all_stacks_gates_each_file_and_exits_with_the_worst(tmp_path, evaluated):
    program = _program(tmp_path / "p", {"good": None, "weak": "1", "broken": "x"})
    code, out, err = run_gate("--all-stacks", "--program", str(program))
    assert code == 2
    assert evaluated == ["broken", "good", "weak"]  # every Pulumi.*.yaml, sorted; one broken stack stops none
    # The broken stack's error is one line naming it; its neighbours' reports are whole.
    assert len(err.splitlines()) == 1
    assert err.startswith("preflight: stack broken: ")
    assert "Traceback" not in err + out
    summary = out.rstrip("\n").splitlines()[-5:]
    assert summary[0] == "Summary of 3 stacks:"
    assert summary[1] == "  broken: ERROR: not evaluated (exit 2; the reason is on stderr)"
    assert summary[2].startswith("  good: PASS: 0 mandatory, ")
    assert summary[3].startswith("  weak: FAIL: 1 mandatory, ")
    assert summary[4] == "Overall: ERROR, exit code 2 (the worst of the stacks)."


def test_violations_without_a_broken_stack_exit_1(tmp_path):
    program = _program(tmp_path / "p", {"good": None, "weak": "3"})
    code, out, err = run_gate("--stack", "weak", "--stack", "good", "--program", str(program))
    assert (code, err) == (1, "")
    assert out.rstrip("\n").splitlines()[-1] == "Overall: FAIL, exit code 1 (the worst of the stacks)."
    assert "backupRetentionPeriod is 3 days" in out


@pytest.mark.parametrize("bad", ["nope", "DEV", "../prod", "prod.yaml", "Pulumi.prod.yaml", "dev ", "", "*", "dev/.",
                                 "dev\nprod", "d\u0435v"])  # a newline; a Cyrillic e
def test_a_wrong_name_among_good_ones_stops_everything(bad, nothing_evaluated):
    code, out, err = run_gate("--stack", "dev", "--stack", bad, "--stack", "prod")
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert err.startswith(f"preflight: --stack {bad!r}: no such stack in ")
    assert err.rstrip("\n").endswith("(stacks here: dev, prod)")


def test_every_problem_of_the_list_at_once(nothing_evaluated):
    code, out, err = run_gate("--stack", "dev", "--stack", "qa", "--stack", "dev", "--stack", "stagin",
                              "--policy-config", "policies/config/prod.json")
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert "--stack 'qa', 'stagin': no such stack" in err
    assert "--stack 'dev' given more than once" in err
    assert "--policy-config applies to one stack" in err


def test_all_stacks_in_a_directory_without_stacks_is_one_error(tmp_path, nothing_evaluated):
    (tmp_path / "Pulumi.yaml").write_text("name: empty\nruntime: python\n")
    code, out, err = run_gate("--all-stacks", "--program", str(tmp_path))
    assert (code, out) == (2, "")
    assert err == f"preflight: --all-stacks: no Pulumi.<stack>.yaml in {tmp_path.resolve()}\n"


def test_all_stacks_in_a_directory_that_does_not_exist(tmp_path, nothing_evaluated):
    code, out, err = run_gate("--all-stacks", "--program", str(tmp_path / "missing"))
    assert (code, out) == (2, "")
    assert err.startswith("preflight: --all-stacks: no Pulumi.<stack>.yaml in ")


@pytest.mark.parametrize("argv", [("--all-stacks", "--stack", "dev"), ("--stack", "dev", "--state", "x.json"),
                                  ("--all-stacks", "--state", "x.json")])
def test_all_stacks_stack_and_state_exclude_each_other(argv, capsys, nothing_evaluated):
    from preflight.cli import main

    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith("preflight: error: argument ")


def test_json_is_one_document_with_every_stack_and_the_worst_code(tmp_path):
    program = _program(tmp_path / "p", {"good": None, "weak": "2", "broken": "x"})
    code, out, err = run_gate("--all-stacks", "--program", str(program), "--format", "json")
    assert code == 2
    assert err.startswith("preflight: stack broken: ")
    document = json.loads(out)
    assert document["exitCode"] == 2
    assert [(s["stack"], s["exitCode"]) for s in document["stacks"]] == [("broken", 2), ("good", 0), ("weak", 1)]
    assert document["stacks"][0]["report"] is None
    weak = document["stacks"][2]["report"]
    assert weak["stack"] == "weak"
    assert weak["summary"]["violations"]["mandatory"] == 1
    # Secrets stay masked in the combined document as in a single report.
    assert "AAABAJ2x0fakeciphertext" not in out


def test_markdown_has_each_report_and_the_summary_list(tmp_path):
    program = _program(tmp_path / "p", {"good": None, "weak": "2"})
    code, out, err = run_gate("--all-stacks", "--program", str(program), "--format", "markdown")
    assert (code, err) == (1, "")
    assert "preflight `gate-test/good`" in out and "preflight `gate-test/weak`" in out
    assert out.rstrip("\n").splitlines()[-1] == "Overall: FAIL, exit code 1."
    assert "- weak: FAIL: 1 mandatory, " in out


def test_one_stack_repeated_flag_free_output_is_unchanged(tmp_path):
    """One --stack prints exactly the single report, no summary: scripts reading the last line keep working."""
    program = _program(tmp_path / "p", {"good": None})
    code, out, err = run_gate("--stack", "good", "--program", str(program))
    assert (code, err) == (0, "")
    assert "Summary of" not in out and "Overall:" not in out
    assert out.rstrip("\n").splitlines()[-1].startswith("PASS: 0 mandatory, ")


# ---- --policy-config-dir: each stack judged by DIR/<stack>.json, never by the program directory's own ----------------

def _lenient_program(directory: Path) -> Path:
    """Two stacks with a 1-day backup retention, and the program's own configs that disable every rule: what a pull
    request's head adding its own policies/config/<stack>.json looks like."""
    program = _program(directory, {"weak": "1", "other": "1"})
    (program / "policies" / "config").mkdir(parents=True)
    for stack in ("weak", "other"):
        (program / "policies" / "config" / f"{stack}.json").write_text('{"all": "disabled"}\n')
    return program


def test_the_program_directorys_own_configs_would_pass_both_stacks(tmp_path):
    """The control for the next test: without --policy-config-dir the lenient configs do count."""
    code, out, err = run_gate("--all-stacks", "--program", str(_lenient_program(tmp_path / "head")),
                              "--format", "json")
    assert (code, err) == (0, "")
    assert [s["exitCode"] for s in json.loads(out)["stacks"]] == [0, 0]


def test_each_stack_gets_the_config_dirs_file_or_the_packs_defaults(tmp_path, evaluated):
    program = _lenient_program(tmp_path / "head")
    configs = tmp_path / "base-config"
    configs.mkdir()
    # The base makes the rule advisory for weak, and has no config for other.
    (configs / "weak.json").write_text('{"aurora-backup-retention": "advisory"}\n')
    code, out, err = run_gate("--all-stacks", "--program", str(program), "--policy-config-dir", str(configs),
                              "--format", "json")
    assert (code, err) == (1, "")
    assert evaluated == ["other", "weak"]
    stacks = {s["stack"]: s for s in json.loads(out)["stacks"]}
    other, weak = stacks["other"]["report"], stacks["weak"]["report"]
    assert stacks["other"]["exitCode"] == 1 and stacks["weak"]["exitCode"] == 0
    assert ("aurora-backup-retention", "mandatory") in [(v["policy"], v["enforcementLevel"])
                                                       for v in other["violations"]]
    assert ("aurora-backup-retention", "advisory") in [(v["policy"], v["enforcementLevel"])
                                                      for v in weak["violations"]]
    assert other["policyPack"]["config"] is None
    assert weak["policyPack"]["config"] == str(configs / "weak.json")
    assert any(w.startswith("no other.json in --policy-config-dir ") and w.endswith(
        ": the pack's defaults judge this stack") for w in other["warnings"])


def test_one_stack_with_a_config_dir(tmp_path):
    program = _lenient_program(tmp_path / "head")
    configs = tmp_path / "empty"
    configs.mkdir()
    code, out, err = run_gate("--stack", "weak", "--program", str(program), "--policy-config-dir", str(configs))
    assert (code, err) == (1, "")
    assert "backupRetentionPeriod is 1 days" in out


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_a_config_dir_that_is_not_a_directory_stops_everything(tmp_path, kind, nothing_evaluated):
    given = tmp_path / "configs"
    if kind == "file":
        given.write_text("{}")
    for argv in (("--stack", "dev"), ("--stack", "dev", "--stack", "prod"), ("--all-stacks",)):
        code, out, err = run_gate(*argv, "--policy-config-dir", str(given))
        assert (code, out) == (2, "")
        assert len(err.splitlines()) == 1
        reason = "no such directory" if kind == "missing" else "not a directory"
        assert err.startswith(f"preflight: --policy-config-dir {str(given)!r}: {reason} "), err


def test_a_config_dir_problem_is_listed_with_the_other_problems(tmp_path, nothing_evaluated):
    code, out, err = run_gate("--stack", "dev", "--stack", "nope", "--policy-config-dir", str(tmp_path / "x"))
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert "--stack 'nope': no such stack" in err and "--policy-config-dir " in err and "no such directory" in err


def test_policy_config_and_policy_config_dir_exclude_each_other(tmp_path, capsys, nothing_evaluated):
    from preflight.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["--stack", "dev", "--policy-config", "policies/config/dev.json", "--policy-config-dir", str(tmp_path)])
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "preflight: error: argument --policy-config-dir: not allowed with argument --policy-config")


def test_policy_config_with_several_stacks_points_at_the_config_dir(nothing_evaluated):
    code, out, err = run_gate("--stack", "dev", "--stack", "prod", "--policy-config", "policies/config/prod.json")
    assert (code, out) == (2, "")
    assert "with --policy-config-dir DIR" in err


@pytest.mark.parametrize("stack", ["../prod", "sub/prod", "/etc/prod", "..", ".", ""])
def test_a_stack_name_cannot_reach_a_config_outside_the_dir(tmp_path, stack):
    """A state file names its own stack: `../prod` must not read DIR/../prod.json."""
    from preflight.cli import _config_in_dir
    from preflight.engine import ProgramError

    configs = tmp_path / "configs"
    configs.mkdir()
    (tmp_path / "prod.json").write_text("{}")
    (configs / "sub").mkdir()
    (configs / "sub" / "prod.json").write_text("{}")
    with pytest.raises(ProgramError) as raised:
        _config_in_dir(configs, stack)
    assert str(raised.value).startswith(f"--policy-config-dir: stack name {stack!r} is not a plain file name")


def test_odd_but_plain_stack_names_find_their_own_file_only(tmp_path):
    from preflight.cli import _config_in_dir

    (tmp_path / "prod.json").write_text("{}")
    for stack in ("prod ", "PROD", "prod\n", "prod.json", "pröd", "prod\x00"):
        assert _config_in_dir(tmp_path, stack) is None, repr(stack)
    assert _config_in_dir(tmp_path, "prod") == tmp_path / "prod.json"


def test_a_directory_where_the_config_should_be_is_an_error_not_the_defaults(tmp_path):
    program = _program(tmp_path / "p", {"good": None})
    configs = tmp_path / "configs"
    (configs / "good.json").mkdir(parents=True)
    code, out, err = run_gate("--stack", "good", "--program", str(program), "--policy-config-dir", str(configs))
    assert (code, out) == (2, "")
    assert err.startswith("preflight: ") and "good.json" in err and len(err.splitlines()) == 1


# ---- preflight diff --all-stacks: every stack of HEAD against BASE in one process --------------------------------

def _report(stack: str, database: str = "blog", violations: tuple[str, ...] = ()) -> dict:
    """A report of one cluster; `violations`: the enforcement level of each violation it carries."""
    return {"stack": stack, "project": "p",
            "resources": [{"urn": f"urn:pulumi:{stack}::p::aws:rds/cluster:Cluster::database",
                           "type": "aws:rds/cluster:Cluster", "name": "database",
                           "inputs": {"databaseName": database}}],
            "violations": [{"policy": f"rule-{i}", "enforcementLevel": level, "urn": "", "message": "m"}
                           for i, level in enumerate(violations)]}


def _run(*entries: tuple[str, int, dict | None]) -> dict:
    return {"stacks": [{"stack": s, "exitCode": c, "report": r} for s, c, r in entries],
            "exitCode": max(c for _, c, _ in entries)}


def _write(path: Path, document: object) -> str:
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


def run_diff(*argv: str) -> tuple[int, str, str]:
    import contextlib
    import io

    from preflight.diff import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def runs(tmp_path) -> dict[str, str]:
    """BASE: dev and prod. HEAD: dev renames the database (the cluster is replaced), prod has a mandatory violation,
    qa is new, and `q`a` (a backtick in a stack file's name) did not evaluate."""
    base = _write(tmp_path / "base.json", _run(("dev", 0, _report("dev")), ("prod", 0, _report("prod"))))
    head = _write(tmp_path / "head.json", _run(
        ("dev", 0, _report("dev", "orders", ("advisory",))), ("prod", 1, _report("prod", violations=("mandatory",))),
        ("qa", 0, _report("qa")), ("q`a", 2, None)))
    return {"base": base, "head": head, "dir": str(tmp_path)}


def test_every_head_stack_in_order_with_the_lists_the_gate_reads(runs):
    failed, replacing = f"{runs['dir']}/failed", f"{runs['dir']}/replacing"
    code, out, err = run_diff("--all-stacks", runs["base"], runs["head"], "--base-missing-ok", "--format",
                              "markdown", "--failed-stacks", failed, "--replacing-stacks", replacing)
    assert (code, err) == (0, "")
    headings = [line for line in out.splitlines() if line.startswith("### ")]
    assert headings == ["### :x: preflight diff `p/dev`", "### :x: preflight diff `p/prod`",
                        "### :white_check_mark: preflight diff `p/qa`",
                        "### :x: ``q`a``: the head does not evaluate"]  # the backtick cannot end the code span
    assert "DATA LOSS RISK: `aws:rds/cluster:Cluster` `database` will be REPLACED" in out
    assert "_New stack: it does not exist on the base branch._" in out
    assert out.endswith("See the job log.\n\n")
    assert Path(failed).read_text() == "prod\nq`a\n"
    assert Path(replacing).read_text() == "dev\n"


def test_fail_on_replace_with_several_stacks_exits_1(runs):
    code, out, err = run_diff("--all-stacks", runs["base"], runs["head"], "--base-missing-ok", "--fail-on-replace")
    assert (code, err) == (1, "")
    assert "preflight diff p/dev: 1 to replace" in out
    assert "preflight diff: stack 'q`a': HEAD was not evaluated (exit 2; the gate's stderr says why)" in out


def test_nothing_to_flag_writes_empty_lists(tmp_path):
    same = _write(tmp_path / "same.json", _run(("dev", 0, _report("dev"))))
    failed, replacing = tmp_path / "failed", tmp_path / "replacing"
    code, _, err = run_diff("--all-stacks", same, same, "--fail-on-replace", "--failed-stacks", str(failed),
                            "--replacing-stacks", str(replacing))
    assert (code, err) == (0, "")
    assert failed.read_text() == "" and replacing.read_text() == ""


def test_a_mandatory_violation_fails_the_stack_whatever_its_exit_code_says(tmp_path):
    """Fail closed on a HEAD that contradicts itself."""
    head = _write(tmp_path / "head.json", _run(("dev", 0, _report("dev", violations=("mandatory",)))))
    failed = tmp_path / "failed"
    code, _, err = run_diff("--all-stacks", head, head, "--failed-stacks", str(failed))
    assert (code, err) == (0, "")
    assert failed.read_text() == "dev\n"


def test_a_stack_name_with_a_line_break_stays_one_line_of_the_list(tmp_path):
    head = _write(tmp_path / "head.json", _run(("dev\nprod", 2, None), ("ok", 0, _report("ok"))))
    failed = tmp_path / "failed"
    code, out, err = run_diff("--all-stacks", head, head, "--failed-stacks", str(failed), "--format", "markdown")
    assert (code, err) == (0, "")
    assert failed.read_text() == "dev\\nprod\n"
    assert "### :x: `dev prod`: the head does not evaluate" in out


def test_a_single_report_is_a_run_of_its_one_stack(tmp_path):
    """The workflow's base run names each stack both sides have: one such stack prints a single report."""
    base = _write(tmp_path / "base.json", _report("dev"))
    head = _write(tmp_path / "head.json", _run(("dev", 0, _report("dev", "orders"))))
    replacing = tmp_path / "replacing"
    code, _, err = run_diff("--all-stacks", base, head, "--replacing-stacks", str(replacing))
    assert (code, err) == (0, "")
    assert replacing.read_text() == "dev\n"


def test_a_missing_base_makes_every_stack_new_only_when_allowed(runs, tmp_path):
    missing = str(tmp_path / "nothing.json")
    code, out, err = run_diff("--all-stacks", missing, runs["head"], "--base-missing-ok")
    assert (code, err) == (0, "")
    assert out.count("(new stack: not on the base branch)") == 3
    code, out, err = run_diff("--all-stacks", missing, runs["head"])
    assert (code, out) == (2, "")
    assert err == f"preflight diff: {missing}: no such file\n"


def test_a_stack_the_base_could_not_evaluate_is_new_only_when_allowed(tmp_path):
    base = _write(tmp_path / "base.json", _run(("dev", 2, None)))
    head = _write(tmp_path / "head.json", _run(("dev", 0, _report("dev"))))
    code, out, err = run_diff("--all-stacks", base, head, "--base-missing-ok")
    assert (code, err) == (0, "") and "(new stack: not on the base branch)" in out
    code, out, err = run_diff("--all-stacks", base, head)
    assert (code, out) == (2, "")
    assert err == "preflight diff: stack 'dev' was not evaluated in BASE (--base-missing-ok: then it is new)\n"


def test_a_base_stack_the_head_does_not_have_is_an_error(tmp_path):
    base = _write(tmp_path / "base.json", _run(("dev", 0, _report("dev")), ("staging", 0, _report("staging"))))
    head = _write(tmp_path / "head.json", _run(("dev", 0, _report("dev"))))
    code, out, err = run_diff("--all-stacks", base, head)
    assert (code, out) == (2, "")
    assert err.startswith("preflight diff: BASE has stacks HEAD does not: 'staging' ")


def test_a_several_stack_run_without_all_stacks_says_to_add_it(runs):
    code, out, err = run_diff(runs["base"], runs["head"])
    assert (code, out) == (2, "")
    assert err == (f"preflight diff: {runs['base']}: holds several stacks (the JSON of `--all-stacks`): diff them "
                   "with --all-stacks\n")


@pytest.mark.parametrize(("document", "message"), [
    ([], "not a preflight JSON report, got a list"),
    ({"stacks": {}}, "'stacks' must be a list, got an object"),
    ({"stacks": []}, "'stacks' is empty"),
    ({"stacks": ["dev"]}, "stacks[0] must be an object, got a string"),
    ({"stacks": [{"stack": 1, "exitCode": 0, "report": None}]}, "stacks[0].stack must be a string, got a number"),
    ({"stacks": [{"stack": "dev", "exitCode": True, "report": None}]},
     "stacks[0].exitCode must be 0, 1 or 2, got a boolean"),
    ({"stacks": [{"stack": "dev", "exitCode": "0", "report": None}]},
     "stacks[0].exitCode must be 0, 1 or 2, got a string"),
    ({"stacks": [{"stack": "dev", "exitCode": 3, "report": None}]}, "stacks[0].exitCode must be 0, 1 or 2, got 3"),
    ({"stacks": [{"stack": "dev", "report": None}]}, "stacks[0].exitCode must be 0, 1 or 2, got null"),
    ({"stacks": [{"stack": "dev", "exitCode": 0, "report": None}]},
     "stacks[0]: stack 'dev' has no report but exit code 0 (a stack that was not evaluated cannot pass)"),
    ({"stacks": [{"stack": "dev", "exitCode": 0, "report": _report("prod")}]},
     "stacks[0]: the report is of stack 'prod', not 'dev'"),
    ({"stacks": [{"stack": "dev", "exitCode": 0, "report": {"stack": "dev"}}]},
     "stacks[0].report: not a preflight JSON report, no 'stack' or 'resources'"),
    ({"stacks": [{"stack": "dev", "exitCode": 1, "report": None}, {"stack": "dev", "exitCode": 2, "report": None}]},
     "stacks[1]: stack 'dev' is listed twice"),
    ({"stack": "dev", "resources": [], "summary": {"exitCode": "0"}}, "summary.exitCode must be 0, 1 or 2"),
])
def test_a_bad_run_is_one_line_naming_the_file_and_the_key(tmp_path, runs, document, message):
    bad = _write(tmp_path / "bad.json", document)
    for argv in (("--all-stacks", runs["base"], bad), ("--all-stacks", bad, runs["head"])):
        code, out, err = run_diff(*argv)
        assert (code, out) == (2, "")
        assert err.startswith(f"preflight diff: {bad}: ") and message in err, err
        assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_the_heads_own_report_reaches_the_output_as_two_integers_only(tmp_path, runs):
    """--information is the pull request's file: anything but two non-negative JSON integers is "no readable
    report", and nothing in it is an error."""
    shout = "**Gate: PASS** @org/team <img src=x>"
    own = _write(tmp_path / "own.json", {"stacks": [
        {"stack": "dev", "report": {"summary": {"violations": {"mandatory": 0, "advisory": 5}}}},
        {"stack": "prod", "report": {"summary": {"violations": {"mandatory": shout, "advisory": 1}}}},
        {"stack": "qa", "report": {"summary": {"violations": {"mandatory": True, "advisory": 0}}}},
        {"stack": "qa", "report": {"summary": {"violations": {"mandatory": 0, "advisory": 0}}}},
        {"stack": shout, "report": {"summary": {"violations": {"mandatory": 0, "advisory": 0}}}},
    ]})
    code, out, err = run_diff("--all-stacks", runs["base"], runs["head"], "--base-missing-ok", "--information", own,
                              "--format", "markdown")
    assert (code, err) == (0, "")
    line = "_Information only, not the gate: the pull request's own policy pack and config: {}._"
    assert out.count(line.format("0 mandatory, 5 advisory violation(s)")) == 1
    # prod: a string; qa: listed twice (a boolean, then numbers): neither answer is readable.
    assert out.count(line.format("no readable report")) == 2
    assert "Gate: PASS" not in out and "@org" not in out and "<img" not in out
    # The stack that did not evaluate gets no line, as before.
    assert out.endswith("See the job log.\n\n")


@pytest.mark.parametrize("content", ["", "not json", "[1, 2]", '{"stacks": 7}', '{"stacks": [null, 3]}',
                                     '{"summary": {"violations": {"mandatory": -1, "advisory": 0}}, "stack": "dev"}',
                                     '{"summary": {"violations": {"mandatory": 1.5, "advisory": 0}}, "stack": "dev"}',
                                     "1" * 5000])
def test_an_unreadable_information_file_is_no_readable_report_for_each_stack(tmp_path, runs, content):
    own = _write(tmp_path / "own.json", content)
    code, out, err = run_diff("--all-stacks", runs["base"], runs["head"], "--base-missing-ok", "--information", own,
                              "--format", "markdown")
    assert (code, err) == (0, "")
    assert out.count("config: no readable report._") == 3


def test_a_missing_information_file_adds_no_line(tmp_path, runs):
    code, out, err = run_diff("--all-stacks", runs["base"], runs["head"], "--base-missing-ok", "--information",
                              str(tmp_path / "absent.json"))
    assert (code, err) == (0, "")
    assert "Information only" not in out


def test_the_several_stack_options_need_all_stacks(runs, tmp_path):
    code, out, err = run_diff(runs["base"], runs["head"], "--information", "x", "--failed-stacks", "y",
                              "--replacing-stacks", "z")
    assert (code, out) == (2, "")
    assert err == ("preflight diff: --information needs --all-stacks; --failed-stacks needs --all-stacks; "
                   "--replacing-stacks needs --all-stacks\n")


def test_output_files_are_checked_before_anything_is_written(runs, tmp_path):
    code, out, err = run_diff("--all-stacks", runs["base"], runs["head"], "--failed-stacks", str(tmp_path),
                              "--replacing-stacks", str(tmp_path / "no" / "such"))
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1
    assert f"--failed-stacks {str(tmp_path)!r}: is a directory" in err
    assert f"--replacing-stacks {str(tmp_path / 'no' / 'such')!r}: no directory" in err
    code, out, err = run_diff("--all-stacks", runs["base"], runs["head"], "--failed-stacks", runs["head"])
    assert (code, out) == (2, "")
    assert err == (f"preflight diff: --failed-stacks {runs['head']!r}: is one of the input files (it would be "
                   "overwritten)\n")
    assert json.loads(Path(runs["head"]).read_text())["stacks"][0]["stack"] == "dev"  # untouched
    same = str(tmp_path / "list")
    code, out, err = run_diff("--all-stacks", runs["base"], runs["head"], "--failed-stacks", same,
                              "--replacing-stacks", same)
    assert (code, out) == (2, "")
    assert "--failed-stacks and --replacing-stacks name the same file" in err
    assert not Path(same).exists()


def test_an_input_error_writes_no_list(tmp_path, runs):
    """A list the gate reads must never be an empty file left by a run that failed half-way."""
    failed = tmp_path / "failed"
    bad = _write(tmp_path / "bad.json", {"stacks": [{"stack": "dev", "exitCode": 0, "report": None}]})
    code, _, _ = run_diff("--all-stacks", runs["base"], bad, "--failed-stacks", str(failed))
    assert code == 2
    assert not failed.exists()


# ---- preflight graph --report: the diagram from the gate's JSON, no second run of the program ---------------------

def run_graph(*argv: str) -> tuple[int, str, str]:
    import contextlib
    import io

    from preflight.graph import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_the_diagram_from_a_report_is_the_diagram_of_the_program(tmp_path):
    """The real program: its components, nesting and edges come out the same from the several-stack JSON."""
    run = tmp_path / "run.json"
    code, out, err = run_gate("--stack", "dev", "--stack", "prod", "--format", "json")
    assert (code, err) == (0, "")
    run.write_text(out)
    code, from_program, err = run_graph("--stack", "dev")
    assert (code, err) == (0, "")
    code, from_report, err = run_graph("--stack", "dev", "--report", str(run))
    assert (code, err) == (0, "")
    assert from_report == from_program
    assert 'subgraph AuroraCluster_database["database<br/>AuroraCluster · ' in from_report
    # A single report works as well.
    single = tmp_path / "dev.json"
    single.write_text(json.dumps(json.loads(out)["stacks"][0]["report"]))
    assert run_graph("--stack", "dev", "--report", str(single))[1] == from_program


@pytest.mark.parametrize(("stack", "document", "message"), [
    ("qa", _run(("dev", 0, _report("dev"))), "no stack 'qa' (stacks there: dev)"),
    ("dev", _run(("dev", 2, None)), "stack 'dev' was not evaluated (exit 2), so it has no resources to draw"),
    ("dev", {"stacks": [{"stack": "dev", "exitCode": 0, "report": {**_report("dev"), "resources": [
        {"urn": "u", "type": "t", "parent": ["p"]}]}}]}, "resources[0].parent must be a URN string, got a list"),
    ("dev", "{", "not valid JSON"),
])
def test_a_report_the_graph_cannot_draw_is_one_line(tmp_path, stack, document, message):
    bad = _write(tmp_path / "bad.json", document)
    code, out, err = run_graph("--stack", stack, "--report", bad)
    assert (code, out) == (2, "")
    assert err.startswith("preflight graph: ") and message in err and len(err.splitlines()) == 1, err


@pytest.mark.parametrize("extra", [("--write-readme",), ("--program", ".")])
def test_report_excludes_the_programs_own_options(tmp_path, capsys, extra):
    from preflight.graph import main

    with pytest.raises(SystemExit) as exited:
        main(["--stack", "dev", "--report", str(tmp_path / "r.json"), *extra])
    assert exited.value.code == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("preflight graph: error: argument ") and "--report" in last and extra[0] in last
