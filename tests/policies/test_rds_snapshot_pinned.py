"""rds-snapshot-encrypted (Security Hub RDS.4) where no other test looked: a snapshot of an instance outside the
stack, a source two resources of the stack answer to, a read replica as the source, a deployed snapshot whose own
key is blank or unknown, a stack with several snapshots (each one judged, whatever came before it), and other
spellings of a bad source."""

from __future__ import annotations

import pytest

from preflight.policy_eval import UNKNOWN, Resource

from .policy_helpers import changed, check_stack, resource, urn
from .test_policy_rds_snapshot import (
    CLUSTER,
    CLUSTER_SNAPSHOT,
    GOOD_CLUSTER,
    GOOD_INSTANCE,
    INSTANCE,
    KEY_ARN,
    SNAPSHOT,
    SNAPSHOT_PROPS,
)

RULE = "rds-snapshot-encrypted"

UNENCRYPTED_CLUSTER = ("ClusterSnapshot 'manual' is taken from Cluster 'db', which is not encrypted with a "
                       "customer-managed KMS key (storageEncrypted is not true).")
OUTSIDE_CLUSTER = ("ClusterSnapshot 'manual' is taken from cluster 'db', which is not managed in this stack, so its "
                   "encryption cannot be verified.")


def cluster_snapshot(name, cluster_identifier="db", depends_on=None, **outputs):
    props = {**SNAPSHOT_PROPS[CLUSTER_SNAPSHOT], "dbClusterIdentifier": cluster_identifier, **outputs}
    deps = {"dbClusterIdentifier": [urn(CLUSTER, depends_on)]} if depends_on else {}
    return resource(CLUSTER_SNAPSHOT, name, props, property_dependencies=deps)


# --- instance snapshots name an instance, not a cluster -------------------------------------------------------------

def test_a_snapshot_of_an_instance_outside_the_stack_names_an_instance():
    snapshot = resource(SNAPSHOT, "manual", SNAPSHOT_PROPS[SNAPSHOT])
    assert check_stack(RULE, [snapshot]) == [
        "Snapshot 'manual' is taken from instance 'app', which is not managed in this stack, so its encryption "
        "cannot be verified."]


def test_a_snapshot_of_an_instance_unknown_during_preview_asks_to_name_the_instance():
    snapshot = resource(SNAPSHOT, "manual", changed(SNAPSHOT_PROPS[SNAPSHOT], dbInstanceIdentifier=UNKNOWN))
    assert check_stack(RULE, [resource(INSTANCE, "app", GOOD_INSTANCE), snapshot]) == [
        "Snapshot 'manual': dbInstanceIdentifier is not a instance identifier known before deployment, so its "
        "encryption cannot be verified; name the instance directly."]


# --- a source two clusters answer to ------------------------------------------------------------------------------

def test_a_source_two_clusters_answer_to_is_ambiguous_and_names_both():
    # Two clusters of the stack carry the identifier "db" (one in upper case: RDS stores it in lower case), and the
    # snapshot records no dependency that would pick one: the rule cannot tell which one is snapshotted.
    first = resource(CLUSTER, "db-a", GOOD_CLUSTER)
    second = resource(CLUSTER, "db-b", changed(GOOD_CLUSTER, clusterIdentifier="DB", storageEncrypted=False))
    assert check_stack(RULE, [first, second, cluster_snapshot("manual")]) == [
        "ClusterSnapshot 'manual': dbClusterIdentifier 'db' matches 2 clusters of this stack (Cluster 'db-a', "
        "Cluster 'db-b'), so its encryption cannot be verified; name the cluster directly."]


def test_a_source_two_instances_answer_to_is_ambiguous():
    first = resource(INSTANCE, "app-a", GOOD_INSTANCE)
    second = resource(INSTANCE, "app-b", changed(GOOD_INSTANCE, id="app"))
    snapshot = resource(SNAPSHOT, "manual", SNAPSHOT_PROPS[SNAPSHOT])
    assert check_stack(RULE, [first, second, snapshot]) == [
        "Snapshot 'manual': dbInstanceIdentifier 'app' matches 2 instances of this stack (Instance 'app-a', "
        "Instance 'app-b'), so its encryption cannot be verified; name the instance directly."]


def test_a_dependency_on_one_of_two_same_named_clusters_picks_it():
    first = resource(CLUSTER, "db-a", GOOD_CLUSTER)
    second = resource(CLUSTER, "db-b", changed(GOOD_CLUSTER, storageEncrypted=False))
    assert check_stack(RULE, [first, second, cluster_snapshot("manual", depends_on="db-b")]) == [
        "ClusterSnapshot 'manual' is taken from Cluster 'db-b', which is not encrypted with a customer-managed KMS "
        "key (storageEncrypted is not true)."]


# --- a read replica as the source ---------------------------------------------------------------------------------

REPLICA = {"engine": "postgres", "identifier": "app", "replicateSourceDb": "app-primary", "kmsKeyId": KEY_ARN}


def test_a_snapshot_of_a_read_replica_with_a_customer_key_passes():
    # A replica does not set storageEncrypted (it is encrypted as its source; AWS ignores the flag for a
    # cross-region replica): its kmsKeyId is what decides, as for the rds-storage-encrypted rule.
    snapshot = resource(SNAPSHOT, "manual", SNAPSHOT_PROPS[SNAPSHOT])
    assert check_stack(RULE, [resource(INSTANCE, "app", REPLICA), snapshot]) == []


def test_a_snapshot_of_a_read_replica_without_a_key_is_still_refused():
    snapshot = resource(SNAPSHOT, "manual", SNAPSHOT_PROPS[SNAPSHOT])
    assert check_stack(RULE, [resource(INSTANCE, "app", changed(REPLICA, kmsKeyId=None)), snapshot]) == [
        "Snapshot 'manual' is taken from Instance 'app', which is not encrypted with a customer-managed KMS key "
        "(it sets no kmsKeyId, so RDS uses the AWS-managed aws/rds key)."]


def test_a_snapshot_of_a_read_replica_with_an_aws_managed_key_is_refused():
    snapshot = resource(SNAPSHOT, "manual", SNAPSHOT_PROPS[SNAPSHOT])
    replica = changed(REPLICA, kmsKeyId="alias/aws/rds")
    assert check_stack(RULE, [resource(INSTANCE, "app", replica), snapshot]) == [
        "Snapshot 'manual' is taken from Instance 'app', which is not encrypted with a customer-managed KMS key "
        "(its kmsKeyId alias/aws/rds is an AWS-managed key)."]


# --- a snapshot's own outputs (a state audit) -----------------------------------------------------------------------

def test_a_deployed_snapshot_with_a_blank_key_is_not_verified_by_its_outputs():
    for blank in ("", "  "):
        snapshot = cluster_snapshot("manual", storageEncrypted=True, kmsKeyId=blank)
        assert check_stack(RULE, [snapshot]) == [OUTSIDE_CLUSTER], blank


def test_a_new_snapshot_whose_encryption_is_unknown_during_preview_is_not_verified():
    # A preview: the snapshot's outputs are not known until it is created, so they prove nothing.
    for outputs in ({"storageEncrypted": True, "kmsKeyId": UNKNOWN}, {"storageEncrypted": UNKNOWN, "kmsKeyId": KEY_ARN},
                    {"storageEncrypted": UNKNOWN, "kmsKeyId": UNKNOWN}):
        assert check_stack(RULE, [cluster_snapshot("manual", **outputs)]) == [OUTSIDE_CLUSTER], outputs


def test_a_deployed_snapshot_that_is_not_encrypted_is_not_verified_by_its_outputs():
    for outputs in ({"storageEncrypted": False, "kmsKeyId": KEY_ARN}, {"kmsKeyId": KEY_ARN},
                    {"storageEncrypted": True}):
        assert check_stack(RULE, [cluster_snapshot("manual", **outputs)]) == [OUTSIDE_CLUSTER], outputs


# --- several snapshots: each one is judged ------------------------------------------------------------------------

def test_a_snapshot_after_one_of_a_good_cluster_is_still_judged():
    good = resource(CLUSTER, "db", GOOD_CLUSTER)
    bad = resource(CLUSTER, "legacy", changed(GOOD_CLUSTER, clusterIdentifier="legacy", storageEncrypted=False))
    resources = [good, bad, cluster_snapshot("daily", depends_on="db"),
                 cluster_snapshot("manual", "legacy", depends_on="legacy")]
    assert check_stack(RULE, resources) == [
        "ClusterSnapshot 'manual' is taken from Cluster 'legacy', which is not encrypted with a customer-managed KMS "
        "key (storageEncrypted is not true)."]


def test_a_snapshot_after_one_of_a_bad_cluster_is_still_judged():
    bad = resource(CLUSTER, "db", changed(GOOD_CLUSTER, storageEncrypted=False))
    resources = [bad, cluster_snapshot("manual", depends_on="db"), cluster_snapshot("outside", "elsewhere")]
    assert check_stack(RULE, resources) == [
        UNENCRYPTED_CLUSTER,
        "ClusterSnapshot 'outside' is taken from cluster 'elsewhere', which is not managed in this stack, so its "
        "encryption cannot be verified."]


def test_a_snapshot_after_one_verified_by_its_own_outputs_is_still_judged():
    deployed = cluster_snapshot("deployed", "elsewhere", storageEncrypted=True, kmsKeyId=KEY_ARN)
    assert check_stack(RULE, [deployed, cluster_snapshot("manual")]) == [OUTSIDE_CLUSTER]


# --- other spellings of a bad source (adversarial) ------------------------------------------------------------------

def from_cluster(**source_changes):
    return check_stack(RULE, [resource(CLUSTER, "db", changed(GOOD_CLUSTER, **source_changes)),
                              cluster_snapshot("manual")])


@pytest.mark.parametrize("key", ["ALIAS/AWS/RDS", " alias/aws/rds ", "alias/Aws/rds",
                                 "arn:aws-us-gov:kms:us-gov-west-1:123456789012:alias/aws/rds"])
def test_an_aws_managed_source_key_in_any_spelling_is_refused(key):
    assert from_cluster(kmsKeyId=key) == [
        "ClusterSnapshot 'manual' is taken from Cluster 'db', which is not encrypted with a customer-managed KMS key "
        f"(its kmsKeyId {key.strip()} is an AWS-managed key)."]


@pytest.mark.parametrize("value", [False, "false", "0", "f", 0.0])
def test_a_source_encryption_flag_read_as_false_is_refused(value):
    assert from_cluster(storageEncrypted=value) == [UNENCRYPTED_CLUSTER]


def test_a_source_encryption_flag_that_is_not_a_boolean_is_reported_and_the_snapshot_not_verified():
    assert from_cluster(storageEncrypted="yes") == [
        'storageEncrypted is "yes", which is not a boolean: the provider refuses it or reads it otherwise than '
        'intended (give true or false; of strings only "true", "1", "t", "TRUE", "True", "false", "0", "f", '
        '"FALSE", "False" are read as booleans).',
        OUTSIDE_CLUSTER]


def test_a_same_named_cluster_in_another_region_is_not_the_source():
    provider = Resource(urn="urn:pulumi:test::aurora-platform::pulumi:providers:aws::use1",
                        type="pulumi:providers:aws", name="use1", inputs={"region": "us-east-1"})
    elsewhere = resource(CLUSTER, "db", GOOD_CLUSTER, provider=f"{provider.urn}::id")
    assert check_stack(RULE, [provider, elsewhere, cluster_snapshot("manual")]) == [OUTSIDE_CLUSTER]


def test_a_source_named_by_a_list_is_not_resolved():
    snapshot = cluster_snapshot("manual", ["db"])
    assert check_stack(RULE, [resource(CLUSTER, "db", GOOD_CLUSTER), snapshot]) == [
        "ClusterSnapshot 'manual': dbClusterIdentifier is not a cluster identifier known before deployment, so its "
        "encryption cannot be verified; name the cluster directly."]
