"""Every `python -m preflight ... --help` ends with the gate's one exit-code table; usage errors start as the
command's other errors do (`preflight: `, `preflight diff: `...), never `python -m preflight: `."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from preflight import cost, diff, graph
from preflight.cli import EXIT_CODES, main

REPO_ROOT = Path(__file__).resolve().parents[2]
MAINS = {"preflight": main, "preflight diff": diff.main, "preflight graph": graph.main, "preflight cost": cost.main}
# docs/preflight.md's codes, as literals.
DOCUMENTED = {0: "no mandatory violation", 1: "mandatory violations", 2: "usage, config, input or program error"}


def _rows(text: str) -> dict[int, str]:
    block = text.split("exit codes (several stacks: the worst of them):\n", 1)[1].split("\n\n", 1)[0]
    return {int(line.split()[0]): line.split(None, 1)[1] for line in block.splitlines()}


@pytest.mark.parametrize("name", sorted(MAINS))
def test_every_help_lists_every_exit_code(name, capsys):
    with pytest.raises(SystemExit) as exited:
        MAINS[name](["--help"])
    assert exited.value.code == 0
    rows = _rows(capsys.readouterr().out)
    assert sorted(rows) == sorted(DOCUMENTED)
    for code, words in DOCUMENTED.items():
        assert rows[code].startswith(words)
    assert sorted(rows) == sorted(code for code, _ in EXIT_CODES)


@pytest.mark.parametrize("name", sorted(MAINS))
def test_usage_errors_start_with_the_commands_name(name, capsys):
    with pytest.raises(SystemExit) as exited:
        MAINS[name](["--no-such-flag"])
    assert exited.value.code == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith(f"{name}: error: ")
    assert "python -m" not in last


def test_the_dispatcher_passes_help_to_each_subcommand():
    # `python -m preflight diff --help` is diff's own help (preflight/__main__.py), with the table.
    done = subprocess.run([sys.executable, "-m", "preflight", "diff", "--help"], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    assert "usage: python -m preflight diff" in done.stdout
    assert sorted(_rows(done.stdout)) == [0, 1, 2]
