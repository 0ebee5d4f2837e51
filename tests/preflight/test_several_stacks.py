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
