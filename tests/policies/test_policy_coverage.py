"""`aws-resources-judgeable`: an AWS resource written in a spelling no rule reads is a finding itself.

Without it an unencrypted Aurora cluster passed the whole gate with no finding as `aws-native:rds:DbCluster`, inside a
CloudFormation template, or as a Cloud Control `desiredState`.
"""

from __future__ import annotations

import json

import pytest

from .policy_helpers import check_stack, resource

RULE = "aws-resources-judgeable"
UNENCRYPTED = {"engine": "aurora-postgresql", "storageEncrypted": False}
TEMPLATE = json.dumps({"Resources": {"Db": {"Type": "AWS::RDS::DBCluster", "Properties": {
    "Engine": "aurora-postgresql", "StorageEncrypted": False}}}})


def message(name: str, kind: str, type_: str) -> str:
    return (f"{name} '{kind}' ({type_}) creates AWS resources no rule of this pack reads, so their encryption, TLS "
            f"and public access cannot be checked; write them with pulumi_aws's own resource types, or list {type_} "
            f"in allowedTypes after review.")


@pytest.mark.parametrize(("type_", "props"), [
    ("aws-native:rds:DbCluster", UNENCRYPTED),
    ("aws-native:s3:Bucket", {"publicAccessBlockConfiguration": {"blockPublicAcls": False}}),
    ("aws:cloudformation/stack:Stack", {"templateBody": TEMPLATE}),
    ("aws:cloudformation/stackSet:StackSet", {"templateBody": TEMPLATE}),
    ("aws:cloudformation/stackSetInstance:StackSetInstance", {"stackSetName": "db"}),
    ("aws:cloudformation/stackInstances:StackInstances", {"stackSetName": "db"}),
    ("aws:cloudcontrol/resource:Resource", {"typeName": "AWS::RDS::DBCluster",
                                            "desiredState": json.dumps({"StorageEncrypted": False})}),
    ("command:local:Command", {"create": "aws rds create-db-cluster --no-storage-encrypted"}),
    ("pulumi-python:dynamic:Resource", {"__provider": "<pickled boto3 code>"}),
    ("pulumi-python:dynamic/cluster:Cluster", {"storageEncrypted": False}),
], ids=["aws-native-cluster", "aws-native-bucket", "cloudformation-stack", "stack-set", "stack-set-instance",
        "stack-instances", "cloud-control", "shell-command", "dynamic-provider", "named-dynamic-provider"])
def test_a_resource_outside_the_packs_sight_is_a_finding(type_, props):
    kind = type_.rsplit(":", 1)[-1]
    assert check_stack(RULE, [resource(type_, "x", props)]) == [message(kind, "x", type_)]


def test_pulumi_aws_resources_are_not_findings():
    resources = [resource("aws:rds/cluster:Cluster", "db", UNENCRYPTED),
                 resource("aws:s3/bucket:Bucket", "b", {}),
                 resource("random:index/randomPassword:RandomPassword", "pw", {"length": 32}),
                 resource("docker-build:index:Image", "app", {"push": True})]
    assert check_stack(RULE, resources) == []


def test_a_reviewed_type_can_be_allowed_exactly():
    stack = resource("aws:cloudformation/stack:Stack", "cfn", {"templateBody": TEMPLATE})
    native = resource("aws-native:rds:DbCluster", "db", UNENCRYPTED)
    config = {RULE: {"allowedTypes": ["aws:cloudformation/stack:Stack"]}}
    assert check_stack(RULE, [stack, native], config) == [message("DbCluster", "db", "aws-native:rds:DbCluster")]
    # Neither a prefix nor another case allows anything.
    for near in (["aws-native:"], ["AWS:cloudformation/stack:Stack"], ["aws:cloudformation/stack:stack"]):
        assert len(check_stack(RULE, [stack, native], {RULE: {"allowedTypes": near}})) == 2


# --- boolean spellings (policies/rules/_base.py flag) -------------------------------------------------------------
@pytest.mark.parametrize("spelling", ["1", "t", "T", "TRUE", "True", True, 1.0])
def test_every_true_spelling_of_publicly_accessible_is_public(spelling):
    """A string reaches a boolean field read as Go's strconv.ParseBool reads it: "1" and "t" are true."""
    from .policy_helpers import check

    assert check("rds-not-publicly-accessible", "aws:rds/clusterInstance:ClusterInstance",
                 {"publiclyAccessible": spelling}) == ["publiclyAccessible must not be true."]


@pytest.mark.parametrize("spelling", ["0", "f", "false", "FALSE", "F", False, 0.0])
def test_no_false_or_odd_spelling_requires_tls(spelling):
    from .policy_helpers import check

    assert check("rds-proxy-require-tls", "aws:rds/proxy:Proxy", {"requireTls": spelling}) == [
        "requireTls must be true."]
