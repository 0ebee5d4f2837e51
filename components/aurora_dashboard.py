"""One CloudWatch dashboard per stack for the database, because people on call would rather look than read: writer
and reader CPU, connections, capacity (ACUs on Serverless v2, freeable memory otherwise), replica lag, commit latency,
deadlocks, free local storage, and the proxy's client connections when there is a proxy."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from .settings.database import DatabaseSettings

PERIOD = 60


def dashboard_body(cluster_identifier: str, region: str, settings: DatabaseSettings,
                   proxy_name: str | None) -> dict:
    roles = ["WRITER"] + (["READER"] if settings.readers or settings.reader_auto_scaling.enabled else [])

    def per_role(metric: str, stat: str = "Average") -> list[list]:
        return [["AWS/RDS", metric, "DBClusterIdentifier", cluster_identifier, "Role", role,
                 {"stat": stat, "label": f"{role.lower()} {metric}"}] for role in roles]

    def cluster_metric(metric: str, stat: str = "Maximum") -> list[list]:
        return [["AWS/RDS", metric, "DBClusterIdentifier", cluster_identifier, {"stat": stat}]]

    capacity = ("ACUUtilization", "Average") if settings.serverless_v2 else ("FreeableMemory", "Minimum")
    panels: list[tuple[str, list[list]]] = [
        ("CPU utilisation (%)", per_role("CPUUtilization")),
        ("Connections", per_role("DatabaseConnections", "Sum")),
        ("ACU utilisation (%)" if settings.serverless_v2 else "Freeable memory (bytes)", per_role(*capacity)),
        ("Commit latency (ms)", per_role("CommitLatency")),
        ("Deadlocks (per second)", per_role("Deadlocks", "Sum")),
        ("Free local storage (bytes)", per_role("FreeLocalStorage", "Minimum")),
    ]
    if len(roles) > 1:
        panels.insert(3, ("Replica lag, worst reader (ms)", cluster_metric("AuroraReplicaLagMaximum")))
    if proxy_name:
        panels.append(("Proxy client connections", [["AWS/RDS", "ClientConnections", "ProxyName", proxy_name,
                                                     {"stat": "Sum"}]]))
    widgets = [{"type": "metric", "x": (i % 2) * 12, "y": (i // 2) * 6, "width": 12, "height": 6,
                "properties": {"title": title, "metrics": metrics, "region": region, "period": PERIOD,
                               "view": "timeSeries", "stacked": False}}
               for i, (title, metrics) in enumerate(panels)]
    return {"widgets": widgets}


def console_url(region: str, name: str) -> str:
    return f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#dashboards/dashboard/{name}"


def database_dashboard(name: str, cluster_identifier: str, settings: DatabaseSettings, region: pulumi.Output[str],
                       proxy_name: str | None, parent: pulumi.Resource) -> tuple[aws.cloudwatch.Dashboard,
                                                                                 pulumi.Output[str]]:
    dashboard_name = f"{cluster_identifier}-database"
    dashboard = aws.cloudwatch.Dashboard(
        f"{name}-dashboard", dashboard_name=dashboard_name,
        dashboard_body=region.apply(lambda r: json.dumps(dashboard_body(cluster_identifier, r, settings,
                                                                        proxy_name))),
        opts=pulumi.ResourceOptions(parent=parent))
    url = pulumi.Output.all(region, dashboard.dashboard_name).apply(lambda v: console_url(*v))
    return dashboard, url
