"""The connection comes from the PG* environment only, verify-full or nothing; bad values are one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from blog.settings import SettingsError, from_env

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    return {"PGHOST": "writer.cluster-x.eu-west-1.rds.amazonaws.com",
            "PGHOST_READER": "reader.cluster-ro-x.eu-west-1.rds.amazonaws.com", "PGPORT": "5432",
            "PGDATABASE": "blog", "PGUSER": "blog_app", "PGPASSWORD": "s3cret-value-xyz",
            "PGSSLMODE": "verify-full", "PGSSLROOTCERT": str(ca)}


def test_the_task_environment_gives_both_endpoints_and_verify_full(env):
    s = from_env(env)
    w = s.connection_kwargs(s.writer_host, writable=True)
    r = s.connection_kwargs(s.reader_host, writable=False)
    assert w["host"] == "writer.cluster-x.eu-west-1.rds.amazonaws.com"
    assert r["host"] == "reader.cluster-ro-x.eu-west-1.rds.amazonaws.com"
    assert w["sslmode"] == r["sslmode"] == "verify-full"
    assert w["target_session_attrs"] == "read-write"
    assert r["target_session_attrs"] == "any"
    assert w["gssencmode"] == r["gssencmode"] == "disable"
    assert w["sslrootcert"] == env["PGSSLROOTCERT"]
    assert (s.pool_min_size, s.pool_max_size, s.pool_max_lifetime, s.http_port) == (1, 10, 900.0, 3000)
    assert "s3cret-value-xyz" not in repr(s)


def test_without_a_reader_the_writer_serves_reads(env):
    del env["PGHOST_READER"]
    assert from_env(env).reader_host == "writer.cluster-x.eu-west-1.rds.amazonaws.com"


def test_pools_are_sized_from_settings(env):
    s = from_env(env | {"BLOG_POOL_MIN_SIZE": "2", "BLOG_POOL_MAX_SIZE": "4", "BLOG_POOL_MAX_LIFETIME": "300"})
    assert (s.pool_min_size, s.pool_max_size, s.pool_max_lifetime) == (2, 4, 300.0)


@pytest.mark.parametrize("mode", ["", "disable", "allow", "prefer", "require", "verify-ca", "VERIFY-FULL",
                                  " verify-full", "verify-full ", "verify_full"])
def test_a_weaker_or_misspelled_sslmode_is_refused(env, mode):
    env["PGSSLMODE"] = mode
    with pytest.raises(SettingsError, match=r"PGSSLMODE is .*allowed is only 'verify-full'"):
        from_env(env)


def test_a_missing_sslmode_is_refused(env):
    del env["PGSSLMODE"]
    with pytest.raises(SettingsError, match="PGSSLMODE"):
        from_env(env)


@pytest.mark.parametrize("root", ["", "system", "ca.pem", "/nonexistent/ca.pem"])
def test_the_ca_bundle_must_be_an_existing_absolute_file(env, root):
    env["PGSSLROOTCERT"] = root
    with pytest.raises(SettingsError, match="PGSSLROOTCERT"):
        from_env(env)


@pytest.mark.parametrize(("name", "value"), [
    ("PGDATABASE", "blog sslmode=disable"),
    ("PGDATABASE", "sslmode=disable"),
    ("PGHOST", "postgresql://u:p@evil/blog?sslmode=disable"),
    ("PGUSER", "blog_app' sslmode='disable"),
    ("PGHOST", "host\tsslmode=disable"),
])
def test_a_value_that_smuggles_connection_keywords_is_refused(env, name, value):
    env[name] = value
    with pytest.raises(SettingsError, match=name):
        from_env(env)


@pytest.mark.parametrize(("name", "value"), [
    ("PGHOST", ""), ("PGDATABASE", ""), ("PGUSER", ""),
    ("PGPORT", "abc"), ("PGPORT", "0"), ("PGPORT", "70000"), ("PGPORT", "5432.0"),
    ("BLOG_POOL_MAX_SIZE", "0"), ("BLOG_POOL_MAX_SIZE", "1000"), ("BLOG_POOL_MIN_SIZE", "-1"),
    ("BLOG_POOL_MAX_LIFETIME", "nan"), ("BLOG_POOL_MAX_LIFETIME", "inf"), ("BLOG_POOL_MAX_LIFETIME", "1"),
    ("BLOG_POOL_TIMEOUT", "soon"), ("PORT", "http"),
    ("BLOG_PUBLIC_ORIGIN", "blog.example.com"), ("BLOG_PUBLIC_ORIGIN", "https://blog.example.com/path"),
    ("BLOG_PUBLIC_ORIGIN", "https://u:p@blog.example.com"), ("BLOG_PUBLIC_ORIGIN", "ftp://blog.example.com"),
])
def test_bad_values_name_the_variable_and_what_is_allowed(env, name, value):
    env[name] = value
    with pytest.raises(SettingsError, match=f"{name} is .*allowed|{name} is not set") as caught:
        from_env(env)
    assert "s3cret-value-xyz" not in str(caught.value)


def test_min_above_max_is_refused(env):
    with pytest.raises(SettingsError, match="BLOG_POOL_MIN_SIZE is 5, more than BLOG_POOL_MAX_SIZE 2"):
        from_env(env | {"BLOG_POOL_MIN_SIZE": "5", "BLOG_POOL_MAX_SIZE": "2"})


def test_the_server_refuses_to_start_with_a_weaker_sslmode(env):
    """`python -m blog` exits 2 with one line naming the variable, never a traceback, and never opens a socket."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    proc = subprocess.run([sys.executable, "-m", "blog"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=clean | env | {"PGSSLMODE": "require"})
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("blog: PGSSLMODE is 'require': allowed is only 'verify-full' (the server's "
                                   "certificate is checked against PGSSLROOTCERT and the host name)")
    assert "Traceback" not in proc.stderr and "s3cret-value-xyz" not in proc.stderr
