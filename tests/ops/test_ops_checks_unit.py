"""verify's checks on what moto cannot show: real AWS paging and Source, engine-default groups,
a disabled metadata endpoint. The describe calls are pinned with botocore's Stubber."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from ops.aws import Clients
from ops.checks.base import Facts
from ops.checks.bastion import bastion_imdsv2
from ops.checks.keys import key_problem
from ops.checks.tls import parameter_value, tls_enforced


@pytest.fixture
def rds(aws_env):
    client = boto3.client("rds", region_name="eu-west-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def facts(cluster, clients=None, bastion=None):
    return Facts(clients, cluster, [], 7, None, bastion)


def test_parameter_lookup_pages_through_every_source(rds):
    """AWS returns hundreds of parameters over several pages, engine defaults included; moto
    returns only the user-set ones on one page and ignores ``Source``. We ask without ``Source``
    (a value on by engine default still counts) and follow ``Marker``."""
    client, stubber = rds
    stubber.add_response(
        "describe_db_cluster_parameters",
        {"Parameters": [{"ParameterName": "rds.logical_replication", "ParameterValue": "0"}], "Marker": "p2"},
        {"DBClusterParameterGroupName": "g"},
    )
    stubber.add_response(
        "describe_db_cluster_parameters",
        {"Parameters": [{"ParameterName": "rds.force_ssl", "ParameterValue": "1", "Source": "system"}]},
        {"DBClusterParameterGroupName": "g", "Marker": "p2"},
    )
    assert parameter_value(client, "g", "rds.force_ssl") == "1"


def test_engine_default_group_fails_without_any_call():
    cluster = {"Engine": "aurora-postgresql", "DBClusterParameterGroup": "default.aurora-postgresql15"}
    status, detail = tls_enforced(facts(cluster))
    assert (status, detail) == ("fail", "cluster uses the engine's default parameter group default.aurora-postgresql15")


def test_unknown_engine_is_a_finding():
    status, detail = tls_enforced(facts({"Engine": "neptune", "DBClusterParameterGroup": "g"}))
    assert status == "fail"
    assert "unknown engine 'neptune'" in detail


def test_disabled_metadata_endpoint_passes_imdsv2(aws_env):
    ec2 = boto3.client("ec2", region_name="eu-west-1")
    with Stubber(ec2) as stubber:
        stubber.add_response(
            "describe_instances",
            {
                "Reservations": [
                    {
                        "Instances": [
                            {
                                "InstanceId": "i-1",
                                "MetadataOptions": {"HttpTokens": "optional", "HttpEndpoint": "disabled"},
                            }
                        ]
                    }
                ]
            },
            {"InstanceIds": ["i-1"]},
        )
        clients = Clients("eu-west-1", lambda service, region: ec2)
        assert bastion_imdsv2(facts({}, clients, "i-1")) == ("pass", "i-1: instance metadata endpoint disabled")


@pytest.fixture
def kms(aws_env):
    client = boto3.client("kms", region_name="eu-west-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


AWS_KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/2222"
CMK_ARN = "arn:aws:kms:eu-west-1:123456789012:key/3333"


def test_aws_managed_key_is_not_a_cmk_by_key_manager(kms):
    """Stubber, because moto reports its alias/aws/* keys as KeyManager CUSTOMER: on AWS the key
    of a cluster created with `aws/rds` is reported by ARN, and only KeyManager tells."""
    client, stubber = kms
    stubber.add_response(
        "describe_key",
        {"KeyMetadata": {"KeyId": "2222", "Arn": AWS_KEY_ARN, "KeyManager": "AWS", "KeyState": "Enabled"}},
        {"KeyId": AWS_KEY_ARN},
    )
    assert key_problem(client, AWS_KEY_ARN) == f"{AWS_KEY_ARN} is managed by AWS, not the customer"


def test_disabled_cmk_is_a_problem(kms):
    """Stubber, to pin the order: customer-managed, no aws/ alias, but disabled."""
    client, stubber = kms
    stubber.add_response(
        "describe_key",
        {"KeyMetadata": {"KeyId": "3333", "Arn": CMK_ARN, "KeyManager": "CUSTOMER", "KeyState": "Disabled"}},
    )
    stubber.add_response("list_aliases", {"Aliases": [{"AliasName": "alias/aurora-dev"}]}, {"KeyId": "3333"})
    assert key_problem(client, CMK_ARN) == f"{CMK_ARN} is Disabled"


def test_ssm_default_alias_is_refused_without_any_call():
    assert key_problem(None, "alias/aws/ssm") == "alias/aws/ssm is an AWS-managed key, not a customer-managed key"
