"""verify --live-facts: the engine version is offered and not deprecated, the instance class is offered in the
instances' zones, the CA is current, the Serverless v2 maxCapacity is one the version takes.

moto 5.2.5 does not implement DescribeDBEngineVersions or DescribeCertificates and answers
DescribeOrderableDBInstanceOptions only for some engines, so these calls go to botocore's Stubber: each test states
the exact request and the response AWS would give. The rest of verify (the cluster, its instances) runs against moto
in the command-level tests, with only those three operations routed to the stub.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from ops.aws import Clients
from ops.checks import LIVE_FACT_CHECKS, Facts, run_checks
from ops.checks.engine import (
    ca_certificate_current,
    engine_version_available,
    instance_class_orderable,
    serverless_capacity_supported,
)

REGION = "eu-west-1"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ENGINE, VERSION = "aurora-postgresql", "16.6"
LIVE = ["engine-version-available", "instance-class-orderable", "ca-certificate-current",
        "serverless-capacity-supported"]


@pytest.fixture
def rds():
    client = boto3.client("rds", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def instance(name: str, zone: str, instance_class: str = "db.r6g.large", ca: str = "rds-ca-rsa2048-g1",
             server_valid_till: datetime | None = None) -> dict[str, Any]:
    found = {"DBInstanceIdentifier": name, "AvailabilityZone": zone, "DBInstanceClass": instance_class,
             "CACertificateIdentifier": ca}
    if server_valid_till:
        found["CertificateDetails"] = {"CAIdentifier": ca, "ValidTill": server_valid_till}
    return found


def facts(client, instances=None, scaling=None) -> Facts:
    cluster = {"DBClusterIdentifier": "aurora-platform-prod", "Engine": ENGINE, "EngineVersion": VERSION}
    if scaling:
        cluster["ServerlessV2ScalingConfiguration"] = scaling
    return Facts(aws=Clients(REGION, lambda service, region: client), cluster=cluster,
                 instances=[instance("db-1", "eu-west-1a"), instance("db-2", "eu-west-1b")]
                 if instances is None else instances,
                 min_retention=7, password_parameter=None, bastion_instance=None, now=NOW)


def engine_versions(stubber: Stubber, *versions: dict[str, Any], expected: dict | None = None) -> None:
    stubber.add_response("describe_db_engine_versions", {"DBEngineVersions": list(versions)},
                         expected or {"Engine": ENGINE, "EngineVersion": VERSION, "IncludeAll": True})


def version(status: str = "available", **extra: Any) -> dict[str, Any]:
    return {"Engine": ENGINE, "EngineVersion": VERSION, "Status": status, **extra}


# ---- the engine version -------------------------------------------------------------------------------------------
def test_an_available_version_passes(rds):
    client, stubber = rds
    engine_versions(stubber, version())
    assert engine_version_available(facts(client)) == ("pass", "aurora-postgresql 16.6 is available in eu-west-1")


def test_a_deprecated_version_fails_and_names_the_minor_upgrade_targets(rds):
    client, stubber = rds
    engine_versions(stubber, version("deprecated", ValidUpgradeTarget=[
        {"EngineVersion": "16.8", "IsMajorVersionUpgrade": False},
        {"EngineVersion": "17.4", "IsMajorVersionUpgrade": True},
        {"EngineVersion": "16.9", "IsMajorVersionUpgrade": False}]))
    assert engine_version_available(facts(client)) == (
        "fail", "aurora-postgresql 16.6 is deprecated, not available; minor upgrade targets: 16.8, 16.9")


def test_a_version_the_region_does_not_list_fails(rds):
    client, stubber = rds
    engine_versions(stubber)
    assert engine_version_available(facts(client)) == ("fail", "aurora-postgresql 16.6 is not offered in eu-west-1")


def test_a_look_alike_version_in_the_answer_does_not_count(rds):
    """A filter that matched loosely (16.6 vs 16.60) must not pass for the cluster's exact version."""
    client, stubber = rds
    engine_versions(stubber, {**version(), "EngineVersion": "16.60"})
    assert engine_version_available(facts(client))[0] == "fail"


def test_an_unknown_status_is_not_taken_for_available(rds):
    client, stubber = rds
    engine_versions(stubber, {"Engine": ENGINE, "EngineVersion": VERSION})
    assert engine_version_available(facts(client)) == (
        "fail", "aurora-postgresql 16.6 is of unknown status, not available")


# ---- Serverless v2 capacity -----------------------------------------------------------------------------------------
def test_max_capacity_above_what_the_version_takes_fails(rds):
    client, stubber = rds
    engine_versions(stubber, version(ServerlessV2FeaturesSupport={"MinCapacity": 0.5, "MaxCapacity": 128.0}))
    assert serverless_capacity_supported(facts(client, scaling={"MinCapacity": 0.5, "MaxCapacity": 256.0})) == (
        "fail", "maxCapacity 256 ACUs, above the 128 that aurora-postgresql 16.6 supports")


def test_max_capacity_within_what_the_version_takes_passes(rds):
    client, stubber = rds
    engine_versions(stubber, version(ServerlessV2FeaturesSupport={"MinCapacity": 0.0, "MaxCapacity": 256.0}))
    assert serverless_capacity_supported(facts(client, scaling={"MinCapacity": 0.0, "MaxCapacity": 256.0})) == (
        "pass", "maxCapacity 256 ACUs (the version supports up to 256)")


def test_a_provisioned_cluster_skips_the_capacity_check_without_a_call(rds):
    client, _ = rds
    assert serverless_capacity_supported(facts(client)) == ("skip", "no Serverless v2 scaling configuration")


def test_the_engine_version_is_read_once_for_both_checks(rds):
    client, stubber = rds
    engine_versions(stubber, version(ServerlessV2FeaturesSupport={"MaxCapacity": 256.0}))
    shared = facts(client, scaling={"MinCapacity": 1.0, "MaxCapacity": 64.0})
    assert engine_version_available(shared)[0] == "pass"
    assert serverless_capacity_supported(shared)[0] == "pass"


# ---- the instance class in the instances' zones ---------------------------------------------------------------------
def orderable(stubber: Stubber, instance_class: str, zones: list[str]) -> None:
    options = [{"Engine": ENGINE, "EngineVersion": VERSION, "DBInstanceClass": instance_class,
                "AvailabilityZones": [{"Name": z} for z in zones]}] if zones else []
    stubber.add_response("describe_orderable_db_instance_options", {"OrderableDBInstanceOptions": options},
                         {"Engine": ENGINE, "EngineVersion": VERSION, "DBInstanceClass": instance_class})


def test_a_class_offered_in_every_instance_zone_passes(rds):
    client, stubber = rds
    orderable(stubber, "db.r6g.large", ["eu-west-1a", "eu-west-1b", "eu-west-1c"])
    assert instance_class_orderable(facts(client)) == (
        "pass", "aurora-postgresql 16.6: db.r6g.large in eu-west-1a, eu-west-1b, eu-west-1c")


def test_an_instance_in_a_zone_without_the_class_fails(rds):
    client, stubber = rds
    orderable(stubber, "db.r6g.large", ["eu-west-1a", "eu-west-1c"])
    assert instance_class_orderable(facts(client)) == ("fail", "db-2: db.r6g.large is not offered in eu-west-1b")


def test_a_class_not_offered_for_the_version_fails(rds):
    client, stubber = rds
    orderable(stubber, "db.r5.large", [])
    found = instance_class_orderable(facts(client, instances=[instance("db-1", "eu-west-1a", "db.r5.large")]))
    assert found == ("fail", "db.r5.large is not offered for aurora-postgresql 16.6 in eu-west-1")


def test_each_class_of_a_mixed_cluster_is_asked_for(rds):
    client, stubber = rds
    orderable(stubber, "db.r6g.large", ["eu-west-1a"])
    orderable(stubber, "db.serverless", ["eu-west-1a"])
    mixed = [instance("db-1", "eu-west-1a"), instance("db-2", "eu-west-1b", "db.serverless")]
    assert instance_class_orderable(facts(client, instances=mixed)) == (
        "fail", "db-2: db.serverless is not offered in eu-west-1b")


# ---- the CA ---------------------------------------------------------------------------------------------------------
def certificates(stubber: Stubber, *valid_till: tuple[str, datetime]) -> None:
    stubber.add_response("describe_certificates", {
        "DefaultCertificateForNewLaunches": "rds-ca-rsa2048-g1",
        "Certificates": [{"CertificateIdentifier": ca, "CertificateType": "CA",
                          "ValidFrom": datetime(2021, 5, 25, tzinfo=UTC), "ValidTill": till}
                         for ca, till in valid_till]}, {})


def test_a_ca_valid_for_years_passes(rds):
    client, stubber = rds
    certificates(stubber, ("rds-ca-rsa2048-g1", datetime(2061, 5, 23, tzinfo=UTC)))
    assert ca_certificate_current(facts(client)) == ("pass", "CA rds-ca-rsa2048-g1 valid beyond 180 days")


def test_a_ca_that_expires_within_180_days_fails(rds):
    client, stubber = rds
    certificates(stubber, ("rds-ca-2019", datetime(2027, 3, 1, tzinfo=UTC)))
    both = [instance("db-1", "eu-west-1a", ca="rds-ca-2019")]
    assert ca_certificate_current(facts(client, instances=both)) == (
        "fail", "db-1: CA rds-ca-2019 expires on 2027-03-01, within 180 days")


def test_an_expired_or_unknown_ca_fails(rds):
    client, stubber = rds
    certificates(stubber, ("rds-ca-2015", datetime(2020, 3, 5, tzinfo=UTC)))
    old = [instance("db-1", "eu-west-1a", ca="rds-ca-2015"), instance("db-2", "eu-west-1b", ca="rds-ca-made-up")]
    assert ca_certificate_current(facts(client, instances=old)) == (
        "fail", "db-1: CA rds-ca-2015 expired on 2020-03-05; db-2: CA rds-ca-made-up is not one of the region's "
                "certificates")


def test_an_expired_server_certificate_under_a_current_ca_fails(rds):
    client, stubber = rds
    certificates(stubber, ("rds-ca-rsa2048-g1", datetime(2061, 5, 23, tzinfo=UTC)))
    stale = [instance("db-1", "eu-west-1a", server_valid_till=datetime(2026, 11, 30, tzinfo=UTC))]
    assert ca_certificate_current(facts(client, instances=stale)) == (
        "fail", "db-1: its server certificate expired on 2026-11-30")


# ---- errors and levels ----------------------------------------------------------------------------------------------
def test_access_denied_is_an_error_of_that_check_only(rds):
    client, stubber = rds
    stubber.add_client_error("describe_db_engine_versions", "AccessDenied",
                             "not authorized: rds:DescribeDBEngineVersions")
    orderable(stubber, "db.r6g.large", ["eu-west-1a", "eu-west-1b"])
    certificates(stubber, ("rds-ca-rsa2048-g1", datetime(2061, 5, 23, tzinfo=UTC)))
    results = {r.name: (r.status, r.detail) for r in run_checks(facts(client), LIVE_FACT_CHECKS)}
    assert results == {
        "engine-version-available": ("error", "AccessDenied: not authorized: rds:DescribeDBEngineVersions"),
        "instance-class-orderable": ("pass", "aurora-postgresql 16.6: db.r6g.large in eu-west-1a, eu-west-1b"),
        "ca-certificate-current": ("pass", "CA rds-ca-rsa2048-g1 valid beyond 180 days"),
        "serverless-capacity-supported": ("skip", "no Serverless v2 scaling configuration"),
    }


# ---- through the command, with moto for the cluster ----------------------------------------------------------------
class Routed:
    """moto's RDS client, except for the operations moto does not answer, which go to the stubbed client."""

    STUBBED = {"describe_db_engine_versions", "describe_orderable_db_instance_options", "describe_certificates"}

    def __init__(self, real: Any, stubbed: Any) -> None:
        self._real, self._stubbed = real, stubbed

    def get_paginator(self, operation: str) -> Any:
        return (self._stubbed if operation in self.STUBBED else self._real).get_paginator(operation)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stubbed if name in self.STUBBED else self._real, name)


def test_verify_runs_the_live_checks_only_when_asked(shared_stacks, run_ops):
    stack = shared_stacks.get()
    result = run_ops("verify", "--outputs", str(stack.outputs), "--json")
    assert result.code == 0 and not {c["name"] for c in result.json()["checks"]} & set(LIVE)


def verify_with_live_facts(stack: Any, run_ops: Any, *, status: str = "available",
                           valid_till: datetime = datetime(2061, 5, 23, tzinfo=UTC), now: datetime = NOW) -> tuple:
    """`verify --live-facts --json` on a moto stack, the three calls moto does not answer stubbed: the cluster's
    version with `status`, its classes offered in three zones, its instances' CAs valid until `valid_till`; the
    command's clock at `now`. Returns the result and the cluster as moto describes it."""
    from tests.ops.conftest import reused_client

    moto_rds = reused_client("rds", REGION)
    cluster = moto_rds.describe_db_clusters(DBClusterIdentifier=stack.cluster_id)["DBClusters"][0]
    members = moto_rds.describe_db_instances(
        Filters=[{"Name": "db-cluster-id", "Values": [stack.cluster_id]}])["DBInstances"]
    stubbed = boto3.client("rds", region_name=REGION, aws_access_key_id="t", aws_secret_access_key="t")
    with Stubber(stubbed) as stubber:
        stubber.add_response("describe_db_engine_versions", {"DBEngineVersions": [
            {"Engine": cluster["Engine"], "EngineVersion": cluster["EngineVersion"], "Status": status}]},
            {"Engine": cluster["Engine"], "EngineVersion": cluster["EngineVersion"], "IncludeAll": True})
        for instance_class in sorted({m["DBInstanceClass"] for m in members}):
            stubber.add_response("describe_orderable_db_instance_options", {"OrderableDBInstanceOptions": [
                {"DBInstanceClass": instance_class,
                 "AvailabilityZones": [{"Name": f"{REGION}{z}"} for z in "abc"]}]},
                {"Engine": ANY, "EngineVersion": ANY, "DBInstanceClass": instance_class})
        cas = sorted({m.get("CACertificateIdentifier", "rds-ca-rsa2048-g1") for m in members})
        stubber.add_response("describe_certificates", {"Certificates": [
            {"CertificateIdentifier": ca, "ValidTill": valid_till} for ca in cas]}, {})

        def make(service: str, region: str | None) -> Any:
            client = reused_client(service, region)
            return Routed(client, stubbed) if service == "rds" else client

        result = run_ops("verify", "--outputs", str(stack.outputs), "--live-facts", "--json", make_client=make,
                         now=lambda: now)
    return result, cluster


def test_verify_live_facts_reports_a_deprecated_version_and_fails(shared_stacks, run_ops):
    result, cluster = verify_with_live_facts(shared_stacks.get(), run_ops, status="deprecated")
    checks = {c["name"]: (c["status"], c["detail"]) for c in result.json()["checks"]}
    assert result.code == 1, result.out + result.err
    assert checks["engine-version-available"] == (
        "fail", f"{cluster['Engine']} {cluster['EngineVersion']} is deprecated, not available")
    assert checks["instance-class-orderable"][0] == "pass"
    assert checks["ca-certificate-current"][0] == "pass"
    assert checks["serverless-capacity-supported"][0] == "skip"
    assert result.json()["ok"] is False
