"""`aurora-platform:network`: the VPC block, how many availability zones, and how private subnets reach out."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from .reader import Problems, Section

NAT_STRATEGIES = ("none", "single", "perAz")
MIN_AZS, MAX_AZS = 3, 6
# Subnets are carved as /(prefix+5) blocks (see components/network.py), so /22 is the smallest VPC that still gives
# /27 subnets; /16 is the largest block AWS allows for a VPC.
MIN_PREFIX, MAX_PREFIX = 16, 22
PRIVATE_RANGES = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
AZ_NAME = r"[a-z]{2}(-[a-z]+)+-\d[a-z]"

CIDR_ALLOWED = (f"a private IPv4 CIDR block (inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) with a prefix length "
                f"from /{MIN_PREFIX} to /{MAX_PREFIX}, e.g. \"10.0.0.0/16\"")


@dataclass(frozen=True)
class NetworkSettings:
    cidr_block: str = "10.0.0.0/16"
    # Either a count (the first N zones the region reports as available) or explicit zone names.
    availability_zone_count: int = 3
    availability_zone_names: tuple[str, ...] = ()
    nat_gateways: str = "single"
    flow_log_retention_days: int = 90
    # A network ACL on the isolated subnets (components/network_acls.py): the database port in from the private and
    # bastion tiers only, its return traffic out, nothing else. On by default: NACLs cost nothing.
    isolated_acl: bool = True


def valid_cidr(value: str) -> bool:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        return False
    return (network.version == 4 and MIN_PREFIX <= network.prefixlen <= MAX_PREFIX
            and any(network.subnet_of(r) for r in PRIVATE_RANGES))


def host_bits_hint(value: object) -> str:
    """For a CIDR with host bits set (10.0.1.0/16): say so and name the network it lies in, the likely intent."""
    if not isinstance(value, str):
        return ""
    try:
        ipaddress.ip_network(value.strip(), strict=True)
        return ""
    except ValueError:
        pass
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return ""
    return (f"; {value.strip()} has host bits set (the address is not the first of its /{network.prefixlen} block): "
            f"the network it lies in is {network}")


def parse_network(section: Section, problems: Problems, region: str | None) -> NetworkSettings:
    defaults = NetworkSettings()
    cidr = section.string("cidrBlock", defaults.cidr_block, allowed=CIDR_ALLOWED + host_bits_hint(
        section.raw.get("cidrBlock")), check=valid_cidr)
    nat = section.string("natGateways", defaults.nat_gateways, choices=NAT_STRATEGIES)
    retention = section.log_retention_days("flowLogRetentionDays", defaults.flow_log_retention_days)
    isolated_acl = section.boolean("isolatedAcl", defaults.isolated_acl)

    count, names = _availability_zones(section, problems, region)
    section.finish()
    return NetworkSettings(cidr_block=cidr, availability_zone_count=count, availability_zone_names=names,
                           nat_gateways=nat, flow_log_retention_days=retention,
                           isolated_acl=isolated_acl)


def _availability_zones(section: Section, problems: Problems, region: str | None) -> tuple[int, tuple[str, ...]]:
    key = f"{section.key}.availabilityZones"
    allowed = (f"a number from {MIN_AZS} to {MAX_AZS}, or a list of {MIN_AZS} to {MAX_AZS} distinct zone names "
               f"of the stack's region (e.g. [\"us-east-1a\", \"us-east-1b\", \"us-east-1c\"]); the platform spreads "
               f"every tier over at least {MIN_AZS} zones")
    value = section.raw_value("availabilityZones")
    if value is None:
        return NetworkSettings.availability_zone_count, ()
    if isinstance(value, list):
        names = tuple(value)
        bad = [n for n in names if not isinstance(n, str) or not re.fullmatch(AZ_NAME, n)]
        if region:
            bad += [n for n in names if isinstance(n, str) and n not in bad and not n.startswith(region)]
        if bad or len(set(names)) != len(names) or not MIN_AZS <= len(names) <= MAX_AZS:
            names_shown = ", ".join(problems.shown(key, n) for n in bad)
            detail = f" ({names_shown} not a zone of {region or 'the region'})" if bad else ""
            problems.add(key, value, allowed + detail)
            return NetworkSettings.availability_zone_count, ()
        return len(names), names
    count = value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(value, str) and value.isdigit():
        count = int(value)
    if count is None or not MIN_AZS <= count <= MAX_AZS:
        problems.add(key, value, allowed)
        return NetworkSettings.availability_zone_count, ()
    return count, ()
