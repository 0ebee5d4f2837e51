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
