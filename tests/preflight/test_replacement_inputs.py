"""The inputs a pull request can change that replace the Aurora cluster, each pinned by name.

The list is the provider's (aws_rds_cluster schema: ForceNew), written here as literals so that dropping one from
preflight/replacements.py fails a test: a pull request that changes the cluster's key or turns encryption off must
show as a replacement with a data-loss warning, and `--fail-on-replace` must fail it.
"""

from __future__ import annotations

import json

import pytest

from preflight.diff import main
from preflight.replacements import DATA_LOSS, TABLE, forcing_input, stateful

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


# ---- the types the program gained on 2026-12-02 ------------------------------------------------------------------
# Each list is the provider schema's ForceNew inputs of that type (terraform-provider-aws, the file in the entry's
# source), as literals: dropping one from the table, or adding one the schema does not force, fails here.
NEW_FORCE_NEW = {
    "aws:ecr/repository:Repository": ["encryptionConfigurations", "name"],
    "aws:backup/vault:Vault": ["kmsKeyArn", "name"],
    "aws:backup/plan:Plan": ["name"],
    "aws:backup/selection:Selection": ["conditions", "iamRoleArn", "name", "notResources", "planId", "resources",
                                       "selectionTags"],
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": ["backupVaultName", "changeableForDays",
                                                                 "maxRetentionDays", "minRetentionDays"],
    "aws:lb/loadBalancer:LoadBalancer": ["customerOwnedIpv4Pool", "internal", "loadBalancerType", "name",
                                         "namePrefix"],
    "aws:lb/targetGroup:TargetGroup": ["ipAddressType", "name", "namePrefix", "port", "protocol", "protocolVersion",
                                       "targetType", "vpcId"],
    "aws:acm/certificate:Certificate": ["certificateAuthorityArn", "domainName", "keyAlgorithm",
                                        "subjectAlternativeNames", "validationMethod", "validationOptions"],
    "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix", "objectLockConfiguration", "objectLockEnabled"],
    "aws:ec2/networkAcl:NetworkAcl": ["vpcId"],
    "aws:ec2/vpcEndpoint:VpcEndpoint": ["serviceName", "vpcEndpointType", "vpcId"],
    "aws:ecs/taskDefinition:TaskDefinition": ["containerDefinitions", "cpu", "enableFaultInjection",
                                              "ephemeralStorage", "executionRoleArn", "family", "ipcMode", "memory",
                                              "networkMode", "pidMode", "placementConstraints", "proxyConfiguration",
                                              "requiresCompatibilities", "runtimePlatform", "taskRoleArn", "volumes"],
}
# Inputs the same schemas update in place (no ForceNew): a change of one is an update, never a replacement.
IN_PLACE = {
    "aws:ecr/repository:Repository": ["forceDelete", "imageScanningConfiguration", "imageTagMutability", "tags"],
    "aws:backup/vault:Vault": ["forceDestroy", "tags"],
    "aws:backup/plan:Plan": ["advancedBackupSettings", "rules", "tags"],
    "aws:lb/loadBalancer:LoadBalancer": ["accessLogs", "enableDeletionProtection", "idleTimeout", "securityGroups",
                                         "subnets", "tags"],
    "aws:lb/targetGroup:TargetGroup": ["deregistrationDelay", "healthCheck", "stickiness", "tags"],
    "aws:acm/certificate:Certificate": ["options", "tags"],
    "aws:s3/bucket:Bucket": ["forceDestroy", "tags"],
    "aws:ec2/networkAcl:NetworkAcl": ["egress", "ingress", "subnetIds", "tags"],
    "aws:ec2/vpcEndpoint:VpcEndpoint": ["policy", "privateDnsEnabled", "securityGroupIds", "subnetIds", "tags"],
    "aws:ecs/taskDefinition:TaskDefinition": ["skipDestroy", "tags", "trackLatest"],
}
NEW_RISKS = {
    "aws:ecr/repository:Repository": "data-loss", "aws:backup/vault:Vault": "data-loss",
    "aws:s3/bucket:Bucket": "data-loss", "aws:lb/loadBalancer:LoadBalancer": "outage",
    "aws:lb/targetGroup:TargetGroup": "outage", "aws:acm/certificate:Certificate": "outage",
    "aws:backup/plan:Plan": "outage", "aws:backup/selection:Selection": "outage",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": "outage",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "outage", "aws:ec2/networkAcl:NetworkAcl": "configuration",
    "aws:ecs/taskDefinition:TaskDefinition": "configuration",
}


@pytest.mark.parametrize("token", sorted(NEW_FORCE_NEW))
def test_the_forcing_inputs_of_each_new_type_are_exactly_the_schemas(token):
    assert sorted(f.key for f in stateful(token).inputs) == NEW_FORCE_NEW[token]
    assert stateful(token).risk == NEW_RISKS[token]


@pytest.mark.parametrize(("token", "key"), [(t, k) for t, keys in sorted(IN_PLACE.items()) for k in keys])
def test_an_input_updated_in_place_does_not_force_replacement(token, key):
    assert forcing_input(token, key) is None, f"{token}.{key} is updated in place by the provider"


@pytest.mark.parametrize(("token", "key"), [("aws:ecr/repository:Repository", "Name"),
                                            ("aws:ecr/repository:Repository", "repositoryName"),
                                            ("aws:backup/vault:Vault", "kms_key_arn"),
                                            ("aws:lb/loadBalancer:LoadBalancer", "load_balancer_type")])
def test_only_the_engines_spelling_of_an_input_is_matched(token, key):
    """Reports carry the engine's camelCase wire names; the Python argument name or another case is not an input the
    engine would send, so it is not taken for the forcing one (it would show as an update of an unknown key)."""
    assert forcing_input(token, key) is None


def _sdk_inputs(token: str) -> set[str]:
    """The wire names of a resource's inputs in the installed SDK (pulumi-aws 7.51.1, pulumi-random): each property
    of its `<Name>Args` class, by the name `@pulumi.getter(name=...)` gives it on the wire."""
    import importlib

    package, module_path, name = token.split(":")
    module = module_path.split("/")[0]
    sdk = importlib.import_module(f"pulumi_{package}" if module == "index" else f"pulumi_{package}.{module}")
    args = getattr(sdk, f"{name}Args")
    return {getattr(prop.fget, "_pulumi_name", None) or attr
            for attr, prop in vars(args).items() if isinstance(prop, property)}


def test_the_sdk_spelling_is_read_from_the_args_class():
    # Literal wire names of two inputs whose Python names differ from them: the helper must give the wire names.
    assert {"encryptionConfigurations", "imageTagMutability"} <= _sdk_inputs("aws:ecr/repository:Repository")
    assert "encryption_configurations" not in _sdk_inputs("aws:ecr/repository:Repository")


@pytest.mark.parametrize("token", sorted(TABLE))
def test_every_key_of_the_table_is_a_real_input_of_the_sdk(token):
    """A misspelt key (`encryptionConfiguration`, singular) would never match a report: the replacement it stands for
    would pass as an update. Every forcing key, conditional key and flag must be an input of the resource."""
    entry = TABLE[token]
    keys = {f.key for f in entry.inputs} | {f.key for f, _ in entry.conditional}
    keys |= {flag for _, flag in entry.conditional}
    missing = sorted(keys - _sdk_inputs(token))
    assert not missing, f"{token}: not inputs of the SDK: {missing}"


def test_every_type_the_program_creates_that_holds_state_is_in_the_table():
    gained = {"aws:ecr/repository:Repository", "aws:backup/vault:Vault", "aws:backup/plan:Plan",
              "aws:backup/selection:Selection", "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
              "aws:lb/loadBalancer:LoadBalancer", "aws:lb/targetGroup:TargetGroup", "aws:acm/certificate:Certificate",
              "aws:s3/bucket:Bucket", "aws:ec2/networkAcl:NetworkAcl", "aws:ec2/vpcEndpoint:VpcEndpoint",
              "aws:ecs/taskDefinition:TaskDefinition", "aws:cloudwatch/logGroup:LogGroup"}
    assert gained <= set(TABLE)
