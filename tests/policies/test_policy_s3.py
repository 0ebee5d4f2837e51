"""S3 rules: a fully configured bucket passes; each missing or weakened piece fails with the exact message.

Separate resources belong to their bucket through the `bucket` property dependency (what `bucket=b.id` records);
by value only when no dependency was recorded (an old state file)."""

import json

import pytest

from .policy_helpers import changed, check, check_stack, resource

BUCKET = "aws:s3/bucket:Bucket"
BUCKET_V2 = "aws:s3/bucketV2:BucketV2"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ACCOUNT_PAB = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
SSE_V2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
EXPORT = "aws:rds/exportTask:ExportTask"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e"
NAME = "aurora-exports"

FLAGS = {"blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True, "restrictPublicBuckets": True}
TLS = {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
       "Resource": [f"arn:aws:s3:::{NAME}", f"arn:aws:s3:::{NAME}/*"],
       "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def bucket(props=None, type_=BUCKET, name="exports"):
    return resource(type_, name, {"bucket": NAME} if props is None else props)


def linked(type_, name, props, target, prop="bucket"):
    """A resource whose `prop` was computed from `target` (bucket=target.id)."""
    return resource(type_, name, {prop: NAME, **props}, property_dependencies={prop: [target.urn]})


def pab(target, **flags):
    return linked(PAB, "exports", {**FLAGS, **flags}, target)


def bucket_policy(target, *statements):
    return linked(POLICY, "exports", {"policy": doc(*statements)}, target)


def sse(target, algorithm="aws:kms", key=KEY_ARN, type_=SSE):
    default = {"sseAlgorithm": algorithm, **({"kmsMasterKeyId": key} if key is not None else {})}
    return linked(type_, "exports", {"rules": [{"applyServerSideEncryptionByDefault": default}]}, target)


def export(target, **props):
    return linked(EXPORT, "snapshot", {"exportTaskIdentifier": "e1", "kmsKeyId": KEY_ARN, **props}, target,
                  prop="s3BucketName")


# --- s3-bucket-public-access-blocked -----------------------------------------------------------------------------

def test_bucket_with_a_full_public_access_block_passes():
    b = bucket()
    assert check_stack("s3-bucket-public-access-blocked", [b, pab(b)]) == []


@pytest.mark.parametrize("type_", [BUCKET, BUCKET_V2])
def test_bucket_without_public_access_block(type_):
    b = bucket(type_=type_)
    assert check_stack("s3-bucket-public-access-blocked", [b]) == [
        f"{type_.split(':')[-1]} 'exports' has no BucketPublicAccessBlock; add one (bucket=<this bucket>.id) with "
        "blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets true."]


@pytest.mark.parametrize("value", [False, None, "false"])
def test_public_access_block_with_a_setting_off(value):
    b = bucket()
    block = pab(b, restrictPublicBuckets=value) if value is not None else \
        linked(PAB, "exports", changed(FLAGS, restrictPublicBuckets=None), b)
    assert check_stack("s3-bucket-public-access-blocked", [b, block]) == [
        "BucketPublicAccessBlock 'exports' must set restrictPublicBuckets to true."]


def test_public_access_block_of_another_bucket_does_not_count():
    mine, other = bucket(name="mine"), bucket({"bucket": "other"}, name="other")
    assert check_stack("s3-bucket-public-access-blocked", [mine, other, pab(other)]) == [
        "Bucket 'mine' has no BucketPublicAccessBlock; add one (bucket=<this bucket>.id) with blockPublicAcls, "
        "blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets true."]


def test_public_access_block_linked_by_name_without_a_dependency_record():
    b = bucket()
    assert check_stack("s3-bucket-public-access-blocked", [b, resource(PAB, "byname", {"bucket": NAME, **FLAGS})]) \
        == []


def test_account_public_access_block_with_a_setting_off():
    b = bucket()
    account = resource(ACCOUNT_PAB, "account", changed(FLAGS, blockPublicPolicy=False))
    assert check_stack("s3-bucket-public-access-blocked", [b, pab(b), account]) == [
        "AccountPublicAccessBlock 'account' must set blockPublicPolicy to true."]


# --- s3-bucket-no-public-policy ----------------------------------------------------------------------------------

READ = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{NAME}/*"}
S3_HINT = ("name the principals, or add a condition on aws:PrincipalOrgID, aws:PrincipalAccount or aws:SourceVpce "
           "that limits callers to known accounts or networks.")


@pytest.mark.parametrize(("principal", "shown"), [("*", "*"), ({"AWS": "*"}, "*"), ({"AWS": ["*"]}, "*"),
                                                  ({"AWS": "arn:aws:iam::*:root"}, "arn:aws:iam::*:root")])
def test_public_bucket_policy(principal, shown):
    props = {"bucket": NAME, "policy": doc({**READ, "Principal": principal})}
    assert check("s3-bucket-no-public-policy", POLICY, props) == [
        f"Statement[0] allows Principal {json.dumps(shown)} without a restricting condition; {S3_HINT}"]


def test_public_inline_bucket_policy_of_a_bucket_v2():
    props = {"bucket": NAME, "policy": doc({**READ, "Principal": "*"})}
    assert check("s3-bucket-no-public-policy", BUCKET_V2, props) == [
        f'Statement[0] allows Principal "*" without a restricting condition; {S3_HINT}']


@pytest.mark.parametrize("condition", [{"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}},
                                       {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}])
def test_bucket_policy_for_everyone_through_our_endpoint_or_organisation_passes(condition):
    statement = {**READ, "Principal": "*", "Condition": condition}
    assert check("s3-bucket-no-public-policy", POLICY, {"bucket": NAME, "policy": doc(statement)}) == []


@pytest.mark.parametrize("acl", ["public-read", "public-read-write", "authenticated-read", "PUBLIC-READ"])
def test_public_canned_acl(acl):
    assert check("s3-bucket-no-public-policy", BUCKET, {"bucket": NAME, "acl": acl}) == [
        f"acl {acl} opens the bucket to everyone; use private (or no ACL)."]


def test_public_grant_in_an_acl_resource():
    uri = "http://acs.amazonaws.com/groups/global/AllUsers"
    props = {"bucket": NAME, "accessControlPolicy": {"owner": {"id": "o"}, "grants": [
        {"permission": "READ", "grantee": {"type": "Group", "uri": uri}}]}}
    assert check("s3-bucket-no-public-policy", "aws:s3/bucketAclV2:BucketAclV2", props) == [
        f"a grant to {uri} opens the bucket to everyone; grant to accounts or canonical users only."]


def test_private_acl_and_named_principal_pass():
    props = {"bucket": NAME, "acl": "private",
             "policy": doc({**READ, "Principal": {"AWS": "arn:aws:iam::123456789012:role/export"}})}
    assert check("s3-bucket-no-public-policy", BUCKET, props) == []


# --- s3-bucket-tls-only -----------------------------------------------------------------------------------------

TLS_MESSAGE = ("Bucket 'exports' has no bucket policy statement that denies s3:* on the bucket and its objects to "
               'Principal "*" when aws:SecureTransport is false; add one.')


def test_bucket_policy_denying_plain_http_passes():
    b = bucket()
    assert check_stack("s3-bucket-tls-only", [b, bucket_policy(b, TLS)]) == []


def test_inline_policy_denying_plain_http_passes():
    assert check_stack("s3-bucket-tls-only", [bucket({"bucket": NAME, "policy": doc(TLS)})]) == []


@pytest.mark.parametrize("variant", [
    {"Action": ["*"]},
    {"Action": "S3:*"},
    {"Principal": {"AWS": "*"}},
    {"Condition": {"BoolIfExists": {"aws:SecureTransport": False}}},
    {"Resource": "*"},
    {"Resource": ["arn:aws:s3:::aurora-*", "arn:aws:s3:::aurora-*/*"]},
    {"effect": "deny"},
])
def test_other_correct_spellings_of_tls_only_pass(variant):
    statement = dict(TLS)
    if "effect" in variant:
        statement.pop("Effect")
    b = bucket()
    assert check_stack("s3-bucket-tls-only", [b, bucket_policy(b, {**statement, **variant})]) == []


def test_bucket_without_any_policy():
    assert check_stack("s3-bucket-tls-only", [bucket()]) == [TLS_MESSAGE]


@pytest.mark.parametrize("variant", [
    {"Effect": "Allow"},
    {"Action": "s3:GetObject"},
    {"Action": ["s3:GetObject", "s3:PutObject"]},
    {"Principal": {"AWS": "arn:aws:iam::123456789012:root"}},
    {"Condition": {"Bool": {"aws:SecureTransport": "true"}}},
    {"Condition": {"StringEquals": {"aws:SecureTransport": "false"}}},
    {"Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}},
    {"Resource": [f"arn:aws:s3:::{NAME}"]},  # the objects are not covered
    {"Resource": ["arn:aws:s3:::other-bucket", "arn:aws:s3:::other-bucket/*"]},
])
def test_statements_that_do_not_enforce_tls(variant):
    b = bucket()
    assert check_stack("s3-bucket-tls-only", [b, bucket_policy(b, {**TLS, **variant})]) == [TLS_MESSAGE]


def test_tls_policy_of_another_bucket_does_not_count():
    b, other = bucket(), bucket({"bucket": "other"}, name="other")
    other_tls = {**TLS, "Resource": ["arn:aws:s3:::other", "arn:aws:s3:::other/*"]}
    assert check_stack("s3-bucket-tls-only", [b, other, bucket_policy(other, other_tls)]) == [TLS_MESSAGE]


# --- s3-export-bucket-cmk ----------------------------------------------------------------------------------------

def test_export_bucket_under_a_customer_key_passes():
    b = bucket()
    assert check_stack("s3-export-bucket-cmk", [b, sse(b), export(b)]) == []


def test_export_bucket_with_inline_encryption_under_a_customer_key_passes():
    inline = {"rule": {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms:dsse",
                                                              "kmsMasterKeyId": KEY_ARN}}}
    b = bucket({"bucket": NAME, "serverSideEncryptionConfiguration": inline})
    assert check_stack("s3-export-bucket-cmk", [b, export(b)]) == []


def test_export_bucket_without_default_encryption():
    b = bucket()
    assert check_stack("s3-export-bucket-cmk", [b, export(b)]) == [
        "Bucket 'exports' holds exports (snapshot) but has no default encryption; add a "
        "BucketServerSideEncryptionConfiguration with aws:kms and a customer-managed kmsMasterKeyId."]


def test_export_bucket_with_s3_managed_encryption():
    b = bucket()
    assert check_stack("s3-export-bucket-cmk", [b, sse(b, "AES256", None), export(b)]) == [
        "BucketServerSideEncryptionConfiguration 'exports' rules[0] uses sseAlgorithm AES256; use aws:kms with a "
        "customer-managed kmsMasterKeyId."]


@pytest.mark.parametrize("key", [None, ""])
def test_export_bucket_with_the_default_s3_key(key):
    b = bucket()
    assert check_stack("s3-export-bucket-cmk", [b, sse(b, key=key, type_=SSE_V2), export(b)]) == [
        "BucketServerSideEncryptionConfigurationV2 'exports' rules[0] uses aws:kms without kmsMasterKeyId, which is "
        "the AWS-managed aws/s3 key; name a customer-managed KMS key."]


@pytest.mark.parametrize("key", ["alias/aws/s3", "arn:aws:kms:eu-west-1:123456789012:alias/aws/s3"])
def test_any_bucket_naming_the_aws_managed_s3_key(key):
    b = bucket()  # not an export bucket: naming a KMS key must still name a customer key
    assert check_stack("s3-export-bucket-cmk", [b, sse(b, key=key)]) == [
        f"BucketServerSideEncryptionConfiguration 'exports' rules[0] names {key}, an AWS-managed key; name a "
        "customer-managed KMS key."]


def test_bucket_that_holds_no_exports_may_use_s3_managed_keys():
    b = bucket()
    assert check_stack("s3-export-bucket-cmk", [b, sse(b, "AES256", None)]) == []


def test_export_task_with_an_aws_managed_key():
    b = bucket()
    assert check_stack("s3-export-bucket-cmk", [b, sse(b), export(b, kmsKeyId="alias/aws/rds")]) == [
        "ExportTask 'snapshot' kmsKeyId alias/aws/rds is an AWS-managed key; exports must be encrypted with a "
        "customer-managed KMS key."]


def test_export_bucket_linked_by_name():
    b = bucket()
    task = resource(EXPORT, "snapshot", {"s3BucketName": NAME, "kmsKeyId": KEY_ARN})
    assert check_stack("s3-export-bucket-cmk", [b, task]) == [
        "Bucket 'exports' holds exports (snapshot) but has no default encryption; add a "
        "BucketServerSideEncryptionConfiguration with aws:kms and a customer-managed kmsMasterKeyId."]


def test_bucket_name_unknown_during_preview_accepts_any_object_resource():
    from preflight.policy_eval import UNKNOWN

    b = bucket({"bucket": UNKNOWN})
    statement = {**TLS, "Resource": ["arn:aws:s3:::exports-1a2b3c4", "arn:aws:s3:::exports-1a2b3c4/*"]}
    assert check_stack("s3-bucket-tls-only", [b, bucket_policy(b, statement)]) == []
    assert check_stack("s3-bucket-tls-only", [b]) == [TLS_MESSAGE]
