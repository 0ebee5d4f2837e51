"""Every `python -m ops ... --help` ends with the one exit-code table, and every error line starts `ops: error: `."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import ops.errors
from ops.cli import main
from ops.commands import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
# The codes docs/ops.md promises, as literals: a code dropped from the table fails here.
DOCUMENTED = {0: "success", 1: "findings", 2: "usage", 3: "AWS refused", 4: "stopped waiting", 70: "internal error",
              130: "interrupted", 141: "stdout was closed"}


def _help(capsys, *argv: str) -> str:
    assert main([*argv, "--help"]) == 0
    return capsys.readouterr().out


def _table_rows(text: str) -> dict[int, str]:
    block = text.split("\nexit codes:\n", 1)[1]
    return {int(line.split()[0]): line.split(None, 1)[1] for line in block.splitlines() if line.strip()}


@pytest.mark.parametrize("command", [None, *sorted(c.NAME for c in COMMANDS)])
def test_every_help_lists_every_exit_code(command, capsys):
    text = _help(capsys, *([command] if command else []))
    rows = _table_rows(text)
    assert sorted(rows) == sorted(DOCUMENTED)
    for code, words in DOCUMENTED.items():
        assert words in rows[code], (command, code, rows[code])


def test_the_commands_are_the_ones_docs_ops_md_lists(capsys):
    # A command added without its help epilog would be missed above only if COMMANDS missed it too.
    text = _help(capsys)
    listed = {c.NAME for c in COMMANDS}
    assert listed >= {"status", "wait", "verify", "snapshot", "restore", "failover", "export", "backtrack"}
    for name in listed:
        assert name in text


def test_every_exit_constant_is_in_the_table():
    constants = {name: value for name, value in vars(ops.errors).items()
                 if name.startswith("EXIT_") and isinstance(value, int)}
    in_table = {code for code, _ in ops.errors.EXIT_CODES}
    assert {name: value for name, value in constants.items() if value not in in_table} == {}
    assert len(in_table) == len(ops.errors.EXIT_CODES)  # no code listed twice


def test_help_in_a_real_process_has_the_table():
    done = subprocess.run([sys.executable, "-m", "ops", "restore", "--help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")
    assert sorted(_table_rows(done.stdout)) == sorted(DOCUMENTED)


@pytest.mark.parametrize("argv", [
    ("--bogus",),                         # top-level parser
    (),                                   # no command
    ("nope",),                            # unknown command
    ("status", "--bogus"),                # a subcommand's parser
    ("restore", "--latest", "--to-time", "2026-11-27T10:00:00Z", "--new-cluster", "x"),  # mutually exclusive
    ("wait", "--timeout", "nan"),         # a type= check
    ("--reg", "eu-west-1", "status"),     # an abbreviation is not taken
])
def test_usage_errors_start_with_the_prefix(argv, capsys):
    assert main(list(argv)) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith("ops: error: "), err
    assert "python -m ops: error" not in err


def test_own_errors_start_with_the_prefix(capsys, monkeypatch, tmp_path):
    # Our own usage error (an outputs file that is not there), before any AWS call; were one made, it would go to a
    # closed local port with fake credentials, never to AWS.
    from ops.context import Context

    for var, value in (("AWS_ENDPOINT_URL", "http://127.0.0.1:9"), ("AWS_ACCESS_KEY_ID", "testing"),
                       ("AWS_SECRET_ACCESS_KEY", "testing"), ("AWS_CONFIG_FILE", str(tmp_path / "none")),
                       ("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none")), ("AWS_MAX_ATTEMPTS", "1")):
        monkeypatch.setenv(var, value)
    missing = tmp_path / "outputs.json"
    assert main(["status", "--region", "eu-west-1", "--outputs", str(missing)], Context()) == 2
    assert capsys.readouterr().err == f"ops: error: --outputs {missing}: cannot read: No such file or directory\n"


def test_no_error_line_is_written_without_the_prefix():
    """Grep, in the syntax tree: no string in ops/ starts `error:` (the one prefix is ops.errors.ERROR_PREFIX)."""
    offenders = []
    for path in sorted((ROOT / "ops").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.lstrip()
                if text.lower().startswith(("error:", "error ")) and text != ops.errors.ERROR_PREFIX:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:40]!r}")
    assert offenders == []
    assert ops.errors.ERROR_PREFIX == "ops: error: "
