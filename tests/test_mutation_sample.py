"""tools/mutation_sample.py: the seeded sample every measurement quotes, on hand-made .meta files (mutmut never runs
here)."""

from __future__ import annotations

import fnmatch
import random
import subprocess

import pytest

from tests.mutation_tools import import_tool, write_meta

NAMES = [f"m.x_f__mutmut_{i}" for i in range(1, 31)] + [f"other.x_g__mutmut_{i}" for i in range(1, 6)]


@pytest.fixture
def tool(monkeypatch):
    return import_tool(monkeypatch, "mutation_sample")



@pytest.fixture
def mutants(tmp_path):
    root = tmp_path / "mutants"
    write_meta(root, "m.py", {n: None for n in NAMES if n.startswith("m.")})
    write_meta(root, "deep/other.py", {n: 1 for n in NAMES if n.startswith("other.")})
    (root / "m.py").write_text("# a mutated copy, not a result\n")
    (root / "notes.meta").write_text("not json")  # not *.py.meta: not read
    return root


def draw(tool, capsys, *argv):
    assert tool.main(list(argv)) == 0
    return capsys.readouterr().out.splitlines()


def test_the_names_are_every_key_of_every_meta_file_sorted_as_text(tool, mutants):
    names = tool.all_names(mutants)
    assert names[:3] == ["m.x_f__mutmut_1", "m.x_f__mutmut_10", "m.x_f__mutmut_11"]
    assert names[-1] == "other.x_g__mutmut_5" and len(names) == 35


def test_a_seed_and_a_count_name_the_same_mutants_every_time(tool, mutants, capsys):
    # Drawn once by the procedure in the docs (random.Random(7).sample of the sorted matches); pinned so a change to
    # the tool that draws others is caught, whatever it still agrees with.
    argv = ["--seed", "7", "--count", "5", "--mutants", str(mutants), "m.*"]
    assert draw(tool, capsys, *argv) == ["m.x_f__mutmut_19", "m.x_f__mutmut_13", "m.x_f__mutmut_20",
                                         "m.x_f__mutmut_28", "m.x_f__mutmut_10"]
    assert draw(tool, capsys, "--seed", "-3", "--count", "3", "--mutants", str(mutants), "m.*") == [
        "m.x_f__mutmut_16", "m.x_f__mutmut_26", "m.x_f__mutmut_25"]


@pytest.mark.parametrize(("seed", "count", "globs"), [
    (0, 1, ["*"]), (1, 35, ["*"]), (42, 10, ["other.*", "m.x_f__mutmut_1?"]), (2026, 4, ["m.x_f__mutmut_2*", "m.*"])])
def test_the_sample_is_the_documented_procedure(tool, mutants, capsys, seed, count, globs):
    names = sorted(NAMES)
    pick = [n for n in names if any(fnmatch.fnmatchcase(n, g) for g in globs)]
    expected = random.Random(seed).sample(pick, min(count, len(pick)))
    assert draw(tool, capsys, "--seed", str(seed), "--count", str(count), "--mutants", str(mutants), *globs) == expected


def test_overlapping_globs_name_each_mutant_once_and_a_big_count_takes_all(tool, mutants, capsys):
    got = draw(tool, capsys, "--seed", "1", "--count", "99", "--mutants", str(mutants), "other.*", "other.x_g*")
    assert sorted(got) == [f"other.x_g__mutmut_{i}" for i in range(1, 6)]


def test_a_whole_name_matches_itself_not_its_longer_neighbours(tool, mutants, capsys):
    got = draw(tool, capsys, "--seed", "1", "--count", "9", "--mutants", str(mutants), "m.x_f__mutmut_1")
    assert got == ["m.x_f__mutmut_1"]


@pytest.mark.parametrize(("argv", "problem"), [
    (["--seed", "1", "--count", "3", "M.*"], "no mutant name matches M.* (of 35 under "),
    (["--seed", "1", "--count", "3", "nothing*"], "no mutant name matches nothing* (of 35 under "),
])
def test_a_glob_that_matches_nothing_is_one_error(tool, mutants, capsys, argv, problem):
    assert tool.main(argv[:4] + ["--mutants", str(mutants)] + argv[4:]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mutation_sample: {problem}") and err.count("\n") == 1, err


def test_no_results_and_a_broken_result_file_are_one_error_each(tool, tmp_path, capsys):
    assert tool.main(["--seed", "1", "--count", "3", "--mutants", str(tmp_path / "mutants"), "*"]) == 2
    err = capsys.readouterr().err
    assert "no mutmut results under" in err and "nothing.matches*" in err and err.count("\n") == 1
    write_meta(tmp_path / "mutants", "a.py", {})
    (tmp_path / "mutants" / "b.py.meta").write_text('{"exit_code_by_key": [1]}')
    assert tool.main(["--seed", "1", "--count", "3", "--mutants", str(tmp_path / "mutants"), "*"]) == 2
    err = capsys.readouterr().err
    assert err == f"mutation_sample: {tmp_path / 'mutants' / 'b.py.meta'}: no \"exit_code_by_key\" object in it " \
                  "(is it mutmut's?)\n"


@pytest.mark.parametrize(("argv", "problem"), [
    (["--seed", "x", "--count", "3", "*"], "argument --seed: invalid int value: 'x'"),
    (["--seed", "1.5", "--count", "3", "*"], "argument --seed: invalid int value: '1.5'"),
    (["--seed", "1", "--count", "0", "*"], "--count: 0 given; a count of at least 1 is needed"),
    (["--seed", "1", "--count", "-2", "*"], "--count: -2 given; a count of at least 1 is needed"),
    (["--count", "3", "*"], "the following arguments are required: --seed"),
    (["--seed", "1", "--count", "3"], "the following arguments are required: GLOB"),
])
def test_bad_arguments_are_a_usage_error_naming_the_argument(tool, capsys, argv, problem):
    with pytest.raises(SystemExit) as exit_:
        tool.main(argv)
    assert exit_.value.code == 2
    assert problem in capsys.readouterr().err


class FakeMutmut:
    """Stands for `python -m mutmut`: the first call generates (and stops on the filter, as mutmut does), the second
    runs the names it is given and records a result for each."""

    def __init__(self, mutants, generated_ok=True):
        self.mutants, self.generated_ok, self.calls = mutants, generated_ok, []

    def __call__(self, *args, nice=5, log=None, cwd=None, python=None):
        self.calls.append((args, nice))
        if log is not None:
            log.parent.mkdir(parents=True, exist_ok=True)
            if self.generated_ok:
                write_meta(self.mutants, "m.py", {n: None for n in NAMES if n.startswith("m.")})
                log.write_text("AssertionError: Filtered for specific mutants, but nothing matches\n")
            else:
                log.write_text("collecting\nFailed to run clean test\n")
            return subprocess.CompletedProcess(args, 1)
        names = [a for a in args if a.startswith("m.")]
        results = {n: (0 if n.endswith("3") else 1) for n in names}
        write_meta(self.mutants, "m.py", {**{n: None for n in NAMES if n.startswith("m.")}, **results})
        return subprocess.CompletedProcess(args, 0)


def test_run_generates_then_runs_exactly_the_sample_by_name_and_reports_its_interval(tool, tmp_path, capsys,
                                                                                     monkeypatch):
    fake = FakeMutmut(tmp_path / "mutants")
    monkeypatch.setattr(tool, "mutmut", fake)
    assert tool.main(["--seed", "7", "--count", "5", "--mutants", str(tmp_path / "mutants"), "--run", "m.*"]) == 0
    sample = ["m.x_f__mutmut_19", "m.x_f__mutmut_13", "m.x_f__mutmut_20", "m.x_f__mutmut_28", "m.x_f__mutmut_10"]
    assert fake.calls == [(("run", "--max-children", "1", "nothing.matches*"), 5),
                          (("run", "--max-children", "1", *sample), 5)]
    out = capsys.readouterr().out
    # 13 survived (ends in 3), the other four killed: 4 of 5, centre 5.92/8.84, half 1.96*sqrt(0.8 + 0.96)/8.84
    assert "| `m.py` | 5 | 4 | 1 | 0 | 0 | 80% | 37-97% |" in out
    assert "1 survivor(s):\n- `m.x_f__mutmut_13`" in out


def test_run_stops_with_mutmuts_own_words_when_it_cannot_generate(tool, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(tool, "mutmut", FakeMutmut(tmp_path / "mutants", generated_ok=False))
    assert tool.main(["--seed", "7", "--count", "5", "--mutants", str(tmp_path / "mutants"), "--run", "m.*"]) == 2
    err = capsys.readouterr().err
    assert "mutmut could not generate the mutants or collect its stats (exit 1)" in err
    assert "Failed to run clean test" in err and "Traceback" not in err
