"""tools/mutation_changed.py (`make mutate-changed`): the functions changed since BASE, as mutmut names their mutants,
in a tiny git repository; mutmut itself never runs here."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import textwrap

import pytest

from tests.mutation_tools import import_tool

PYPROJECT = """\
[tool.mutmut]
source_paths = ["pkg"]
only_mutate = ["pkg/*"]
do_not_mutate = ["pkg/skip.py"]
"""

MOD = '''\
"""A module."""
import enum

LIMIT = 3


def f(a):
    return a + 1


def g(a):
    b = a * 2
    return b - 1


# a comment between functions
def gone(a):
    return a - 5


@decorator
def d(a):
    return a + 1


async def af(a):
    return a + 1


class C:
    size = 4

    def m(self):
        return 1 + 1

    @staticmethod
    def s(a):
        return a + 1

    @classmethod
    def c(cls, a):
        return a + 1

    @property
    def p(self):
        return 1 + 1

    def __new__(cls):
        return 1 + 1

    class Inner:
        def im(self):
            return 1 + 1


class E(enum.Enum):
    A = 1

    def __init__(self, v):
        self.v = v + 1
'''


def git(root, *args):
    environment = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                   "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull}
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True,
                          env=environment).stdout


@pytest.fixture
def tool(monkeypatch):
    return import_tool(monkeypatch, "mutation_changed")


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "pkg" / "__init__.py").write_text("def h(a):\n    return a + 1\n")
    (root / "pkg" / "mod.py").write_text(MOD)
    (root / "pkg" / "skip.py").write_text("def k(a):\n    return a + 1\n")
    (root / "tests" / "test_mod.py").write_text("def test_f():\n    assert True\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def edit(root, path, old, new):
    file = root / path
    text = file.read_text()
    assert text.count(old) == 1, old
    file.write_text(text.replace(old, new))


def listing(tool, root, capsys, *argv):
    code = tool.main(["--root", str(root), *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def globs(out):
    return [line.strip() for line in out.splitlines() if line.startswith("  ") and line.strip().endswith("*")]


def test_no_change_says_so_and_exits_0(tool, repo, capsys):
    assert listing(tool, repo, capsys) == (0, "No function or method that mutmut mutates changed since main.\n", "")


def test_each_changed_function_and_method_becomes_its_mutants_glob(tool, repo, capsys):
    edit(repo, "pkg/mod.py", "return a + 1\n\n\ndef g", "return a + 2\n\n\ndef g")  # f
    edit(repo, "pkg/mod.py", "        return 1 + 1\n\n    @staticmethod",
         "        return 1 + 2\n\n    @staticmethod")  # m
    edit(repo, "pkg/mod.py", "    def s(a):\n        return a + 1", "    def s(a):\n        return a + 3")
    edit(repo, "pkg/mod.py", "    def c(cls, a):\n        return a + 1", "    def c(cls, a):\n        return a - 1")
    edit(repo, "pkg/mod.py", "async def af(a):\n    return a + 1", "async def af(a):\n    return a * 1")
    edit(repo, "pkg/__init__.py", "a + 1", "a + 2")
    code, out, err = listing(tool, repo, capsys)
    assert (code, err) == (0, "")
    # mutmut's own spelling (mutmut/mutation/trampoline_templates.py, utils/format_utils.py): x_ for a function,
    # xǁClassǁ for a method, the package's __init__ dropped from the module.
    assert globs(out) == ["pkg.x_h__mutmut_*", "pkg.mod.x_f__mutmut_*", "pkg.mod.x_af__mutmut_*",
                          "pkg.mod.xǁCǁm__mutmut_*", "pkg.mod.xǁCǁs__mutmut_*", "pkg.mod.xǁCǁc__mutmut_*"]
    assert "no mutant can test" not in out


def test_a_line_only_deleted_changes_the_function_it_was_in(tool, repo, capsys):
    edit(repo, "pkg/mod.py", "    b = a * 2\n    return b - 1\n", "    return b - 1\n")
    code, out, _ = listing(tool, repo, capsys)
    assert globs(out) == ["pkg.mod.x_g__mutmut_*"]


def test_a_removed_function_is_named_and_nothing_is_mutated_for_it(tool, repo, capsys):
    edit(repo, "pkg/mod.py", "# a comment between functions\ndef gone(a):\n    return a - 5\n\n\n", "")
    code, out, _ = listing(tool, repo, capsys)
    assert globs(out) == []
    assert "Removed since main:\n  pkg/mod.py: x_gone (not in the work tree any more)" in out


def test_changes_mutmut_cannot_reach_are_listed_with_why(tool, repo, capsys):
    edit(repo, "pkg/mod.py", "LIMIT = 3", "LIMIT = 4")
    edit(repo, "pkg/mod.py", "@decorator\ndef d(a):\n    return a + 1", "@decorator\ndef d(a):\n    return a + 2")
    edit(repo, "pkg/mod.py", "    size = 4", "    size = 5")
    edit(repo, "pkg/mod.py", "    def p(self):\n        return 1 + 1", "    def p(self):\n        return 1 + 3")
    edit(repo, "pkg/mod.py", "def __new__(cls):\n        return 1 + 1", "def __new__(cls):\n        return 2 + 1")
    edit(repo, "pkg/mod.py", "def im(self):\n            return 1 + 1", "def im(self):\n            return 3")
    edit(repo, "pkg/mod.py", "self.v = v + 1", "self.v = v + 2")
    edit(repo, "pkg/mod.py", "class E(enum.Enum):", "class E(enum.IntEnum):")
    code, out, _ = listing(tool, repo, capsys)
    assert code == 0 and globs(out) == []
    assert out.splitlines()[1:] == [
        "Changed lines no mutant can test (mutmut mutates functions and methods only):",
        "  pkg/mod.py:4: module level (runs at import; mutmut mutates functions only)",
        "  pkg/mod.py:23: d is decorated (mutmut mutates no decorated function)",
        "  pkg/mod.py:31: class C's body (runs at import)",
        "  pkg/mod.py:46: C.p is decorated (mutmut mutates no decorated function)",
        "  pkg/mod.py:49: C.__new__: mutmut never mutates __new__",
        "  pkg/mod.py:53: class C.Inner is nested (mutmut mutates the methods of top-level classes only)",
        "  pkg/mod.py:56: class E's header (runs at import)",
        "  pkg/mod.py:60: E.__init__: mutmut never mutates __init__",
    ]


def test_hunks_stay_apart_whatever_git_is_configured_to_fuse(tool, repo, capsys):
    # With diff.interHunkContext, `git diff -U0` would join f's and g's changes into one hunk spanning gone's lines.
    git(repo, "config", "diff.interHunkContext", "20")
    edit(repo, "pkg/mod.py", "    return a + 1\n\n\ndef g", "    return a + 2\n\n\ndef g")
    edit(repo, "pkg/mod.py", "    return a - 5\n", "    return a - 6\n")
    edit(repo, "pkg/mod.py", "async def af(a):\n    return a + 1", "async def af(a):\n    return a + 9")
    assert globs(listing(tool, repo, capsys)[1]) == ["pkg.mod.x_f__mutmut_*", "pkg.mod.x_gone__mutmut_*",
                                                     "pkg.mod.x_af__mutmut_*"]


def test_blank_and_comment_lines_between_functions_change_nothing(tool, repo, capsys):
    edit(repo, "pkg/mod.py", "# a comment between functions\n", "# another comment\n\n")
    assert globs(listing(tool, repo, capsys)[1]) == []
    assert "no mutant can test" not in listing(tool, repo, capsys)[1]


def test_a_file_git_does_not_track_yet_is_all_changed(tool, repo, capsys):
    (repo / "pkg" / "new.py").write_text("X = 1\n\n\ndef n(a):\n    return a + 1\n")
    code, out, _ = listing(tool, repo, capsys)
    assert globs(out) == ["pkg.new.x_n__mutmut_*"]
    assert "  pkg/new.py:1: module level (runs at import; mutmut mutates functions only)" in out


def test_committed_changes_count_against_an_older_base_and_paths_narrow(tool, repo, capsys):
    git(repo, "checkout", "-qb", "work")
    edit(repo, "pkg/mod.py", "    b = a * 2", "    b = a * 3")
    git(repo, "commit", "-qam", "g")
    edit(repo, "pkg/__init__.py", "a + 1", "a + 2")  # not committed: the work tree counts
    assert globs(listing(tool, repo, capsys)[1]) == ["pkg.x_h__mutmut_*", "pkg.mod.x_g__mutmut_*"]
    assert globs(listing(tool, repo, capsys, "--base", "HEAD")[1]) == ["pkg.x_h__mutmut_*"]
    assert globs(listing(tool, repo, capsys, "pkg/mod.py")[1]) == ["pkg.mod.x_g__mutmut_*"]


def test_a_path_that_names_nothing_is_one_error_not_an_empty_listing(tool, repo, capsys):
    edit(repo, "pkg/mod.py", "    b = a * 2", "    b = a * 3")
    code, out, err = listing(tool, repo, capsys, "pkg/mdo.py", "pkg/mod.py")
    assert (code, out) == (2, "")
    assert err == "mutation_changed: PATHS: pkg/mdo.py: no such file or directory here or at main\n"
    (repo / "pkg" / "mod.py").unlink()  # removed since BASE: still a path to ask about
    assert listing(tool, repo, capsys, "pkg/mod.py")[:2] == (
        0, "No function or method that mutmut mutates changed since main.\n"
           "Removed since main:\n  pkg/mod.py (removed)\n")


def test_files_mutmut_does_not_mutate_are_named_apart_and_tests_ignored(tool, repo, capsys):
    edit(repo, "pkg/skip.py", "a + 1", "a + 2")
    edit(repo, "tests/test_mod.py", "True", "1")
    code, out, _ = listing(tool, repo, capsys)
    assert out == ("No function or method that mutmut mutates changed since main.\n"
                   "Changed source files outside [tool.mutmut] only_mutate (not mutated): pkg/skip.py\n")


@pytest.mark.parametrize("base", ["nope", "main~5", "", "HEAD:pkg/mod.py", "--output=written", "-p"])
def test_a_bad_base_is_one_error_and_never_an_option_of_git(tool, repo, capsys, base):
    code, out, err = listing(tool, repo, capsys, f"--base={base}")
    assert (code, out) == (2, "")
    assert err.startswith(f"mutation_changed: BASE {base!r} is not a commit") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert not (repo / "written").exists()


def test_a_module_that_does_not_parse_is_one_error(tool, repo, capsys):
    edit(repo, "pkg/mod.py", "def f(a):", "def f(a)")
    code, out, err = listing(tool, repo, capsys)
    assert code == 2
    assert err == "mutation_changed: pkg/mod.py: cannot parse it (line 7: expected ':'); fix it first\n"


def test_without_a_mutmut_section_nothing_is_guessed(tool, repo, capsys):
    (repo / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    code, _, err = listing(tool, repo, capsys)
    assert code == 2 and "no [tool.mutmut] only_mutate list; nothing is mutated" in err


def test_the_functions_found_are_the_ones_mutmut_mutates(tool, repo, tmp_path, monkeypatch):
    """Against mutmut's own mutation of the same file: every function it makes mutants for, and no other."""
    from mutmut import configuration
    from mutmut.mutation.file_mutation import mutate_file_contents

    monkeypatch.chdir(repo)  # mutmut reads its configuration from here
    monkeypatch.setattr(configuration, "_config", None)
    source = (repo / "pkg" / "mod.py").read_text()
    theirs = {name.rpartition("__mutmut_")[0] for name in mutate_file_contents("pkg/mod.py", source).mutant_names}
    ours = {u.key for u in tool.units(source, "pkg/mod.py") if u.mutated}
    monkeypatch.setattr(configuration, "_config", None)
    assert ours == theirs == {"x_f", "x_g", "x_gone", "x_af", "xǁCǁm", "xǁCǁs", "xǁCǁc"}


class FakeMutmut:
    def __init__(self, root):
        self.root, self.calls = root, []

    def __call__(self, *args, nice=5, log=None, cwd=None, python=None):
        self.calls.append(args)
        meta = self.root / "mutants" / "pkg" / "mod.py.meta"
        if log is not None:
            meta.parent.mkdir(parents=True, exist_ok=True)
            keys = [f"pkg.mod.x_f__mutmut_{i}" for i in (1, 2, 3)] + ["pkg.mod.x_fa__mutmut_1", "pkg.mod.x_g__mutmut_1"]
            meta.write_text(json.dumps({"exit_code_by_key": {k: None for k in keys}}))
            log.write_text("AssertionError: Filtered for specific mutants, but nothing matches\n")
            return subprocess.CompletedProcess(args, 1)
        data = json.loads(meta.read_text())
        data["exit_code_by_key"].update({n: 1 if n.endswith("1") else 36 for n in args if n.startswith("pkg.")})
        meta.write_text(json.dumps(data))
        return subprocess.CompletedProcess(args, 0)


def test_run_runs_the_changed_functions_mutants_by_whole_name_then_reports_them(tool, repo, capsys, monkeypatch):
    sample = importlib.import_module("mutation_sample")
    fake = FakeMutmut(repo)
    monkeypatch.setattr(sample, "mutmut", fake)
    edit(repo, "pkg/mod.py", "return a + 1\n\n\ndef g", "return a + 2\n\n\ndef g")
    code, out, err = listing(tool, repo, capsys, "--run")
    assert (code, err) == (0, "")
    # Whole names (mutmut's clean run then takes only their tests); x_fa, a function named like f's prefix, is not f.
    assert fake.calls == [("run", "--max-children", "1", "nothing.matches*"),
                          ("run", "--max-children", "1", "pkg.mod.x_f__mutmut_1", "pkg.mod.x_f__mutmut_2",
                           "pkg.mod.x_f__mutmut_3")]
    assert "running 3 mutant(s) of 1 function(s)" in out
    assert "| `pkg/mod.py` | 3 | 1 | 0 | 0 | 2 | 100% | 20-100% |" in out
    assert "x_g__mutmut_1" not in out


def test_run_with_no_changed_function_runs_nothing(tool, repo, capsys, monkeypatch):
    sample = importlib.import_module("mutation_sample")
    fake = FakeMutmut(repo)
    monkeypatch.setattr(sample, "mutmut", fake)
    edit(repo, "pkg/mod.py", "LIMIT = 3", "LIMIT = 4")
    code, out, _ = listing(tool, repo, capsys, "--run")
    assert code == 0 and fake.calls == []
    assert out.startswith("No function or method that mutmut mutates changed since main.\n")


def test_the_mutants_glob_has_no_wildcard_but_its_tail(tool):
    assert tool.glob_of("pkg/sub/__init__.py", "xǁAǁb") == "pkg.sub.xǁAǁb__mutmut_*"
    assert tool.glob_of("src/pkg/m.py", "x_f") == "pkg.m.x_f__mutmut_*"
    assert textwrap.dedent(tool.glob_of("pkg/m.py", "x_f")).count("*") == 1
