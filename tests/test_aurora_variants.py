"""The AuroraCluster in its other shapes, through the real program with the database section overridden: a MySQL
stack, a global database (both sides), RDS Proxy, an RDS-managed password, restores, a given key. Each variant must
still pass the policy pack without mandatory findings."""

from __future__ import annotations

import json

import pytest

from preflight.engine import StackRun, run_stack
from preflight.policy_eval import Analyzer, load_policy_config
from tests.conftest import REPO_ROOT, cache_unless_collecting
from tests.test_aurora import CLUSTER, PARAMETER, cluster_of, database_key, dep, instances_of

D = "aurora-platform:database"
MYSQL = {"engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.08.0", "databaseName": "blog",
         "masterUsername": "blog_admin", "readers": 2, "backtrackHours": 24, "backupRetentionDays": 14,
         "parameters": {"max_connections": 500},
         "instanceParameters": {"performance_schema": 1, "long_query_time": "2.5"}}
VARIANTS = {
    "mysql": ("prod", MYSQL),
    "proxy": ("prod", {"readers": 2, "proxy": {"enabled": True}}),
    "proxy-password": ("prod", {"readers": 2, "proxy": {"enabled": True, "iamAuth": False}}),
    "managed-proxy": ("prod", {"readers": 1, "manageMasterUserPassword": True,
                               "proxy": {"enabled": True, "iamAuth": False}}),
    "global-primary": ("prod", {"readers": 1, "global": {"enabled": True}}),
    "global-secondary": ("prod", {"readers": 1, "global": {"enabled": True, "role": "secondary",
                                                           "identifier": "aurora-platform-prod"}}),
    "snapshot": ("dev", {"instanceClass": "db.serverless", "serverless": {"minCapacity": 0.5, "maxCapacity": 2},
                         "readers": 0, "deletionProtection": False, "databaseName": "blog",
                         "restoreFrom": {"snapshotIdentifier": "aurora-platform-prod-final"}}),
    "point-in-time": ("dev", {"readers": 0, "deletionProtection": False, "masterUsername": "blog_owner",
                              "restoreFrom": {
        "sourceClusterIdentifier": "aurora-platform-prod", "restoreToTime": "2026-11-20T08:45:00Z",
        "restoreType": "copy-on-write"}}),
}


@cache_unless_collecting
def variant(name: str) -> StackRun:
    return _evaluate(name)


def _evaluate(name: str) -> StackRun:
    stack, database = VARIANTS[name]
    overrides = {D: database, "aurora-platform:app": None}
    if name == "global-secondary":
        overrides["aws:region"] = "eu-west-1"
    return run_stack(stack, REPO_ROOT, overrides)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_variant_passes_the_mandatory_policies(name):
    run = variant(name)
    stack = VARIANTS[name][0]
    evaluation = Analyzer(load_policy_config(REPO_ROOT / "policies" / "config" / f"{stack}.json")).evaluate(
        run.resources)
    assert [(v.policy, v.detail) for v in evaluation.mandatory] == []


def test_mysql_forces_tls_exports_its_logs_and_backtracks():
    run = variant("mysql")
    cluster = cluster_of(run)
    assert cluster.inputs["engine"] == "aurora-mysql" and cluster.inputs["port"] == 3306
    assert cluster.inputs["backtrackWindow"] == 24 * 3600
    assert cluster.inputs["enabledCloudwatchLogsExports"] == ["audit", "error", "slowquery"]
    group = dep(run, cluster, "dbClusterParameterGroupName")
    assert group.inputs["family"] == "aurora-mysql8.0"
    values = {p["name"]: p["value"] for p in group.inputs["parameters"]}
    assert values["require_secure_transport"] == "ON"
    assert values["server_audit_logging"] == "1" and values["slow_query_log"] == "1"
    assert values["max_connections"] == "500"  # user-supplied extras are kept
    logs = {g.inputs.get("name") for g in run.of_type("aws:cloudwatch/logGroup:LogGroup")}
    assert {f"/aws/rds/cluster/aurora-platform-prod/{log}" for log in ("audit", "error", "slowquery")} <= logs
    assert run.exports["port"] == 3306 and run.exports["engine"] == "aurora-mysql"
    rules = [r for r in run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
             if r.property_dependencies["securityGroupId"] == cluster.property_dependencies["vpcSecurityGroupIds"]]
    assert all(r.inputs["fromPort"] == 3306 for r in rules)


def test_instance_parameters_reach_every_instances_group_by_name_value_and_apply_method():
    """`database.instanceParameters` go to the instances' own group, sorted by name, each with the apply method AWS
    reports back (`pending-reboot`; any other shows a diff on every preview)."""
    run = variant("mysql")
    cluster = cluster_of(run)
    groups = {dep(run, instance, "dbParameterGroupName").urn for instance in instances_of(run, cluster)}
    [urn] = groups
    group = run.by_urn(urn)
    assert group.inputs["family"] == "aurora-mysql8.0"
    assert group.inputs["parameters"] == [
        {"name": "long_query_time", "value": "2.5", "applyMethod": "pending-reboot"},
        {"name": "performance_schema", "value": "1", "applyMethod": "pending-reboot"},
    ]


def test_log_groups_exist_before_the_cluster_encrypted_and_retained(any_stack):
    cluster = cluster_of(any_stack)
    key = database_key(any_stack)
    groups = [any_stack.by_urn(u) for u in cluster.dependencies
              if any_stack.by_urn(u).type == "aws:cloudwatch/logGroup:LogGroup"]
    assert [g.inputs["name"] for g in groups] == [
        f"/aws/rds/cluster/{cluster.inputs['clusterIdentifier']}/{log}"
        for log in cluster.inputs["enabledCloudwatchLogsExports"]]
    for group in groups:
        assert dep(any_stack, group, "kmsKeyId").urn == key.urn and group.inputs["retentionInDays"] > 0


def test_events_and_alarms_go_to_an_encrypted_topic(any_stack):
    cluster = cluster_of(any_stack)
    topic = any_stack.one("aws:sns/topic:Topic")
    assert dep(any_stack, topic, "kmsMasterKeyId").urn == database_key(any_stack).urn
    subscriptions = {s.inputs["sourceType"]: s
                     for s in any_stack.of_type("aws:rds/eventSubscription:EventSubscription")}
    assert subscriptions["db-cluster"].property_dependencies["sourceIds"] == [cluster.urn]
    assert {"failover", "failure", "maintenance", "notification"} <= set(subscriptions["db-cluster"].inputs[
        "eventCategories"])
    assert set(subscriptions["db-instance"].property_dependencies["sourceIds"]) == {
        i.urn for i in instances_of(any_stack, cluster)}
    for subscription in subscriptions.values():
        assert subscription.property_dependencies["snsTopic"] == [topic.urn]
    alarms = {a.inputs["metricName"]: a for a in any_stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
              if a.inputs.get("namespace") == "AWS/RDS"}
    for alarm in alarms.values():
        assert alarm.property_dependencies["dimensions"] == [cluster.urn]
        assert alarm.property_dependencies["alarmActions"] == [topic.urn]
        assert alarm.property_dependencies["okActions"] == [topic.urn]  # on-call also hears when it clears
    policy = json.loads(any_stack.one("aws:sns/topicPolicy:TopicPolicy").inputs["policy"])
    assert policy["Statement"][0]["Principal"]["Service"] == ["events.rds.amazonaws.com", "cloudwatch.amazonaws.com"]
    key_policy = json.loads(database_key(any_stack).inputs["policy"])
    services = [s for s in key_policy["Statement"] if s["Sid"] == "ServicesPublishingEncryptedData"][0]
    assert set(services["Principal"]["Service"]) == {"events.rds.amazonaws.com", "cloudwatch.amazonaws.com"}


def test_alarms_fit_the_capacity_model(dev, prod):
    def metrics(run):
        return {a.inputs["metricName"] for a in run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
                if a.inputs.get("namespace") == "AWS/RDS"}
    assert metrics(dev) == {"CPUUtilization", "DatabaseConnections", "ACUUtilization"}  # serverless, no readers
    assert metrics(prod) == {"CPUUtilization", "DatabaseConnections", "FreeableMemory", "AuroraReplicaLagMaximum"}


def test_load_alarms_watch_each_role_not_the_cluster_average(dev, prod):
    """The cluster-wide aggregate averages the writer with the readers: a saturated writer would hide behind idle
    readers. Load alarms carry Role=WRITER / READER; replica lag is the writer's cluster-wide metric."""
    def by_role(run):
        found: dict[str, set[str]] = {}
        for alarm in run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
            if alarm.inputs.get("namespace") == "AWS/RDS":
                found.setdefault(alarm.inputs["dimensions"].get("Role", "cluster"), set()).add(
                    alarm.inputs["metricName"])
        return found
    assert by_role(dev) == {"WRITER": {"CPUUtilization", "DatabaseConnections", "ACUUtilization"}}
    load = {"CPUUtilization", "DatabaseConnections", "FreeableMemory"}
    assert by_role(prod) == {"WRITER": load, "READER": load, "cluster": {"AuroraReplicaLagMaximum"}}
    for alarm in prod.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        if alarm.inputs.get("namespace") == "AWS/RDS":
            assert alarm.inputs["dimensions"]["DBClusterIdentifier"] == cluster_of(prod).inputs["clusterIdentifier"]


def test_alarm_email_subscribes_to_the_topic(evaluate):
    run = evaluate("dev", {D: {"alarmEmail": "oncall@example.com", "readers": 0, "deletionProtection": False},
                           "aurora-platform:app": None})
    [subscription] = run.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert subscription.inputs["protocol"] == "email" and subscription.inputs["endpoint"] == "oncall@example.com"
    assert subscription.property_dependencies["topic"] == [run.one("aws:sns/topic:Topic").urn]
    # A child of the database, beside its topic (moved to the root it would be deleted and asked to confirm again).
    assert subscription.urn == ("urn:pulumi:dev::aurora-platform::aurora-platform:database:AuroraCluster$"
                                "aws:sns/topicSubscription:TopicSubscription::database-events-email")


def test_global_primary_adopts_this_cluster():
    run = variant("global-primary")
    cluster = cluster_of(run)
    global_cluster = run.one("aws:rds/globalCluster:GlobalCluster")
    assert global_cluster.property_dependencies["sourceDbClusterIdentifier"] == [cluster.urn]
    assert global_cluster.inputs["sourceDbClusterIdentifier"] == cluster.outputs["arn"]
    assert global_cluster.inputs["forceDestroy"] is False
    assert global_cluster.inputs["globalClusterIdentifier"] == "aurora-platform-prod"
    assert global_cluster.protect is True
    # AWS sets the primary's globalClusterIdentifier when it is adopted: ignore it rather than fight it
    assert "globalClusterIdentifier" in cluster.ignore_changes
    assert run.exports["globalClusterIdentifier"] == "aurora-platform-prod"


def test_global_secondary_joins_by_identifier_without_credentials():
    run = variant("global-secondary")
    cluster = cluster_of(run)
    assert run.region == "eu-west-1"
    assert cluster.inputs["globalClusterIdentifier"] == "aurora-platform-prod"
    for absent in ("masterUsername", "masterPasswordWo", "databaseName", "manageMasterUserPassword"):
        assert absent not in cluster.inputs
    assert run.of_type("aws:rds/globalCluster:GlobalCluster") == []
    assert run.of_type(PARAMETER) == [] and run.of_type("random:index/randomPassword:RandomPassword") == []
    # still encrypted with this region's own key
    assert database_key(run).type == "aws:kms/key:Key" and cluster.inputs["storageEncrypted"] is True
    assert run.exports.get("passwordParameterName") is None
    # the secondary names the global database it joined, as the primary does
    assert run.exports["globalClusterIdentifier"] == "aurora-platform-prod"


def test_proxy_requires_tls_and_iam_end_to_end_and_sits_between_app_and_cluster():
    run = variant("proxy")
    cluster = cluster_of(run)
    proxy = run.one("aws:rds/proxy:Proxy")
    assert proxy.inputs["requireTls"] is True and proxy.inputs["engineFamily"] == "POSTGRESQL"
    # end-to-end IAM: IAM tokens to the proxy and from the proxy to the cluster, so no login secret at all (an
    # application user created for IAM authentication has no password a secret could hold)
    assert proxy.inputs["defaultAuthScheme"] == "IAM_AUTH" and "auths" not in proxy.inputs
    assert run.of_type("aws:secretsmanager/secret:Secret") == []
    assert run.of_type("aws:secretsmanager/secretVersion:SecretVersion") == []
    role = dep(run, proxy, "roleArn")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "rds.amazonaws.com"}
    # no application in this variant: the role may log in as nobody (grants are tested in test_aurora_grants)
    assert [p for p in run.of_type("aws:iam/rolePolicy:RolePolicy")
            if p.property_dependencies["role"] == [role.urn]] == []
    # target: this cluster; read-only endpoint for the readers
    target = run.one("aws:rds/proxyTarget:ProxyTarget")
    assert target.property_dependencies["dbClusterIdentifier"] == [cluster.urn]
    endpoint = run.one("aws:rds/proxyEndpoint:ProxyEndpoint")
    assert endpoint.inputs["targetRole"] == "READ_ONLY"
    assert run.exports["proxyEndpoint"] == proxy.outputs["endpoint"]
    assert run.exports["proxyReaderEndpoint"] == endpoint.outputs["endpoint"]
    # security groups: proxy -> cluster only; cluster allows the proxy's group
    proxy_group = run.by_urn(proxy.property_dependencies["vpcSecurityGroupIds"][0])
    cluster_group_urns = cluster.property_dependencies["vpcSecurityGroupIds"]
    [egress] = [r for r in run.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
                if r.property_dependencies["securityGroupId"] == [proxy_group.urn]]
    assert egress.property_dependencies["referencedSecurityGroupId"] == cluster_group_urns
    ingress = [r for r in run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
               if r.property_dependencies["securityGroupId"] == cluster_group_urns]
    assert [proxy_group.urn] in [r.property_dependencies["referencedSecurityGroupId"] for r in ingress]


def test_proxy_with_passwords_logs_in_with_a_secret_only_its_role_reads():
    run = variant("proxy-password")
    proxy = run.one("aws:rds/proxy:Proxy")
    assert proxy.inputs["requireTls"] is True and "defaultAuthScheme" not in proxy.inputs
    [auth] = proxy.inputs["auths"]
    assert auth["iamAuth"] == "DISABLED" and auth["authScheme"] == "SECRETS"
    assert auth["clientPasswordAuthType"] == "POSTGRES_SCRAM_SHA_256"
    secret = dep(run, proxy, "auths")
    assert secret.type == "aws:secretsmanager/secret:Secret"
    assert dep(run, secret, "kmsKeyId").urn == database_key(run).urn
    [version] = run.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    login = json.loads(version.input("secretStringWo"))
    password = run.one("random:index/randomPassword:RandomPassword").outputs["result"].value
    assert login["username"] == "dbadmin" and login["password"] == password
    assert version.inputs["secretStringWoVersion"] == 1
    # the proxy's role reads exactly that secret and decrypts only through Secrets Manager, only for that secret
    role = dep(run, proxy, "roleArn")
    [policy] = [p for p in run.of_type("aws:iam/rolePolicy:RolePolicy")
                if p.property_dependencies["role"] == [role.urn]]
    statements = json.loads(policy.inputs["policy"])["Statement"]
    assert statements[0]["Action"] == "secretsmanager:GetSecretValue"
    assert statements[0]["Resource"] == secret.outputs["arn"]
    assert statements[1]["Resource"] == database_key(run).outputs["arn"]
    assert statements[1]["Condition"] == {"StringEquals": {
        "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com",
        "kms:EncryptionContext:SecretARN": secret.outputs["arn"]}}


def test_proxy_uses_the_rds_managed_secret_when_rds_keeps_the_password():
    run = variant("managed-proxy")
    cluster = cluster_of(run)
    assert cluster.inputs["manageMasterUserPassword"] is True
    assert dep(run, cluster, "masterUserSecretKmsKeyId").urn == database_key(run).urn
    assert "masterPasswordWo" not in cluster.inputs
    assert run.of_type(PARAMETER) == [] and run.of_type("aws:secretsmanager/secret:Secret") == []
    proxy = run.one("aws:rds/proxy:Proxy")
    assert proxy.inputs["auths"][0]["secretArn"] == cluster.outputs["masterUserSecrets"][0]["secretArn"]


def test_restore_from_a_snapshot_keeps_the_snapshots_database():
    run = variant("snapshot")
    cluster = cluster_of(run)
    assert cluster.inputs["snapshotIdentifier"] == "aurora-platform-prod-final"
    assert "databaseName" not in cluster.inputs and "masterUsername" not in cluster.inputs
    # the stack's databaseName names the database inside the snapshot, for the connection settings
    assert run.exports["databaseName"] == "blog"
    # the new cluster is encrypted with this stack's key and gets this stack's password
    assert cluster.inputs["storageEncrypted"] is True and "masterPasswordWo" in cluster.inputs
    assert {"snapshotIdentifier", "restoreToPointInTime"} <= set(cluster.ignore_changes)


def test_restore_to_a_point_in_time_keeps_the_sources_master_user_and_database():
    run = variant("point-in-time")
    cluster = cluster_of(run)
    # both force replacement and the restore API takes neither: sending them would replace the restored cluster on
    # the next update whenever they differ from the source's
    assert "masterUsername" not in cluster.inputs and "databaseName" not in cluster.inputs
    assert run.exports["masterUsername"] == "blog_owner"
    assert cluster.inputs["restoreToPointInTime"] == {
        "sourceClusterIdentifier": "aurora-platform-prod", "restoreToTime": "2026-11-20T08:45:00Z",
        "restoreType": "copy-on-write"}
    assert "snapshotIdentifier" not in cluster.inputs


def test_a_key_given_by_arn_is_used_everywhere(evaluate):
    arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    run = evaluate("dev", {D: {"kmsKeyArn": arn, "readers": 0, "deletionProtection": False},
                           "aurora-platform:app": None})
    cluster = run.one(CLUSTER)
    assert cluster.inputs["kmsKeyId"] == arn
    assert run.one(PARAMETER).inputs["keyId"] == arn
    assert run.one("aws:sns/topic:Topic").inputs["kmsMasterKeyId"] == arn
    assert [k for k in run.of_type("aws:kms/key:Key") if "database" in k.inputs["tags"]["Name"]] == []


def test_readers_spread_across_zones_with_failover_order(evaluate):
    run = evaluate("prod", {D: {"readers": 5}, "aurora-platform:app": None})
    instances = instances_of(run, run.one(CLUSTER))
    zones = [i.inputs["availabilityZone"] for i in instances]
    assert zones == ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1a", "us-east-1b", "us-east-1c"]
    assert zones[1] != zones[0]  # the first to be promoted is in another zone
    assert [i.inputs["promotionTier"] for i in instances] == [0, 1, 2, 3, 4, 5]
