"""The isolated tier's network ACL: which packets it lets through (a small NACL evaluator written here, independent of
the component and of the pack), that replies get out (NACLs are stateless), and the program under mocks for dev and
prod; the S3 and Lambda paths of the SQL services."""

from __future__ import annotations

import ipaddress
import json

import pytest

from components.network_acls import isolated_rules, tier_block
from components.settings import SettingsError, load_settings
from preflight.engine import read_stack_config
from tests.conftest import REPO_ROOT, per_module_unless_collecting
from tests.policies.policy_helpers import check_stack, resource

NACL = "aws:ec2/networkAcl:NetworkAcl"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
DB = "aurora-platform:database"
NET = "aurora-platform:network"

# dev's VPC 10.20.0.0/16: each tier's 8 slots of /21 make one /18.
VPC = "10.20.0.0/16"
PUBLIC, PRIVATE, ISOLATED = "10.20.0.0/18", "10.20.64.0/18", "10.20.128.0/18"
APP_TASK, PUBLIC_HOST, DB_HOST, OTHER_DB_HOST = "10.20.70.9", "10.20.3.4", "10.20.130.10", "10.20.137.20"
S3_ADDRESS = "52.216.8.1"


def passes(rules, address: str, port: int, protocol: str = "tcp") -> bool:
    """AWS's NACL evaluation: lowest rule number first, the first rule that matches decides, nothing matched: deny.
    Rules as the component's dicts (rule_no, action, protocol, cidr_block, from_port, to_port)."""
    for rule in sorted((r.args() for r in rules), key=lambda r: r["rule_no"]):
        if ipaddress.ip_address(address) not in ipaddress.ip_network(rule["cidr_block"]):
            continue
        if rule["protocol"] == "-1" or (rule["protocol"] == protocol
                                        and rule["from_port"] <= port <= rule["to_port"]):
            return rule["action"] == "allow"
    return False


def rules(port=5432, sources=(PRIVATE,), lambda_endpoint=False, s3_path=False):
    return isolated_rules(port=port, source_blocks=list(sources), isolated_block=ISOLATED, vpc_cidr=VPC,
                          lambda_endpoint=lambda_endpoint, s3_path=s3_path)


def test_ranges_without():
    from components.network_acls import ranges_without
    assert ranges_without(1024, 65535, {3389, 5432}) == [(1024, 3388), (3390, 5431), (5433, 65535)]
    assert ranges_without(1024, 65535, {3389, 3306}) == [(1024, 3305), (3307, 3388), (3390, 65535)]
    assert ranges_without(1024, 65535, {1024, 65535, 22}) == [(1025, 65534)]
    assert ranges_without(1024, 65535, {3389, 3390}) == [(1024, 3388), (3391, 65535)]


def test_tier_blocks_are_the_reserved_slots():
    assert [tier_block(VPC, i, 5, 8) for i in range(3)] == [PUBLIC, PRIVATE, ISOLATED]
    assert tier_block("10.10.0.0/22", 2, 5, 8) == "10.10.2.0/24"


def test_the_app_reaches_the_database_and_its_replies_get_back_out():
    ingress, egress = rules()
    assert passes(ingress, APP_TASK, 5432)
    # The reply leaves from 5432 to the client's ephemeral port: Linux picks 32768-60999, NAT and ELB 1024-65535.
    for client_port in (1024, 32768, 49152, 60999, 65535):
        assert passes(egress, APP_TASK, client_port), client_port


@pytest.mark.parametrize(("address", "port"), [
    (APP_TASK, 22), (APP_TASK, 3389), (APP_TASK, 3306), (APP_TASK, 5433), (PUBLIC_HOST, 5432),
    ("203.0.113.9", 5432), (S3_ADDRESS, 40000), (APP_TASK, 443)])
def test_nothing_else_comes_in(address, port):
    ingress, _ = rules()
    assert not passes(ingress, address, port)
    assert not passes(ingress, address, port, "udp")


def test_nothing_else_goes_out():
    _, egress = rules()
    # Below the ephemeral range nothing leaves (NACLs cannot tell a reply from a new connection to a port >= 1024:
    # that is the security groups' job, which admit no egress from the database).
    assert not passes(egress, APP_TASK, 443) and not passes(egress, APP_TASK, 22)
    assert not passes(egress, PUBLIC_HOST, 40000)
    assert not passes(egress, S3_ADDRESS, 443) and not passes(egress, "8.8.8.8", 53, "udp")


def test_mysql_port_and_the_bastion_tier():
    ingress, egress = rules(port=3306, sources=(PRIVATE, PUBLIC))
    assert passes(ingress, PUBLIC_HOST, 3306) and passes(ingress, APP_TASK, 3306)
    assert not passes(ingress, APP_TASK, 5432)
    assert passes(egress, PUBLIC_HOST, 50000)


def test_inside_the_tier_proxy_to_instances_and_replies():
    ingress, egress = rules()
    assert passes(egress, OTHER_DB_HOST, 5432) and passes(ingress, DB_HOST, 5432)
    assert passes(egress, OTHER_DB_HOST, 45000) and passes(ingress, OTHER_DB_HOST, 45000)
    assert not passes(egress, OTHER_DB_HOST, 443)  # no Lambda endpoint, no HTTPS in the tier
    ingress, egress = rules(lambda_endpoint=True)
    assert passes(egress, OTHER_DB_HOST, 443) and passes(ingress, DB_HOST, 443)


def test_the_s3_path_admits_s3_replies_and_nothing_else_of_the_vpc():
    ingress, egress = rules(s3_path=True)
    assert passes(egress, S3_ADDRESS, 443) and passes(ingress, S3_ADDRESS, 50000)
    assert not passes(egress, S3_ADDRESS, 80)
    # The wide reply rule does not open the tier to the rest of the VPC: the public tier is denied first, on every
    # port, the database port and SSH included.
    for port in (5432, 22, 50000):
        assert not passes(ingress, PUBLIC_HOST, port), port
    for port in (22, 3389, 5432):
        assert not passes(ingress, "203.0.113.9", port), port
    assert passes(ingress, S3_ADDRESS, 3388) and passes(ingress, S3_ADDRESS, 3390) and passes(ingress, S3_ADDRESS,
                                                                                                  5433)
    # What the tier admitted before still passes.
    assert passes(ingress, APP_TASK, 5432) and passes(egress, APP_TASK, 40000)


def test_a_nacl_without_the_ephemeral_egress_breaks_every_connection_and_the_pack_says_so():
    ingress, egress = rules()
    broken = [r for r in egress if r.cidr_block != PRIVATE]
    assert passes(ingress, APP_TASK, 5432) and not passes(broken, APP_TASK, 40000)

    def as_props(entries):
        return [{"ruleNo": r.rule_no, "action": r.action, "protocol": r.protocol, "cidrBlock": r.cidr_block,
                 "fromPort": r.from_port, "toPort": r.to_port} for r in entries]

    good = resource(NACL, "isolated", {"ingress": as_props(ingress), "egress": as_props(egress)})
    assert check_stack("nacl-return-path", [good]) == []
    bad = resource(NACL, "isolated", {"ingress": as_props(ingress), "egress": as_props(broken)})
    assert check_stack("nacl-return-path", [bad]) == [
        "NetworkAcl 'isolated': ingress[0] admits TCP 5432 from 10.20.64.0/18, but no egress entry lets the replies "
        "back to 10.20.64.0/18 on ephemeral port(s) 1024, 32768, 49152, 60999, 65535: NACLs are stateless, so every "
        "such connection hangs."]
    # Only part of the range: a reply to 32768+ still dropped.
    narrow = as_props(broken) + [{"ruleNo": 150, "action": "allow", "protocol": "tcp", "cidrBlock": PRIVATE,
                                  "fromPort": 1024, "toPort": 32767}]
    assert "ephemeral port(s) 32768, 49152, 60999, 65535" in check_stack(
        "nacl-return-path", [resource(NACL, "isolated", {"ingress": as_props(ingress), "egress": narrow})])[0]
    # A lower-numbered deny in front of the reply rule breaks it too.
    denied = as_props(egress) + [{"ruleNo": 50, "action": "deny", "protocol": "-1", "cidrBlock": "10.20.64.0/20",
                                  "fromPort": 0, "toPort": 0}]
    assert check_stack("nacl-return-path", [resource(NACL, "isolated", {"ingress": as_props(ingress),
                                                                         "egress": denied})])


# ---- settings -----------------------------------------------------------------------------------------------------

def test_isolated_acl_setting():
    assert load_settings({}, "dev", "us-east-1").network.isolated_acl is True
    assert load_settings({"network": {"isolatedAcl": "false"}}, "dev", "us-east-1").network.isolated_acl is False
    with pytest.raises(SettingsError) as caught:
        load_settings({"network": {"isolatedAcl": "yes", "isolatedACL": True}}, "dev", "us-east-1")
    assert caught.value.problems[0] == f"{NET}.isolatedAcl: got \"yes\"; allowed: true or false"
    assert caught.value.problems[1].startswith(f"{NET}.isolatedACL: unknown setting")
    assert 'Did you mean "isolatedAcl"?' in caught.value.problems[1]


# ---- the program under mocks --------------------------------------------------------------------------------------

def acl_rules(run):
    acl = run.one(NACL)
    return ({(r["ruleNo"], r["action"], r["protocol"], r["cidrBlock"], r["fromPort"], r["toPort"])
             for r in acl.inputs["ingress"]},
            {(r["ruleNo"], r["action"], r["protocol"], r["cidrBlock"], r["fromPort"], r["toPort"])
             for r in acl.inputs["egress"]})


def test_dev_isolated_subnets_carry_the_nacl(dev):
    acl = dev.one(NACL)
    isolated = [r for r in dev.of_type("aws:ec2/subnet:Subnet") if r.inputs["tags"].get("Tier") == "isolated"]
    assert len(acl.inputs["subnetIds"]) == 3 == len(isolated)
    assert sorted(acl.inputs["subnetIds"]) == sorted(s.id for s in isolated)
    ingress, egress = acl_rules(dev)
    # dev's bastion is in the private tier: one source block.
    assert ingress == {(100, "allow", "tcp", PRIVATE, 5432, 5432), (200, "allow", "tcp", ISOLATED, 5432, 5432),
                       (201, "allow", "tcp", ISOLATED, 1024, 65535)}
    assert egress == {(100, "allow", "tcp", PRIVATE, 1024, 65535), (200, "allow", "tcp", ISOLATED, 5432, 5432),
                      (201, "allow", "tcp", ISOLATED, 1024, 65535)}
    assert dev.of_type(ENDPOINT) == [e for e in dev.of_type(ENDPOINT) if e.name.startswith("bastion")]


def test_prod_nacl_on_its_own_vpc_block(prod):
    ingress, _ = acl_rules(prod)
    assert (100, "allow", "tcp", "10.10.64.0/18", 5432, 5432) in ingress
    assert all(cidr != "0.0.0.0/0" for _, _, _, cidr, _, _ in ingress)


def test_bastion_in_the_public_tier_is_a_source(evaluate):
    base = dict(read_stack_config(REPO_ROOT, {"name": "aurora-platform"}, "dev")["aurora-platform:bastion"])
    run = evaluate("dev", {"aurora-platform:bastion": {**base, "subnetTier": "public"}})
    ingress, egress = acl_rules(run)
    assert (101, "allow", "tcp", PUBLIC, 5432, 5432) in ingress
    assert (101, "allow", "tcp", PUBLIC, 1024, 65535) in egress


def test_isolated_acl_off_builds_none(evaluate):
    network = dict(read_stack_config(REPO_ROOT, {"name": "aurora-platform"}, "dev")[NET])
    assert evaluate("dev", {NET: {**network, "isolatedAcl": False}}).of_type(NACL) == []


@pytest.fixture(scope=per_module_unless_collecting)
def dev_sql():
    from preflight.engine import run_stack
    database = {**dict(read_stack_config(REPO_ROOT, {"name": "aurora-platform"}, "dev")[DB]),
                "s3Export": {"enabled": True}, "s3Import": {"enabled": True, "bucketName": "blog-imports",
                                                             "prefix": "csv/"},
                "lambdaInvoke": {"enabled": True, "functions": ["notify"]}}
    return run_stack("dev", REPO_ROOT, {DB: database})


def test_sql_services_get_their_paths_out_of_the_isolated_tier(dev_sql):
    s3 = dev_sql.named("isolated-s3")
    assert s3.inputs["vpcEndpointType"] == "Gateway"
    assert s3.inputs["serviceName"] == "com.amazonaws.us-east-1.s3"
    isolated_table = dev_sql.named("network-isolated").id
    assert s3.inputs["routeTableIds"] == [isolated_table]
    policy = json.loads(s3.inputs["policy"])["Statement"]
    bucket = dev_sql.named("database-exports").outputs["bucket"]
    assert [(s["Action"], s["Resource"]) for s in policy] == [
        (["s3:PutObject", "s3:AbortMultipartUpload"], f"arn:aws:s3:::{bucket}/exports/*"),
        ("s3:GetObject", "arn:aws:s3:::blog-imports/csv/*"), ("s3:ListBucket", "arn:aws:s3:::blog-imports")]

    lam = dev_sql.named("isolated-lambda")
    assert (lam.inputs["vpcEndpointType"], lam.inputs["serviceName"], lam.inputs["privateDnsEnabled"]) == (
        "Interface", "com.amazonaws.us-east-1.lambda", True)
    isolated = sorted(s.id for s in dev_sql.of_type("aws:ec2/subnet:Subnet")
                      if s.inputs["tags"].get("Tier") == "isolated")
    assert sorted(lam.inputs["subnetIds"]) == isolated
    endpoint_group = dev_sql.named("isolated-lambda-endpoint").id
    db_group = dev_sql.named("database-cluster").id
    assert lam.inputs["securityGroupIds"] == [endpoint_group]
    assert json.loads(lam.inputs["policy"])["Statement"] == [{
        "Sid": "AuroraInvokesNamedFunctions", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
        "Resource": ["arn:aws:lambda:us-east-1:123456789012:function:notify",
                     "arn:aws:lambda:us-east-1:123456789012:function:notify:*"]}]
    admit = dev_sql.named("isolated-lambda-endpoint-from-database").inputs
    assert (admit["securityGroupId"], admit["referencedSecurityGroupId"], admit["fromPort"], admit["toPort"]) == (
        endpoint_group, db_group, 443, 443)
    out = {r.name: r.inputs for r in dev_sql.of_type(EGRESS_RULE)}
    assert out["isolated-database-to-lambda"]["referencedSecurityGroupId"] == endpoint_group
    assert out["isolated-database-to-s3"]["securityGroupId"] == db_group
    assert out["isolated-database-to-s3"]["fromPort"] == 443 == out["isolated-database-to-s3"]["toPort"]

    ingress, egress = acl_rules(dev_sql)
    assert (202, "allow", "tcp", ISOLATED, 1024, 65535) in ingress  # HTTPS at 201 moves the ephemeral rule
    assert (201, "allow", "tcp", ISOLATED, 443, 443) in egress
    assert (900, "deny", "-1", VPC, 0, 0) in ingress
    # The reply range from S3, without RDP (EC2.21) and the database port.
    assert {r for r in ingress if r[0] >= 1000} == {(1000, "allow", "tcp", "0.0.0.0/0", 1024, 3388),
                                                    (1001, "allow", "tcp", "0.0.0.0/0", 3390, 5431),
                                                    (1002, "allow", "tcp", "0.0.0.0/0", 5433, 65535)}
    assert (1000, "allow", "tcp", "0.0.0.0/0", 443, 443) in egress


def test_dev_with_sql_services_passes_the_gate(dev_sql):
    from preflight.policy_eval import Analyzer, load_policy_config
    evaluation = Analyzer(load_policy_config(REPO_ROOT / "policies" / "config" / "dev.json")).evaluate(
        dev_sql.resources)
    assert [v.policy for v in evaluation.violations if v.enforcement_level == "mandatory"] == []
    assert [v.policy for v in evaluation.violations if v.policy.startswith("nacl-")] == []
