"""AWS services from SQL (`database.s3Export`, `s3Import`, `lambdaInvoke`): one IAM role per feature, each scoped to
one bucket prefix or to named functions, associated with the cluster; and the export bucket when the stack makes one:
private (every public access block, owner-enforced objects), TLS-only, encrypted with the database key."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from .private_bucket import lock_down
from .settings.database import DatabaseSettings
from .settings.database_sql import FEATURES

# S3's bucket_prefix takes at most 37 characters (the provider adds a unique suffix up to 63).
BUCKET_PREFIX_MAX = 37


def trust_policy(partition: str, region: str, account_id: str, cluster_identifier: str) -> dict:
    """RDS may assume the role for this account's cluster only (aws:SourceAccount + aws:SourceArn, the confused-deputy
    conditions the Aurora guide gives for these roles). The cluster's ARN is known before it exists."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "rds.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id},
                      "ArnEquals": {"aws:SourceArn": f"arn:{partition}:rds:{region}:{account_id}:cluster:"
                                                     f"{cluster_identifier}"}}}]}


def export_policy(partition: str, bucket: str, prefix: str, key_arn: str | None, region: str) -> dict:
    """Write objects under the prefix only (no read, no delete, no other key); encrypt through S3 only, for this
    bucket only (S3 Bucket Keys send the bucket's ARN as the encryption context)."""
    bucket_arn = f"arn:{partition}:s3:::{bucket}"
    statements: list[dict] = [{"Sid": "WriteExports", "Effect": "Allow",
                               "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
                               "Resource": f"{bucket_arn}/{prefix}*"}]
    if key_arn:
        statements.append({"Sid": "EncryptExports", "Effect": "Allow",
                           "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": key_arn,
                           "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com",
                                                          "kms:EncryptionContext:aws:s3:arn": bucket_arn}}})
    return {"Version": "2012-10-17", "Statement": statements}


def import_policy(partition: str, bucket: str, prefix: str) -> dict:
    """Read objects under the prefix, and list only that prefix."""
    bucket_arn = f"arn:{partition}:s3:::{bucket}"
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadImports", "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"{bucket_arn}/{prefix}*"},
        {"Sid": "ListImports", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn,
         "Condition": {"StringLike": {"s3:prefix": [f"{prefix}*"]}}},
    ]}


def lambda_policy(partition: str, region: str, account_id: str, functions: tuple[str, ...]) -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "InvokeNamedFunctions", "Effect": "Allow", "Action": "lambda:InvokeFunction",
        "Resource": [f"arn:{partition}:lambda:{region}:{account_id}:function:{f}" for f in functions]}]}


def tls_only_bucket_policy(bucket_arn: str) -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyWithoutTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}


class SqlServices:
    """Built by AuroraCluster; `export_bucket` is None without s3Export. The bucket is protected with the cluster:
    it holds data."""

    def __init__(self, name: str, cluster_identifier: str, settings: DatabaseSettings, cluster: aws.rds.Cluster,
                 key_arn: pulumi.Input[str], partition: pulumi.Output[str], region: pulumi.Output[str],
                 account_id: pulumi.Output[str], tags: Mapping[str, str], parent: pulumi.Resource, *,
                 protect: bool):
        self.export_bucket: aws.s3.Bucket | None = None
        self.associations: list[aws.rds.ClusterRoleAssociation] = []
        opts = pulumi.ResourceOptions(parent=parent)
        trust = pulumi.Output.all(partition, region, account_id).apply(
            lambda v: json.dumps(trust_policy(*v, cluster_identifier)))
        export, import_, invoke = settings.s3_export, settings.s3_import, settings.lambda_invoke

        if export.enabled:
            self.export_bucket = self._bucket(name, cluster_identifier, export.expiration_days, key_arn, tags,
                                              pulumi.ResourceOptions(parent=parent, protect=protect))
            bucket_name, export_key = self.export_bucket.bucket, key_arn
            document = pulumi.Output.all(partition, bucket_name, export_key, region).apply(
                lambda v: json.dumps(export_policy(v[0], v[1], export.prefix, v[2], v[3])))
            self._role(name, "s3Export", trust, document, cluster, tags, opts)
        if import_.enabled:
            document = partition.apply(lambda p: json.dumps(import_policy(p, import_.bucket_name, import_.prefix)))
            self._role(name, "s3Import", trust, document, cluster, tags, opts)
        if invoke.enabled:
            document = pulumi.Output.all(partition, region, account_id).apply(
                lambda v: json.dumps(lambda_policy(*v, invoke.functions)))
            self._role(name, "lambdaInvoke", trust, document, cluster, tags, opts)

    def _role(self, name: str, setting: str, trust: pulumi.Output[str], document: pulumi.Output[str],
              cluster: aws.rds.Cluster, tags: Mapping[str, str], opts: pulumi.ResourceOptions) -> None:
        feature = FEATURES[setting]
        role = aws.iam.Role(f"{name}-{setting}", assume_role_policy=trust,
                            description=f"Aurora {feature} from SQL", tags={**tags, "Name": f"{name}-{setting}"},
                            opts=opts)
        policy = aws.iam.RolePolicy(f"{name}-{setting}", role=role.id, policy=document, opts=opts)
        # The association waits for the policy: RDS checks the role when the extension first calls the service.
        self.associations.append(aws.rds.ClusterRoleAssociation(
            f"{name}-{setting}", db_cluster_identifier=cluster.id, feature_name=feature, role_arn=role.arn,
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[policy]))))

    @staticmethod
    def _bucket(name: str, cluster_identifier: str, expiration_days: int, key_arn: pulumi.Input[str],
                tags: Mapping[str, str], opts: pulumi.ResourceOptions) -> aws.s3.Bucket:
        prefix = f"{cluster_identifier}-exports-"[:BUCKET_PREFIX_MAX]
        bucket = aws.s3.Bucket(f"{name}-exports", bucket_prefix=prefix, tags={**tags, "Name": f"{name}-exports"},
                               opts=opts)
        lock_down(f"{name}-exports", bucket, encryption=aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
            apply_server_side_encryption_by_default=aws.s3
            .BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="aws:kms", kms_master_key_id=key_arn),
            bucket_key_enabled=True),
            policy=bucket.arn.apply(lambda arn: json.dumps(tls_only_bucket_policy(arn))),
            expiration=("expire-exports", expiration_days),
            # the bucket's settings need no protect of their own
            opts=pulumi.ResourceOptions(parent=opts.parent))
        return bucket
