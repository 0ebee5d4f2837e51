"""The real server process for tests that need one over TCP (a browser, a load run): `python -m blog` on 127.0.0.1.

The server's stderr goes to a file, not a pipe: a pipe nobody reads fills up (64 KiB) and then blocks the server's
logging, so a long run would freeze for a reason that has nothing to do with what is tested.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path

from tools import load_bench


@contextlib.contextmanager
def running_blog(app_env: Mapping[str, str], log_path: Path, extra: Mapping[str, str] | None = None,
                 ready_seconds: float = 30.0) -> Iterator[str]:
    """Start `python -m blog` on a free port with `app_env` (the PG* of a test database) and `extra`; yield its base
    URL once /readyz answers 200; stop it (SIGTERM, then kill) on the way out. Its log is at `log_path`. The start
    and stop are the load benchmark's (tools/load_bench.py `app`); a server that does not come up fails the test."""
    with contextlib.ExitStack() as stack:
        try:
            base, _pid = stack.enter_context(load_bench.app(dict(app_env) | dict(extra or {}), log_path, ready_seconds))
        except load_bench.BenchError as error:
            raise AssertionError(str(error)) from None
        yield base
