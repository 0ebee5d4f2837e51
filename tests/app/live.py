"""The real server process for tests that need one over TCP (a browser, a load run): `python -m blog` on 127.0.0.1.

The server's stderr goes to a file, not a pipe: a pipe nobody reads fills up (64 KiB) and then blocks the server's
logging, so a long run would freeze for a reason that has nothing to do with what is tested.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx

from db.server import free_port

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def running_blog(app_env: Mapping[str, str], log_path: Path, extra: Mapping[str, str] | None = None,
                 ready_seconds: float = 30.0) -> Iterator[str]:
    """Start `python -m blog` on a free port with `app_env` (the PG* of a test database); yield its base URL once
    /readyz answers 200; stop it (SIGTERM, then kill) on the way out. Its log is at `log_path`."""
    port = free_port()
    # The caller's PG* variables would reach libpq too: only the test database's are passed.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")} | dict(app_env) | {"PORT": str(port)}
    env |= dict(extra or {})
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "blog"], cwd=ROOT, env=env, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + ready_seconds
            while True:
                if proc.poll() is not None:
                    raise AssertionError(f"the server exited with status {proc.returncode}; log: {log_path}")
                try:
                    if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"the server was not ready within {ready_seconds:g} s; log: {log_path}")
                time.sleep(0.2)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
