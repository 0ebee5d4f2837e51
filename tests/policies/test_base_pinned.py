"""The shared helpers of policies/rules/_base.py where no rule test looked: `flag` on a boolean given an explicit
null (a program passing `storage_encrypted=None`, or a state that records null: the provider's default, not "not a
boolean"), and `tags` on a resource whose only input is `tags` (an `aws.kms.Key("k", tags=...)` with every other
argument left to its default)."""

from __future__ import annotations

from .policy_helpers import check, check_stack, resource
from .test_gaps_booleans import GOOD_CLUSTER
from .test_policy_protection import CLUSTER, KEY

CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"


def test_an_explicit_null_safety_flag_is_unset_and_fails_as_unset():
    # Null is the provider's default (unencrypted): the rule says what to set, not that null is no boolean.
    assert check("aurora-storage-encrypted", CLUSTER, {**GOOD_CLUSTER, "storageEncrypted": None}) == [
        "storageEncrypted must be true."]


def test_an_explicit_null_dangerous_flag_is_unset_and_passes():
    props = {"engine": "aurora-postgresql", "instanceClass": "db.r6g.large", "clusterIdentifier": "db",
             "publiclyAccessible": None}
    assert check("rds-not-publicly-accessible", CLUSTER_INSTANCE, props) == []

RULE = "production-protect"


def test_a_resource_whose_only_input_is_its_tags_declares_production():
    key = resource(KEY, "key", {"tags": {"Environment": "production"}}, protect=True)
    db = resource(CLUSTER, "db", {"engine": "aurora-postgresql"})
    assert check_stack(RULE, [key, db]) == [
        "Cluster 'db' must set protect=True (the stack is tagged Environment=production)."]


def test_a_resource_without_tags_declares_nothing():
    key = resource(KEY, "key", {"description": "production"}, protect=True)
    db = resource(CLUSTER, "db", {"engine": "aurora-postgresql"})
    assert check_stack(RULE, [key, db]) == []
