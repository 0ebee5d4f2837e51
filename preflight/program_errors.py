"""What a failed program run says, and a clean exit after a successful one.

A program error reaches the engine wrapped: an exception inside an `apply` surfaces from the SDK's machinery, often
re-raised with another message (`Program run failed`, a gRPC error). The reader needs the first exception of the
chain and the program's own line, in one line.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import logging
import re
import traceback
from pathlib import Path

# Code that is not the program's own, even when it sits inside the program's directory (a virtualenv there).
_NOT_THE_PROGRAM = ("/site-packages/", "/dist-packages/", "/.venv/", "/venv/")


def root_cause(error: BaseException) -> BaseException:
    """The first exception of the chain: follow `raise ... from` and implicit context to the end (cycle-safe)."""
    seen = {id(error)}
    while True:
        inner = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
        if inner is None or id(inner) in seen:
            return error
        seen.add(id(inner))
        error = inner


def program_frame(error: BaseException, program_dir: Path) -> traceback.FrameSummary | None:
    """The innermost frame in the program's own files, looking at the root cause first, then outwards."""
    chain = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    base = str(program_dir.resolve())
    for exception in reversed(chain):
        frames = [f for f in traceback.extract_tb(exception.__traceback__)
                  if f.filename.startswith(base + "/") and not any(p in f.filename for p in _NOT_THE_PROGRAM)]
        if frames:
            return frames[-1]
    return None


def describe(error: BaseException, main: Path) -> str:
    """`Type: message (at file.py:line)` for the root cause; a wrapper's different message is kept after it."""
    cause = root_cause(error)
    kind = "" if type(cause) is Exception else f"{_type_name(cause)}: "
    text = str(cause).strip() or "(no message)"
    frame = program_frame(error, main.parent)
    where = f" (at {Path(frame.filename).relative_to(main.parent.resolve())}:{frame.lineno})" if frame else ""
    message = f"{kind}{text}{where}"
    if cause is not error and str(error).strip() and str(error).strip() != text:
        message += f"; reported as {_type_name(error)}: {str(error).strip().splitlines()[0]}"
    # The SDK's wrappers quote values by repr (`<pulumi.output.Output object at 0x7f...>`): an address differs on
    # every run and says nothing.
    return re.sub(r" object at 0x[0-9a-fA-F]+>", " object>", message)


def _type_name(error: BaseException) -> str:
    """The class name (`KeyError`, `SettingsError`), with its module when the name alone says nothing (`Error`
    from binascii, the base64 decoder's error)."""
    kind = type(error)
    return f"{kind.__module__}.{kind.__qualname__}" if kind.__qualname__ == "Error" else kind.__qualname__


_registered = False


def close_event_loops_at_exit() -> None:
    """The SDK gives every thread that talks to the (mock) monitor its own event loop and never closes it; at
    interpreter exit their sockets are gone before the loops, and each loop's __del__ prints "Exception ignored in:
    BaseEventLoop.__del__ ... Invalid file descriptor: -1". Closing idle loops at exit, while their sockets still
    exist, leaves nothing for __del__ to do. Registered once per process."""
    global _registered
    if _registered:
        return
    _registered = True
    atexit.register(_close_idle_loops)


def _close_idle_loops() -> None:
    # Futures of a failed program that nobody awaited print "Future exception was never retrieved" through the
    # asyncio logger when collected at exit; the gate has already reported the failure in one line.
    logging.getLogger("asyncio").disabled = True
    for obj in gc.get_objects():
        if isinstance(obj, asyncio.AbstractEventLoop) and not obj.is_running() and not obj.is_closed():
            # A failed program leaves the SDK's outputs waiting forever; asyncio would print "Task was destroyed
            # but it is pending!" for each when they are collected. The failure was already reported.
            for task in asyncio.all_tasks(obj):
                task._log_destroy_pending = False
            obj.close()
