"""The blog application on the real, TLS-only PostgreSQL of tests/postgres_server.py (the session's one server and
seeded template, registered in tests/conftest.py)."""

from __future__ import annotations

import pytest

ORIGIN = "http://testserver"


@pytest.fixture
def app_env(cluster, blog_db):
    """What the ECS task's environment holds, pointing at this test's database as blog_app."""
    # Skipped in a virtualenv made without them; under CI=true the skip fails (tests/ci_skips.py).
    for module, package in (("starlette", "starlette"), ("psycopg_pool", "psycopg-pool"), ("httpx", "httpx"),
                            ("uvicorn", "uvicorn"), ("jinja2", "jinja2")):
        pytest.importorskip(module, reason=f"{package} is not installed (requirements.in pins it)")
    return {
        "PGHOST": "localhost", "PGHOST_READER": "localhost", "PGPORT": str(cluster.server.port),
        "PGDATABASE": blog_db, "PGUSER": "blog_app", "PGPASSWORD": cluster.app_password,
        "PGSSLMODE": "verify-full", "PGSSLROOTCERT": str(cluster.server.ca_cert),
        "BLOG_POOL_MIN_SIZE": "1", "BLOG_POOL_MAX_SIZE": "2", "BLOG_POOL_TIMEOUT": "3",
    }


@pytest.fixture
def client(app_env):
    from starlette.testclient import TestClient

    from blog.settings import from_env
    from blog.web import create_app

    with TestClient(create_app(from_env(app_env))) as test_client:
        yield test_client
