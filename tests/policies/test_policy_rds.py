"""Aurora cluster and instance rules: one happy resource, then one changed property per test (AWSGuard style)."""

import pytest

from preflight.policy_eval import UNKNOWN, PolicyConfigError

from .policy_helpers import analyzer, changed, check, resource

CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
GLOBAL = "aws:rds/globalCluster:GlobalCluster"
PROXY = "aws:rds/proxy:Proxy"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e"

# Numbers as the wire delivers them: floats.
GOOD_CLUSTER = {
    "engine": "aurora-postgresql",
    "engineVersion": "16.4",
    "storageEncrypted": True,
    "kmsKeyId": KEY_ARN,
    "backupRetentionPeriod": 7.0,
    "deletionProtection": True,
    "iamDatabaseAuthenticationEnabled": True,
    "copyTagsToSnapshot": True,
    "enabledCloudwatchLogsExports": ["postgresql"],
    "performanceInsightsEnabled": True,
    "performanceInsightsKmsKeyId": KEY_ARN,
    "skipFinalSnapshot": False,
    "finalSnapshotIdentifier": "db-final",
    "dbClusterParameterGroupName": "db-tls",
    "tags": {"Environment": "development"},
}
GOOD_INSTANCE = {
    "clusterIdentifier": "db",
    "instanceClass": "db.r6g.large",
    "engine": "aurora-postgresql",
    "monitoringInterval": 60.0,
    "monitoringRoleArn": "arn:aws:iam::123456789012:role/monitoring",
    "performanceInsightsEnabled": True,
    "performanceInsightsKmsKeyId": KEY_ARN,
    "availabilityZone": "eu-west-1a",
}


def test_good_cluster_and_instance_pass_every_resource_rule():
    a = analyzer()
    cluster = a.analyze(resource(CLUSTER, "db", GOOD_CLUSTER))
    instance = a.analyze(resource(INSTANCE, "db-1", GOOD_INSTANCE))
    assert cluster.violations == []
    assert instance.violations == []


# --- aurora-storage-encrypted -------------------------------------------------------------------------------------

def test_storage_encrypted_false():
    assert check("aurora-storage-encrypted", CLUSTER, changed(GOOD_CLUSTER, storageEncrypted=False)) == [
        "storageEncrypted must be true."]


def test_storage_encrypted_unset():
    assert check("aurora-storage-encrypted", CLUSTER, changed(GOOD_CLUSTER, storageEncrypted=None)) == [
        "storageEncrypted must be true."]


def test_storage_without_cmk():
    assert check("aurora-storage-encrypted", CLUSTER, changed(GOOD_CLUSTER, kmsKeyId=None)) == [
        "kmsKeyId must name a customer-managed KMS key; without it RDS uses the AWS-managed aws/rds key."]


def test_storage_cmk_unknown_during_preview_counts_as_set():
    assert check("aurora-storage-encrypted", CLUSTER, changed(GOOD_CLUSTER, kmsKeyId=UNKNOWN)) == []


def test_global_cluster_unencrypted():
    assert check("aurora-storage-encrypted", GLOBAL, {"engine": "aurora-postgresql"}) == [
        "storageEncrypted must be true."]


def test_global_cluster_from_source_inherits_encryption():
    assert check("aurora-storage-encrypted", GLOBAL, {"sourceDbClusterIdentifier": "arn:db"}) == []


# --- aurora-backup-retention --------------------------------------------------------------------------------------

def test_retention_below_default_minimum():
    assert check("aurora-backup-retention", CLUSTER, changed(GOOD_CLUSTER, backupRetentionPeriod=1.0)) == [
        "backupRetentionPeriod is 1 days; the minimum for this stack is 7 days."]


def test_retention_one_day_short_of_the_minimum():
    assert check("aurora-backup-retention", CLUSTER, changed(GOOD_CLUSTER, backupRetentionPeriod=6.0)) == [
        "backupRetentionPeriod is 6 days; the minimum for this stack is 7 days."]


def test_retention_unset():
    assert check("aurora-backup-retention", CLUSTER, changed(GOOD_CLUSTER, backupRetentionPeriod=None)) == [
        "backupRetentionPeriod is not set (RDS keeps 1 day); the minimum for this stack is 7 days."]


def test_retention_minimum_from_config():
    config = {"aurora-backup-retention": {"minimumRetentionDays": 14}}
    assert check("aurora-backup-retention", CLUSTER, GOOD_CLUSTER, config) == [
        "backupRetentionPeriod is 7 days; the minimum for this stack is 14 days."]


def test_retention_lower_minimum_from_config_passes():
    config = {"aurora-backup-retention": {"minimumRetentionDays": 1}}
    assert check("aurora-backup-retention", CLUSTER, changed(GOOD_CLUSTER, backupRetentionPeriod=1), config) == []


def test_retention_minimum_outside_schema_is_a_config_error():
    with pytest.raises(PolicyConfigError) as error:
        analyzer({"aurora-backup-retention": {"minimumRetentionDays": 0}})
    assert error.value.errors == ["aurora-backup-retention: minimumRetentionDays: 0 is less than the minimum of 1"]


# --- simple cluster flags -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("policy", "prop", "message"), [
    ("aurora-deletion-protection", "deletionProtection", "deletionProtection must be true."),
    ("aurora-iam-auth", "iamDatabaseAuthenticationEnabled", "iamDatabaseAuthenticationEnabled must be true."),
    ("aurora-copy-tags-to-snapshot", "copyTagsToSnapshot", "copyTagsToSnapshot must be true."),
])
@pytest.mark.parametrize("value", [False, None])
def test_cluster_flag_off_or_unset(policy, prop, message, value):
    assert check(policy, CLUSTER, changed(GOOD_CLUSTER, **{prop: value})) == [message]


def test_deletion_protection_is_advisory_by_default_and_mandatory_by_config():
    props = changed(GOOD_CLUSTER, deletionProtection=False)
    default = analyzer().analyze(resource(CLUSTER, "db", props)).violations
    prod = analyzer({"aurora-deletion-protection": "mandatory"}).analyze(resource(CLUSTER, "db", props)).violations
    assert [(v.policy, v.enforcement_level) for v in default] == [("aurora-deletion-protection", "advisory")]
    assert [(v.policy, v.enforcement_level) for v in prod] == [("aurora-deletion-protection", "mandatory")]


# --- aurora-log-exports -------------------------------------------------------------------------------------------

def test_postgres_without_postgresql_log():
    assert check("aurora-log-exports", CLUSTER, changed(GOOD_CLUSTER, enabledCloudwatchLogsExports=None)) == [
        "enabledCloudwatchLogsExports must include 'postgresql' for engine aurora-postgresql."]


def test_mysql_without_audit_log():
    props = changed(GOOD_CLUSTER, engine="aurora-mysql", enabledCloudwatchLogsExports=["error", "slowquery"])
    assert check("aurora-log-exports", CLUSTER, props) == [
        "enabledCloudwatchLogsExports must include 'audit' for engine aurora-mysql."]


def test_mysql_with_audit_log_passes():
    props = changed(GOOD_CLUSTER, engine="aurora-mysql", enabledCloudwatchLogsExports=["audit", "error"])
    assert check("aurora-log-exports", CLUSTER, props) == []


# --- instances ----------------------------------------------------------------------------------------------------

def test_instance_publicly_accessible():
    assert check("rds-not-publicly-accessible", INSTANCE, changed(GOOD_INSTANCE, publiclyAccessible=True)) == [
        "publiclyAccessible must not be true."]


def test_cluster_publicly_accessible():
    assert check("rds-not-publicly-accessible", CLUSTER, changed(GOOD_CLUSTER, publiclyAccessible=True)) == [
        "publiclyAccessible must not be true."]


def test_auto_minor_upgrade_off():
    props = changed(GOOD_INSTANCE, autoMinorVersionUpgrade=False)
    assert check("rds-auto-minor-version-upgrade", INSTANCE, props) == ["autoMinorVersionUpgrade must not be false."]


def test_enhanced_monitoring_off():
    assert check("rds-enhanced-monitoring", INSTANCE, changed(GOOD_INSTANCE, monitoringInterval=0.0)) == [
        "monitoringInterval must be one of 1, 5, 10, 15, 30, 60 (0 or unset turns enhanced monitoring off)."]


def test_enhanced_monitoring_unset():
    assert check("rds-enhanced-monitoring", INSTANCE, changed(GOOD_INSTANCE, monitoringInterval=None)) == [
        "monitoringInterval must be one of 1, 5, 10, 15, 30, 60 (0 or unset turns enhanced monitoring off)."]


def test_enhanced_monitoring_without_role():
    assert check("rds-enhanced-monitoring", INSTANCE, changed(GOOD_INSTANCE, monitoringRoleArn=None)) == [
        "monitoringRoleArn must be set when monitoringInterval is non-zero."]


@pytest.mark.parametrize(("type_", "base"), [(CLUSTER, GOOD_CLUSTER), (INSTANCE, GOOD_INSTANCE)])
def test_performance_insights_without_cmk(type_, base):
    assert check("rds-performance-insights-cmk", type_, changed(base, performanceInsightsKmsKeyId=None)) == [
        "performanceInsightsKmsKeyId must name a customer-managed KMS key when Performance Insights is on."]


def test_performance_insights_off_needs_no_key():
    props = changed(GOOD_INSTANCE, performanceInsightsEnabled=False, performanceInsightsKmsKeyId=None)
    assert check("rds-performance-insights-cmk", INSTANCE, props) == []


# --- backtrack, final snapshot --------------------------------------------------------------------------------------

def test_backtrack_on_postgres():
    assert check("aurora-backtrack-mysql-only", CLUSTER, changed(GOOD_CLUSTER, backtrackWindow=3600.0)) == [
        "backtrackWindow is 3600 but backtrack exists only on Aurora MySQL; engine is aurora-postgresql."]


def test_backtrack_on_mysql_passes():
    props = changed(GOOD_CLUSTER, engine="aurora-mysql", backtrackWindow=3600.0)
    assert check("aurora-backtrack-mysql-only", CLUSTER, props) == []


def test_backtrack_zero_on_postgres_passes():
    assert check("aurora-backtrack-mysql-only", CLUSTER, changed(GOOD_CLUSTER, backtrackWindow=0.0)) == []


def test_final_snapshot_skipped():
    assert check("aurora-final-snapshot", CLUSTER, changed(GOOD_CLUSTER, skipFinalSnapshot=True)) == [
        "skipFinalSnapshot must not be true."]


def test_final_snapshot_without_identifier():
    assert check("aurora-final-snapshot", CLUSTER, changed(GOOD_CLUSTER, finalSnapshotIdentifier=None)) == [
        "finalSnapshotIdentifier must be set; without it deleting the cluster fails."]


# --- rds-proxy-require-tls ----------------------------------------------------------------------------------------

GOOD_PROXY = {"engineFamily": "POSTGRESQL", "requireTls": True, "roleArn": "arn:role", "vpcSubnetIds": ["s-1"]}


def test_proxy_with_tls_passes():
    assert check("rds-proxy-require-tls", PROXY, GOOD_PROXY) == []


@pytest.mark.parametrize("value", [False, None])
def test_proxy_without_tls(value):
    assert check("rds-proxy-require-tls", PROXY, changed(GOOD_PROXY, requireTls=value)) == ["requireTls must be true."]


# --- AWS-managed keys are not customer-managed keys ----------------------------------------------------------------

AWS_MANAGED = ["alias/aws/rds", "ALIAS/AWS/RDS", " alias/aws/rds", "arn:aws:kms:eu-west-1:123456789012:alias/aws/rds",
               "arn:aws-us-gov:kms:us-gov-west-1:123456789012:alias/aws/rds",
               "arn:aws-cn:kms:cn-north-1:123456789012:alias/aws/rds"]


@pytest.mark.parametrize("key", AWS_MANAGED)
def test_cluster_storage_with_an_aws_managed_key(key):
    assert check("aurora-storage-encrypted", CLUSTER, changed(GOOD_CLUSTER, kmsKeyId=key)) == [
        f"kmsKeyId {key.strip()} is an AWS-managed key; name a customer-managed KMS key."]


@pytest.mark.parametrize(("type_", "base"), [(CLUSTER, GOOD_CLUSTER), (INSTANCE, GOOD_INSTANCE)])
@pytest.mark.parametrize("key", ["alias/aws/rds", "arn:aws:kms:eu-west-1:123456789012:alias/aws/rds"])
def test_performance_insights_with_an_aws_managed_key(type_, base, key):
    assert check("rds-performance-insights-cmk", type_, changed(base, performanceInsightsKmsKeyId=key)) == [
        f"performanceInsightsKmsKeyId {key} is an AWS-managed key; name a customer-managed KMS key."]


@pytest.mark.parametrize("key", ["alias/app-db", "arn:aws:kms:eu-west-1:123456789012:alias/awsome/rds",
                                 "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e"])
def test_customer_keys_and_aliases_pass(key):
    assert check("aurora-storage-encrypted", CLUSTER, changed(GOOD_CLUSTER, kmsKeyId=key)) == []


# --- rds.Instance (Security Hub RDS.2, RDS.3, RDS.8, RDS.11) ---------------------------------------------------------

DB_INSTANCE = "aws:rds/instance:Instance"
GOOD_DB_INSTANCE = {
    "identifier": "app", "engine": "postgres", "engineVersion": "16.4", "instanceClass": "db.t4g.medium",
    "allocatedStorage": 20.0, "storageEncrypted": True, "kmsKeyId": KEY_ARN, "backupRetentionPeriod": 7.0,
    "deletionProtection": True, "publiclyAccessible": False, "parameterGroupName": "app-tls",
    "monitoringInterval": 60.0, "monitoringRoleArn": "arn:aws:iam::123456789012:role/monitoring",
    "performanceInsightsEnabled": True, "performanceInsightsKmsKeyId": KEY_ARN,
}


def test_good_db_instance_passes_every_resource_rule():
    assert analyzer().analyze(resource(DB_INSTANCE, "app", GOOD_DB_INSTANCE)).violations == []


def test_db_instance_publicly_accessible():
    assert check("rds-not-publicly-accessible", DB_INSTANCE, changed(GOOD_DB_INSTANCE, publiclyAccessible=True)) == [
        "publiclyAccessible must not be true."]


@pytest.mark.parametrize("value", [False, None])
def test_db_instance_storage_not_encrypted(value):
    props = changed(GOOD_DB_INSTANCE, storageEncrypted=value)
    assert check("rds-instance-storage-encrypted", DB_INSTANCE, props) == ["storageEncrypted must be true."]


def test_db_instance_storage_without_cmk():
    assert check("rds-instance-storage-encrypted", DB_INSTANCE, changed(GOOD_DB_INSTANCE, kmsKeyId=None)) == [
        "kmsKeyId must name a customer-managed KMS key; without it RDS uses the AWS-managed aws/rds key."]


@pytest.mark.parametrize("key", AWS_MANAGED)
def test_db_instance_storage_with_an_aws_managed_key(key):
    assert check("rds-instance-storage-encrypted", DB_INSTANCE, changed(GOOD_DB_INSTANCE, kmsKeyId=key)) == [
        f"kmsKeyId {key.strip()} is an AWS-managed key; name a customer-managed KMS key."]


def test_db_instance_storage_encrypted_as_a_string_from_config():
    props = changed(GOOD_DB_INSTANCE, storageEncrypted="false")
    assert check("rds-instance-storage-encrypted", DB_INSTANCE, props) == ["storageEncrypted must be true."]


def test_read_replica_takes_encryption_from_its_source_but_needs_its_key():
    replica = changed(GOOD_DB_INSTANCE, storageEncrypted=None, replicateSourceDb="app", backupRetentionPeriod=None)
    assert check("rds-instance-storage-encrypted", DB_INSTANCE, replica) == []
    assert check("rds-instance-storage-encrypted", DB_INSTANCE, changed(replica, kmsKeyId=None)) == [
        "kmsKeyId must name a customer-managed KMS key; without it RDS uses the AWS-managed aws/rds key."]


@pytest.mark.parametrize(("days", "shown"), [(0.0, "0"), (6.0, "6"), (1, "1")])
def test_db_instance_backups_too_short(days, shown):
    props = changed(GOOD_DB_INSTANCE, backupRetentionPeriod=days)
    assert check("rds-instance-backup-retention", DB_INSTANCE, props) == [
        f"backupRetentionPeriod is {shown} days; the minimum for this stack is 7 days."]


def test_db_instance_backups_unset():
    props = changed(GOOD_DB_INSTANCE, backupRetentionPeriod=None)
    assert check("rds-instance-backup-retention", DB_INSTANCE, props) == [
        "backupRetentionPeriod is not set (RDS keeps 1 day); the minimum for this stack is 7 days."]


def test_db_instance_backup_minimum_from_config():
    config = {"rds-instance-backup-retention": {"minimumRetentionDays": 14}}
    assert check("rds-instance-backup-retention", DB_INSTANCE, GOOD_DB_INSTANCE, config) == [
        "backupRetentionPeriod is 7 days; the minimum for this stack is 14 days."]


def test_read_replica_needs_no_backups():
    props = changed(GOOD_DB_INSTANCE, backupRetentionPeriod=0.0, replicateSourceDb="app")
    assert check("rds-instance-backup-retention", DB_INSTANCE, props) == []


@pytest.mark.parametrize("value", [False, None])
def test_db_instance_without_deletion_protection_is_advisory_by_default(value):
    props = changed(GOOD_DB_INSTANCE, deletionProtection=value)
    violations = analyzer().analyze(resource(DB_INSTANCE, "app", props)).violations
    assert [(v.policy, v.enforcement_level, v.detail) for v in violations] == [
        ("rds-instance-deletion-protection", "advisory", "deletionProtection must be true.")]


def test_db_instance_performance_insights_with_aws_managed_key():
    props = changed(GOOD_DB_INSTANCE, performanceInsightsKmsKeyId="alias/aws/rds")
    assert check("rds-performance-insights-cmk", DB_INSTANCE, props) == [
        "performanceInsightsKmsKeyId alias/aws/rds is an AWS-managed key; name a customer-managed KMS key."]


@pytest.mark.parametrize(("policy", "type_", "base", "prop", "message"), [
    ("aurora-storage-encrypted", CLUSTER, GOOD_CLUSTER, "kmsKeyId",
     "kmsKeyId must name a customer-managed KMS key; without it RDS uses the AWS-managed aws/rds key."),
    ("rds-instance-storage-encrypted", DB_INSTANCE, GOOD_DB_INSTANCE, "kmsKeyId",
     "kmsKeyId must name a customer-managed KMS key; without it RDS uses the AWS-managed aws/rds key."),
    ("rds-performance-insights-cmk", INSTANCE, GOOD_INSTANCE, "performanceInsightsKmsKeyId",
     "performanceInsightsKmsKeyId must name a customer-managed KMS key when Performance Insights is on."),
])
@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_key_is_no_key(policy, type_, base, prop, message, blank):
    # The provider drops an empty kmsKeyId and RDS falls back to the AWS-managed key.
    assert check(policy, type_, changed(base, **{prop: blank})) == [message]
