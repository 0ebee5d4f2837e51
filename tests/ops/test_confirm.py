"""The confirmation prompt: only a person at a terminal can say yes; a "y" arriving through a pipe is refused."""

from __future__ import annotations

import io

import pytest

from ops.confirm import confirm
from ops.errors import Aborted, OpsError

from .conftest import Tty


@pytest.mark.parametrize("answer", ["y\n", "yes\n", "Y\n"])
def test_a_yes_through_a_pipe_is_not_a_confirmation(answer):
    stderr = io.StringIO()
    with pytest.raises(OpsError, match="stdin is not a terminal; pass --yes to proceed"):
        confirm("fail over aurora-prod", assume_yes=False, stdin=io.StringIO(answer), stderr=stderr)
    assert stderr.getvalue() == ""  # no prompt was shown, nothing was read


@pytest.mark.parametrize("answer", ["y\n", "yes\n", " YES \n"])
def test_a_yes_at_a_terminal_confirms(answer):
    stderr = io.StringIO()
    confirm("fail over aurora-prod", assume_yes=False, stdin=Tty(answer), stderr=stderr)
    assert stderr.getvalue() == "fail over aurora-prod\nProceed? [y/N] "


@pytest.mark.parametrize("answer", ["\n", "n\n", "yess\n", "ok\n"])
def test_anything_but_yes_at_a_terminal_aborts(answer):
    with pytest.raises(Aborted) as aborted:
        confirm("fail over aurora-prod", assume_yes=False, stdin=Tty(answer), stderr=io.StringIO())
    assert str(aborted.value) == "aborted at the confirmation prompt: nothing was changed"


def test_a_closed_stdin_is_refused_even_with_a_terminal():
    stdin = Tty("y\n")
    stdin.close()
    with pytest.raises(OpsError):
        confirm("restore", assume_yes=False, stdin=stdin, stderr=io.StringIO())


class InterruptedTty(Tty):
    """A terminal whose user presses Ctrl-C at the prompt."""

    def readline(self, *args):
        raise KeyboardInterrupt


def test_ctrl_c_at_the_prompt_says_nothing_was_started_on_its_own_line():
    from ops.errors import Interrupted

    stderr = io.StringIO()
    with pytest.raises(Interrupted) as interrupted:
        confirm("restore aurora-prod", assume_yes=False, stdin=InterruptedTty(""), stderr=stderr)
    assert str(interrupted.value) == "interrupted at the confirmation prompt; nothing was started"
    # The shell's cursor is left after "[y/N] ": the newline keeps the error off the prompt's line.
    assert stderr.getvalue() == "restore aurora-prod\nProceed? [y/N] \n"
    assert interrupted.value.__cause__ is None and interrupted.value.__suppress_context__


def test_yes_on_the_command_line_asks_nothing_and_reads_nothing():
    stdin, stderr = Tty("n\n"), io.StringIO()
    confirm("fail over aurora-prod", assume_yes=True, stdin=stdin, stderr=stderr)
    assert stderr.getvalue() == "" and stdin.tell() == 0
