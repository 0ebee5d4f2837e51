"""What every private bucket of the stack is given besides itself: all public access blocked, ACLs off (the bucket
owner owns every object), default encryption, a bucket policy, and an expiry when the caller wants one. The SQL export
bucket (components/aurora_sql.py) and the load balancer's access-log bucket (components/load_balancer.py) use it."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws


def lock_down(name: str, bucket: aws.s3.Bucket, *, encryption: aws.s3.BucketServerSideEncryptionConfigurationRuleArgs,
              policy: pulumi.Input[str], expiration: tuple[str, int] | None,
              opts: pulumi.ResourceOptions) -> list[pulumi.Resource]:
    """The bucket's settings, named `name`; `expiration` is (rule id, days), none when None or 0 days. Returns the
    policy, ownership and encryption resources: what must exist before a service writes into the bucket."""
    block = aws.s3.BucketPublicAccessBlock(
        name, bucket=bucket.id, block_public_acls=True, block_public_policy=True, ignore_public_acls=True,
        restrict_public_buckets=True, opts=opts)
    ownership = aws.s3.BucketOwnershipControls(
        name, bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"), opts=opts)
    encrypted = aws.s3.BucketServerSideEncryptionConfiguration(name, bucket=bucket.id, rules=[encryption], opts=opts)
    bucket_policy = aws.s3.BucketPolicy(
        name, bucket=bucket.id, policy=policy,
        # S3 refuses a policy while the public access block is being written; one after the other.
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[block])))
    if expiration and expiration[1]:
        rule_id, days = expiration
        aws.s3.BucketLifecycleConfiguration(
            name, bucket=bucket.id,
            rules=[aws.s3.BucketLifecycleConfigurationRuleArgs(
                id=rule_id, status="Enabled", filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=days))],
            opts=opts)
    return [bucket_policy, ownership, encrypted]
