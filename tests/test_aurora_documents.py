"""The IAM and bucket policy documents of the Aurora components, written out whole (docs/mutation-testing.md, "Kill
rate of the Aurora components"). Mutation testing found changes to them that no test noticed: a statement's
`Effect` in lower case, a `Sid` replaced, a condition key renamed.

Each document is what the requirement says, as a literal: IAM reads `Effect` case-sensitively ("Allow" or "Deny",
IAM JSON policy element reference), `Version` "2012-10-17" is the only version that supports policy variables and
the current grammar, the service principals are the ones each service documents, and a `Sid` is the name a reviewer
and the policy pack's messages use for a statement. A document that differs is a different policy: it goes out
on the next `pulumi up`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.aurora import password_read_policy
from components.aurora_backup import backup_role_policy, backup_trust_policy
from components.aurora_monitoring import monitoring_trust_policy
from components.aurora_sql import export_policy, import_policy, lambda_policy, tls_only_bucket_policy, trust_policy

ACCOUNT = "123456789012"
CLUSTER_ARN = "arn:aws:rds:us-east-1:123456789012:cluster:aurora-platform-prod"
VAULT_ARN = "arn:aws:backup:us-east-1:123456789012:backup-vault:aurora-platform-prod-backups"
COPY_VAULT_ARN = "arn:aws:backup:eu-west-1:123456789012:backup-vault:copies"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


# ---- the master password -----------------------------------------------------------------------------------------
PARAMETER_ARN = "arn:aws:ssm:us-east-1:123456789012:parameter/aurora-platform/prod/database/password"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-1234-AbCdEf"


def test_reading_the_password_from_ssm_is_one_parameter_through_ssm_only():
    assert password_read_policy("ssm", PARAMETER_ARN, KEY_ARN, "us-east-1") == {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadTheDatabasePassword", "Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters"],
         "Resource": PARAMETER_ARN},
        {"Sid": "DecryptTheDatabasePassword", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY_ARN,
         "Condition": {"StringEquals": {"kms:ViaService": "ssm.us-east-1.amazonaws.com",
                                        "kms:EncryptionContext:PARAMETER_ARN": PARAMETER_ARN}}}]}


def test_reading_the_rds_managed_password_is_one_secret_through_secrets_manager_only():
    assert password_read_policy("secretsmanager", SECRET_ARN, KEY_ARN, "eu-west-1") == {
        "Version": "2012-10-17", "Statement": [
            {"Sid": "ReadTheDatabasePassword", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
             "Resource": SECRET_ARN},
            {"Sid": "DecryptTheDatabasePassword", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY_ARN,
             "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com",
                                            "kms:EncryptionContext:SecretARN": SECRET_ARN}}}]}


def test_a_service_that_holds_no_password_is_refused():
    with pytest.raises(KeyError):
        password_read_policy("s3", PARAMETER_ARN, KEY_ARN, "us-east-1")


# ---- AWS Backup ---------------------------------------------------------------------------------------------------
def backup_statements(copy_vault: list[str]) -> list[dict]:
    return [
        {"Sid": "DescribeAurora", "Effect": "Allow",
         "Action": ["rds:DescribeDBClusters", "rds:DescribeDBClusterSnapshots", "rds:DescribeDBClusterAutomatedBackups",
                    "rds:ListTagsForResource"],
         "Resource": "*"},
        {"Sid": "SnapshotTheCluster", "Effect": "Allow",
         "Action": ["rds:CreateDBClusterSnapshot", "rds:AddTagsToResource"],
         "Resource": [CLUSTER_ARN, "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:awsbackup:*"]},
        {"Sid": "CopyAndExpireBackupSnapshots", "Effect": "Allow",
         "Action": ["rds:CopyDBClusterSnapshot", "rds:DeleteDBClusterSnapshot", "rds:AddTagsToResource"],
         "Resource": "arn:aws:rds:*:123456789012:cluster-snapshot:awsbackup:*"},
        {"Sid": "Vaults", "Effect": "Allow", "Action": ["backup:DescribeBackupVault", "backup:CopyIntoBackupVault"],
         "Resource": [VAULT_ARN, *copy_vault]}]


def test_the_backup_role_snapshots_this_cluster_and_touches_only_aws_backups_own_snapshots():
    assert backup_role_policy("aws", "us-east-1", ACCOUNT, CLUSTER_ARN, VAULT_ARN, None) == {
        "Version": "2012-10-17", "Statement": backup_statements([])}


def test_the_backup_role_may_copy_into_the_copy_vault_and_no_other():
    assert backup_role_policy("aws", "us-east-1", ACCOUNT, CLUSTER_ARN, VAULT_ARN, COPY_VAULT_ARN) == {
        "Version": "2012-10-17", "Statement": backup_statements([COPY_VAULT_ARN])}


def test_the_backup_role_in_another_partition_names_that_partition():
    document = backup_role_policy("aws-us-gov", "us-gov-west-1", ACCOUNT, "arn:aws-us-gov:rds:us-gov-west-1:"
                                  "123456789012:cluster:c", "arn:aws-us-gov:backup:us-gov-west-1:123456789012:"
                                  "backup-vault:v", None)
    assert document["Statement"][1]["Resource"] == [
        "arn:aws-us-gov:rds:us-gov-west-1:123456789012:cluster:c",
        "arn:aws-us-gov:rds:us-gov-west-1:123456789012:cluster-snapshot:awsbackup:*"]
    assert document["Statement"][2]["Resource"] == "arn:aws-us-gov:rds:*:123456789012:cluster-snapshot:awsbackup:*"


def test_only_aws_backup_may_assume_the_backup_role():
    assert backup_trust_policy() == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


# ---- SQL services ---------------------------------------------------------------------------------------------------
def test_the_sql_roles_trust_rds_for_this_accounts_cluster_only():
    assert trust_policy("aws", "us-east-1", ACCOUNT, "aurora-platform-prod") == {
        "Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "rds.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                      "ArnEquals": {"aws:SourceArn": CLUSTER_ARN}}}]}


def test_the_export_bucket_refuses_every_request_without_tls():
    bucket = "arn:aws:s3:::aurora-platform-prod-exports-20261202"
    assert tls_only_bucket_policy(bucket) == {"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyWithoutTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [bucket, f"{bucket}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}


def test_exports_write_under_the_prefix_and_encrypt_through_s3_for_this_bucket_only():
    assert export_policy("aws", "exports", "daily/", KEY_ARN, "us-east-1") == {"Version": "2012-10-17", "Statement": [
        {"Sid": "WriteExports", "Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
         "Resource": "arn:aws:s3:::exports/daily/*"},
        {"Sid": "EncryptExports", "Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
         "Resource": KEY_ARN,
         "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com",
                                        "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::exports"}}}]}
    assert export_policy("aws", "exports", "daily/", None, "us-east-1")["Statement"] == [
        {"Sid": "WriteExports", "Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
         "Resource": "arn:aws:s3:::exports/daily/*"}]


def test_imports_read_and_list_only_the_prefix():
    assert import_policy("aws", "blog-imports", "csv/") == {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadImports", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::blog-imports/csv/*"},
        {"Sid": "ListImports", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::blog-imports",
         "Condition": {"StringLike": {"s3:prefix": ["csv/*"]}}}]}


def test_lambda_invoke_names_each_function():
    assert lambda_policy("aws", "us-east-1", ACCOUNT, ("notify", "audit")) == {"Version": "2012-10-17", "Statement": [{
        "Sid": "InvokeNamedFunctions", "Effect": "Allow", "Action": "lambda:InvokeFunction",
        "Resource": ["arn:aws:lambda:us-east-1:123456789012:function:notify",
                     "arn:aws:lambda:us-east-1:123456789012:function:audit"]}]}


# ---- Enhanced Monitoring ------------------------------------------------------------------------------------------
MONITORING = {"Effect": "Allow", "Principal": {"Service": "monitoring.rds.amazonaws.com"}, "Action": "sts:AssumeRole"}


def test_enhanced_monitoring_is_trusted_for_the_named_instances_of_this_account():
    assert monitoring_trust_policy("aws", "us-east-1", ACCOUNT, ["c-1", "c-2"]) == {
        "Version": "2012-10-17", "Statement": [{**MONITORING, "Condition": {
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
            "ArnEquals": {"aws:SourceArn": ["arn:aws:rds:us-east-1:123456789012:db:c-1",
                                            "arn:aws:rds:us-east-1:123456789012:db:c-2"]}}}]}


def test_autoscaled_readers_are_trusted_by_the_prefix_aurora_auto_scaling_names_them_with():
    assert monitoring_trust_policy("aws", "us-east-1", ACCOUNT, ["c-1"], autoscaled=True) == {
        "Version": "2012-10-17", "Statement": [
            {**MONITORING, "Condition": {
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnEquals": {"aws:SourceArn": ["arn:aws:rds:us-east-1:123456789012:db:c-1"]}}},
            {**MONITORING, "Condition": {
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnLike": {"aws:SourceArn": "arn:aws:rds:us-east-1:123456789012:db:application-autoscaling-*"}}}]}


def test_without_autoscaling_there_is_no_prefix_statement():
    assert len(monitoring_trust_policy("aws", "us-east-1", ACCOUNT, ["c-1"], autoscaled=False)["Statement"]) == 1


# ---- rds-db:connect (AuroraCluster.grant_connect) ----------------------------------------------------------------
PROGRAM = Path(__file__).parent / "programs" / "aurora"


def test_grant_connect_is_one_allow_statement_for_one_database_user(evaluate):
    run = evaluate("test", None, PROGRAM)
    cluster = run.one("aws:rds/cluster:Cluster")
    [policy] = [p for p in run.of_type("aws:iam/rolePolicy:RolePolicy") if p.name.endswith("-connect")]
    assert json.loads(policy.inputs["policy"]) == {"Version": "2012-10-17", "Statement": [{
        "Sid": "ConnectWithIamAuthentication", "Effect": "Allow", "Action": "rds-db:connect",
        "Resource": [f"arn:aws:rds-db:eu-west-1:123456789012:dbuser:{cluster.outputs['clusterResourceId']}/blog_app"],
    }]}
