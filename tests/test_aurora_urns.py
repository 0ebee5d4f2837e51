"""The URN of every resource the AuroraCluster component builds in production, as deployed (docs/mutation-testing.md,
"Kill rate of the Aurora components").

A URN is the resource's name plus its parent chain. Change either (a renamed child, a child moved to the stack root
or under another parent, a lost `opts=`) and Pulumi plans a delete and a create: the cluster, its key and its log
groups are protected in production, so the update fails half way; the export bucket, the backup vault or the proxy's
login secret would be replaced with their contents. Mutation testing found such changes that no test noticed (the
export bucket's settings moved to the stack root, the proxy's role without its parent). The lists below are the
production stack's URNs, written out; a deliberate rename must change them here and add an alias in the program.
The Name tags are pinned too: they are how a resource is found in the console and in cost reports.
"""

from __future__ import annotations

from preflight.engine import StackRun, read_stack_config
from tests.conftest import REPO_ROOT

KEY = "aurora-platform:database"
COMPONENT = "aurora-platform:database:AuroraCluster"
PREFIX = "urn:pulumi:prod::aurora-platform::"

# What Pulumi.prod.yaml builds today (3 instances, AWS Backup with a vault lock, no proxy, no SQL services).
PROD = [
    "aurora-platform:database:AuroraCluster$aurora-platform:security:EncryptionKey::database-key",
    "aurora-platform:database:AuroraCluster$aurora-platform:security:EncryptionKey$aws:kms/key:Key::database-key",
    "aurora-platform:database:AuroraCluster$aurora-platform:security:EncryptionKey$aws:kms/alias:Alias::database-key",
    "aurora-platform:database:AuroraCluster$aws:ec2/securityGroup:SecurityGroup::database-cluster",
    "aurora-platform:database:AuroraCluster$aws:rds/clusterParameterGroup:ClusterParameterGroup::database-cluster",
    "aurora-platform:database:AuroraCluster$aws:rds/parameterGroup:ParameterGroup::database-instance",
    "aurora-platform:database:AuroraCluster$random:index/randomPassword:RandomPassword::database-master-password",
    "aurora-platform:database:AuroraCluster$aws:ssm/parameter:Parameter::database-password",
    "aurora-platform:database:AuroraCluster$aws:cloudwatch/logGroup:LogGroup::database-postgresql",
    "aurora-platform:database:AuroraCluster$aws:iam/role:Role::database-monitoring",
    "aurora-platform:database:AuroraCluster$aws:iam/rolePolicyAttachment:RolePolicyAttachment::database-monitoring",
    "aurora-platform:database:AuroraCluster$random:index/randomString:RandomString::database-final-snapshot-suffix",
    "aurora-platform:database:AuroraCluster$aws:rds/cluster:Cluster::database",
    "aurora-platform:database:AuroraCluster$aws:rds/clusterInstance:ClusterInstance::database-1",
    "aurora-platform:database:AuroraCluster$aws:rds/clusterInstance:ClusterInstance::database-2",
    "aurora-platform:database:AuroraCluster$aws:rds/clusterInstance:ClusterInstance::database-3",
    "aurora-platform:database:AuroraCluster$aws:sns/topic:Topic::database-events",
    "aurora-platform:database:AuroraCluster$aws:sns/topicPolicy:TopicPolicy::database-events",
    "aurora-platform:database:AuroraCluster$aws:rds/eventSubscription:EventSubscription::database-cluster-events",
    "aurora-platform:database:AuroraCluster$aws:rds/eventSubscription:EventSubscription::database-instance-events",
    "aurora-platform:database:AuroraCluster$aws:cloudwatch/metricAlarm:MetricAlarm::database-writer-cpu",
    "aurora-platform:database:AuroraCluster$aws:cloudwatch/metricAlarm:MetricAlarm::database-writer-connections",
    "aurora-platform:database:AuroraCluster$aws:cloudwatch/metricAlarm:MetricAlarm::database-writer-memory",
    "aurora-platform:database:AuroraCluster$aws:cloudwatch/metricAlarm:MetricAlarm::database-reader-cpu",
    "aurora-platform:database:AuroraCluster$aws:cloudwatch/metricAlarm:MetricAlarm::database-reader-connections",
    "aurora-platform:database:AuroraCluster$aws:cloudwatch/metricAlarm:MetricAlarm::database-reader-memory",
    "aurora-platform:database:AuroraCluster$aws:cloudwatch/metricAlarm:MetricAlarm::database-replica-lag",
    "aurora-platform:database:AuroraCluster$aws:cloudwatch/dashboard:Dashboard::database-dashboard",
    "aurora-platform:database:AuroraCluster$aws:backup/vault:Vault::database-vault",
    "aurora-platform:database:AuroraCluster$aws:backup/vaultLockConfiguration:VaultLockConfiguration::"
    "database-vault-lock",
    "aurora-platform:database:AuroraCluster$aws:iam/role:Role::database-backup",
    "aurora-platform:database:AuroraCluster$aws:iam/rolePolicy:RolePolicy::database-backup",
    "aurora-platform:database:AuroraCluster$aws:backup/plan:Plan::database-plan",
    "aurora-platform:database:AuroraCluster$aws:backup/selection:Selection::database-selection",
    "aurora-platform:database:AuroraCluster$aws:iam/rolePolicy:RolePolicy::database-bastion-password-read",
    "aurora-platform:database:AuroraCluster$aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::"
    "database-from-bastion",
    "aurora-platform:database:AuroraCluster$aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::"
    "database-from-app-task",
    "aurora-platform:database:AuroraCluster$aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::"
    "database-from-migrations",
    "aurora-platform:database:AuroraCluster$aws:iam/rolePolicy:RolePolicy::database-migrations-password-read",
]

# Production with the proxy (password login) and the three SQL services on: what they add, and what moves (the
# application's ingress goes to the proxy's group; the app's execution role reads the password for the proxy).
ADDED_BY_PROXY_AND_SQL = [
    "aurora-platform:database:AuroraCluster$aws:s3/bucket:Bucket::database-exports",
    "aurora-platform:database:AuroraCluster$aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock::database-exports",
    "aurora-platform:database:AuroraCluster$aws:s3/bucketOwnershipControls:BucketOwnershipControls::database-exports",
    "aurora-platform:database:AuroraCluster$aws:s3/bucketServerSideEncryptionConfiguration:"
    "BucketServerSideEncryptionConfiguration::database-exports",
    "aurora-platform:database:AuroraCluster$aws:s3/bucketPolicy:BucketPolicy::database-exports",
    "aurora-platform:database:AuroraCluster$aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration::"
    "database-exports",
    "aurora-platform:database:AuroraCluster$aws:iam/role:Role::database-s3Export",
    "aurora-platform:database:AuroraCluster$aws:iam/rolePolicy:RolePolicy::database-s3Export",
    "aurora-platform:database:AuroraCluster$aws:rds/clusterRoleAssociation:ClusterRoleAssociation::database-s3Export",
    "aurora-platform:database:AuroraCluster$aws:iam/role:Role::database-s3Import",
    "aurora-platform:database:AuroraCluster$aws:iam/rolePolicy:RolePolicy::database-s3Import",
    "aurora-platform:database:AuroraCluster$aws:rds/clusterRoleAssociation:ClusterRoleAssociation::database-s3Import",
    "aurora-platform:database:AuroraCluster$aws:iam/role:Role::database-lambdaInvoke",
    "aurora-platform:database:AuroraCluster$aws:iam/rolePolicy:RolePolicy::database-lambdaInvoke",
    "aurora-platform:database:AuroraCluster$aws:rds/clusterRoleAssociation:ClusterRoleAssociation::"
    "database-lambdaInvoke",
    "aurora-platform:database:AuroraCluster$aws:iam/role:Role::database-proxy",
    "aurora-platform:database:AuroraCluster$aws:secretsmanager/secret:Secret::database-proxy",
    "aurora-platform:database:AuroraCluster$aws:secretsmanager/secretVersion:SecretVersion::database-proxy",
    "aurora-platform:database:AuroraCluster$aws:iam/rolePolicy:RolePolicy::database-proxy",
    "aurora-platform:database:AuroraCluster$aws:ec2/securityGroup:SecurityGroup::database-proxy",
    "aurora-platform:database:AuroraCluster$aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule::"
    "database-proxy-to-cluster",
    "aurora-platform:database:AuroraCluster$aws:cloudwatch/logGroup:LogGroup::database-proxy",
    "aurora-platform:database:AuroraCluster$aws:rds/proxy:Proxy::database-proxy",
    "aurora-platform:database:AuroraCluster$aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup::database-proxy",
    "aurora-platform:database:AuroraCluster$aws:rds/proxyTarget:ProxyTarget::database-proxy",
    "aurora-platform:database:AuroraCluster$aws:rds/proxyEndpoint:ProxyEndpoint::database-proxy-read-only",
    "aurora-platform:database:AuroraCluster$aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::"
    "database-from-proxy",
    "aurora-platform:database:AuroraCluster$aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::"
    "database-proxy-from-app-task",
    "aurora-platform:database:AuroraCluster$aws:iam/rolePolicy:RolePolicy::database-app-execution-password-read",
]
GONE_WITH_PROXY_AND_SQL = [
    "aurora-platform:database:AuroraCluster$aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::"
    "database-from-app-task",
]


def component_urns(run: StackRun) -> list[str]:
    [component] = [r for r in run.resources if r.type == COMPONENT]
    assert component.urn == f"{PREFIX}{COMPONENT}::database"
    found = [r.urn for r in run.descendants(component.urn)]
    assert all(urn.startswith(PREFIX) for urn in found)
    return sorted(urn[len(PREFIX):] for urn in found)


def test_production_keeps_the_urn_of_every_database_resource(prod):
    assert component_urns(prod) == sorted(PROD)


def test_the_proxy_and_the_sql_services_keep_their_urns_under_the_component(evaluate):
    database = {**dict(read_stack_config(REPO_ROOT, {"name": "aurora-platform"}, "prod")[KEY]),
                "proxy": {"enabled": True, "iamAuth": False},
                "s3Export": {"enabled": True, "expirationDays": 30},
                "s3Import": {"enabled": True, "bucketName": "blog-imports", "prefix": "csv/"},
                "lambdaInvoke": {"enabled": True, "functions": ["notify"]}}
    run = evaluate("prod", {KEY: database})
    expected = sorted(set(PROD) - set(GONE_WITH_PROXY_AND_SQL) | set(ADDED_BY_PROXY_AND_SQL))
    assert component_urns(run) == expected


# The Name tag each resource shows in the console and in cost reports (and the instances' Role), in production with
# the proxy and the SQL services on; every tagged resource also carries the stack's four tags.
NAMES = {
    "aws:kms/key:Key::database-key": "aurora-platform-prod-database",
    "aws:ec2/securityGroup:SecurityGroup::database-cluster": "aurora-platform-prod-cluster",
    "aws:rds/clusterParameterGroup:ClusterParameterGroup::database-cluster": "aurora-platform-prod-cluster",
    "aws:rds/parameterGroup:ParameterGroup::database-instance": "aurora-platform-prod-instance",
    "aws:ssm/parameter:Parameter::database-password": "aurora-platform-prod-password",
    "aws:cloudwatch/logGroup:LogGroup::database-postgresql": "aurora-platform-prod-postgresql",
    "aws:iam/role:Role::database-monitoring": "database-monitoring",
    "aws:rds/cluster:Cluster::database": "aurora-platform-prod",
    "aws:rds/clusterInstance:ClusterInstance::database-1": "aurora-platform-prod-1",
    "aws:rds/clusterInstance:ClusterInstance::database-2": "aurora-platform-prod-2",
    "aws:rds/clusterInstance:ClusterInstance::database-3": "aurora-platform-prod-3",
    "aws:s3/bucket:Bucket::database-exports": "database-exports",
    "aws:iam/role:Role::database-s3Export": "database-s3Export",
    "aws:iam/role:Role::database-s3Import": "database-s3Import",
    "aws:iam/role:Role::database-lambdaInvoke": "database-lambdaInvoke",
    "aws:sns/topic:Topic::database-events": "database-events",
    "aws:rds/eventSubscription:EventSubscription::database-cluster-events": "database-cluster-events",
    "aws:rds/eventSubscription:EventSubscription::database-instance-events": "database-instance-events",
    "aws:cloudwatch/metricAlarm:MetricAlarm::database-writer-cpu": "database-writer-cpu",
    "aws:cloudwatch/metricAlarm:MetricAlarm::database-writer-connections": "database-writer-connections",
    "aws:cloudwatch/metricAlarm:MetricAlarm::database-writer-memory": "database-writer-memory",
    "aws:cloudwatch/metricAlarm:MetricAlarm::database-reader-cpu": "database-reader-cpu",
    "aws:cloudwatch/metricAlarm:MetricAlarm::database-reader-connections": "database-reader-connections",
    "aws:cloudwatch/metricAlarm:MetricAlarm::database-reader-memory": "database-reader-memory",
    "aws:cloudwatch/metricAlarm:MetricAlarm::database-replica-lag": "database-replica-lag",
    "aws:iam/role:Role::database-proxy": "aurora-platform-prod-proxy",
    "aws:secretsmanager/secret:Secret::database-proxy": "aurora-platform-prod-proxy",
    "aws:ec2/securityGroup:SecurityGroup::database-proxy": "aurora-platform-prod-proxy",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule::database-proxy-to-cluster":
        "aurora-platform-prod-proxy-to-cluster",
    "aws:cloudwatch/logGroup:LogGroup::database-proxy": "aurora-platform-prod-proxy",
    "aws:rds/proxy:Proxy::database-proxy": "aurora-platform-prod-proxy",
    "aws:rds/proxyEndpoint:ProxyEndpoint::database-proxy-read-only": "aurora-platform-prod-proxy-ro",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::database-from-proxy": "database-from-proxy",
    "aws:backup/vault:Vault::database-vault": "aurora-platform-prod-backups",
    "aws:iam/role:Role::database-backup": "aurora-platform-prod-backup",
    "aws:backup/plan:Plan::database-plan": "aurora-platform-prod-daily",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::database-from-bastion": "database-from-bastion",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::database-proxy-from-app-task":
        "database-proxy-from-app-task",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::database-from-migrations": "database-from-migrations",
}
STACK_TAGS = {"Environment": "production", "ManagedBy": "pulumi", "Project": "aurora-platform", "Stack": "prod"}


def test_each_database_resource_keeps_its_name_tag_and_the_stacks_tags(evaluate):
    run = evaluate("prod", {KEY: {**dict(read_stack_config(REPO_ROOT, {"name": "aurora-platform"}, "prod")[KEY]),
                                  "proxy": {"enabled": True, "iamAuth": False},
                                  "s3Export": {"enabled": True, "expirationDays": 30},
                                  "s3Import": {"enabled": True, "bucketName": "blog-imports", "prefix": "csv/"},
                                  "lambdaInvoke": {"enabled": True, "functions": ["notify"]}}})
    [component] = [r for r in run.resources if r.type == COMPONENT]
    tagged = {f"{r.type}::{r.name}": r.inputs["tags"] for r in run.descendants(component.urn) if "tags" in r.inputs}
    assert {name: tags.get("Name") for name, tags in tagged.items()} == NAMES
    roles = {name: tags["Role"] for name, tags in tagged.items() if "Role" in tags}
    assert roles == {"aws:rds/clusterInstance:ClusterInstance::database-1": "writer",
                     "aws:rds/clusterInstance:ClusterInstance::database-2": "reader-1",
                     "aws:rds/clusterInstance:ClusterInstance::database-3": "reader-2"}
    for name, tags in tagged.items():
        assert {k: v for k, v in tags.items() if k not in ("Name", "Role")} == STACK_TAGS, name
