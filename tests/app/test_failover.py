"""Failover on the real server: dropped connections, a read-only writer, a database that is down.

What Aurora does in a failover, reproduced locally: every backend of the old writer is terminated
(pg_terminate_backend), and new sessions can land on an instance that is read-only (ALTER DATABASE ... SET
default_transaction_read_only = on affects new sessions as a demoted writer does every session).
"""

from __future__ import annotations

import time

import psycopg
import pytest

from db.server import free_port

COMMENT = {"name": "Drill", "email": "drill@example.org", "body": "during the drill"}
RECOVERY_SECONDS = 20  # the bound this drill states: a writer back within it is used again


def _terminate_app_backends(cluster, db) -> int:
    with cluster.admin() as conn:
        return conn.execute("""SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                               WHERE datname = %s AND application_name = 'blog'""", (db,)).fetchone()[0]


def _count(cluster, db, body="during the drill") -> int:
    with cluster.admin(db) as conn:
        return conn.execute("SELECT count(*) FROM blog.comments WHERE body = %s", (body,)).fetchone()[0]


def _read_only(cluster, db, on: bool) -> None:
    with cluster.admin() as conn:
        if on:
            conn.execute(f"ALTER DATABASE {db} SET default_transaction_read_only = on")
        else:
            conn.execute(f"ALTER DATABASE {db} RESET default_transaction_read_only")


def test_the_server_refuses_a_plaintext_connection_from_the_app_role(cluster, blog_db):
    with pytest.raises(psycopg.OperationalError, match="no pg_hba.conf entry|SSL off|encryption"):
        psycopg.connect(host="127.0.0.1", port=cluster.server.port, dbname=blog_db, user="blog_app",
                        password=cluster.app_password, sslmode="disable", connect_timeout=5)


def test_reads_survive_terminated_connections(client, cluster, blog_db):
    assert client.get("/api/posts").status_code == 200
    assert _terminate_app_backends(cluster, blog_db) >= 1
    statuses = [client.get(path).status_code for path in ("/api/posts", "/", "/posts/why-tls-everywhere") * 4]
    assert statuses == [200] * 12


def test_a_read_only_writer_fails_the_write_visibly_and_recovers(client, cluster, blog_db):
    assert client.get("/readyz").status_code == 200
    _read_only(cluster, blog_db, True)
    try:
        _terminate_app_backends(cluster, blog_db)
        sent = client.post("/api/posts/why-tls-everywhere/comments", json=COMMENT)
        assert sent.status_code == 503
        assert sent.json()["stored"] is False
        assert "not saved" in sent.json()["error"]
        form = client.post("/posts/why-tls-everywhere/comments", data=COMMENT,
                           headers={"Origin": "http://testserver"}, follow_redirects=False)
        assert form.status_code == 503 and "not saved" in form.text
        assert _count(cluster, blog_db) == 0
        # Reads go on: the reader pool accepts a read-only server.
        assert client.get("/api/posts/why-tls-everywhere").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["reader"] == "ok"
        assert ready.json()["writer"].startswith("unavailable")
    finally:
        _read_only(cluster, blog_db, False)
    started = time.monotonic()
    while True:
        sent = client.post("/api/posts/why-tls-everywhere/comments", json=COMMENT)
        if sent.status_code == 201 or time.monotonic() - started > RECOVERY_SECONDS:
            break
        time.sleep(0.5)
    assert sent.status_code == 201, f"writer not back within {RECOVERY_SECONDS} s: {sent.text}"
    print(f"writer usable again {time.monotonic() - started:.1f} s after the database became writable")
    assert _count(cluster, blog_db) == 1


def test_a_surviving_connection_on_a_read_only_server_is_replaced_and_the_write_stored_once(app_env, cluster, blog_db):
    """SQLSTATE 25006 on a connection the pool already had: nothing was committed, so one retry on a new one."""
    from starlette.testclient import TestClient

    from blog.settings import from_env
    from blog.web import create_app

    app = create_app(from_env(app_env | {"BLOG_POOL_MIN_SIZE": "1", "BLOG_POOL_MAX_SIZE": "1"}))
    with TestClient(app) as c:
        async def demote_the_pooled_connection():
            async with app.state.db.writer.connection() as conn:
                await conn.execute("SET default_transaction_read_only = on")
                return conn.info.backend_pid

        demoted = c.portal.call(demote_the_pooled_connection)
        sent = c.post("/api/posts/why-tls-everywhere/comments", json=COMMENT)
        assert sent.status_code == 201, sent.text

        async def writer_pid():
            async with app.state.db.writer.connection() as conn:
                return conn.info.backend_pid

        assert c.portal.call(writer_pid) != demoted
    assert _count(cluster, blog_db) == 1


def test_a_connection_lost_during_commit_is_reported_unknown_never_done(app_env, cluster, blog_db):
    from starlette.testclient import TestClient

    from blog import store
    from blog.database import WriteOutcomeUnknown
    from blog.settings import from_env
    from blog.web import create_app

    app = create_app(from_env(app_env))
    with TestClient(app) as c:
        async def write_then_lose_the_connection():
            async def work(conn):
                comment_id = await store.add_comment(conn, "why-tls-everywhere", "Drill", "drill@example.org",
                                                     "during the drill")
                with cluster.admin() as admin:
                    admin.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))
                return comment_id

            try:
                await app.state.db.write(work)
            except WriteOutcomeUnknown as exc:
                return str(exc)
            return "reported as done"

        outcome = c.portal.call(write_then_lose_the_connection)
        assert outcome != "reported as done"
        # The next request works on a fresh connection.
        assert c.get("/api/posts").status_code == 200
    # Here the server had not committed it; the app said "unknown", not "stored", and did not retry.
    assert _count(cluster, blog_db) == 0


def test_the_database_down_fails_readiness_not_liveness(app_env):
    from starlette.testclient import TestClient

    from blog.settings import from_env
    from blog.web import create_app

    down = app_env | {"PGPORT": str(free_port()), "BLOG_POOL_TIMEOUT": "1"}
    with TestClient(create_app(from_env(down))) as c:
        assert c.get("/healthz").status_code == 200
        ready = c.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["ready"] is False
        assert ready.json()["reader"].startswith("unavailable") and ready.json()["writer"].startswith("unavailable")
        started = time.monotonic()
        assert c.get("/api/posts").status_code == 503
        # One pool timeout (1 s), not one per retry: a read that found no connection is not retried.
        assert time.monotonic() - started < 2.5
        page = c.get("/")
        assert page.status_code == 503 and page.headers["retry-after"] == "5"
        sent = c.post("/api/posts/why-tls-everywhere/comments", json=COMMENT)
        assert sent.status_code == 503 and sent.json()["stored"] is False
        for response in (ready, page, sent):
            assert app_env["PGPASSWORD"] not in response.text
