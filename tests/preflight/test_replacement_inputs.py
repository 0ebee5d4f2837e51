"""The inputs a pull request can change that replace the Aurora cluster, each pinned by name.

The list is the provider's (aws_rds_cluster schema: ForceNew), written here as literals so that dropping one from
preflight/replacements.py fails a test: a pull request that changes the cluster's key or turns encryption off must
show as a replacement with a data-loss warning, and `--fail-on-replace` must fail it.
"""

from __future__ import annotations

import json

import pytest

from preflight.diff import main
from preflight.replacements import DATA_LOSS, forcing_input, stateful

from .test_diff import CLUSTER_URN, base_report, changed

CLUSTER = "aws:rds/cluster:Cluster"
# terraform-provider-aws internal/service/rds/cluster.go: ForceNew on each of these.
CLUSTER_FORCE_NEW = ["availabilityZones", "clusterIdentifier", "databaseName", "dbSubnetGroupName", "engine",
                     "engineMode", "kmsKeyId", "masterUsername", "snapshotIdentifier", "storageEncrypted"]


@pytest.mark.parametrize("key", CLUSTER_FORCE_NEW)
def test_each_force_new_input_replaces_the_cluster(key):
    assert forcing_input(CLUSTER, key) is not None, f"{key} must force the cluster's replacement"


def test_the_cluster_is_a_data_loss_type():
    assert stateful(CLUSTER).risk == DATA_LOSS


@pytest.mark.parametrize(("edit", "key"), [
    ({"kmsKeyId": "arn:aws:kms:us-east-1:1:key/other"}, "kmsKeyId"),
    ({"storageEncrypted": False}, "storageEncrypted"),
])
def test_a_key_or_encryption_change_fails_the_pull_request(tmp_path, capsys, edit, key):
    base, head = tmp_path / "base.json", tmp_path / "head.json"
    base.write_text(json.dumps(base_report()))
    head.write_text(json.dumps(changed(cluster=edit)))
    assert main([str(base), str(head), "--fail-on-replace"]) == 1
    out = capsys.readouterr().out
    assert "!!! DATA LOSS RISK: aws:rds/cluster:Cluster 'database' will be REPLACED" in out
    assert f"{key}:" in out and CLUSTER_URN.rsplit("::", 1)[-1] in out


def test_user_data_replaces_the_bastion_only_while_replace_on_change_is_on():
    instance = "aws:ec2/instance:Instance"
    assert forcing_input(instance, "userData", {"userDataReplaceOnChange": True}).key == "userData"
    assert forcing_input(instance, "userData", {"userDataReplaceOnChange": False}) is None
    assert forcing_input(instance, "userData") is None


def test_a_type_without_data_has_no_forcing_inputs():
    assert forcing_input("aws:ec2/securityGroup:SecurityGroup", "description") is None


def test_renaming_a_log_group_is_flagged_as_losing_its_events(tmp_path, capsys):
    """A log group's name forces a new group, and the old one's events (a year of flow logs in prod) go with it."""
    group = "urn:pulumi:prod::aurora-platform::aurora-platform:network:Network$aws:cloudwatch/logGroup:LogGroup::flow"

    def state(name: str) -> dict:
        return {"stack": "prod", "project": "aurora-platform", "exports": {}, "resources": [
            {"urn": group, "type": "aws:cloudwatch/logGroup:LogGroup", "name": "flow", "parent": None,
             "protect": False, "dependencies": [], "inputs": {"name": name, "retentionInDays": 365}}]}

    base, head = tmp_path / "base.json", tmp_path / "head.json"
    base.write_text(json.dumps(state("network-flow-logs-4c1e2a9")))
    head.write_text(json.dumps(state("/aurora-platform/prod/network-flow-logs")))
    assert main([str(base), str(head), "--fail-on-replace"]) == 1
    assert "!!! DATA LOSS RISK: aws:cloudwatch/logGroup:LogGroup 'flow' will be REPLACED" in capsys.readouterr().out
    assert stateful("aws:cloudwatch/logGroup:LogGroup").risk == DATA_LOSS
