"""tools/mutation_inprocess.py on a small mutants/ tree written here the way mutmut lays it out: a module whose
function dispatches on MUTANT_UNDER_TEST, its .meta file, mutmut-stats.json and a test file."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "tools" / "mutation_inprocess.py"

CALC = '''
import os

def x_add__mutmut_orig(a, b):
    return a + b

def x_add__mutmut_1(a, b):
    return a - b          # the test sees this

def x_add__mutmut_2(a, b):
    return b + a          # equivalent: no test can see it

def x_add__mutmut_3(a, b):
    while True:           # never returns: a timeout, not a kill
        pass

def add(a, b):
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    if name.startswith("toy.calc.x_add__mutmut_"):
        return globals()[name.rpartition(".")[2]](a, b)
    return x_add__mutmut_orig(a, b)

def x_half__mutmut_orig(a):
    return a / 2

def x_half__mutmut_1(a):
    return a / 3

def half(a):
    return x_half__mutmut_orig(a)

def x_sign__mutmut_orig(a):
    return (a > 0) - (a < 0)

def x_sign__mutmut_1(a):
    return 0              # only the test of a positive number sees this

def x_sign__mutmut_2(a):
    return 0

def sign(a):
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    if name.startswith("toy.calc.x_sign__mutmut_"):
        return globals()[name.rpartition(".")[2]](a)
    return x_sign__mutmut_orig(a)
'''

TESTS = '''
from toy.calc import add, half, sign

def test_sign_of_zero():
    assert sign(0) == 0

def test_sign_of_a_positive_number():
    assert sign(5) == 1

def test_add():
    assert add(2, 3) == 5

def test_half_depends_on_an_earlier_test():
    assert half(4) == 3   # fails without any mutant
'''


def tree(tmp_path: Path) -> Path:
    mutants = tmp_path / "mutants"
    (mutants / "toy").mkdir(parents=True)
    (mutants / "tests").mkdir()
    (mutants / "pytest.ini").write_text("[pytest]\n")
    (mutants / "toy" / "__init__.py").write_text("")
    (mutants / "toy" / "calc.py").write_text(textwrap.dedent(CALC))
    (mutants / "tests" / "test_calc.py").write_text(textwrap.dedent(TESTS))
    codes = {"toy.calc.x_add__mutmut_1": None, "toy.calc.x_add__mutmut_2": None, "toy.calc.x_add__mutmut_3": None,
             "toy.calc.x_half__mutmut_1": None, "toy.calc.x_gone__mutmut_1": None,
             "toy.calc.x_sign__mutmut_1": None, "toy.calc.x_sign__mutmut_2": None}
    hashes = {"x_add": "a1", "x_half": "b2", "x_gone": "c3", "x_sign": "d4"}
    (mutants / "toy" / "calc.py.meta").write_text(json.dumps({"exit_code_by_key": codes,
                                                              "hash_by_function_name": hashes}))
    stats = {"tests_by_mangled_function_name": {
                 "toy.calc.x_add": ["tests/test_calc.py::test_add"],
                 "toy.calc.x_half": ["tests/test_calc.py::test_half_depends_on_an_earlier_test"],
                 "toy.calc.x_sign": ["tests/test_calc.py::test_sign_of_a_positive_number",
                                     "tests/test_calc.py::test_sign_of_zero"]},
             "duration_by_test": {"tests/test_calc.py::test_add": 0.001,
                                  "tests/test_calc.py::test_sign_of_zero": 0.001,
                                  "tests/test_calc.py::test_sign_of_a_positive_number": 0.002}}
    (mutants / "mutmut-stats.json").write_text(json.dumps(stats))
    return mutants


def run(mutants: Path, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TOOL), "--mutants", str(mutants), *argv], capture_output=True,
                          text=True, timeout=300)


def codes(mutants: Path) -> dict:
    return json.loads((mutants / "toy" / "calc.py.meta").read_text())["exit_code_by_key"]


def test_each_mutant_gets_the_verdict_mutmut_would_write(tmp_path):
    mutants = tree(tmp_path)
    log = tmp_path / "log.tsv"
    done = run(mutants, "--budget", "3", "--log", str(log), "--", "tests")  # a few seconds for the endless one
    assert done.returncode == 0, done.stderr
    assert codes(mutants) == {
        "toy.calc.x_add__mutmut_1": 1,       # killed
        "toy.calc.x_add__mutmut_2": 0,       # survived
        "toy.calc.x_add__mutmut_3": 36,      # timeout
        "toy.calc.x_half__mutmut_1": None,   # its test fails without a mutant: no verdict
        "toy.calc.x_gone__mutmut_1": 33,     # no test reaches it
        "toy.calc.x_sign__mutmut_1": 1,
        "toy.calc.x_sign__mutmut_2": 1,
    }
    lines = log.read_text().splitlines()
    assert "toy.calc.x_add__mutmut_1\tkilled\ttests/test_calc.py::test_add\t" in "\n".join(lines)
    assert "toy.calc.x_half__mutmut_1\tskipped: its tests fail without a mutant" in lines


def test_a_second_run_runs_only_what_has_no_verdict_and_a_function_falls_in_one_shard(tmp_path):
    mutants = tree(tmp_path)
    meta = mutants / "toy" / "calc.py.meta"
    data = json.loads(meta.read_text())
    data["exit_code_by_key"].update({"toy.calc.x_add__mutmut_3": 1, "toy.calc.x_half__mutmut_1": 1,
                                     "toy.calc.x_gone__mutmut_1": 33})
    meta.write_text(json.dumps(data))
    result = run(mutants, "--only", "toy.calc.x_add__*", "--skip", "*__mutmut_2", "--", "tests")
    assert result.returncode == 0, result.stderr
    assert "1 mutants to run" in result.stderr
    assert codes(mutants)["toy.calc.x_add__mutmut_2"] is None
    assert codes(mutants)["toy.calc.x_add__mutmut_1"] == 1
    # Both mutants are of one function: they fall in the same one of two shards.
    data["exit_code_by_key"].update({"toy.calc.x_add__mutmut_1": None, "toy.calc.x_add__mutmut_2": None})
    meta.write_text(json.dumps(data))
    counts = [run(mutants, "--only", "toy.calc.x_add__*", "--shard", shard, "--", "tests").stderr
              for shard in ("1/2", "2/2")]
    assert sorted(line.split()[0] for text in counts for line in text.splitlines() if "mutants to run" in line) \
        == ["0", "2"]


def test_a_wrong_shard_a_broken_meta_or_a_tree_without_stats_is_a_usage_error(tmp_path):
    mutants = tree(tmp_path)
    result = run(mutants, "--shard", "3/2")
    assert result.returncode == 2
    assert "--shard: K/N needs 1 <= K <= N, got '3/2'" in result.stderr
    (mutants / "toy" / "calc.py.meta").write_text("{}")
    result = run(mutants)
    assert result.returncode == 2
    assert "calc.py.meta: not a mutmut result file" in result.stderr
    (mutants / "mutmut-stats.json").unlink()
    result = run(mutants)
    assert result.returncode == 2
    assert "no mutmut-stats.json; run `python -m mutmut run` once first" in result.stderr


def test_the_test_that_killed_a_sibling_mutant_runs_first(tmp_path):
    mutants = tree(tmp_path)
    log = tmp_path / "log.tsv"
    done = run(mutants, "--only", "toy.calc.x_sign__*", "--log", str(log), "--", "tests")
    assert done.returncode == 0, done.stderr
    killer = "tests/test_calc.py::test_sign_of_a_positive_number"
    ran = {line.split("\t")[0]: line.split("\t")[1:4] for line in log.read_text().splitlines()
           if not line.startswith("#")}
    # The first mutant runs the faster test of zero first, then the one that kills it; the second starts with that.
    assert ran == {"toy.calc.x_sign__mutmut_1": ["killed", killer, "2 tests"],
                   "toy.calc.x_sign__mutmut_2": ["killed", killer, "1 tests"]}


def test_check_runs_each_named_test_without_then_with_its_mutant_and_writes_no_verdict(tmp_path):
    mutants = tree(tmp_path)
    checks = tmp_path / "checks.tsv"
    checks.write_text("\n".join([
        "toy.calc.x_add__mutmut_1\ttests/test_calc.py::test_add",
        "toy.calc.x_add__mutmut_2\ttests/test_calc.py::test_add",
        "toy.calc.x_sign__mutmut_1\ttests/test_calc.py::test_sign_of_zero",   # this test cannot see it
        "toy.calc.x_sign__mutmut_1\ttests/test_calc.py::test_sign_of_a_positive_number",
        "toy.calc.x_half__mutmut_1\ttests/test_calc.py::test_half_depends_on_an_earlier_test",
        "toy.calc.x_add__mutmut_1\ttests/test_calc.py::test_gone",
    ]) + "\n")
    log = tmp_path / "check.log"
    done = run(mutants, "--check", str(checks), "--log", str(log))
    assert done.returncode == 0, done.stderr
    assert log.read_text().splitlines() == [
        "toy.calc.x_add__mutmut_1\tkilled\ttests/test_calc.py::test_add",
        "toy.calc.x_add__mutmut_2\tSURVIVED\ttests/test_calc.py::test_add",
        "toy.calc.x_sign__mutmut_1\tSURVIVED\ttests/test_calc.py::test_sign_of_zero",
        "toy.calc.x_sign__mutmut_1\tkilled\ttests/test_calc.py::test_sign_of_a_positive_number",
        "toy.calc.x_half__mutmut_1\tfails without the mutant\ttests/test_calc.py::test_half_depends_on_an_earlier_test",
        "toy.calc.x_add__mutmut_1\tnot found\ttests/test_calc.py::test_gone",
    ]
    assert set(codes(mutants).values()) == {None}  # a check is not a verdict


def test_a_check_line_without_a_test_is_a_usage_error(tmp_path):
    mutants = tree(tmp_path)
    checks = tmp_path / "checks.tsv"
    checks.write_text("toy.calc.x_add__mutmut_1 tests/test_calc.py::test_add\n")
    done = run(mutants, "--check", str(checks))
    assert done.returncode == 2
    assert f"--check {checks}:1: expected MUTANT<TAB>TEST" in done.stderr
