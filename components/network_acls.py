"""A network ACL on the isolated (database) subnets: a second, stateless wall behind the security groups.

Security groups already admit only named groups to the database port; the NACL holds even when someone adds a rule to
a security group by hand, or attaches the database's group to something else. It admits:

- the database port (5432 or 3306, or the stack's `port`) from the private tier (the application) and the bastion's
  tier, and the return traffic of those connections (TCP 1024-65535) back to them: NACLs are stateless, so without
  the outbound ephemeral rule every reply is dropped and no connection ever completes;
- inside the tier, the database port, HTTPS and the ephemeral range both ways: RDS Proxy (which lives in the isolated
  subnets) reaches the instances, and the instances reach the Lambda interface endpoint (in the same subnets) when
  SQL may invoke Lambda. Aurora's replication goes through its shared storage layer, not between the instances'
  network interfaces, but these rules do not depend on that;
- when SQL reads or writes S3 (`s3Export`, `s3Import`), HTTPS out to S3 through the gateway endpoint and its replies
  in. NACLs cannot name a prefix list, and S3's addresses change, so these two rules name 0.0.0.0/0; the isolated
  route table routes nothing but the VPC and the S3 endpoint, so 0.0.0.0/0 reaches only S3. Every other address of
  the VPC is denied first (rule DENY_VPC), so the wide reply rule admits nothing from the public tier or elsewhere in
  the VPC; the reply range leaves out 3389 and the database port, so nothing outside the VPC is admitted to either.

Everything else is denied by the NACL's final `*` rule. The VPC's DNS resolver, DHCP and the instance metadata
service are not filtered by NACLs (VPC User Guide, "Control subnet traffic with network ACLs").

The tiers' CIDRs are the blocks components/network.py reserves for them (8 subnet slots of /(vpc+5): one
/(vpc+2) block per tier), so one rule per tier covers every zone, including zones added later.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .network import SLOTS_PER_TIER, SUBNET_PREFIX_DELTA, TIERS, Network

EPHEMERAL = (1024, 65535)
HTTPS = 443
WORLD = "0.0.0.0/0"
# Rule numbers: allows first, then the VPC deny that guards the wide S3 rules, then those.
FROM_SOURCES, INTRA_TIER, DENY_VPC, S3_PATH = 100, 200, 900, 1000
# Ports the wide S3 reply rule leaves out: RDP (Security Hub EC2.21 fails any NACL entry admitting 22 or 3389 from
# 0.0.0.0/0, and 3389 lies in the ephemeral range; 22 does not). The database port is left out too.
RDP = 3389


@dataclass(frozen=True)
class AclRule:
    rule_no: int
    action: str  # "allow" or "deny"
    protocol: str  # "tcp" or "-1"
    cidr_block: str
    from_port: int = 0
    to_port: int = 0

    def args(self) -> dict:
        return {"rule_no": self.rule_no, "action": self.action, "protocol": self.protocol,
                "cidr_block": self.cidr_block, "from_port": self.from_port, "to_port": self.to_port}


def tier_block(vpc_cidr: str, tier_index: int, subnet_prefix_delta: int, slots_per_tier: int) -> str:
    """The block a tier's slots fill (components/network.py plan_subnets): one CIDR for every subnet of the tier."""
    vpc = ipaddress.ip_network(vpc_cidr)
    blocks = list(vpc.subnets(prefixlen_diff=subnet_prefix_delta))[tier_index * slots_per_tier:
                                                                   (tier_index + 1) * slots_per_tier]
    collapsed = list(ipaddress.collapse_addresses(blocks))
    assert len(collapsed) == 1, collapsed  # slots_per_tier is a power of two and aligned
    return str(collapsed[0])


def ranges_without(low: int, high: int, holes: set[int]) -> list[tuple[int, int]]:
    """[low, high] minus the ports in `holes`, as contiguous ranges."""
    ranges, start = [], low
    for hole in sorted(h for h in holes if low <= h <= high):
        if start <= hole - 1:
            ranges.append((start, hole - 1))
        start = hole + 1
    if start <= high:
        ranges.append((start, high))
    return ranges


def isolated_rules(*, port: int, source_blocks: Sequence[str], isolated_block: str, vpc_cidr: str,
                   lambda_endpoint: bool, s3_path: bool) -> tuple[list[AclRule], list[AclRule]]:
    """(ingress, egress) of the isolated tier's NACL. `source_blocks`: the tiers allowed to the database port."""
    sources = list(dict.fromkeys(source_blocks))
    low, high = EPHEMERAL
    ingress = [AclRule(FROM_SOURCES + i, "allow", "tcp", block, port, port) for i, block in enumerate(sources)]
    egress = [AclRule(FROM_SOURCES + i, "allow", "tcp", block, low, high) for i, block in enumerate(sources)]
    intra = [(port, port)] + ([(HTTPS, HTTPS)] if lambda_endpoint else []) + [EPHEMERAL]
    for i, (first, last) in enumerate(intra):
        ingress.append(AclRule(INTRA_TIER + i, "allow", "tcp", isolated_block, first, last))
        egress.append(AclRule(INTRA_TIER + i, "allow", "tcp", isolated_block, first, last))
    if s3_path:
        # The reply range is split around 3389 and the database port, so no entry admits them from outside the VPC
        # (a client port of the database's own connections is never either: Linux picks 32768-60999).
        ingress.append(AclRule(DENY_VPC, "deny", "-1", vpc_cidr))
        ingress += [AclRule(S3_PATH + i, "allow", "tcp", WORLD, first, last)
                    for i, (first, last) in enumerate(ranges_without(low, high, {RDP, port}))]
        egress += [AclRule(DENY_VPC, "deny", "-1", vpc_cidr),
                   AclRule(S3_PATH, "allow", "tcp", WORLD, HTTPS, HTTPS)]
    return ingress, egress


def isolated_network_acl(name: str, *, vpc_id: pulumi.Input[str], subnet_ids: Sequence[pulumi.Input[str]],
                         ingress: Sequence[AclRule], egress: Sequence[AclRule], tags: Mapping[str, str],
                         parent: pulumi.Resource) -> aws.ec2.NetworkAcl:
    """One NACL with its rules inline (the whole rule set is one resource, replaced as one) associated with every
    isolated subnet (`subnet_ids` moves each subnet off the VPC's default NACL)."""
    return aws.ec2.NetworkAcl(
        f"{name}-isolated", vpc_id=vpc_id, subnet_ids=list(subnet_ids),
        ingress=[aws.ec2.NetworkAclIngressArgs(**r.args()) for r in ingress],
        egress=[aws.ec2.NetworkAclEgressArgs(**r.args()) for r in egress],
        tags={**tags, "Name": f"{name}-isolated"}, opts=pulumi.ResourceOptions(parent=parent))


def protect_isolated_tier(network: Network, *, port: int, bastion_tier: str | None, lambda_endpoint: bool,
                          s3_path: bool, tags: Mapping[str, str]) -> aws.ec2.NetworkAcl:
    """The isolated tier's NACL for a components.network.Network: the database port from the private tier and the
    bastion's tier (`bastion_tier`: "private", "public" or None without a bastion)."""
    cidr = network.cidr_block

    def block(tier: str) -> str:
        return tier_block(cidr, TIERS.index(tier), SUBNET_PREFIX_DELTA, SLOTS_PER_TIER)

    sources = [block("private")] + ([block(bastion_tier)] if bastion_tier else [])
    ingress, egress = isolated_rules(port=port, source_blocks=sources, isolated_block=block("isolated"),
                                     vpc_cidr=cidr, lambda_endpoint=lambda_endpoint, s3_path=s3_path)
    return isolated_network_acl(network.name, vpc_id=network.vpc_id, subnet_ids=network.subnet_ids["isolated"],
                                ingress=ingress, egress=egress, tags=tags, parent=network)
