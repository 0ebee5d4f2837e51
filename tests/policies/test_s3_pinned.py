"""S3 rules: behaviours surviving mutants showed unpinned.

Every expected message is written out from the rule's meaning: a TLS-only statement must cover the bucket and all
its objects (IAM reads `[` literally, NotResource never counts, a wildcard ARN of any partition covers); the bucket's
name is its `bucket` or else its `id`; a separate resource with no bucket named belongs to no bucket; one grant or
rule without the expected shape never hides the next; the order of the stack's resources changes no verdict.
"""

from __future__ import annotations

import pytest

from preflight.policy_eval import UNKNOWN

from .policy_helpers import check, check_stack, resource
from .test_policy_s3 import (
    BUCKET,
    EXPORT,
    FLAGS,
    KEY_ARN,
    NAME,
    PAB,
    POLICY,
    SSE,
    TLS,
    TLS_MESSAGE,
    bucket,
    bucket_policy,
    doc,
    export,
    linked,
    pab,
)

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
ACL_V2 = "aws:s3/bucketAclV2:BucketAclV2"
NO_ENCRYPTION = ("Bucket 'exports' holds exports ({}) but has no default encryption; add a "
                 "BucketServerSideEncryptionConfiguration with aws:kms and a customer-managed kmsMasterKeyId.")


def tls_only(resources):
    return check_stack("s3-bucket-tls-only", resources)


# --- s3-bucket-tls-only: what a statement covers -----------------------------------------------------------------

def test_a_tls_statement_with_not_resource_does_not_count():
    # NotResource naming the bucket denies everything *but* the bucket: TLS is not enforced on it.
    b = bucket()
    statement = {k: v for k, v in TLS.items() if k != "Resource"}
    statement["NotResource"] = [f"arn:aws:s3:::{NAME}", f"arn:aws:s3:::{NAME}/*"]
    assert tls_only([b, bucket_policy(b, statement)]) == [TLS_MESSAGE]


def test_a_bracket_in_a_resource_is_literal_as_in_iam():
    # IAM has no character classes: aurora-export[s] names a bucket called that, not aurora-exports.
    b = bucket()
    statement = {**TLS, "Resource": ["arn:aws:s3:::aurora-export[s]", "arn:aws:s3:::aurora-export[s]/*"]}
    assert tls_only([b, bucket_policy(b, statement)]) == [TLS_MESSAGE]


@pytest.mark.parametrize("resources", [
    [f" arn:aws:s3:::{NAME}", f" arn:aws:s3:::{NAME}/*"],
    [f"arn:aws:s3:::{NAME} ", f"arn:aws:s3:::{NAME}/* "],
    [f" arn:aws-cn:s3:::{NAME}", f" arn:aws-cn:s3:::{NAME}/*"],
    [" arn:aws:s3:::*", " arn:aws:s3:::*/*"],
    [" *"],
], ids=["leading-blank", "trailing-blank", "leading-blank-other-partition", "leading-blank-wildcard", "blank-star"])
def test_a_resource_with_blanks_around_it_does_not_count(resources):
    # How S3 reads " arn:..." is not established offline; if literally, the statement covers nothing. The gate asks
    # for the plain ARN rather than guess the lenient reading.
    b = bucket()
    assert tls_only([b, bucket_policy(b, {**TLS, "Resource": resources})]) == [TLS_MESSAGE]


def test_a_resource_naming_another_partition_after_a_wildcard_does_not_count():
    # "*:aws-cn:s3:::NAME" never matches the bucket's ARN in the aws partition, whatever the wildcard stands for.
    b = bucket()
    statement = {**TLS, "Resource": [f"*:aws-cn:s3:::{NAME}", f"*:aws-cn:s3:::{NAME}/*"]}
    assert tls_only([b, bucket_policy(b, statement)]) == [TLS_MESSAGE]


@pytest.mark.parametrize("partition", ["aws", "aws-cn", "aws-us-gov"])
def test_a_wildcard_arn_of_any_partition_covers_the_bucket(partition):
    # arn:<partition>:* is every resource of that partition, the bucket (in that partition) and its objects too.
    b = bucket()
    assert tls_only([b, bucket_policy(b, {**TLS, "Resource": f"arn:{partition}:*"})]) == []


def test_a_tls_statement_on_one_prefix_does_not_count_for_a_bucket_known_by_its_id():
    # The bucket's name comes from its id when no `bucket` is set: a statement covering only public/ leaves the
    # other objects reachable over plain HTTP.
    b = resource(BUCKET, "exports", {"id": NAME})
    statement = {**TLS, "Resource": [f"arn:aws:s3:::{NAME}", f"arn:aws:s3:::{NAME}/public/*"]}
    assert tls_only([b, bucket_policy(b, statement)]) == [TLS_MESSAGE]
    assert tls_only([b, bucket_policy(b, TLS)]) == []


def test_a_bucket_whose_name_is_not_known_is_covered_by_a_statement_on_every_resource():
    b = bucket({"bucket": UNKNOWN})
    assert tls_only([b, bucket_policy(b, {**TLS, "Resource": "*"})]) == []


def test_a_bucket_whose_name_is_not_known_is_not_covered_by_a_statement_without_its_objects():
    b = bucket({"bucket": UNKNOWN})
    statement = {**TLS, "Resource": ["arn:aws:s3:::exports-1a2b3c4"]}
    assert tls_only([b, bucket_policy(b, statement)]) == [TLS_MESSAGE]


def test_a_bucket_policy_that_names_no_bucket_belongs_to_none():
    b = bucket()
    orphan = resource(POLICY, "orphan", {"policy": doc(TLS)})
    assert tls_only([b, orphan]) == [TLS_MESSAGE]


def test_a_bucket_listed_after_its_policy_is_still_checked():
    # A state file lists resources in its own order; the bucket after another resource is still judged.
    b = bucket()
    assert tls_only([bucket_policy(b, {**TLS, "Effect": "Allow"}), b]) == [TLS_MESSAGE]


# --- s3-bucket-public-access-blocked -----------------------------------------------------------------------------

def test_every_setting_left_off_is_named():
    b = bucket()
    assert check_stack("s3-bucket-public-access-blocked", [b, pab(b, blockPublicAcls=False,
                                                                  restrictPublicBuckets=None)]) == [
        "BucketPublicAccessBlock 'exports' must set blockPublicAcls, restrictPublicBuckets to true."]


def test_a_public_access_block_that_names_no_bucket_belongs_to_none():
    b = bucket()
    orphan = resource(PAB, "orphan", FLAGS)
    assert check_stack("s3-bucket-public-access-blocked", [b, orphan]) == [
        "Bucket 'exports' has no BucketPublicAccessBlock; add one (bucket=<this bucket>.id) with blockPublicAcls, "
        "blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets true."]


# --- s3-bucket-no-public-policy: grants --------------------------------------------------------------------------

def test_a_grant_without_grantee_does_not_hide_a_public_grant_after_it():
    # The SDK's grantee is optional: a grant without one names nobody, and the next grant is still read.
    props = {"bucket": NAME, "accessControlPolicy": {"owner": {"id": "o"}, "grants": [
        {"permission": "READ"},
        {"permission": "READ", "grantee": {"type": "Group", "uri": ALL_USERS}}]}}
    assert check("s3-bucket-no-public-policy", ACL_V2, props) == [
        f"a grant to {ALL_USERS} opens the bucket to everyone; grant to accounts or canonical users only."]


# --- s3-export-bucket-cmk ----------------------------------------------------------------------------------------

def test_every_export_of_a_bucket_is_named():
    b = bucket()
    nightly = linked(EXPORT, "nightly", {"exportTaskIdentifier": "e2", "kmsKeyId": KEY_ARN}, b, prop="s3BucketName")
    assert check_stack("s3-export-bucket-cmk", [b, export(b), nightly]) == [NO_ENCRYPTION.format("snapshot, nightly")]


def test_an_export_bucket_listed_after_its_task_is_still_checked():
    b = bucket()
    assert check_stack("s3-export-bucket-cmk", [export(b), b]) == [NO_ENCRYPTION.format("snapshot")]


def test_a_malformed_encryption_rule_does_not_hide_the_rule_after_it():
    b = bucket()
    config = linked(SSE, "exports", {"rules": [None, {"applyServerSideEncryptionByDefault": {
        "sseAlgorithm": "aws:kms", "kmsMasterKeyId": "alias/aws/s3"}}]}, b)
    assert check_stack("s3-export-bucket-cmk", [b, config, export(b)]) == [
        "BucketServerSideEncryptionConfiguration 'exports' rules[1] names alias/aws/s3, an AWS-managed key; name a "
        "customer-managed KMS key."]
