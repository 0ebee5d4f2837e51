"""The database dashboard: what on-call sees for dev (Serverless v2, no reader) and prod (provisioned, readers), and
the console URL the stack exports."""

from __future__ import annotations

import json

from preflight.engine import read_stack_config
from tests.conftest import REPO_ROOT

DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
KEY = "aurora-platform:database"


def panels(run) -> dict[str, list]:
    body = json.loads(run.one(DASHBOARD).inputs["dashboardBody"])
    return {w["properties"]["title"]: w["properties"]["metrics"] for w in body["widgets"]}


def test_prod_watches_writer_and_readers_with_memory_and_lag(prod):
    found = panels(prod)
    assert sorted(found) == sorted([
        "CPU utilisation (%)", "Connections", "Freeable memory (bytes)", "Replica lag, worst reader (ms)",
        "Commit latency (ms)", "Deadlocks (per second)", "Free local storage (bytes)"])
    assert [m[:6] for m in found["CPU utilisation (%)"]] == [
        ["AWS/RDS", "CPUUtilization", "DBClusterIdentifier", "aurora-platform-prod", "Role", "WRITER"],
        ["AWS/RDS", "CPUUtilization", "DBClusterIdentifier", "aurora-platform-prod", "Role", "READER"]]
    assert found["Replica lag, worst reader (ms)"][0][:4] == ["AWS/RDS", "AuroraReplicaLagMaximum",
                                                              "DBClusterIdentifier", "aurora-platform-prod"]


def test_dev_watches_acus_and_has_no_reader_panels(dev):
    found = panels(dev)
    assert "ACU utilisation (%)" in found and "Freeable memory (bytes)" not in found
    assert "Replica lag, worst reader (ms)" not in found
    assert all(m[5] == "WRITER" for m in found["CPU utilisation (%)"])


def test_the_stack_exports_the_console_url(dev, prod):
    assert dev.exports["databaseDashboardUrl"] == (
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/"
        "aurora-platform-dev-database")
    assert prod.exports["databaseDashboardUrl"].endswith("#dashboards/dashboard/aurora-platform-prod-database")


def test_a_proxy_adds_its_client_connections(evaluate):
    database = {**dict(read_stack_config(REPO_ROOT, {"name": "aurora-platform"}, "prod")[KEY]),
                "proxy": {"enabled": True}}
    run = evaluate("prod", {KEY: database, "aurora-platform:app": None})
    assert panels(run)["Proxy client connections"][0][:4] == ["AWS/RDS", "ClientConnections", "ProxyName",
                                                              "aurora-platform-prod-proxy"]
