"""verify judges dates (the CA's 180-day notice, the age of a recovery point) from the time the command runs, the
clock of its context: the one clock a test, or a replay of a past run, sets.

The cluster and its instances come from moto; DescribeDBEngineVersions, DescribeOrderableDBInstanceOptions and
DescribeCertificates, which moto does not answer, from botocore's Stubber (as in test_ops_verify_live_facts.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.stub import ANY, Stubber

from tests.ops.conftest import reused_client

REGION = "eu-west-1"
STUBBED = {"describe_db_engine_versions", "describe_orderable_db_instance_options", "describe_certificates"}


class _Routed:
    """moto's RDS client, except for the operations moto does not answer, which go to the stubbed client."""

    def __init__(self, real: Any, stubbed: Any) -> None:
        self._real, self._stubbed = real, stubbed

    def get_paginator(self, operation: str) -> Any:
        return (self._stubbed if operation in STUBBED else self._real).get_paginator(operation)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stubbed if name in STUBBED else self._real, name)


def test_the_ca_notice_is_counted_from_the_time_the_command_runs(shared_stacks, run_ops):
    """A CA valid until 2040-09-01, the command run on 2040-06-01: it expires within the 180 days of notice, so the
    check fails (against today's date it would be years away)."""
    stack = shared_stacks.get()
    moto_rds = reused_client("rds", REGION)
    cluster = moto_rds.describe_db_clusters(DBClusterIdentifier=stack.cluster_id)["DBClusters"][0]
    members = moto_rds.describe_db_instances(
        Filters=[{"Name": "db-cluster-id", "Values": [stack.cluster_id]}])["DBInstances"]
    stubbed = boto3.client("rds", region_name=REGION, aws_access_key_id="t", aws_secret_access_key="t")
    with Stubber(stubbed) as stubber:
        stubber.add_response("describe_db_engine_versions", {"DBEngineVersions": [
            {"Engine": cluster["Engine"], "EngineVersion": cluster["EngineVersion"], "Status": "available"}]},
            {"Engine": cluster["Engine"], "EngineVersion": cluster["EngineVersion"], "IncludeAll": True})
        for instance_class in sorted({m["DBInstanceClass"] for m in members}):
            stubber.add_response("describe_orderable_db_instance_options", {"OrderableDBInstanceOptions": [
                {"DBInstanceClass": instance_class,
                 "AvailabilityZones": [{"Name": f"{REGION}{z}"} for z in "abc"]}]},
                {"Engine": ANY, "EngineVersion": ANY, "DBInstanceClass": instance_class})
        cas = sorted({m.get("CACertificateIdentifier", "rds-ca-rsa2048-g1") for m in members})
        stubber.add_response("describe_certificates", {"Certificates": [
            {"CertificateIdentifier": ca, "ValidTill": datetime(2040, 9, 1, tzinfo=UTC)} for ca in cas]}, {})

        def make(service: str, region: str | None) -> Any:
            client = reused_client(service, region)
            return _Routed(client, stubbed) if service == "rds" else client

        result = run_ops("verify", "--outputs", str(stack.outputs), "--live-facts", "--json", make_client=make,
                         now=lambda: datetime(2040, 6, 1, 12, 0, tzinfo=UTC))
    checks = {c["name"]: (c["status"], c["detail"]) for c in result.json()["checks"]}
    status, detail = checks["ca-certificate-current"]
    assert status == "fail", detail
    assert "expires on 2040-09-01, within 180 days" in detail
    assert result.code == 1, result.out + result.err
