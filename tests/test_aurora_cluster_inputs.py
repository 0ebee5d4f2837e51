"""Every input the real stacks send for the Aurora cluster and its instances, written out (docs/mutation-testing.md,
"Kill rate of the Aurora components"). Mutation testing found inputs of `AuroraCluster._cluster_args` and
`_instances` that a change could drop, null or flip without a test noticing; here each one is the value the stack
file asks for (Pulumi.prod.yaml, Pulumi.dev.yaml) or the project's fixed choice (encrypted, IAM authentication,
private, tags copied to snapshots), and an input that appears or disappears fails too.

Values that are other resources' outputs (the key, the groups, the subnet group) are checked by which resource they
come from, not by the mock's generated id.
"""

from __future__ import annotations

import pytest

from components.aurora import cluster_identifier, instance_identifier, instance_zones
from preflight.engine import StackRun

CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
# Inputs that are other resources' outputs: the resource (by name) each comes from.
FROM = {"dbClusterParameterGroupName": ["database-cluster"], "dbInstanceParameterGroupName": ["database-instance"],
        "dbSubnetGroupName": ["network-db"], "finalSnapshotIdentifier": ["database-final-snapshot-suffix"],
        "kmsKeyId": ["database-key"], "masterPasswordWo": ["database-master-password"],
        "vpcSecurityGroupIds": ["database-cluster"]}

PROD = {
    "clusterIdentifier": "aurora-platform-prod", "engine": "aurora-postgresql", "engineVersion": "16.6", "port": 5432,
    "allowMajorVersionUpgrade": False, "storageEncrypted": True, "iamDatabaseAuthenticationEnabled": True,
    "backupRetentionPeriod": 14, "preferredBackupWindow": "03:00-04:00",
    "preferredMaintenanceWindow": "sun:05:00-sun:06:00", "copyTagsToSnapshot": True, "skipFinalSnapshot": False,
    "deletionProtection": True, "enabledCloudwatchLogsExports": ["postgresql"], "applyImmediately": False,
    "masterPasswordWoVersion": 1, "masterUsername": "blog_admin", "databaseName": "blog",
    "tags": {"Environment": "production", "ManagedBy": "pulumi", "Name": "aurora-platform-prod",
             "Project": "aurora-platform", "Stack": "prod"},
}
DEV = {
    **PROD, "clusterIdentifier": "aurora-platform-dev", "allowMajorVersionUpgrade": True, "backupRetentionPeriod": 7,
    "deletionProtection": False, "applyImmediately": True,
    "serverlessv2ScalingConfiguration": {"minCapacity": 0, "maxCapacity": 4, "secondsUntilAutoPause": 1800},
    "tags": {"Environment": "development", "ManagedBy": "pulumi", "Name": "aurora-platform-dev",
             "Project": "aurora-platform", "Stack": "dev"},
}


def by_name(run: StackRun, urns: list[str]) -> list[str]:
    return [run.by_urn(urn).name for urn in urns]


@pytest.mark.parametrize("stack, expected", [("prod", PROD), ("dev", DEV)])
def test_the_cluster_gets_exactly_the_inputs_the_stack_asks_for(request, stack, expected):
    run: StackRun = request.getfixturevalue(stack)
    cluster = run.one(CLUSTER)
    plain = {k: v for k, v in cluster.inputs.items() if k not in FROM}
    assert plain == expected
    assert set(cluster.inputs) - set(plain) == set(FROM)
    assert {k: by_name(run, cluster.property_dependencies[k]) for k in FROM} == FROM
    key = run.named("database-key")
    assert [k for k in run.of_type("aws:kms/key:Key") if k.parent == key.urn][0].outputs["arn"] == \
        cluster.inputs["kmsKeyId"]


def test_production_instances_get_exactly_the_inputs_the_stack_asks_for(prod):
    instances = sorted(prod.of_type(INSTANCE), key=lambda i: i.name)
    assert [i.name for i in instances] == ["database-1", "database-2", "database-3"]
    cluster = prod.one(CLUSTER)
    key_arn = cluster.inputs["kmsKeyId"]
    for index, (instance, zone, role) in enumerate(zip(instances, ["us-east-1a", "us-east-1b", "us-east-1c"],
                                                       ["writer", "reader-1", "reader-2"], strict=True)):
        inputs = dict(instance.inputs)
        assert by_name(prod, instance.property_dependencies["monitoringRoleArn"]) == ["database-monitoring"]
        assert by_name(prod, instance.property_dependencies["dbParameterGroupName"]) == ["database-instance"]
        assert by_name(prod, instance.property_dependencies["clusterIdentifier"]) == ["database"]
        assert inputs.pop("dbParameterGroupName") == cluster.inputs["dbInstanceParameterGroupName"]
        assert inputs.pop("monitoringRoleArn").startswith("arn:aws:iam::123456789012:role/database-monitoring-")
        assert inputs == {
            "identifier": f"aurora-platform-prod-{index + 1}", "clusterIdentifier": "aurora-platform-prod",
            "engine": "aurora-postgresql", "engineVersion": "16.6", "instanceClass": "db.r6g.large",
            "availabilityZone": zone, "promotionTier": index, "publiclyAccessible": False,
            "autoMinorVersionUpgrade": True, "caCertIdentifier": "rds-ca-rsa2048-g1", "monitoringInterval": 15,
            "copyTagsToSnapshot": True, "applyImmediately": False, "performanceInsightsEnabled": True,
            "performanceInsightsKmsKeyId": key_arn, "performanceInsightsRetentionPeriod": 31,
            "tags": {"Environment": "production", "ManagedBy": "pulumi", "Name": f"aurora-platform-prod-{index + 1}",
                     "Project": "aurora-platform", "Role": role, "Stack": "prod"}}


# ---- alarms: a dimension name or value CloudWatch does not publish makes an alarm that never fires ----------------
def alarm(metric: str, statistic: str, comparison: str, threshold: int, description: str, cluster: str,
          role: str | None) -> dict:
    return {"namespace": "AWS/RDS", "metricName": metric, "statistic": statistic, "comparisonOperator": comparison,
            "threshold": threshold, "period": 300, "evaluationPeriods": 3, "datapointsToAlarm": 3,
            "treatMissingData": "notBreaching",
            "dimensions": {"DBClusterIdentifier": cluster, **({"Role": role} if role else {})},
            "alarmDescription": f"database: {description}"}


def prod_alarms() -> dict[str, dict]:
    found = {}
    for role in ("WRITER", "READER"):
        who = role.lower()
        found[f"database-{who}-cpu"] = alarm("CPUUtilization", "Average", "GreaterThanThreshold", 80,
                                             f"{who}: CPU above 80% for 15 minutes", "aurora-platform-prod", role)
        found[f"database-{who}-connections"] = alarm("DatabaseConnections", "Maximum", "GreaterThanThreshold", 400,
                                                     f"{who}: more than 400 client connections",
                                                     "aurora-platform-prod", role)
        found[f"database-{who}-memory"] = alarm("FreeableMemory", "Minimum", "LessThanThreshold", 256 * 1024 * 1024,
                                                f"{who}: less than 256 MiB free memory", "aurora-platform-prod", role)
    found["database-replica-lag"] = alarm("AuroraReplicaLagMaximum", "Maximum", "GreaterThanThreshold", 2000,
                                          "a reader more than 2000 ms behind the writer", "aurora-platform-prod", None)
    return found


def dev_alarms() -> dict[str, dict]:
    return {
        "database-writer-cpu": alarm("CPUUtilization", "Average", "GreaterThanThreshold", 80,
                                     "writer: CPU above 80% for 15 minutes", "aurora-platform-dev", "WRITER"),
        "database-writer-connections": alarm("DatabaseConnections", "Maximum", "GreaterThanThreshold", 400,
                                             "writer: more than 400 client connections", "aurora-platform-dev",
                                             "WRITER"),
        "database-writer-capacity": alarm("ACUUtilization", "Average", "GreaterThanThreshold", 90,
                                          "writer: Serverless v2 capacity above 90% of maxCapacity: raise "
                                          "serverless.maxCapacity", "aurora-platform-dev", "WRITER"),
    }


@pytest.mark.parametrize("stack, expected", [("prod", prod_alarms), ("dev", dev_alarms)])
def test_each_alarm_watches_a_metric_rds_publishes_and_notifies_the_topic(request, stack, expected):
    run: StackRun = request.getfixturevalue(stack)
    topic = run.one("aws:sns/topic:Topic")
    found = {}
    for resource in run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        if resource.inputs.get("namespace") != "AWS/RDS":
            continue
        inputs = {k: v for k, v in resource.inputs.items() if k != "tags"}
        assert inputs.pop("alarmActions") == inputs.pop("okActions") == [topic.outputs["arn"]]
        found[resource.name] = inputs
    assert found == expected()


# ---- where the instances go ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("zones, count, expected", [
    (["a"], 3, ["a", "a", "a"]),                 # one zone: nowhere else to go
    (["a", "b"], 1, ["a"]),
    (["a", "b"], 2, ["a", "b"]),                 # the first reader never next to the writer
    (["a", "b"], 3, ["a", "b", "a"]),
    (["a", "b", "c"], 3, ["a", "b", "c"]),
    (["a", "b", "c"], 5, ["a", "b", "c", "a", "b"]),
])
def test_the_writer_takes_the_first_zone_and_readers_go_to_the_others_first(zones, count, expected):
    assert instance_zones(zones, count) == expected


def test_identifiers_are_lowercase_rds_names():
    assert cluster_identifier("Aurora_Platform", "Prod") == "aurora-platform-prod"
    assert cluster_identifier("x", "--dev--") == "x-dev"
    assert cluster_identifier("p" * 60, "stack") == "p" * 60 + "-st"
    assert cluster_identifier("p" * 62, "stack") == "p" * 62
    assert instance_identifier("aurora-platform-prod", 0) == "aurora-platform-prod-1"
    assert instance_identifier("aurora-platform-prod", 2) == "aurora-platform-prod-3"
