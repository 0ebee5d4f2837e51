"""S3 rules, the cases surviving mutants showed unpinned: NotAction in the TLS statement, bucket policies that name
the bucket by ARN or id, partitions in resource ARNs, and public grants in a bucket's own `grants`."""

from __future__ import annotations

import pytest

from .policy_helpers import check, check_stack, resource
from .test_policy_s3 import BUCKET, NAME, POLICY, TLS, TLS_MESSAGE, bucket, bucket_policy, doc

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def without_action(statement, **extra):
    return {**{k: v for k, v in statement.items() if k != "Action"}, **extra}


def test_tls_statement_with_not_action_outside_s3_covers_every_s3_action():
    b = bucket()
    assert check_stack("s3-bucket-tls-only", [b, bucket_policy(b, without_action(TLS, NotAction="ec2:*"))]) == []


@pytest.mark.parametrize("excluded", ["s3:GetObject", ["ec2:*", "s3:List*"], "*"])
def test_tls_statement_with_not_action_excluding_an_s3_action_does_not_enforce_tls(excluded):
    b = bucket()
    statement = without_action(TLS, NotAction=excluded)
    assert check_stack("s3-bucket-tls-only", [b, bucket_policy(b, statement)]) == [TLS_MESSAGE]


@pytest.mark.parametrize("partition", ["aws-cn", "aws-us-gov"])
def test_tls_statement_in_another_partition_passes(partition):
    b = bucket()
    statement = {**TLS, "Resource": [f"arn:{partition}:s3:::{NAME}", f"arn:{partition}:s3:::{NAME}/*"]}
    assert check_stack("s3-bucket-tls-only", [b, bucket_policy(b, statement)]) == []


def test_tls_statement_naming_only_objects_by_a_wildcard_passes_with_the_bucket():
    b = bucket()
    statement = {**TLS, "Resource": [f"arn:aws:s3:::{NAME}", "arn:aws:s3:::*/*"]}
    assert check_stack("s3-bucket-tls-only", [b, bucket_policy(b, statement)]) == []


@pytest.mark.parametrize("reference", [NAME, f"arn:aws:s3:::{NAME}", f"arn:aws-cn:s3:::{NAME}"])
def test_bucket_policy_by_name_or_arn_without_a_dependency_counts(reference):
    b = bucket()
    policy = resource(POLICY, "exports", {"bucket": reference, "policy": doc(TLS)})
    assert check_stack("s3-bucket-tls-only", [b, policy]) == []


def test_bucket_policy_naming_the_bucket_by_its_id_output_counts():
    b = resource(BUCKET, "exports", {"id": NAME})  # no `bucket` input: the provider names it, the id is the name
    policy = resource(POLICY, "exports", {"bucket": NAME, "policy": doc(TLS)})
    assert check_stack("s3-bucket-tls-only", [b, policy]) == []


@pytest.mark.parametrize("reference", ["other-bucket", "arn:aws:s3:::other-bucket", 42.0])
def test_bucket_policy_of_another_bucket_by_value_does_not_count(reference):
    b = bucket()
    policy = resource(POLICY, "other", {"bucket": reference, "policy": doc(TLS)})
    assert check_stack("s3-bucket-tls-only", [b, policy]) == [TLS_MESSAGE]


def test_public_grant_in_the_buckets_own_grants():
    props = {"bucket": NAME, "grants": [{"type": "Group", "uri": ALL_USERS, "permissions": ["READ"]}]}
    assert check("s3-bucket-no-public-policy", BUCKET, props) == [
        f"a grant to {ALL_USERS} opens the bucket to everyone; grant to accounts or canonical users only."]


def test_grants_to_a_canonical_user_pass():
    props = {"bucket": NAME, "grants": [{"type": "CanonicalUser", "id": "79a59df9", "permissions": ["READ"]}]}
    assert check("s3-bucket-no-public-policy", BUCKET, props) == []
