"""World ingress through the whole gate: a real program under the mock engine, in the spellings AWS accepts.

Each bypass spelling must fail naming the rule and the resource; each correct spelling must still pass.
"""

from __future__ import annotations

import pytest

from .gate_helpers import PROGRAM, SAFE, gate_json, mandatory, write_program

BASTION_GROUP = '''aws.ec2.SecurityGroup("bastion", vpc_id="vpc-0123", tags=tags, ingress=[
    aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=22, to_port=22, cidr_blocks=["203.0.113.0/24"]),
])
'''


def program_with(network: str, port: int | None = None) -> str:
    """The safe program with its bastion group replaced by `network` (and the cluster on `port`)."""
    body = PROGRAM.format(**SAFE)
    assert BASTION_GROUP in body
    body = body.replace(BASTION_GROUP, network)
    if port is not None:
        body = body.replace('engine_version="16.4",', f'engine_version="16.4", port={port},')
    return body


def gate(tmp_path, network: str, port: int | None = None):
    code, report = gate_json("--stack", "test", "--program", str(write_program(tmp_path, body=program_with(network,
                                                                                                          port))))
    return code, mandatory(report), report


def detail(report, policy: str) -> list[str]:
    return [v["message"].split("\n", 1)[1] for v in report["violations"] if v["policy"] == policy]


GROUP = 'group = aws.ec2.SecurityGroup("db-sg", vpc_id="vpc-0123", tags=tags)\n'


def rule(name: str, cidr: str, protocol: str = "tcp", port: int = 22, family: str = "cidr_ipv4") -> str:
    return (f'aws.vpc.SecurityGroupIngressRule("{name}", security_group_id=group.id, ip_protocol="{protocol}", '
            f'from_port={port}, to_port={port}, {family}="{cidr}", tags=tags)\n')


def test_inline_rule_spelled_6_and_ipv6_zero_spelled_long(tmp_path):
    network = '''aws.ec2.SecurityGroup("bastion", vpc_id="vpc-0123", tags=tags, ingress=[
    aws.ec2.SecurityGroupIngressArgs(protocol="6", from_port=22, to_port=22,
                                     ipv6_cidr_blocks=["0:0:0:0:0:0:0:0/0"]),
])
'''
    code, found, report = gate(tmp_path, network)
    assert (code, found) == (1, [("no-world-admin-ingress", "bastion")])
    assert detail(report, "no-world-admin-ingress") == [
        "ingress[0] opens port(s) 22 to ::/0."]


def test_security_group_rule_all_protocol_with_host_bits(tmp_path):
    network = GROUP + ('aws.ec2.SecurityGroupRule("open", type="ingress", security_group_id=group.id, protocol="-1", '
                       'from_port=0, to_port=0, cidr_blocks=["1.2.3.4/0"])\n')
    code, found, _ = gate(tmp_path, network)
    assert (code, found) == (1, [("no-world-admin-ingress", "open")])


def test_world_split_over_two_rule_resources_names_the_group(tmp_path):
    code, found, report = gate(tmp_path, GROUP + rule("low", "0.0.0.0/1") + rule("high", "128.0.0.0/1"))
    assert (code, found) == (1, [("no-world-admin-ingress-union", "db-sg")])
    assert detail(report, "no-world-admin-ingress-union") == [
        "SecurityGroup 'db-sg': SecurityGroupIngressRule 'low' (0.0.0.0/1) and SecurityGroupIngressRule 'high' "
        "(128.0.0.0/1) together open port(s) 22 to 0.0.0.0/0."]


def test_world_split_over_udp_rules(tmp_path):
    code, found, _ = gate(tmp_path, GROUP + rule("low", "0.0.0.0/1", "udp") + rule("high", "128.0.0.0/1", "UDP"))
    assert (code, found) == (1, [("no-world-admin-ingress-union", "db-sg")])


def test_custom_database_port_split_over_two_rules(tmp_path):
    network = GROUP + rule("low", "::/1", port=6543, family="cidr_ipv6") + rule(
        "high", "8000::/1", port=6543, family="cidr_ipv6")
    code, found, report = gate(tmp_path, network, port=6543)
    assert (code, found) == (1, [("no-world-database-ingress", "db-sg")])
    assert detail(report, "no-world-database-ingress") == [
        "SecurityGroup 'db-sg': SecurityGroupIngressRule 'low' (::/1) and SecurityGroupIngressRule 'high' (8000::/1) "
        "together open port(s) 6543 to ::/0, the database port of Cluster 'db'."]


def test_prefix_list_on_ssh_fails_offline(tmp_path):
    network = GROUP + ('aws.vpc.SecurityGroupIngressRule("office", security_group_id=group.id, ip_protocol="tcp", '
                       'from_port=22, to_port=22, prefix_list_id="pl-0123456789abcdef0", tags=tags)\n')
    code, found, _ = gate(tmp_path, network)
    assert (code, found) == (1, [("no-world-admin-ingress-union", "db-sg")])


@pytest.mark.parametrize("network", [
    GROUP + rule("office", "203.0.113.0/24"),
    GROUP + rule("half", "0.0.0.0/1"),
    GROUP + rule("v6-half", "::/1", family="cidr_ipv6") + rule("v4-half", "128.0.0.0/1"),
    GROUP + ('aws.vpc.SecurityGroupIngressRule("ping", security_group_id=group.id, ip_protocol="icmp", from_port=-1, '
             'to_port=-1, cidr_ipv4="0.0.0.0/0", tags=tags)\n'),
    GROUP + ('app = aws.ec2.SecurityGroup("app", vpc_id="vpc-0123", tags=tags)\n'
             'aws.vpc.SecurityGroupIngressRule("from-app", security_group_id=group.id, ip_protocol="tcp", '
             'from_port=22, to_port=22, referenced_security_group_id=app.id, tags=tags)\n'),
    GROUP + rule("https", "0.0.0.0/0", port=443),
], ids=["office-cidr", "half-world", "half-of-each-family", "icmp-from-world", "sg-sourced", "https-from-world"])
def test_correct_spellings_still_pass(tmp_path, network):
    code, found, _ = gate(tmp_path, network)
    assert (code, found) == (0, [])


def test_database_port_split_over_the_clusters_two_groups(tmp_path):
    network = '''low = aws.ec2.SecurityGroup("db-low", vpc_id="vpc-0123", tags=tags, ingress=[
    aws.ec2.SecurityGroupIngressArgs(protocol="tcp", from_port=5432, to_port=5432, cidr_blocks=["0.0.0.0/1"]),
])
high = aws.ec2.SecurityGroup("db-high", vpc_id="vpc-0123", tags=tags, ingress=[
    aws.ec2.SecurityGroupIngressArgs(protocol="all", from_port=0, to_port=0, cidr_blocks=["128.0.0.0/1"]),
])
'''
    # The groups come before the cluster, which reads their ids.
    body = program_with("").replace('cluster = aws.rds.Cluster(', network + 'cluster = aws.rds.Cluster(', 1)
    body = body.replace('engine_version="16.4",', 'engine_version="16.4", vpc_security_group_ids=[low.id, high.id],')
    code, report = gate_json("--stack", "test", "--program", str(write_program(tmp_path, body=body)))
    assert (code, mandatory(report)) == (1, [("no-world-database-ingress", "db")])


def prefix_list_program(*cidrs: str) -> str:
    entries = ", ".join(f'aws.ec2.ManagedPrefixListEntryArgs(cidr="{c}")' for c in cidrs)
    return GROUP + (f'office = aws.ec2.ManagedPrefixList("office", address_family="IPv4", max_entries=5, '
                    f'entries=[{entries}], tags=tags)\n'
                    'aws.vpc.SecurityGroupIngressRule("ssh", security_group_id=group.id, ip_protocol="tcp", '
                    'from_port=22, to_port=22, prefix_list_id=office.id, tags=tags)\n')


def test_the_programs_own_prefix_list_of_office_ranges_passes(tmp_path):
    code, found, _ = gate(tmp_path, prefix_list_program("203.0.113.0/24", "198.51.100.0/24"))
    assert (code, found) == (0, [])


def test_the_programs_own_prefix_list_split_over_the_world_fails(tmp_path):
    code, found, _ = gate(tmp_path, prefix_list_program("0.0.0.0/1", "128.0.0.0/1"))
    assert (code, found) == (1, [("no-world-admin-ingress-union", "db-sg")])
