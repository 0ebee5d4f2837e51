"""docs/ops-flags.md is the command line's parser as a page: every flag, its value, its default and its help.

A flag renamed, a default changed or a help text edited without the page fails here, so what a reader looks up is
what the command takes. The renderer itself is checked on a small parser with the cases the real one has."""

from __future__ import annotations

import argparse
import difflib
import os
from pathlib import Path

from ops import reference

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "ops-flags.md"


def test_the_page_is_the_parser_as_it_is():
    written, current = PAGE.read_text(encoding="utf-8"), reference.current()
    diff = "".join(difflib.unified_diff(written.splitlines(True), current.splitlines(True), "docs/ops-flags.md",
                                        "python -m ops.reference"))
    assert written == current, f"the page and the parser differ; after a deliberate change run " \
                               f"`python -m ops.reference > docs/ops-flags.md`:\n{diff}"


def test_a_default_read_from_the_environment_shows_the_variable_not_this_machines_value(monkeypatch):
    monkeypatch.setenv("PGSSLROOTCERT", "/home/someone/rds-ca.pem")
    page = reference.current()
    assert "/home/someone" not in page
    assert "| `--sslrootcert` | `FILE` | `$PGSSLROOTCERT` |" in page
    assert os.environ["PGSSLROOTCERT"] == "/home/someone/rds-ca.pem"  # given back as it was


def test_an_unset_environment_variable_stays_unset_after_the_page_is_written(monkeypatch):
    monkeypatch.delenv("PGSSLROOTCERT", raising=False)
    reference.current()
    assert "PGSSLROOTCERT" not in os.environ


def test_the_page_is_linked_from_the_prose_and_from_the_front_page():
    assert "(ops-flags.md)" in (ROOT / "docs" / "ops.md").read_text(encoding="utf-8")
    assert "(docs/ops-flags.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def _small_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tool")
    parser.add_argument("--region", help="where")
    sub = parser.add_subparsers(dest="command")
    command = sub.add_parser("go", help="do it")
    command.add_argument("--region", help="where")  # a global flag repeated on the command: listed once, globally
    command.add_argument("action", nargs="?", choices=["plan", "apply"], default="plan", help="what")
    command.add_argument("--mode", required=True, metavar="M", help="a | b")
    command.add_argument("--count", type=int, default=3, help="how many")
    command.add_argument("--yes", action="store_true", help="no questions")
    one = command.add_mutually_exclusive_group(required=True)
    one.add_argument("--latest", action="store_true", help="now")
    one.add_argument("--at", metavar="TIME", help="then")
    maybe = command.add_mutually_exclusive_group()
    maybe.add_argument("--first", action="store_true", help="1")
    maybe.add_argument("--second", action="store_true", help="2")
    return parser


def test_each_kind_of_flag_is_written_as_a_reader_needs_it():
    page = reference.render(_small_parser())
    assert "| `--region` | `REGION` |  | where |" in page
    assert "## `go`: do it" in page
    command = page.split("## `go`", 1)[1]
    assert "--region" not in command
    assert "| `action` (positional) | `plan` or `apply` | `plan` | what |" in command
    assert "| `--mode` | `M` | required | a \\| b |" in command  # a pipe in a help text does not split the cell
    assert "| `--count` | `COUNT` | `3` | how many |" in command
    assert "| `--yes` |  |  | no questions |" in command
    assert "Exactly one of `--latest`, `--at`." in command
    assert "At most one of `--first`, `--second`." in command
    assert "`-h`" not in page and "--help" not in page  # argparse's own help is not a flag of ours
