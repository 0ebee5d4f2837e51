"""SIGTERM (an ECS deployment or scale-in): the request in flight is answered, then the process exits cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from db.server import free_port

httpx = pytest.importorskip("httpx", reason="httpx is not installed (requirements.in pins it)")

ROOT = Path(__file__).resolve().parents[2]


def _wait_healthy(base: str, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "exited"
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not answer /healthz")


def test_sigterm_drains_the_request_in_flight_and_closes(app_env, cluster, blog_db):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")} | app_env | {
        "PORT": str(port), "BLOG_SHUTDOWN_TIMEOUT": "15", "BLOG_POOL_TIMEOUT": "10"}
    proc = subprocess.Popen([sys.executable, "-m", "blog"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc)
        assert httpx.get(base + "/api/posts", timeout=10).status_code == 200
        result: dict[str, object] = {}
        with cluster.admin(blog_db) as admin:
            # Hold the comments table so the next read waits inside the app: a request in flight.
            admin.autocommit = False
            admin.execute("LOCK TABLE blog.comments IN ACCESS EXCLUSIVE MODE")

            def slow_read():
                try:
                    result["status"] = httpx.get(base + "/api/posts/why-tls-everywhere", timeout=30).status_code
                except Exception as exc:  # reported by the assertion below
                    result["status"] = repr(exc)

            reader = threading.Thread(target=slow_read)
            reader.start()
            time.sleep(1.0)
            proc.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            # New connections are no longer accepted while the old request is still waiting.
            refused = False
            try:
                httpx.get(base + "/healthz", timeout=2)
            except httpx.TransportError:
                refused = True
            admin.rollback()  # release the lock: the waiting read completes
        reader.join(timeout=30)
        assert result.get("status") == 200
        assert refused
        # uvicorn re-raises the signal once it has shut down gracefully, so the status is "terminated by SIGTERM"
        # (143 in ECS), as for any process that honours it; the log below proves the clean path was taken.
        assert proc.wait(timeout=20) in (0, -signal.SIGTERM)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = proc.stderr.read()
    assert "Waiting for application shutdown" in log and "Application shutdown complete" in log
    assert app_env["PGPASSWORD"] not in log
