"""The local server enforces what rds.force_ssl=1 enforces, and every client verifies the server."""

from __future__ import annotations

import re

import pytest

from db.connect import connect
from db.errors import DbError

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (requirements.in pins it)")


def _raw(cluster, **overrides):
    args = {"host": "localhost", "hostaddr": "127.0.0.1", "port": cluster.server.port, "dbname": "postgres",
            "user": "postgres", "password": cluster.superuser_password, "connect_timeout": 5}
    args |= overrides
    return psycopg.connect(**args)


def test_plaintext_connection_is_refused(cluster):
    with pytest.raises(psycopg.OperationalError, match="no pg_hba.conf entry .* no encryption"):
        _raw(cluster, sslmode="disable")


def test_unix_socket_is_refused(cluster):
    with pytest.raises(psycopg.OperationalError):
        _raw(cluster, host=str(cluster.server.data), hostaddr=None, sslmode="disable")


def test_tls_connection_is_encrypted_and_verified(cluster):
    with connect(cluster.endpoint(), cluster.superuser_password) as conn:
        ssl, version = conn.execute(
            "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
    assert ssl is True
    assert version in ("TLSv1.2", "TLSv1.3")


def test_wrong_host_name_fails_verify_full(cluster):
    # The certificate names `localhost` only: dialling by address is what a client pointed at the wrong name does.
    endpoint = cluster.endpoint().with_(host="127.0.0.1", hostaddr=None)
    with pytest.raises(DbError) as caught:
        connect(endpoint, cluster.superuser_password)
    message = str(caught.value)
    assert message.startswith("TLS verification failed for 127.0.0.1:")
    assert "sslmode=verify-full" in message
    assert re.search(r'server certificate for "localhost".* does not match host name "127\.0\.0\.1"', message)


def test_untrusted_ca_fails_verify_full(cluster, tmp_path):
    from db import tls

    other = tls.generate(tmp_path / "other")
    with pytest.raises(DbError, match="TLS verification failed .*certificate verify failed"):
        connect(cluster.endpoint().with_(sslrootcert=other.ca_cert), cluster.superuser_password)


def test_wrong_password_says_so(cluster):
    with pytest.raises(DbError) as caught:
        connect(cluster.endpoint(), "not-the-password")
    message = str(caught.value)
    assert message.startswith("wrong password for user postgres at localhost:")
    assert "not-the-password" not in message


def test_unreachable_server_names_host_port_and_sslmode(cluster):
    from db.server import free_port

    port = free_port()
    with pytest.raises(DbError) as caught:
        connect(cluster.endpoint().with_(port=port, connect_timeout=3), cluster.superuser_password)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"cannot connect to localhost:{port} via 127.0.0.1 (database postgres, user postgres, "
                              "sslmode=verify-full): ")
    assert "Connection refused" in message


def test_missing_ca_bundle_is_one_clear_error(cluster, tmp_path):
    with pytest.raises(DbError, match="sslrootcert .*missing.pem' is not a file"):
        connect(cluster.endpoint().with_(sslrootcert=tmp_path / "missing.pem"), cluster.superuser_password)
