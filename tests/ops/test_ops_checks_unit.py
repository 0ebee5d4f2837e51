"""verify's checks on what moto cannot show: real AWS paging and Source, engine-default groups,
a disabled metadata endpoint. The describe calls are pinned with botocore's Stubber."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from ops.aws import Clients
from ops.checks.base import Facts
from ops.checks.bastion import bastion_imdsv2
from ops.checks.keys import key_problem
from ops.checks.network import no_open_db_ingress
from ops.checks.tls import parameter_value, tls_enforced


def facts(cluster, clients=None, bastion=None):
    return Facts(clients, cluster, [], 7, None, bastion)


def test_parameter_lookup_pages_through_every_source(stubbed_rds):
    """AWS returns hundreds of parameters over several pages, engine defaults included; moto
    returns only the user-set ones on one page and ignores ``Source``. We ask without ``Source``
    (a value on by engine default still counts) and follow ``Marker``."""
    client, stubber = stubbed_rds
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


# --- no-world-database-ingress: live IpPermissions through the policy pack's own reasoning -----------------------

DB_GROUPS = [{"VpcSecurityGroupId": "sg-db"}, {"VpcSecurityGroupId": "sg-extra"}]


def permission(protocol="tcp", low=5432, high=5432, cidrs=(), cidrs6=(), prefix_lists=(), groups=()):
    p = {"IpProtocol": protocol, "IpRanges": [{"CidrIp": c} for c in cidrs],
         "Ipv6Ranges": [{"CidrIpv6": c} for c in cidrs6],
         "PrefixListIds": [{"PrefixListId": pl} for pl in prefix_lists],
         "UserIdGroupPairs": [{"GroupId": g} for g in groups]}
    if low is not None:
        p.update(FromPort=low, ToPort=high)
    return p


def ingress_check(db, extra=(), prefix_lists=None):
    """no_open_db_ingress on a cluster with two groups, sg-db and sg-extra, whose live rules are given."""
    ec2 = boto3.client("ec2", region_name="eu-west-1")
    with Stubber(ec2) as stubber:
        stubber.add_response(
            "describe_security_groups",
            {"SecurityGroups": [{"GroupId": "sg-db", "IpPermissions": list(db)},
                                {"GroupId": "sg-extra", "IpPermissions": list(extra)}]},
            {"GroupIds": ["sg-db", "sg-extra"]},
        )
        for prefix_list, pages in (prefix_lists or {}).items():
            for i, page in enumerate(pages):
                response = {"Entries": [{"Cidr": c} for c in page]}
                params = {"PrefixListId": prefix_list}
                if i + 1 < len(pages):
                    response["NextToken"] = f"t{i + 1}"
                if i:
                    params["NextToken"] = f"t{i}"
                stubber.add_response("get_managed_prefix_list_entries", response, params)
        clients = Clients("eu-west-1", lambda service, region: ec2)
        outcome = no_open_db_ingress(facts({"Port": 5432, "VpcSecurityGroups": DB_GROUPS}, clients))
        stubber.assert_no_pending_responses()
    return outcome


@pytest.mark.parametrize(("rules", "detail"), [
    ([permission("6", cidrs=["0.0.0.0/0"])], "sg-db (allows 0.0.0.0/0 on 6 5432-5432) opens port(s) 5432 to 0.0.0.0/0"),
    ([permission("TCP", 5432, 5432, cidrs=["1.2.3.4/0"])],
     "sg-db (allows 1.2.3.4/0 on TCP 5432-5432) opens port(s) 5432 to 0.0.0.0/0"),
    ([permission("-1", None, cidrs6=["::0/0"])], "sg-db (allows ::0/0 on all traffic) opens port(s) 5432 over tcp "
                                                 "and udp to ::/0"),
    ([permission("17", 5000, 6000, cidrs=["0.0.0.0/0"])],
     "sg-db (allows 0.0.0.0/0 on 17 5000-6000) opens port(s) 5432 over udp to 0.0.0.0/0"),
    ([permission(cidrs=["0.0.0.0/1", "128.0.0.0/1"])],
     "sg-db (allows 0.0.0.0/1, 128.0.0.0/1 on tcp 5432-5432) opens port(s) 5432 to 0.0.0.0/0"),
    ([permission(cidrs=["0.0.0.0/1"]), permission("-1", None, cidrs=["128.0.0.0/1"])],
     "sg-db (allows 0.0.0.0/1 on tcp 5432-5432) and sg-db (allows 128.0.0.0/1 on all traffic) together open "
     "port(s) 5432 to 0.0.0.0/0"),
    ([permission(cidrs6=["::ffff:0:0/96"])],
     "sg-db (allows ::ffff:0:0/96 on tcp 5432-5432) opens port(s) 5432 to 0.0.0.0/0"),
], ids=["protocol-6", "TCP-host-bits", "all-traffic-ipv6-long", "udp-range", "split-in-one-rule",
        "split-over-two-rules", "ipv4-mapped"])
def test_open_db_ingress_spellings_fail(aws_env, rules, detail):
    assert ingress_check(rules) == ("fail", detail)


def test_open_db_ingress_split_over_the_clusters_two_groups_fails(aws_env):
    # AWS lets in what any group of the interface allows: the union spans the cluster's groups.
    assert ingress_check([permission(cidrs=["0.0.0.0/1"])], [permission(cidrs=["128.0.0.0/1"])]) == (
        "fail", "sg-db (allows 0.0.0.0/1 on tcp 5432-5432) and sg-extra (allows 128.0.0.0/1 on tcp 5432-5432) "
                "together open port(s) 5432 to 0.0.0.0/0")


def test_open_db_ingress_prefix_list_read_over_every_page(aws_env):
    rules = [permission(prefix_lists=["pl-1"])]
    assert ingress_check(rules, prefix_lists={"pl-1": [["0.0.0.0/1"], ["128.0.0.0/1"]]}) == (
        "fail", "sg-db (allows pl-1 (0.0.0.0/1), pl-1 (128.0.0.0/1) on tcp 5432-5432) opens port(s) 5432 to "
                "0.0.0.0/0")


@pytest.mark.parametrize(("rules", "prefix_lists"), [
    ([permission(cidrs=["203.0.113.0/24"])], None),
    ([permission(groups=["sg-app"])], None),
    ([permission("icmp", -1, -1, cidrs=["0.0.0.0/0"], cidrs6=["::/0"])], None),
    ([permission(cidrs=["0.0.0.0/1"])], None),
    ([permission(cidrs=["0.0.0.0/0"], low=443, high=443)], None),
    ([permission(cidrs=["0.0.0.0/1"]), permission("udp", cidrs=["128.0.0.0/1"])], None),
    ([permission(prefix_lists=["pl-office"])], {"pl-office": [["203.0.113.0/24", "198.51.100.0/24"]]}),
], ids=["office", "sg-sourced", "icmp", "half", "other-port", "halves-over-tcp-and-udp", "office-prefix-list"])
def test_open_db_ingress_correct_spellings_pass(aws_env, rules, prefix_lists):
    status, detail = ingress_check(rules, prefix_lists=prefix_lists)
    assert (status, detail) == ("pass", "no 0.0.0.0/0 or ::/0 ingress to port 5432 in sg-db, sg-extra")


def python(code: str) -> list[str]:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.splitlines()


def test_ops_network_check_runs_the_pack_file_and_needs_no_pulumi():
    lines = python("import sys, ops.checks.network as n; print(n.ingress.__file__); "
                   "print(sorted(m for m in ('pulumi', 'pulumi_policy') if m in sys.modules))")
    assert lines == [str(Path(__file__).resolve().parents[2] / "policies" / "rules" / "ingress.py"), "[]"]


def test_ops_reuses_the_pack_module_once_the_pack_is_imported():
    assert python("import policies.rules.network as p, ops.checks.network as n; "
                  "print(p.exposures is n.ingress.exposures)") == ["True"]
