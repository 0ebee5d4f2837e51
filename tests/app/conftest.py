"""The blog application on the real, TLS-only PostgreSQL of tests/db (the same session server and seeded template)."""

from __future__ import annotations

import pytest

pytest.importorskip("starlette", reason="starlette is not installed (requirements.in pins it)")
pytest.importorskip("psycopg_pool", reason="psycopg-pool is not installed (requirements.in pins it)")
pytest.importorskip("httpx", reason="httpx is not installed (requirements.in pins it)")

from tests.db.conftest import blog_db, cluster  # noqa: E402,F401  (the fixtures, reused)

ORIGIN = "http://testserver"


@pytest.fixture
def app_env(cluster, blog_db):  # noqa: F811
    """What the ECS task's environment holds, pointing at this test's database as blog_app."""
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
