"""The database dashboard of dev and prod written out whole (docs/mutation-testing.md, "Kill rate of the Aurora
components"): CloudWatch draws nothing for a metric whose name, dimension name or dimension value it does not
publish (they are case-sensitive), so a misspelt row is an empty graph on call; titles and layout are what on call
reads."""

from __future__ import annotations

import json

import pytest

from preflight.engine import StackRun


def row(cluster: str, metric: str, role: str, stat: str) -> list:
    return ["AWS/RDS", metric, "DBClusterIdentifier", cluster, "Role", role,
            {"stat": stat, "label": f"{role.lower()} {metric}"}]


def widget(index: int, title: str, metrics: list) -> dict:
    return {"type": "metric", "x": [0, 12][index % 2], "y": [0, 0, 6, 6, 12, 12, 18, 18][index], "width": 12,
            "height": 6, "properties": {"title": title, "metrics": metrics, "region": "us-east-1", "period": 60,
                                        "view": "timeSeries", "stacked": False}}


def prod() -> list:
    c = "aurora-platform-prod"

    def both(metric, stat):
        return [row(c, metric, "WRITER", stat), row(c, metric, "READER", stat)]
    return [widget(0, "CPU utilisation (%)", both("CPUUtilization", "Average")),
            widget(1, "Connections", both("DatabaseConnections", "Sum")),
            widget(2, "Freeable memory (bytes)", both("FreeableMemory", "Minimum")),
            widget(3, "Replica lag, worst reader (ms)",
                   [["AWS/RDS", "AuroraReplicaLagMaximum", "DBClusterIdentifier", c, {"stat": "Maximum"}]]),
            widget(4, "Commit latency (ms)", both("CommitLatency", "Average")),
            widget(5, "Deadlocks (per second)", both("Deadlocks", "Sum")),
            widget(6, "Free local storage (bytes)", both("FreeLocalStorage", "Minimum"))]


def dev() -> list:
    c = "aurora-platform-dev"
    return [widget(0, "CPU utilisation (%)", [row(c, "CPUUtilization", "WRITER", "Average")]),
            widget(1, "Connections", [row(c, "DatabaseConnections", "WRITER", "Sum")]),
            widget(2, "ACU utilisation (%)", [row(c, "ACUUtilization", "WRITER", "Average")]),
            widget(3, "Commit latency (ms)", [row(c, "CommitLatency", "WRITER", "Average")]),
            widget(4, "Deadlocks (per second)", [row(c, "Deadlocks", "WRITER", "Sum")]),
            widget(5, "Free local storage (bytes)", [row(c, "FreeLocalStorage", "WRITER", "Minimum")])]


@pytest.mark.parametrize("stack, expected", [("prod", prod), ("dev", dev)])
def test_the_dashboard_is_exactly_these_panels(request, stack, expected):
    run: StackRun = request.getfixturevalue(stack)
    dashboard = run.one("aws:cloudwatch/dashboard:Dashboard")
    assert dashboard.inputs["dashboardName"] == f"aurora-platform-{stack}-database"
    assert json.loads(dashboard.inputs["dashboardBody"]) == {"widgets": expected()}
