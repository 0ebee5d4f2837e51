"""Every flag of `python -m ops`, as one Markdown page read from the parser itself.

docs/ops-flags.md is this page. It is written from the parser and not by hand so that it cannot drift from the
command line: tests/ops/test_ops_flags_reference.py fails when the two differ, and

    python -m ops.reference > docs/ops-flags.md

writes it again after a deliberate change. The prose (what each command changes, the runbooks) is docs/ops.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from ops.cli import build_parser

# Environment variables the parser reads its defaults from: while the page is written each holds its own name, so
# the page shows `$PGSSLROOTCERT` where the flag reads it, never this machine's value.
_ENVIRONMENT_DEFAULTS = ("PGSSLROOTCERT",)

_HEADER = """\
# `python -m ops`: every flag

Written by `python -m ops.reference` from the command line's parser (a test fails when this page and the parser
differ). What each command changes, its checks and the runbooks: [ops.md](ops.md).
"""


@contextmanager
def _environment_defaults_by_name() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in _ENVIRONMENT_DEFAULTS}
    os.environ.update({name: f"${name}" for name in _ENVIRONMENT_DEFAULTS})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _flag(action: argparse.Action) -> str:
    if not action.option_strings:
        return f"`{action.dest}` (positional)"
    return ", ".join(f"`{flag}`" for flag in action.option_strings)


def _value(action: argparse.Action) -> str:
    if action.nargs == 0:  # store_true and its kind take no value
        return ""
    if action.metavar is not None:
        return f"`{action.metavar}`"
    if action.choices is not None:
        return " or ".join(f"`{choice}`" for choice in action.choices)
    return f"`{action.dest.upper()}`"


def _default(action: argparse.Action) -> str:
    if action.required:
        return "required"
    if action.default in (None, False, argparse.SUPPRESS):
        return ""
    return f"`{action.default}`"


def _table(actions: list[argparse.Action]) -> list[str]:
    lines = ["| flag | value | default | what it does |", "| --- | --- | --- | --- |"]
    for action in actions:
        lines.append(f"| {_flag(action)} | {_value(action)} | {_default(action)} | {_cell(action.help or '')} |")
    return lines


def _groups(parser: argparse.ArgumentParser) -> list[str]:
    lines = []
    for group in parser._mutually_exclusive_groups:
        flags = ", ".join(f"`{a.option_strings[0]}`" for a in group._group_actions)
        lines.append(f"{'Exactly' if group.required else 'At most'} one of {flags}.")
    return lines


def _own_actions(parser: argparse.ArgumentParser, global_dests: set[str]) -> list[argparse.Action]:
    return [a for a in parser._actions
            if not isinstance(a, argparse._HelpAction) and a.dest not in global_dests]


def render(parser: argparse.ArgumentParser) -> str:
    """The page for this parser: its global options once, then each command's own flags."""
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    global_actions = [a for a in parser._actions
                      if a is not subparsers and not isinstance(a, (argparse._HelpAction, argparse._VersionAction))]
    global_dests = {a.dest for a in global_actions}
    helps = {choice.dest: choice.help for choice in subparsers._choices_actions}
    out = [_HEADER, "## Global options", "",
           "Before or after the command; given after it, they win.", "", *_table(global_actions)]
    for name, command in subparsers.choices.items():
        out += ["", f"## `{name}`: {helps[name]}", "", *_table(_own_actions(command, global_dests))]
        groups = _groups(command)
        if groups:
            out += ["", *groups]
    return "\n".join(out) + "\n"


def current() -> str:
    """The page for the command line as it is now, the same on every machine."""
    with _environment_defaults_by_name():
        return render(build_parser())


def main() -> int:
    sys.stdout.write(current())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
