"""mutmut runs the suite in its copy, mutants/: only what `[tool.mutmut]` names is there. A top-level file the tests
read but the copy lacks fails the stats run ("failed to collect stats"), so `make mutate` measures nothing. This
failed once already (the Makefile, which the suite's own checks read, was left out)."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Copied by mutmut itself whatever the configuration says (mutmut 3.8.1, configuration.py).
MUTMUT_COPIES = {"tests", "pyproject.toml"}
# Top-level entries no test reads, so the copy may leave them out.
NOT_NEEDED = {".gitignore": "read by git only"}


def _mutmut() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["mutmut"]


def _top_level_tracked() -> set[str]:
    done = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True)
    return {line.split("/", 1)[0] for line in done.stdout.splitlines() if line}


def test_every_top_level_entry_is_in_the_mutants_copy_or_named_as_not_needed():
    config = _mutmut()
    copied = set(config["also_copy"]) | set(config["source_paths"]) | MUTMUT_COPIES
    missing = sorted(_top_level_tracked() - copied - set(NOT_NEEDED))
    assert missing == [], f"add to [tool.mutmut] also_copy (or to NOT_NEEDED with why): {missing}"


def test_the_copy_names_only_what_exists():
    config = _mutmut()
    absent = sorted(name for name in config["also_copy"] if not (REPO / name).exists())
    assert absent == []


def test_the_makefile_and_ci_script_are_copied():
    # The two the stats run stopped on (test_requirements_lock.py, test_suite_grouping.py read them).
    assert {"Makefile", ".ci"} <= set(_mutmut()["also_copy"])
