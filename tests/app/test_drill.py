"""A failover drill against the real server process: `python -m blog` on 127.0.0.1, a bounded loop of reads and
writes, and in the middle the writer goes read-only with every backend terminated, then comes back.

Stated bound: after the database is writable again, the first acknowledged write comes within RECOVERY_SECONDS and
every read after it succeeds. No acknowledged write may be missing; errors during the gap are counted, not hidden.
"""

from __future__ import annotations

import threading
import time

import pytest

httpx = pytest.importorskip("httpx", reason="httpx is not installed (requirements.in pins it)")

from tests.app.live import running_blog  # noqa: E402

RECOVERY_SECONDS = 5.0
RUN_SECONDS = 12.0


def _admin(cluster, sql: str, params=()) -> None:
    with cluster.admin() as conn:
        conn.execute(sql, params)


def test_failover_drill_loses_no_acknowledged_write(app_env, cluster, blog_db, tmp_path):
    # The server's log goes to a file (tests/app/live.py): on a failure it says which pool waited for what.
    log = tmp_path / "server.log"
    events: list[tuple[float, str, int, str]] = []
    with running_blog(app_env, log, {"BLOG_POOL_TIMEOUT": "1", "BLOG_POOL_MAX_SIZE": "4"}) as base:
        start = time.monotonic()

        def loop():
            i = 0
            with httpx.Client(base_url=base, timeout=10) as http:
                while time.monotonic() - start < RUN_SECONDS:
                    i += 1
                    body = f"drill-{i}"
                    try:
                        status = http.get("/api/posts").status_code
                    except httpx.TransportError:
                        status = -1
                    events.append((time.monotonic() - start, "read", status, ""))
                    try:
                        status = http.post("/api/posts/why-tls-everywhere/comments",
                                           json={"name": "Drill", "email": "drill@example.org", "body": body}
                                           ).status_code
                    except httpx.TransportError:
                        status = -1
                    events.append((time.monotonic() - start, "write", status, body))
                    time.sleep(0.05)

        worker = threading.Thread(target=loop)
        worker.start()
        time.sleep(2.0)
        _admin(cluster, f"ALTER DATABASE {blog_db} SET default_transaction_read_only = on")
        _admin(cluster, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                        "AND application_name = 'blog'", (blog_db,))
        time.sleep(3.0)
        _admin(cluster, f"ALTER DATABASE {blog_db} RESET default_transaction_read_only")
        # The "new writer": the old sessions (read-only ones included) are gone too.
        _admin(cluster, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                        "AND application_name = 'blog'", (blog_db,))
        back = time.monotonic() - start
        worker.join(timeout=RUN_SECONDS + 30)

    with cluster.admin(blog_db) as conn:
        stored = {r[0] for r in conn.execute("SELECT body FROM blog.comments WHERE body LIKE 'drill-%%'")}
    acknowledged = {body for _, kind, status, body in events if kind == "write" and status == 201}
    refused = [e for e in events if e[1] == "write" and e[2] != 201]
    failed_reads = [e for e in events if e[1] == "read" and e[2] != 200]
    assert acknowledged, "no write was acknowledged at all"
    assert acknowledged <= stored, f"acknowledged but not stored: {sorted(acknowledged - stored)}"
    # A write answered 503 "not stored" is not there either (none was ambiguous here: no kill during COMMIT).
    assert not ({e[3] for e in refused if e[2] == 503} & stored)
    first_after = min(t for t, kind, status, _ in events if kind == "write" and status == 201 and t > back)
    assert first_after - back <= RECOVERY_SECONDS, f"writer unused {first_after - back:.2f} s; server log: {log}"
    assert all(status == 200 for t, kind, status, _ in events if kind == "read" and t > first_after), (
        back, first_after, failed_reads, f"server log: {log}")
    print(f"drill: {len(events)} requests, {len(acknowledged)} writes acknowledged and stored, "
          f"{len(refused)} writes refused during the gap, {len(failed_reads)} failed reads, "
          f"writer usable {first_after - back:.2f} s after it was back")


def test_a_read_after_every_pooled_connection_was_dropped_is_served(app_env, cluster, blog_db):
    """A failover drops every pooled connection at once. The pool's check finds the first dead one, and without more
    the next dead one too, then waits out a back-off (1 s) before the third: with a 1 s pool timeout the read was
    answered 503 with the server up. The reads after the writer was back in the drill above failed this way."""
    from starlette.testclient import TestClient

    from blog.settings import from_env
    from blog.web import create_app

    app = create_app(from_env(app_env | {"BLOG_POOL_MIN_SIZE": "4", "BLOG_POOL_MAX_SIZE": "4",
                                         "BLOG_POOL_TIMEOUT": "1"}))
    with TestClient(app) as c:
        async def idle_reader_connections():
            return app.state.db.reader.get_stats().get("pool_available", 0)

        deadline = time.monotonic() + 10
        while c.portal.call(idle_reader_connections) < 4:
            assert time.monotonic() < deadline, "the reader pool did not open its 4 connections"
            time.sleep(0.1)
        _admin(cluster, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                        "AND application_name = 'blog'", (blog_db,))
        started = time.monotonic()
        statuses = [c.get("/api/posts").status_code for _ in range(4)]
        elapsed = time.monotonic() - started
    assert statuses == [200] * 4
    print(f"4 reads after every connection was dropped: {elapsed:.2f} s")


def test_a_writer_back_in_the_middle_of_the_pools_reconnect_back_off_is_used_within_the_bound(app_env, cluster,
                                                                                              blog_db):
    """While there is no writable writer, the pool retries in the background with a growing back-off (1 s, 2 s,
    4 s, ...) and starts no other attempt until that series gives up. A writer back just after the 2 s step was left
    unused until the 4 s step: 3.7 s in the drill, against its 5 s bound. The series now gives up after 2 s, so the
    next request starts a new one at once."""
    from starlette.testclient import TestClient

    from blog.settings import from_env
    from blog.web import create_app

    comment = {"name": "Drill", "email": "drill@example.org", "body": "after the back-off"}
    app = create_app(from_env(app_env | {"BLOG_POOL_MIN_SIZE": "1", "BLOG_POOL_MAX_SIZE": "4",
                                         "BLOG_POOL_TIMEOUT": "1"}))
    with TestClient(app) as c:
        assert c.get("/readyz").status_code == 200
        _admin(cluster, f"ALTER DATABASE {blog_db} SET default_transaction_read_only = on")
        try:
            _admin(cluster, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                            "AND application_name = 'blog'", (blog_db,))
            failed_at = time.monotonic()
            sent = c.post("/api/posts/why-tls-everywhere/comments", json=comment)
            assert sent.status_code == 503 and sent.json()["stored"] is False
            # Past the 1 s and 2 s steps (with their 10 % jitter), inside the 4 s one.
            time.sleep(max(0.0, failed_at + 4.0 - time.monotonic()))
        finally:
            _admin(cluster, f"ALTER DATABASE {blog_db} RESET default_transaction_read_only")
        back = time.monotonic()
        while (sent := c.post("/api/posts/why-tls-everywhere/comments", json=comment)).status_code != 201:
            assert time.monotonic() - back < RECOVERY_SECONDS, sent.text
        recovered = time.monotonic() - back
    print(f"writer used {recovered:.2f} s after it was back")
    assert recovered <= 2.0
