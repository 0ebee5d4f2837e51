"""`aurora-platform:bastion`: the administration host for migrations, psql/mysql and connectivity checks.

By default the bastion sits in a private subnet with no inbound rule at all and is reached through SSM Session Manager.
SSH is opt-in: `sshAllowedCidrs` and `sshKeyName` go together, and never to the whole internet.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from .network import host_bits_hint
from .reader import Problems, Section

SUBNET_TIERS = ("private", "public")
DEFAULT_INSTANCE_TYPE = "t4g.micro"
# "<family>.<size>", the family being a class, a generation and optional attribute letters (t4g, m7i, c7gn, m7i-flex,
# u7i-12tb); the size a word such as micro, large, 2xlarge, metal, metal-24xl.
INSTANCE_TYPE_PATTERN = r"[a-z]+\d+[a-z]*(-[a-z0-9]+)?\.[a-z0-9]+(-[a-z0-9]+)?"
INSTANCE_TYPE_ALLOWED = ('an EC2 instance type "<family>.<size>", e.g. "t4g.micro" (Graviton families carry a "g" '
                         'after the generation: t4g, m7g, c7gn; the AMI architecture follows the family)')
# A key pair name as EC2 accepts it: up to 255 printable ASCII characters.
KEY_NAME_PATTERN = r"[\x21-\x7e][\x20-\x7e]{0,253}[\x21-\x7e]|[\x21-\x7e]"
KEY_NAME_ALLOWED = "the name of an existing EC2 key pair (1 to 255 printable ASCII characters)"
# The broadest networks SSH may be opened to: a /16 (65,536 addresses) for IPv4, a /48 (one site) for IPv6.
MIN_IPV4_PREFIX, MIN_IPV6_PREFIX = 16, 48
# An AMI id as EC2 prints it: "ami-" and 8 (older) or 17 hex digits.
AMI_ID_PATTERN = r"ami-(?:[0-9a-f]{8}|[0-9a-f]{17})"
AMI_ID_ALLOWED = ('an AMI id "ami-" followed by 8 or 17 lower-case hex digits, e.g. the current value of '
                  '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64')
CIDR_MALFORMED = 'an IPv4 or IPv6 network in CIDR notation, e.g. "203.0.113.0/24" or "2001:db8:1234::/48"'
CIDR_WORLD = ("a specific network, never the whole internet (0.0.0.0/0 or ::/0): administrators connect through SSM "
              "Session Manager, which needs no inbound rule")
CIDR_TOO_BROAD = (f"a network no broader than /{MIN_IPV4_PREFIX} for IPv4 (a prefix length from /{MIN_IPV4_PREFIX} to "
                  f"/32) or /{MIN_IPV6_PREFIX} for IPv6")


@dataclass(frozen=True)
class BastionSettings:
    enabled: bool = True
    instance_type: str = DEFAULT_INSTANCE_TYPE
    subnet_tier: str = "private"
    ssh_allowed_cidrs: tuple[str, ...] = ()
    ssh_key_name: str | None = None
    termination_protection: bool = False
    # None: the latest AL2023 image at creation, then kept (a new release never replaces the bastion by itself).
    # An id: exactly that image; changing it replaces the bastion (how to roll it onto a new release).
    ami_id: str | None = None

    @property
    def ssh_enabled(self) -> bool:
        return bool(self.ssh_allowed_cidrs)

    @property
    def architecture(self) -> str:
        return architecture_of(self.instance_type)


def architecture_of(instance_type: str) -> str:
    """`arm64` for Graviton families (a "g" among the letters after the generation: t4g, m7g, c7gn, im4gn, g5g),
    `x86_64` for everything else (t3, m7i, m7a, g4dn, m7i-flex)."""
    family = instance_type.split(".")[0].split("-")[0]
    match = re.fullmatch(r"[a-z]+\d+([a-z]*)", family)
    return "arm64" if match and "g" in match.group(1) else "x86_64"


def check_ssh_cidr(value: str) -> str | None:
    """None when `value` may be allowed to reach port 22, else what is allowed instead."""
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        return CIDR_MALFORMED + host_bits_hint(value)
    if network.prefixlen == 0:
        return CIDR_WORLD
    minimum = MIN_IPV4_PREFIX if network.version == 4 else MIN_IPV6_PREFIX
    if network.prefixlen < minimum:
        return CIDR_TOO_BROAD
    return None


def parse_bastion(section: Section, problems: Problems, *, production: bool) -> BastionSettings:
    enabled = section.boolean("enabled", True)
    instance_type = section.string("instanceType", DEFAULT_INSTANCE_TYPE, pattern=INSTANCE_TYPE_PATTERN,
                                   allowed=INSTANCE_TYPE_ALLOWED)
    tier = section.string("subnetTier", "private", choices=SUBNET_TIERS)
    given_cidrs = section.raw_value("sshAllowedCidrs")
    cidrs = section.string_list("sshAllowedCidrs", [], item_allowed=CIDR_MALFORMED, check=check_ssh_cidr)
    key_name = section.string("sshKeyName", None, pattern=KEY_NAME_PATTERN, allowed=KEY_NAME_ALLOWED)
    # Production bastions survive a stray `terminate-instances`; dev ones stay disposable.
    termination = section.boolean("terminationProtection", production)
    ami_id = section.string("amiId", None, pattern=AMI_ID_PATTERN, allowed=AMI_ID_ALLOWED)
    section.finish()

    # SSH is all or nothing: a key pair without an open port is a credential nobody should hold, and an open port
    # without a key pair is a rule nobody can use.
    has_cidrs = bool(given_cidrs)
    if key_name is not None and not has_cidrs:
        problems.add_text(f"{section.key}.sshKeyName",
                          f"set only together with {section.key}.sshAllowedCidrs: the key pair is installed only when "
                          f"SSH is opened to listed networks (leave both unset to use SSM Session Manager alone)")
    if has_cidrs and section.has("sshKeyName") is False:
        problems.add_text(f"{section.key}.sshAllowedCidrs",
                          f"needs {section.key}.sshKeyName (an existing EC2 key pair): opening port 22 is useful "
                          f"only with a key to log in with (leave both unset to use SSM Session Manager alone)")
    return BastionSettings(enabled=enabled, instance_type=instance_type, subnet_tier=tier,
                           ssh_allowed_cidrs=tuple(dict.fromkeys(cidrs)), ssh_key_name=key_name if cidrs else None,
                           termination_protection=termination, ami_id=ami_id)
