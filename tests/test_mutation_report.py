"""tools/mutation_report.py: kill rates with their 95% Wilson interval, timeouts kept apart from test failures.

Expected numbers are worked by hand from the formula every measurement quotes (k killed of n with a verdict):
centre (k + 1.92)/(n + 3.84), half-width 1.96*sqrt(k(n-k)/n + 0.96)/(n + 3.84).
"""

from __future__ import annotations

import pytest

from tests.mutation_tools import import_tool, write_meta


@pytest.fixture
def tool(monkeypatch):
    return import_tool(monkeypatch, "mutation_report")



@pytest.mark.parametrize(("killed", "run", "low", "high"), [
    # 8 of 10: centre 9.92/13.84 = 0.716763, half 1.96*sqrt(1.6 + 0.96)/13.84 = 3.136/13.84 = 0.226590
    (8, 10, 0.490173, 0.943353),
    # 0 of 5: centre 1.92/8.84 = 0.217195, half 1.96*sqrt(0.96)/8.84 = 0.217240: the low end, -0.00005, is clipped
    (0, 5, 0.0, 0.434434),
    (5, 5, 0.565566, 1.0),
    # 9 of 12: centre 10.92/15.84 = 0.689394, half 1.96*sqrt(2.25 + 0.96)/15.84 = 0.221694
    (9, 12, 0.467700, 0.911088),
])
def test_the_wilson_interval_is_the_quoted_formula(tool, killed, run, low, high):
    assert tool.wilson(killed, run) == (pytest.approx(low, abs=1e-6), pytest.approx(high, abs=1e-6))


@pytest.mark.parametrize(("killed", "run", "text"), [(8, 10, "49-95%"), (0, 5, "0-44%"), (5, 5, "56-100%"),
                                                     (9, 12, "46-92%"), (1, 1, "20-100%")])
def test_the_interval_is_printed_rounded_outward(tool, killed, run, text):
    assert tool.interval_text(killed, run) == text


@pytest.mark.parametrize(("killed", "run"), [(0, 0), (6, 5), (-1, 5)])
def test_an_interval_of_nothing_or_of_more_kills_than_mutants_is_refused(tool, killed, run):
    with pytest.raises(ValueError, match="given"):
        tool.wilson(killed, run)


def module_codes():
    codes = {f"pkg.mod.x_f__mutmut_{i}": 1 for i in range(1, 8)}
    codes.update({"pkg.mod.x_f__mutmut_8": 37,  # caught by the type check: a verdict, killed
                  "pkg.mod.x_f__mutmut_9": 0, "pkg.mod.x_f__mutmut_10": 33,  # survived, no tests
                  "pkg.mod.x_g__mutmut_1": 36, "pkg.mod.x_g__mutmut_2": -24,  # timeouts
                  "pkg.mod.x_g__mutmut_3": -9,  # killed by a signal: no verdict
                  "pkg.mod.x_g__mutmut_4": None})  # not run
    return codes


def test_timeouts_and_crashes_are_counted_apart_and_left_out_of_the_rate(tool, tmp_path):
    write_meta(tmp_path, "pkg/mod.py", module_codes())
    text = tool.report(tool.results(tmp_path))
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    # 10 with a verdict (8 killed) and 3 without: 80%, 49-95%, not 10 of 13 (77%).
    assert rows == ["| `pkg/mod.py` | 13 | 8 | 1 | 1 | 3 | 80% | 49-95% |"]
    assert "2 survivor(s):\n- `pkg.mod.x_f__mutmut_10`\n- `pkg.mod.x_f__mutmut_9`" in text
    assert ("3 without a verdict (timeout or crash):\n- `pkg.mod.x_g__mutmut_1 (timeout)`\n"
            "- `pkg.mod.x_g__mutmut_2 (timeout)`\n- `pkg.mod.x_g__mutmut_3 (segfault)`") in text
    assert "x_g__mutmut_4" not in text


def test_a_module_with_only_timeouts_has_no_rate(tool, tmp_path):
    write_meta(tmp_path, "pkg/slow.py", {"pkg.slow.x_h__mutmut_1": 36})
    assert "| `pkg/slow.py` | 1 | 0 | 0 | 0 | 1 | - | - |" in tool.report(tool.results(tmp_path))


def test_only_the_named_mutants_and_their_total(tool, tmp_path):
    write_meta(tmp_path, "pkg/mod.py", module_codes())
    write_meta(tmp_path, "pkg/other.py", {"pkg.other.x_k__mutmut_1": 1, "pkg.other.x_k__mutmut_2": 0,
                                          "pkg.other.x_k__mutmut_3": 1})
    only = ["pkg.mod.x_f__mutmut_*", "pkg.other.x_k__mutmut_1", "pkg.other.x_k__mutmut_2", "pkg.mod.x_g__mutmut_4"]
    text = tool.report(tool.results(tmp_path), only=only, sample=True)
    rows = [line for line in text.splitlines() if line.startswith("| ")][2:]
    assert rows == ["| `pkg/mod.py` | 10 | 8 | 1 | 1 | 0 | 80% | 49-95% |",
                    "| `pkg/other.py` | 2 | 1 | 1 | 0 | 0 | 50% | 9-91% |",
                    "| all (the sample) | 12 | 9 | 2 | 1 | 0 | 75% | 46-92% |"]
    assert "1 not run:\n- `pkg.mod.x_g__mutmut_4`" in text
    assert "x_k__mutmut_3" not in text


def test_globs_are_case_sensitive_like_mutmut_on_linux(tool, tmp_path):
    write_meta(tmp_path, "pkg/mod.py", {"pkg.mod.x_f__mutmut_1": 1})
    assert "no mutant has a result yet" in tool.report(tool.results(tmp_path), only=["PKG.*"])


def test_the_command_names_the_directory_when_there_is_nothing(tool, tmp_path, capsys):
    assert tool.main([str(tmp_path / "mutants")]) == 2
    assert capsys.readouterr().err == f"no mutmut results under {tmp_path / 'mutants'}/: run `make mutate` first\n"


def test_the_command_filters_with_only(tool, tmp_path, capsys):
    write_meta(tmp_path, "pkg/mod.py", module_codes())
    assert tool.main([str(tmp_path), "--only", "pkg.mod.x_g*"]) == 0
    out = capsys.readouterr().out
    assert "| `pkg/mod.py` | 3 | 0 | 0 | 0 | 3 | - | - |" in out


@pytest.mark.parametrize("text", ["not json", '{"exit_code_by_key": [1]}', '{"exit_code_by_key": {"a": [1]}}', "[]"])
def test_a_broken_result_file_is_one_error_naming_it(tool, tmp_path, capsys, text):
    write_meta(tmp_path, "pkg/good.py", {"pkg.good.x_f__mutmut_1": 1})
    (tmp_path / "pkg" / "bad.py.meta").write_text(text)
    assert tool.main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mutation_report: {tmp_path / 'pkg' / 'bad.py.meta'}: not a mutmut result file (")
    assert err.count("\n") == 1 and "Traceback" not in err
