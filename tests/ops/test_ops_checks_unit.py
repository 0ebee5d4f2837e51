"""verify's checks on what moto cannot show: real AWS paging and Source, engine-default groups,
a disabled metadata endpoint. The describe calls are pinned with botocore's Stubber."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from ops.aws import Clients
from ops.checks.base import Facts
from ops.checks.bastion import bastion_imdsv2
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
