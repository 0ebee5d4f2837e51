"""tools/mutation_ledger.py: mutmut's verdicts saved under each function's hash and given back to a fresh mutants/.

The exit codes are mutmut's (mutmut.stats.status_by_exit_code): 1 killed, 0 survived, 33 no tests, 37 caught by the
type check, -24 a timeout (SIGXCPU), None not run yet.
"""

from __future__ import annotations

import json

import pytest

from tests.mutation_tools import import_tool, write_meta

HEADER_LINES = 3


@pytest.fixture
def tool(monkeypatch):
    return import_tool(monkeypatch, "mutation_ledger")


def _restore(tool, tmp_path, args):
    """The command `restore` with no verdicts given by hand (the project's own file is not read)."""
    return tool.main(["restore", "--hand", str(tmp_path / "none.tsv"), *args])


def _codes(root, path):
    return json.loads((root / f"{path}.meta").read_text())["exit_code_by_key"]


def _body(ledger):
    return ledger.read_text().splitlines()[HEADER_LINES:]


def test_save_writes_one_line_per_function_with_its_hash_and_numbers_as_ranges(tool, tmp_path):
    write_meta(tmp_path / "mutants", "ops/confirm.py", {
        **{f"ops.confirm.x_ask__mutmut_{n}": 1 for n in (1, 2, 3, 7)},
        "ops.confirm.x_ask__mutmut_4": 0, "ops.confirm.x_ask__mutmut_5": 33, "ops.confirm.x_ask__mutmut_6": 37,
        "ops.confirm.x_ask__mutmut_8": -24, "ops.confirm.x_ask__mutmut_9": None,
        "ops.confirm.xǁPromptǁread__mutmut_1": 0, "ops.confirm.xǁPromptǁread__mutmut_2": 0,
    }, {"x_ask": "aaaaaaaaaaaa", "xǁPromptǁread": "bbbbbbbbbbbb"})
    ledger = tmp_path / "ledger.tsv"

    assert tool.main(["save", "--mutants", str(tmp_path / "mutants"), "--ledger", str(ledger)]) == 0

    # The timeout (8) and the mutant not run (9) are no verdict: they are left out, to run again.
    assert _body(ledger) == [
        "ops.confirm.x_ask\taaaaaaaaaaaa\t1-3,7\t6\t4\t5",
        "ops.confirm.xǁPromptǁread\tbbbbbbbbbbbb\t-\t-\t1-2\t-",
    ]
    assert ledger.read_text().startswith("# ")


def test_a_function_without_any_verdict_gets_no_line(tool, tmp_path):
    write_meta(tmp_path / "mutants", "ops/confirm.py", {"ops.confirm.x_ask__mutmut_1": None,
                                                        "ops.confirm.x_ask__mutmut_2": 152},
               {"x_ask": "aaaaaaaaaaaa"})
    ledger = tmp_path / "ledger.tsv"
    tool.main(["save", "--mutants", str(tmp_path / "mutants"), "--ledger", str(ledger)])
    assert _body(ledger) == []


def test_restore_gives_the_verdicts_back_to_a_fresh_run_of_the_same_code(tool, tmp_path, capsys):
    ledger = tmp_path / "ledger.tsv"
    ledger.write_text("# header\nops.confirm.x_ask\taaaaaaaaaaaa\t1-2\t-\t3\t4\n"
                      "components.settings.x_load\tcccccccccccc\t2\t1\t-\t-\n")
    mutants = tmp_path / "mutants"
    write_meta(mutants, "ops/confirm.py", {f"ops.confirm.x_ask__mutmut_{n}": None for n in range(1, 6)},
               {"x_ask": "aaaaaaaaaaaa"})
    write_meta(mutants, "components/settings/__init__.py",
               {"components.settings.x_load__mutmut_1": None, "components.settings.x_load__mutmut_2": None},
               {"x_load": "cccccccccccc"})

    assert _restore(tool, tmp_path, ["--mutants", str(mutants), "--ledger", str(ledger)]) == 0

    assert _codes(mutants, "ops/confirm.py") == {
        "ops.confirm.x_ask__mutmut_1": 1, "ops.confirm.x_ask__mutmut_2": 1, "ops.confirm.x_ask__mutmut_3": 0,
        "ops.confirm.x_ask__mutmut_4": 33, "ops.confirm.x_ask__mutmut_5": None}
    assert _codes(mutants, "components/settings/__init__.py") == {
        "components.settings.x_load__mutmut_1": 37, "components.settings.x_load__mutmut_2": 1}
    assert "6 verdicts restored" in capsys.readouterr().out


def test_a_function_whose_code_changed_gets_none_of_its_old_verdicts(tool, tmp_path, capsys):
    ledger = tmp_path / "ledger.tsv"
    ledger.write_text("ops.confirm.x_ask\taaaaaaaaaaaa\t1-2\t-\t-\t-\n")
    mutants = tmp_path / "mutants"
    write_meta(mutants, "ops/confirm.py", {"ops.confirm.x_ask__mutmut_1": None, "ops.confirm.x_ask__mutmut_2": None},
               {"x_ask": "dddddddddddd"})

    _restore(tool, tmp_path, ["--mutants", str(mutants), "--ledger", str(ledger)])

    assert set(_codes(mutants, "ops/confirm.py").values()) == {None}
    assert "0 verdicts restored from" in capsys.readouterr().out


def test_restore_never_overwrites_a_result_mutmut_has(tool, tmp_path):
    ledger = tmp_path / "ledger.tsv"
    ledger.write_text("ops.confirm.x_ask\taaaaaaaaaaaa\t-\t-\t1\t-\n")
    mutants = tmp_path / "mutants"
    write_meta(mutants, "ops/confirm.py", {"ops.confirm.x_ask__mutmut_1": 1}, {"x_ask": "aaaaaaaaaaaa"})
    _restore(tool, tmp_path, ["--mutants", str(mutants), "--ledger", str(ledger)])
    assert _codes(mutants, "ops/confirm.py") == {"ops.confirm.x_ask__mutmut_1": 1}


def _save(tool, tmp_path, codes, hashes):
    mutants = tmp_path / "mutants"
    write_meta(mutants, "ops/confirm.py", codes, hashes)
    ledger = tmp_path / "ledger.tsv"
    assert tool.main(["save", "--mutants", str(mutants), "--ledger", str(ledger)]) == 0
    return _body(ledger)


def test_a_kill_stays_a_kill_when_a_narrower_run_of_the_same_code_lets_it_survive(tool, tmp_path):
    (tmp_path / "ledger.tsv").write_text("ops.confirm.x_ask\taaaaaaaaaaaa\t1\t-\t2\t-\n")
    body = _save(tool, tmp_path, {"ops.confirm.x_ask__mutmut_1": 0, "ops.confirm.x_ask__mutmut_2": 1},
                 {"x_ask": "aaaaaaaaaaaa"})
    # 1 was killed before and survives now: still killed. 2 survived before and is killed now: killed.
    assert body == ["ops.confirm.x_ask\taaaaaaaaaaaa\t1-2\t-\t-\t-"]


def test_verdicts_not_run_again_are_kept_and_new_ones_added(tool, tmp_path):
    (tmp_path / "ledger.tsv").write_text("ops.confirm.x_ask\taaaaaaaaaaaa\t1\t-\t2\t-\n")
    body = _save(tool, tmp_path, {f"ops.confirm.x_ask__mutmut_{n}": c for n, c in ((1, None), (2, None), (3, 0))},
                 {"x_ask": "aaaaaaaaaaaa"})
    assert body == ["ops.confirm.x_ask\taaaaaaaaaaaa\t1\t-\t2-3\t-"]


def test_a_changed_function_loses_its_old_verdicts_even_its_kills(tool, tmp_path):
    (tmp_path / "ledger.tsv").write_text("ops.confirm.x_ask\taaaaaaaaaaaa\t1-3\t-\t-\t-\n")
    body = _save(tool, tmp_path, {"ops.confirm.x_ask__mutmut_1": 0, "ops.confirm.x_ask__mutmut_2": None},
                 {"x_ask": "eeeeeeeeeeee"})
    assert body == ["ops.confirm.x_ask\teeeeeeeeeeee\t-\t-\t1\t-"]


def test_a_function_gone_from_a_generated_module_is_dropped_and_other_modules_kept(tool, tmp_path):
    (tmp_path / "ledger.tsv").write_text("ops.confirm.x_gone\t111111111111\t1\t-\t-\t-\n"
                                         "ops.confirm_more.x_kept\t222222222222\t-\t-\t1\t-\n"
                                         "policies.rules.iam.x_rule\t333333333333\t1-9\t-\t-\t-\n")
    body = _save(tool, tmp_path, {"ops.confirm.x_ask__mutmut_1": 1}, {"x_ask": "aaaaaaaaaaaa"})
    # ops.confirm was generated and has no x_gone any more; ops.confirm_more and the rules were not generated here.
    assert body == ["ops.confirm.x_ask\taaaaaaaaaaaa\t1\t-\t-\t-",
                    "ops.confirm_more.x_kept\t222222222222\t-\t-\t1\t-",
                    "policies.rules.iam.x_rule\t333333333333\t1-9\t-\t-\t-"]


def test_save_then_restore_into_a_fresh_copy_gives_every_verdict_back(tool, tmp_path):
    codes = {f"ops.confirm.x_ask__mutmut_{n}": code
             for n, code in enumerate([1, 1, 0, 33, 37, 1, 0, None, -24, 1, 1, 1], start=1)}
    write_meta(tmp_path / "run", "ops/confirm.py", codes, {"x_ask": "aaaaaaaaaaaa"})
    ledger = tmp_path / "ledger.tsv"
    tool.main(["save", "--mutants", str(tmp_path / "run"), "--ledger", str(ledger)])
    write_meta(tmp_path / "fresh", "ops/confirm.py", dict.fromkeys(codes), {"x_ask": "aaaaaaaaaaaa"})

    _restore(tool, tmp_path, ["--mutants", str(tmp_path / "fresh"), "--ledger", str(ledger)])

    # The timeout is no verdict: a fresh copy runs it again.
    assert _codes(tmp_path / "fresh", "ops/confirm.py") == {**codes, "ops.confirm.x_ask__mutmut_9": None}


@pytest.mark.parametrize(("line", "message"), [
    ("ops.confirm.x_ask\taaaaaaaaaaaa\t1-2\t-\t-", "ledger.tsv:2: 5 tab-separated cells; a line has 6"),
    ("ops.confirm.x_ask\taaaaaaaaaaaa\t1-x\t-\t-\t-", "ledger.tsv:2: the killed column: '1-x' is not a number"),
    ("ops.confirm.x_ask\taaaaaaaaaaaa\t5-3\t-\t-\t-", "ledger.tsv:2: the killed column: '5-3' is not a number"),
    ("ops.confirm.x_ask\taaaaaaaaaaaa\t1-3\t-\t3\t-",
     "ledger.tsv:2: mutant 3 of ops.confirm.x_ask is both killed and survived"),
    ("ops.confirm.x_f\tffffffffffff\t1\t-\t-\t-", "ledger.tsv:2: ops.confirm.x_f has a line already"),
])
def test_a_broken_ledger_line_is_one_error_naming_the_line(tool, tmp_path, capsys, line, message):
    ledger = tmp_path / "ledger.tsv"
    ledger.write_text(f"ops.confirm.x_f\tffffffffffff\t1\t-\t-\t-\n{line}\n")
    write_meta(tmp_path / "mutants", "ops/confirm.py", {"ops.confirm.x_ask__mutmut_1": None},
               {"x_ask": "aaaaaaaaaaaa"})

    assert _restore(tool, tmp_path, ["--mutants", str(tmp_path / "mutants"), "--ledger", str(ledger)]) == 2

    err = capsys.readouterr().err
    assert err.startswith("mutation_ledger: ") and message in err
    assert _codes(tmp_path / "mutants", "ops/confirm.py") == {"ops.confirm.x_ask__mutmut_1": None}


def _hand(tmp_path, *lines):
    hand = tmp_path / "hand.tsv"
    hand.write_text("# mutant\thash\tverdict\tevidence\n" + "".join(f"{line}\n" for line in lines))
    return hand


def test_a_kill_by_hand_of_the_same_code_is_restored_as_killed_and_an_equivalent_stays_a_survivor(tool, tmp_path):
    ledger = tmp_path / "ledger.tsv"
    ledger.write_text("ops.confirm.x_ask\taaaaaaaaaaaa\t-\t-\t1-2\t3\n")
    hand = _hand(tmp_path,
                 "ops.confirm.x_ask__mutmut_1\taaaaaaaaaaaa\tkilled\ttests/ops/test_confirm.py::test_a_yes",
                 "ops.confirm.x_ask__mutmut_2\taaaaaaaaaaaa\tequivalent\tthe one caller passes both",
                 "ops.confirm.x_ask__mutmut_3\taaaaaaaaaaaa\tkilled\ttests/ops/test_confirm.py::test_a_no",
                 "ops.confirm.x_ask__mutmut_4\taaaaaaaaaaaa\tkilled\ttests/ops/test_confirm.py::test_ctrl_c")
    mutants = tmp_path / "mutants"
    write_meta(mutants, "ops/confirm.py", {f"ops.confirm.x_ask__mutmut_{n}": None for n in range(1, 6)},
               {"x_ask": "aaaaaaaaaaaa"})

    assert tool.main(["restore", "--mutants", str(mutants), "--ledger", str(ledger), "--hand", str(hand)]) == 0

    # 4 has no mutmut verdict at all: a hand kill is a kill all the same. 5 has none of either: it runs.
    assert _codes(mutants, "ops/confirm.py") == {
        "ops.confirm.x_ask__mutmut_1": 1, "ops.confirm.x_ask__mutmut_2": 0, "ops.confirm.x_ask__mutmut_3": 1,
        "ops.confirm.x_ask__mutmut_4": 1, "ops.confirm.x_ask__mutmut_5": None}


def test_a_kill_by_hand_of_code_changed_since_is_not_restored(tool, tmp_path):
    # The ledger was saved from a run of the changed code (ffff...), where mutant 1 survived; the hand kill was of the
    # code before (aaaa...).
    ledger = tmp_path / "ledger.tsv"
    ledger.write_text("ops.confirm.x_ask\tffffffffffff\t-\t-\t1\t-\n")
    hand = _hand(tmp_path, "ops.confirm.x_ask__mutmut_1\taaaaaaaaaaaa\tkilled\ttests/ops/test_confirm.py::test_a_yes")
    mutants = tmp_path / "mutants"
    write_meta(mutants, "ops/confirm.py", {"ops.confirm.x_ask__mutmut_1": None}, {"x_ask": "ffffffffffff"})
    tool.main(["restore", "--mutants", str(mutants), "--ledger", str(ledger), "--hand", str(hand)])
    assert _codes(mutants, "ops/confirm.py") == {"ops.confirm.x_ask__mutmut_1": 0}


@pytest.mark.parametrize(("line", "message"), [
    ("ops.confirm.x_ask__mutmut_1\taaaaaaaaaaaa\tkiled\ttests/x.py::t",
     "hand.tsv:2: verdict 'kiled'; allowed: killed or equivalent"),
    ("ops.confirm.x_ask__mutmut_1\taaaaaaaaaaaa\tequivalent\t ",
     "hand.tsv:2: a line has 4 tab-separated cells, none empty"),
    ("ops.confirm.x_ask__mutmut_1\taaaaaaaaaaaa\tkilled", "hand.tsv:2: a line has 4 tab-separated cells"),
    ("ops.confirm.x_ask_7\taaaaaaaaaaaa\tkilled\ttests/x.py::t", "hand.tsv:2: 'ops.confirm.x_ask_7' is not a mutmut"),
    ("ops.confirm.x_ask__mutmut_1\taaaaaaaaaaaa\tkilled\ttests/x.py::u",
     "hand.tsv:3: ops.confirm.x_ask__mutmut_1 has a verdict already"),
])
def test_a_broken_hand_verdict_is_one_error_before_anything_is_generated(tool, tmp_path, monkeypatch, capsys, line,
                                                                         message):
    import mutation_sample

    monkeypatch.setattr(mutation_sample, "generate", lambda *a, **k: pytest.fail("generated despite a broken file"))
    lines = [line] if "has a verdict already" not in message else [
        "ops.confirm.x_ask__mutmut_1\taaaaaaaaaaaa\tkilled\ttests/x.py::t", line]
    hand = _hand(tmp_path, *lines)
    assert tool.main(["restore", "--generate", "--mutants", str(tmp_path / "mutants"),
                      "--ledger", str(tmp_path / "l.tsv"), "--hand", str(hand)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mutation_ledger: ") and message in err


def test_restore_generate_makes_the_mutants_beside_the_directory_then_restores(tool, tmp_path, monkeypatch):
    import mutation_sample

    ledger = tmp_path / "ledger.tsv"
    ledger.write_text("ops.confirm.x_ask\taaaaaaaaaaaa\t1\t-\t-\t-\n")
    calls = []

    def generate(max_children, *, cwd):
        calls.append((max_children, cwd))
        write_meta(cwd / "mutants", "ops/confirm.py", {"ops.confirm.x_ask__mutmut_1": None}, {"x_ask": "aaaaaaaaaaaa"})

    monkeypatch.setattr(mutation_sample, "generate", generate)
    mutants = tmp_path / "mutants"
    assert _restore(tool, tmp_path, ["--generate", "--max-children", "2", "--mutants", str(mutants),
                      "--ledger", str(ledger)]) == 0
    assert calls == [(2, tmp_path)]
    assert _codes(mutants, "ops/confirm.py") == {"ops.confirm.x_ask__mutmut_1": 1}


def test_a_failed_generation_is_one_error_and_nothing_restored(tool, tmp_path, monkeypatch, capsys):
    import mutation_sample

    def generate(max_children, *, cwd):
        raise mutation_sample.Problem("mutmut could not generate the mutants (exit 1)")

    monkeypatch.setattr(mutation_sample, "generate", generate)
    assert _restore(tool, tmp_path, ["--generate", "--mutants", str(tmp_path / "mutants"),
                      "--ledger", str(tmp_path / "l.tsv")]) == 2
    assert capsys.readouterr().err == "mutation_ledger: mutmut could not generate the mutants (exit 1)\n"


def test_generate_goes_with_restore_only(tool, tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        tool.main(["save", "--generate", "--mutants", str(tmp_path), "--ledger", str(tmp_path / "l.tsv")])
    assert stopped.value.code == 2
    assert "--generate: only with restore" in capsys.readouterr().err


def test_without_generated_mutants_the_command_says_how_to_make_them(tool, tmp_path, capsys):
    assert tool.main(["save", "--mutants", str(tmp_path / "nothing"), "--ledger", str(tmp_path / "l.tsv")]) == 2
    assert "does not exist: generate the mutants first" in capsys.readouterr().err
    assert not (tmp_path / "l.tsv").exists()


def test_a_result_file_without_hashes_is_named(tool, tmp_path, capsys):
    write_meta(tmp_path / "mutants", "ops/confirm.py", {"ops.confirm.x_ask__mutmut_1": 1})
    assert tool.main(["save", "--mutants", str(tmp_path / "mutants"), "--ledger", str(tmp_path / "l.tsv")]) == 2
    err = capsys.readouterr().err
    assert "confirm.py.meta: not a mutmut result file" in err and "hash_by_function_name" in err


def test_the_projects_ledger_and_hand_verdicts_read_and_name_only_modules_the_project_mutates(tool):
    import fnmatch
    import tomllib

    from tests.conftest import REPO_ROOT

    only = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]["only_mutate"]
    ledger = tool.read_ledger(REPO_ROOT / "docs" / "mutation-ledger.tsv")
    hand = tool.read_hand(REPO_ROOT / "docs" / "mutation-verdicts.tsv")
    modules = {name.rpartition(".")[0] for name in ledger} | {
        v.mutant.rpartition("__mutmut_")[0].rpartition(".")[0] for v in hand}
    paths = {module: [f"{module.replace('.', '/')}.py", f"{module.replace('.', '/')}/__init__.py"]
             for module in modules}
    assert ledger
    assert [m for m, ps in paths.items() if not any(fnmatch.fnmatch(p, g) for p in ps for g in only)] == []


# ---- summary: the kill rate per module from the ledger and the hand verdicts ----------------------------------------
def _summary_files(tmp_path):
    ledger = tmp_path / "ledger.tsv"
    # x_ask: 1-2 killed, 3-5 survived, 6 no tests. x_other: 1 survived, under code changed since its hand verdict.
    # ops.wait.x_run: 1-3 killed, 4 survived; 2 was killed by hand, and restored and saved into the ledger as a kill.
    ledger.write_text("ops.confirm.x_ask\taaaaaaaaaaaa\t1-2\t-\t3-5\t6\n"
                      "ops.confirm.x_other\tbbbbbbbbbbbb\t-\t-\t1\t-\n"
                      "ops.wait.x_run\tdddddddddddd\t1-2\t3\t4\t-\n")
    hand = _hand(tmp_path,
                 "ops.confirm.x_ask__mutmut_3\taaaaaaaaaaaa\tkilled\ttests/ops/test_confirm.py::test_a_no",
                 "ops.confirm.x_ask__mutmut_4\taaaaaaaaaaaa\tequivalent\tthe one caller passes both",
                 # 7 has no verdict of the run (it timed out): a hand kill counts all the same.
                 "ops.confirm.x_ask__mutmut_7\taaaaaaaaaaaa\tkilled\ttests/ops/test_confirm.py::test_ctrl_c",
                 # Given on other code: not counted, the survivor stays open.
                 "ops.confirm.x_other__mutmut_1\tcccccccccccc\tequivalent\tno longer true",
                 "ops.wait.x_run__mutmut_2\tdddddddddddd\tkilled\ttests/ops/test_ops_wait.py::test_keys")
    return ledger, hand


def test_the_tally_counts_each_mutant_once_by_its_strongest_verdict_on_the_same_code(tool, tmp_path):
    ledger, hand = _summary_files(tmp_path)
    tallies = tool.tally(tool.read_ledger(ledger), tool.read_hand(hand))
    assert {module: (t.killed, t.killed_since, t.equivalent, t.open) for module, t in tallies.items()} == {
        # killed 1, 2; since 3, 7; equivalent 4; open 5, 6 (no tests), x_other 1
        "ops.confirm": (2, 2, 1, 3),
        "ops.wait": (2, 1, 0, 1)}


def test_the_summary_prints_a_row_a_module_and_one_for_all(tool, tmp_path, capsys):
    ledger, hand = _summary_files(tmp_path)
    assert tool.main(["summary", "--ledger", str(ledger), "--hand", str(hand)]) == 0
    rows = capsys.readouterr().out.splitlines()
    # 4 of 8: centre 5.92/11.84 = 0.5, half 1.96*sqrt(2 + 0.96)/11.84 = 0.2848: 21.5-78.5%, printed outward 21-79%
    assert rows[2] == "| ops.confirm | 8 | 2 | 2 | 1 | 3 | 50.0% (21-79%) | 62.5% |"
    # 3 of 4: centre 4.92/7.84 = 0.6276, half 1.96*sqrt(0.75 + 0.96)/7.84 = 0.3269: 30.1-95.4%
    assert rows[3] == "| ops.wait | 4 | 2 | 1 | 0 | 1 | 75.0% (30-96%) | 75.0% |"
    assert rows[4].startswith("| all | 12 | 4 | 3 | 1 | 4 | 58.3% (")
    assert len(rows) == 5


def test_the_summary_of_some_mutants_only(tool, tmp_path, capsys):
    ledger, hand = _summary_files(tmp_path)
    assert tool.main(["summary", "--ledger", str(ledger), "--hand", str(hand), "--only", "ops.wait.*"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert [row.split(" | ")[0] for row in rows[2:]] == ["| ops.wait"]   # one module: no row for all


def test_a_summary_that_matches_nothing_says_so(tool, tmp_path, capsys):
    ledger, hand = _summary_files(tmp_path)
    assert tool.main(["summary", "--ledger", str(ledger), "--hand", str(hand), "--only", "ops.nothing*"]) == 2
    assert capsys.readouterr().err == f"mutation_ledger: no mutant in {ledger} or {hand} matches ops.nothing*\n"


def test_only_goes_with_summary_only(tool, tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        tool.main(["save", "--only", "ops.*", "--mutants", str(tmp_path), "--ledger", str(tmp_path / "l.tsv")])
    assert stopped.value.code == 2
    assert "--only: only with summary" in capsys.readouterr().err


def test_a_rate_short_of_whole_never_reads_as_whole(tool):
    tallies = {"m": tool.Tally(killed=1999, open=1)}
    assert tool.summary(tallies).splitlines()[2].startswith("| m | 2000 | 1999 | 0 | 0 | 1 | 99.9% (")
