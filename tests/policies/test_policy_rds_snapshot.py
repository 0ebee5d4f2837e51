"""Manual snapshots and copies: never shared with `all` (Security Hub RDS.1), encrypted with a CMK (RDS.4)."""

import pytest

from preflight.policy_eval import UNKNOWN

from .policy_helpers import changed, check, check_stack, resource, urn

CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/instance:Instance"
CLUSTER_SNAPSHOT = "aws:rds/clusterSnapshot:ClusterSnapshot"
CLUSTER_SNAPSHOT_COPY = "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy"
SNAPSHOT = "aws:rds/snapshot:Snapshot"
SNAPSHOT_COPY = "aws:rds/snapshotCopy:SnapshotCopy"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e"

SNAPSHOT_PROPS = {
    CLUSTER_SNAPSHOT: {"dbClusterIdentifier": "db", "dbClusterSnapshotIdentifier": "db-manual"},
    SNAPSHOT: {"dbInstanceIdentifier": "app", "dbSnapshotIdentifier": "app-manual"},
    CLUSTER_SNAPSHOT_COPY: {"sourceDbClusterSnapshotIdentifier": "arn:aws:rds:eu-west-1:1:cluster-snapshot:x",
                            "targetDbClusterSnapshotIdentifier": "db-copy", "kmsKeyId": KEY_ARN},
    SNAPSHOT_COPY: {"sourceDbSnapshotIdentifier": "arn:aws:rds:eu-west-1:123456789012:snapshot:x",
                    "targetDbSnapshotIdentifier": "app-copy", "kmsKeyId": KEY_ARN},
}
PUBLIC = "sharedAccounts includes 'all', which makes the snapshot public; share it with account ids only."


# --- rds-snapshot-not-public ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("type_", list(SNAPSHOT_PROPS))
@pytest.mark.parametrize("accounts", [["all"], ["ALL"], [" all "], ["123456789012", "All"], "all"],
                         ids=["all", "ALL", "blanks", "among-accounts", "bare-string"])
def test_snapshot_shared_with_all_is_public(type_, accounts):
    assert check("rds-snapshot-not-public", type_, changed(SNAPSHOT_PROPS[type_], sharedAccounts=accounts)) == [
        PUBLIC]


@pytest.mark.parametrize("type_", list(SNAPSHOT_PROPS))
@pytest.mark.parametrize("accounts", [None, [], ["123456789012", "210987654321"], ["allison"]])
def test_snapshot_kept_private_or_shared_with_accounts_passes(type_, accounts):
    assert check("rds-snapshot-not-public", type_, changed(SNAPSHOT_PROPS[type_], sharedAccounts=accounts)) == []


def test_unknown_shared_accounts_cannot_be_judged():
    props = changed(SNAPSHOT_PROPS[CLUSTER_SNAPSHOT], sharedAccounts=["123456789012", UNKNOWN])
    assert check("rds-snapshot-not-public", CLUSTER_SNAPSHOT, props) == [
        "sharedAccounts is not known before deployment, so the rule cannot tell whether it holds 'all'; "
        "list the account ids directly."]


# --- rds-snapshot-copy-cmk -------------------------------------------------------------------------------------------

COPY_UNSET = ("kmsKeyId must name a customer-managed KMS key; without it the copy keeps the source's encryption, "
              "or none.")


@pytest.mark.parametrize("type_", [CLUSTER_SNAPSHOT_COPY, SNAPSHOT_COPY])
def test_copy_with_a_cmk_passes(type_):
    assert check("rds-snapshot-copy-cmk", type_, SNAPSHOT_PROPS[type_]) == []


@pytest.mark.parametrize("type_", [CLUSTER_SNAPSHOT_COPY, SNAPSHOT_COPY])
def test_copy_without_a_key(type_):
    assert check("rds-snapshot-copy-cmk", type_, changed(SNAPSHOT_PROPS[type_], kmsKeyId=None)) == [COPY_UNSET]


@pytest.mark.parametrize("type_", [CLUSTER_SNAPSHOT_COPY, SNAPSHOT_COPY])
@pytest.mark.parametrize("key", ["alias/aws/rds", "arn:aws:kms:us-east-1:123456789012:alias/aws/rds"])
def test_copy_with_an_aws_managed_key(type_, key):
    assert check("rds-snapshot-copy-cmk", type_, changed(SNAPSHOT_PROPS[type_], kmsKeyId=key)) == [
        f"kmsKeyId {key} is an AWS-managed key; name a customer-managed KMS key."]


def test_copy_key_unknown_during_preview_counts_as_a_cmk():
    props = changed(SNAPSHOT_PROPS[SNAPSHOT_COPY], kmsKeyId=UNKNOWN)
    assert check("rds-snapshot-copy-cmk", SNAPSHOT_COPY, props) == []


# --- rds-snapshot-encrypted (stack) ---------------------------------------------------------------------------------

GOOD_CLUSTER = {"engine": "aurora-postgresql", "clusterIdentifier": "db", "storageEncrypted": True,
                "kmsKeyId": KEY_ARN}
GOOD_INSTANCE = {"engine": "postgres", "identifier": "app", "storageEncrypted": True, "kmsKeyId": KEY_ARN}


def snapshot_stack(source=GOOD_CLUSTER, snapshot=None, type_=CLUSTER_SNAPSHOT):
    source_type = CLUSTER if type_ == CLUSTER_SNAPSHOT else INSTANCE
    source_name = "db" if type_ == CLUSTER_SNAPSHOT else "app"
    prop = "dbClusterIdentifier" if type_ == CLUSTER_SNAPSHOT else "dbInstanceIdentifier"
    resources = [resource(source_type, source_name, source)] if source is not None else []
    resources.append(resource(type_, "manual", snapshot if snapshot is not None else SNAPSHOT_PROPS[type_],
                              property_dependencies={prop: [urn(source_type, source_name)]}))
    return check_stack("rds-snapshot-encrypted", resources)


def test_snapshot_of_an_encrypted_cluster_passes():
    assert snapshot_stack() == []


def test_snapshot_of_an_encrypted_instance_passes():
    assert snapshot_stack(GOOD_INSTANCE, type_=SNAPSHOT) == []


def test_snapshot_of_an_unencrypted_cluster():
    assert snapshot_stack(changed(GOOD_CLUSTER, storageEncrypted=False)) == [
        "ClusterSnapshot 'manual' is taken from Cluster 'db', which is not encrypted with a customer-managed KMS key "
        "(storageEncrypted is not true)."]


def test_snapshot_of_a_cluster_without_a_cmk():
    assert snapshot_stack(changed(GOOD_CLUSTER, kmsKeyId=None)) == [
        "ClusterSnapshot 'manual' is taken from Cluster 'db', which is not encrypted with a customer-managed KMS key "
        "(it sets no kmsKeyId, so RDS uses the AWS-managed aws/rds key)."]


def test_snapshot_of_an_instance_with_an_aws_managed_key():
    assert snapshot_stack(changed(GOOD_INSTANCE, kmsKeyId="alias/aws/rds"), type_=SNAPSHOT) == [
        "Snapshot 'manual' is taken from Instance 'app', which is not encrypted with a customer-managed KMS key "
        "(its kmsKeyId alias/aws/rds is an AWS-managed key)."]


def test_snapshot_names_its_source_in_upper_case():
    snapshot = changed(SNAPSHOT_PROPS[CLUSTER_SNAPSHOT], dbClusterIdentifier="DB")
    assert snapshot_stack(changed(GOOD_CLUSTER, storageEncrypted=False), snapshot) == [
        "ClusterSnapshot 'manual' is taken from Cluster 'db', which is not encrypted with a customer-managed KMS key "
        "(storageEncrypted is not true)."]


def test_snapshot_of_a_cluster_outside_the_stack_cannot_be_verified():
    assert snapshot_stack(source=None) == [
        "ClusterSnapshot 'manual' is taken from cluster 'db', which is not managed in this stack, so its "
        "encryption cannot be verified."]


def test_deployed_snapshot_of_an_outside_cluster_reports_its_own_encryption():
    # A state audit: the snapshot's outputs say how it is encrypted.
    snapshot = {**SNAPSHOT_PROPS[CLUSTER_SNAPSHOT], "storageEncrypted": True, "kmsKeyId": KEY_ARN}
    assert snapshot_stack(source=None, snapshot=snapshot) == []
    aws_managed = {**snapshot, "kmsKeyId": "arn:aws:kms:eu-west-1:123456789012:alias/aws/rds"}
    assert snapshot_stack(source=None, snapshot=aws_managed) == [
        "ClusterSnapshot 'manual' is taken from cluster 'db', which is not managed in this stack, so its "
        "encryption cannot be verified."]


def test_snapshot_source_unknown_during_preview():
    snapshot = changed(SNAPSHOT_PROPS[CLUSTER_SNAPSHOT], dbClusterIdentifier=UNKNOWN)
    assert snapshot_stack(snapshot=snapshot) == [
        "ClusterSnapshot 'manual': dbClusterIdentifier is not a cluster identifier known before deployment, so its "
        "encryption cannot be verified; name the cluster directly."]


def test_snapshot_rule_is_mandatory_on_the_snapshot_urn():
    from .policy_helpers import analyzer

    resources = [resource(CLUSTER_SNAPSHOT, "manual", SNAPSHOT_PROPS[CLUSTER_SNAPSHOT])]
    [violation] = [v for v in analyzer().analyze_stack(resources).violations if v.policy == "rds-snapshot-encrypted"]
    assert (violation.enforcement_level, violation.urn) == ("mandatory", urn(CLUSTER_SNAPSHOT, "manual"))


def test_a_blank_key_is_no_key():
    assert check("rds-snapshot-copy-cmk", SNAPSHOT_COPY, changed(SNAPSHOT_PROPS[SNAPSHOT_COPY], kmsKeyId="")) == [
        COPY_UNSET]
    assert snapshot_stack(changed(GOOD_CLUSTER, kmsKeyId=" ")) == [
        "ClusterSnapshot 'manual' is taken from Cluster 'db', which is not encrypted with a customer-managed KMS key "
        "(it sets no kmsKeyId, so RDS uses the AWS-managed aws/rds key)."]
