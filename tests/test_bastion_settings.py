"""`aurora-platform:bastion`: defaults per environment, good values, and one exact message per bad value."""

import pytest

from components.settings import SettingsError, load_settings
from components.settings.bastion import architecture_of

KEY = "aurora-platform:bastion"


def problems(bastion, environment: str = "development") -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings({"environment": environment, "bastion": bastion}, "dev", "us-east-1")
    return caught.value.problems


def test_defaults_a_private_graviton_bastion_reached_through_ssm_only():
    bastion = load_settings({}, "dev", "us-east-1").bastion
    assert bastion.enabled is True
    assert bastion.instance_type == "t4g.micro" and bastion.architecture == "arm64"
    assert bastion.subnet_tier == "private"
    assert bastion.ssh_allowed_cidrs == () and bastion.ssh_key_name is None and not bastion.ssh_enabled
    assert bastion.termination_protection is False


@pytest.mark.parametrize("ami_id", ["ami-0123456789abcdef0", "ami-12345678"])
def test_an_ami_id_pins_the_image(ami_id):
    assert load_settings({"bastion": {"amiId": ami_id}}, "dev").bastion.ami_id == ami_id
    assert load_settings({}, "dev").bastion.ami_id is None


def test_production_bastions_are_termination_protected_by_default_and_can_opt_out():
    assert load_settings({"environment": "production"}, "prod").bastion.termination_protection is True
    opted_out = load_settings({"environment": "production", "bastion": {"terminationProtection": "false"}}, "prod")
    assert opted_out.bastion.termination_protection is False


def test_ssh_needs_both_networks_and_a_key_and_reads_json_text():
    bastion = load_settings({"bastion": '{"subnetTier": "public", "instanceType": "m7i.large", '
                                        '"sshAllowedCidrs": ["203.0.113.0/24", "2001:db8:1234::/48", '
                                        '"203.0.113.0/24"], "sshKeyName": "ops-2026"}'}, "dev").bastion
    assert bastion.subnet_tier == "public"
    assert bastion.ssh_allowed_cidrs == ("203.0.113.0/24", "2001:db8:1234::/48")  # duplicates dropped
    assert bastion.ssh_key_name == "ops-2026" and bastion.ssh_enabled
    assert bastion.architecture == "x86_64"


@pytest.mark.parametrize(("instance_type", "arch"), [
    ("t4g.micro", "arm64"), ("m7g.large", "arm64"), ("c7gn.2xlarge", "arm64"), ("im4gn.large", "arm64"),
    ("g5g.xlarge", "arm64"), ("r8g.metal-24xl", "arm64"),
    ("t3.micro", "x86_64"), ("m7i.large", "x86_64"), ("m7a.large", "x86_64"), ("g4dn.xlarge", "x86_64"),
    ("m7i-flex.large", "x86_64"), ("m5dn.large", "x86_64"),
])
def test_the_ami_architecture_follows_the_instance_family(instance_type, arch):
    assert architecture_of(instance_type) == arch
    assert load_settings({"bastion": {"instanceType": instance_type}}, "dev").bastion.architecture == arch


CIDR_WORLD = ("a specific network, never the whole internet (0.0.0.0/0 or ::/0): administrators connect through SSM "
              "Session Manager, which needs no inbound rule")
CIDR_TOO_BROAD = "a network no broader than /16 for IPv4 (a prefix length from /16 to /32) or /48 for IPv6"
CIDR_MALFORMED = 'an IPv4 or IPv6 network in CIDR notation, e.g. "203.0.113.0/24" or "2001:db8:1234::/48"'


@pytest.mark.parametrize(("cidr", "allowed"), [
    ("0.0.0.0/0", CIDR_WORLD),
    ("::/0", CIDR_WORLD),
    ("10.0.0.0/8", CIDR_TOO_BROAD),
    ("203.0.0.0/15", CIDR_TOO_BROAD),
    ("2001:db8::/32", CIDR_TOO_BROAD),
    ("203.0.113.300/24", CIDR_MALFORMED),
    ("203.0.113.7/24", CIDR_MALFORMED + "; 203.0.113.7/24 has host bits set (the address is not the first of its "
                       "/24 block): the network it lies in is 203.0.113.0/24"),
    ("office", CIDR_MALFORMED),
])
def test_ssh_networks_are_never_open_or_broad_or_malformed(cidr, allowed):
    assert problems({"sshAllowedCidrs": ["198.51.100.0/24", cidr], "sshKeyName": "ops"}) == [
        f'{KEY}.sshAllowedCidrs[1]: got "{cidr}"; allowed: {allowed}']


def test_ssh_networks_must_be_a_list_of_strings():
    assert problems({"sshAllowedCidrs": "198.51.100.0/24", "sshKeyName": "ops"}) == [
        f'{KEY}.sshAllowedCidrs: got "198.51.100.0/24"; allowed: a list, each item {CIDR_MALFORMED}']
    assert problems({"sshAllowedCidrs": [24], "sshKeyName": "ops"}) == [
        f"{KEY}.sshAllowedCidrs[0]: got 24; allowed: {CIDR_MALFORMED}"]


def test_a_key_pair_without_networks_and_networks_without_a_key_pair_are_errors_naming_both_keys():
    assert problems({"sshKeyName": "ops"}) == [
        f"{KEY}.sshKeyName: set only together with {KEY}.sshAllowedCidrs: the key pair is installed only when SSH is "
        f"opened to listed networks (leave both unset to use SSM Session Manager alone)"]
    assert problems({"sshAllowedCidrs": ["198.51.100.0/24"]}) == [
        f"{KEY}.sshAllowedCidrs: needs {KEY}.sshKeyName (an existing EC2 key pair): opening port 22 is useful only "
        f"with a key to log in with (leave both unset to use SSM Session Manager alone)"]


@pytest.mark.parametrize(("bastion", "message"), [
    ({"subnetTier": "dmz"}, f'{KEY}.subnetTier: got "dmz"; allowed: private, public'),
    ({"instanceType": "large"},
     f'{KEY}.instanceType: got "large"; allowed: an EC2 instance type "<family>.<size>", e.g. "t4g.micro" (Graviton '
     f'families carry a "g" after the generation: t4g, m7g, c7gn; the AMI architecture follows the family)'),
    ({"instanceType": "T4G.MICRO"}, f'{KEY}.instanceType: got "T4G.MICRO"; allowed: an EC2 instance type'),
    ({"instanceType": "t4g micro"}, f'{KEY}.instanceType: got "t4g micro"; allowed: an EC2 instance type'),
    ({"enabled": "yes"}, f'{KEY}.enabled: got "yes"; allowed: true or false'),
    ({"terminationProtection": 1}, f"{KEY}.terminationProtection: got 1; allowed: true or false"),
    ({"sshAllowedCidrs": ["198.51.100.0/24"], "sshKeyName": " ops"},
     f'{KEY}.sshKeyName: got " ops"; allowed: the name of an existing EC2 key pair (1 to 255 printable ASCII '
     f'characters)'),
    ({"subnet": "private"},
     f"{KEY}.subnet: unknown setting; known settings here: amiId, enabled, instanceType, sshAllowedCidrs, "
     f"sshKeyName, subnetTier, terminationProtection"),
    ({"amiId": "ami-XYZ"},
     f'{KEY}.amiId: got "ami-XYZ"; allowed: an AMI id "ami-" followed by 8 or 17 lower-case hex digits'),
    ({"amiId": "al2023-ami-2023.6.20241212.0-kernel-6.1-arm64"}, f'{KEY}.amiId: got "al2023-ami-2023.6'),
    ("not an object", f'{KEY}: got "not an object"; allowed: an object (a YAML mapping of settings)'),
])
def test_every_invalid_setting_has_its_message(bastion, message):
    [problem] = problems(bastion)
    assert problem.startswith(message)


def test_every_bastion_problem_comes_out_at_once_with_other_sections():
    found = problems({"subnetTier": "dmz", "instanceType": "large", "sshAllowedCidrs": ["0.0.0.0/0"],
                      "sshKeyName": "ops"}, environment="staging")
    assert [p.split(":")[0] + ":" + p.split(":")[1] for p in found] == [
        "aurora-platform:environment", f"{KEY}.instanceType", f"{KEY}.subnetTier", f"{KEY}.sshAllowedCidrs[0]"]


def test_a_graviton_family_with_a_suffix_after_a_hyphen_is_still_arm64():
    # The letters after the generation decide, the suffix aside (m7i-flex is x86_64 for its "i"). No Graviton family
    # has such a suffix yet (botocore's InstanceType list); the first one must not be given an x86_64 image, which
    # EC2 would refuse to launch on it only at `pulumi up`.
    assert architecture_of("m8g-flex.large") == "arm64"
    assert load_settings({"bastion": {"instanceType": "m8g-flex.large"}}, "dev").bastion.architecture == "arm64"
