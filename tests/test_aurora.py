"""The AuroraCluster, asserted from what the real program registers for dev and prod (links followed through
property dependencies, not names)."""

from __future__ import annotations

import json
import re

import pytest

from preflight.engine import Secret, StackRun

CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
KEY = "aws:kms/key:Key"
PARAMETER = "aws:ssm/parameter:Parameter"
COMPONENT = "aurora-platform:database:AuroraCluster"



def master(run, token: str):
    """The master password's resource of `token`: the app role has its own (components/app_database_role.py)."""
    [found] = [r for r in run.of_type(token) if not r.name.startswith("app-database-role")]
    return found

def cluster_of(run: StackRun):
    return run.one(CLUSTER)


def dep(run: StackRun, resource, prop: str):
    """The one resource a property was computed from."""
    [urn] = resource.property_dependencies[prop]
    return run.by_urn(urn)


def database_key(run: StackRun):
    return dep(run, cluster_of(run), "kmsKeyId")


def instances_of(run: StackRun, cluster) -> list:
    return [i for i in run.of_type(INSTANCE) if i.property_dependencies["clusterIdentifier"] == [cluster.urn]]


def test_storage_is_encrypted_with_a_rotating_customer_managed_key(any_stack):
    cluster = cluster_of(any_stack)
    assert cluster.inputs["storageEncrypted"] is True
    key = database_key(any_stack)
    assert key.type == KEY and key.inputs["enableKeyRotation"] is True
    assert cluster.inputs["kmsKeyId"] == key.outputs["arn"]
    # the database has its own key, not the platform's
    platform = [k for k in any_stack.of_type(KEY) if k.urn != key.urn]
    assert platform and all(k.outputs["arn"] != key.outputs["arn"] for k in platform)


@pytest.mark.parametrize(("stack", "family", "parameter", "value"), [
    ("dev", "aurora-postgresql16", "rds.force_ssl", "1"),
    ("prod", "aurora-postgresql16", "rds.force_ssl", "1"),
])
def test_cluster_parameter_group_forces_tls(request, stack, family, parameter, value):
    run = request.getfixturevalue(stack)
    cluster = cluster_of(run)
    group = dep(run, cluster, "dbClusterParameterGroupName")
    assert group.type == "aws:rds/clusterParameterGroup:ClusterParameterGroup"
    assert group.inputs["family"] == family
    parameters = {p["name"]: p for p in group.inputs["parameters"]}
    assert parameters[parameter]["value"] == value
    # every parameter is pending-reboot: the apply method AWS reports back, so previews stay clean (pulumi-aws #2442)
    assert {p["applyMethod"] for p in group.inputs["parameters"]} == {"pending-reboot"}


def test_instances_use_the_instance_parameter_group_of_the_same_family(any_stack):
    cluster = cluster_of(any_stack)
    family = dep(any_stack, cluster, "dbClusterParameterGroupName").inputs["family"]
    for instance in instances_of(any_stack, cluster):
        group = dep(any_stack, instance, "dbParameterGroupName")
        assert group.type == "aws:rds/parameterGroup:ParameterGroup" and group.inputs["family"] == family


def test_cluster_settings_every_stack_shares(any_stack):
    cluster = cluster_of(any_stack)
    inputs = cluster.inputs
    assert inputs["engine"] == "aurora-postgresql"
    assert inputs["iamDatabaseAuthenticationEnabled"] is True
    assert inputs["copyTagsToSnapshot"] is True
    assert inputs["skipFinalSnapshot"] is False
    assert inputs["enabledCloudwatchLogsExports"] == ["postgresql"]
    assert "backtrackWindow" not in inputs
    assert inputs["tags"]["Environment"] == any_stack.one("aws:ec2/vpc:Vpc").inputs["tags"]["Environment"]
    # the cluster lives in the isolated subnets' group, behind its own security group
    assert dep(any_stack, cluster, "dbSubnetGroupName").type == "aws:rds/subnetGroup:SubnetGroup"
    [group] = [any_stack.by_urn(u) for u in cluster.property_dependencies["vpcSecurityGroupIds"]]
    assert group.type == "aws:ec2/securityGroup:SecurityGroup"


def test_dev_is_cheap_and_prod_is_protected(dev, prod):
    d, p = cluster_of(dev), cluster_of(prod)
    assert d.inputs["backupRetentionPeriod"] == 7 and p.inputs["backupRetentionPeriod"] >= 14
    assert d.inputs["deletionProtection"] is False and p.inputs["deletionProtection"] is True
    assert d.inputs["serverlessv2ScalingConfiguration"] == {"minCapacity": 0, "maxCapacity": 4,
                                                            "secondsUntilAutoPause": 1800}
    assert {i.inputs["instanceClass"] for i in instances_of(dev, d)} == {"db.serverless"}
    assert "serverlessv2ScalingConfiguration" not in p.inputs
    assert d.protect is False and p.protect is True
    assert database_key(dev).protect is False and database_key(prod).protect is True
    assert master(dev, PARAMETER).protect is False and master(prod, PARAMETER).protect is True
    # the exported database logs (audit trail) are kept with the cluster
    for run, protected in ((dev, False), (prod, True)):
        groups = [run.by_urn(u) for u in cluster_of(run).dependencies
                  if run.by_urn(u).type == "aws:cloudwatch/logGroup:LogGroup"]
        assert groups and {g.protect for g in groups} == {protected}


def test_windows_are_set(any_stack):
    inputs = cluster_of(any_stack).inputs
    assert inputs["preferredBackupWindow"] == "03:00-04:00"
    assert inputs["preferredMaintenanceWindow"] == "sun:05:00-sun:06:00"


def test_instances_are_private_monitored_and_spread(prod):
    cluster = cluster_of(prod)
    instances = instances_of(prod, cluster)
    assert len(instances) == 3
    zones = prod.exports["availabilityZones"]
    assert [i.inputs["availabilityZone"] for i in instances] == zones
    assert [i.inputs["promotionTier"] for i in instances] == [0, 1, 2]
    key = database_key(prod)
    for instance in instances:
        inputs = instance.inputs
        assert inputs["publiclyAccessible"] is False
        assert inputs["autoMinorVersionUpgrade"] is True
        # the CA clients verify against (sslmode=verify-full with the RDS bundle), pinned rather than the region default
        assert inputs["caCertIdentifier"] == "rds-ca-rsa2048-g1"
        assert inputs["monitoringInterval"] == 15
        role = dep(prod, instance, "monitoringRoleArn")
        assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
            "Service": "monitoring.rds.amazonaws.com"}
        assert inputs["performanceInsightsEnabled"] is True
        assert dep(prod, instance, "performanceInsightsKmsKeyId").urn == key.urn
        assert inputs["performanceInsightsRetentionPeriod"] == 31


def test_password_is_a_secret_securestring_under_the_cluster_key(any_stack):
    cluster = cluster_of(any_stack)
    parameter = master(any_stack, PARAMETER)
    assert parameter.inputs["type"] == "SecureString"
    assert parameter.inputs["name"] == f"/aurora-platform/{any_stack.stack}/database/password"
    assert dep(any_stack, parameter, "keyId").urn == database_key(any_stack).urn
    password = master(any_stack, "random:index/randomPassword:RandomPassword")
    # the same generated value reaches the cluster (write-only) and the parameter, as secrets only
    assert isinstance(cluster.inputs["masterPasswordWo"], Secret)
    assert isinstance(parameter.inputs["valueWo"], Secret)
    assert cluster.inputs["masterPasswordWo"].value == password.outputs["result"].value
    assert parameter.inputs["valueWo"].value == password.outputs["result"].value
    assert cluster.property_dependencies["masterPasswordWo"] == [password.urn]
    assert "masterPassword" not in cluster.inputs and "value" not in parameter.inputs


def test_security_group_has_no_cidr_rule_and_no_egress(any_stack):
    group = any_stack.by_urn(cluster_of(any_stack).property_dependencies["vpcSecurityGroupIds"][0])
    assert "ingress" not in group.inputs and "egress" not in group.inputs
    for rule in any_stack.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"):
        if rule.property_dependencies.get("securityGroupId") == [group.urn]:
            assert "cidrIpv4" not in rule.inputs and "cidrIpv6" not in rule.inputs
            assert rule.inputs["fromPort"] == rule.inputs["toPort"] == 5432
            assert rule.property_dependencies["referencedSecurityGroupId"]


def test_exports_name_the_cluster_and_never_the_password(any_stack):
    exports = any_stack.exports
    cluster = cluster_of(any_stack)
    assert exports["clusterIdentifier"] == cluster.outputs["clusterIdentifier"]
    assert exports["clusterArn"] == cluster.outputs["arn"]
    assert exports["writerEndpoint"] == cluster.outputs["endpoint"]
    assert exports["readerEndpoint"] == cluster.outputs["readerEndpoint"]
    assert exports["port"] == 5432 and exports["engine"] == "aurora-postgresql"
    assert exports["databaseName"] == "blog" and exports["masterUsername"] == "blog_admin"
    assert exports["passwordParameterArn"] == master(any_stack, PARAMETER).outputs["arn"]
    assert exports["kmsKeyArn"] == database_key(any_stack).outputs["arn"]
    assert exports["snsTopicArn"] == any_stack.one("aws:sns/topic:Topic").outputs["arn"]
    password = master(any_stack, "random:index/randomPassword:RandomPassword").outputs["result"].value
    assert password not in json.dumps(exports, default=str)
    # a stack that is not part of a global database has no global identifier to export, not an empty one
    assert "globalClusterIdentifier" not in exports


# The component's own outputs (kept in its state, read by whoever builds on the component) and the stack output that
# carries the same value.
COMPONENT_OUTPUTS = {"clusterIdentifier": "clusterIdentifier", "clusterArn": "clusterArn",
                     "writerEndpoint": "writerEndpoint", "readerEndpoint": "readerEndpoint", "port": "port",
                     "securityGroupId": "databaseSecurityGroupId", "passwordParameterName": "passwordParameterName",
                     "passwordParameterArn": "passwordParameterArn", "kmsKeyArn": "kmsKeyArn",
                     "snsTopicArn": "snsTopicArn", "finalSnapshotIdentifier": "finalSnapshotIdentifier",
                     "dashboardUrl": "databaseDashboardUrl"}


def test_the_component_registers_its_outputs_by_name_with_the_values_the_stack_exports(any_stack):
    [component] = any_stack.of_type(COMPONENT)
    # no export bucket in these stacks: a None output is not registered (tests/test_aurora_sql_services.py has one)
    assert sorted(component.outputs) == sorted([*COMPONENT_OUTPUTS, "customEndpoints"])
    for own, exported in COMPONENT_OUTPUTS.items():
        assert component.outputs[own] == any_stack.exports[exported], own
    assert component.outputs["customEndpoints"] == {}


def test_resources_are_children_of_the_component(any_stack):
    [component] = [r for r in any_stack.resources if r.type == COMPONENT]
    owned = {r.urn for r in any_stack.descendants(component.urn)}
    for token in (CLUSTER, INSTANCE, PARAMETER, "aws:sns/topic:Topic", "aws:rds/eventSubscription:EventSubscription",
                  "random:index/randomPassword:RandomPassword"):
        assert {r.urn for r in any_stack.of_type(token) if not r.name.startswith("app-database-role")} <= owned, token


def test_final_snapshot_name_is_valid_and_new_for_each_cluster_lifetime(any_stack):
    """A fixed `<id>-final` would make the second delete of a recreated cluster fail (the first snapshot still
    exists); the suffix is a RandomString kept as long as the cluster identifier."""
    cluster = cluster_of(any_stack)
    name = cluster.inputs["finalSnapshotIdentifier"]
    [suffix] = [any_stack.by_urn(u) for u in cluster.property_dependencies["finalSnapshotIdentifier"]]
    assert suffix.type == "random:index/randomString:RandomString"
    assert suffix.inputs["keepers"] == {"clusterIdentifier": cluster.inputs["clusterIdentifier"]}
    assert name == f"{cluster.inputs['clusterIdentifier']}-final-{suffix.outputs['result']}"
    # RDS: 1-255 letters, digits and hyphens, starting with a letter, no two hyphens in a row, no hyphen at the end
    assert re.fullmatch(r"[A-Za-z][A-Za-z0-9-]{0,254}", name) and "--" not in name and not name.endswith("-")
    assert cluster.inputs["skipFinalSnapshot"] is False
