"""`aurora-platform:network`, the behaviours mutation testing found unpinned: the zone count's bounds (3 to 6, both
taken), explicit zone names checked by their shape as well as by the region, the refusal's exact words, and a CIDR
refused for its range or prefix that gets no host-bits hint.

The platform spreads every tier over at least 3 availability zones and at most 6 (components/network.py); a zone
name is `<region><letter>` (us-east-1a).
"""

from __future__ import annotations

import pytest

from components.settings import SettingsError, load_settings

KEY = "aurora-platform:network"
ZONES_ALLOWED = ("allowed: a number from 3 to 6, or a list of 3 to 6 distinct zone names of the stack's region (e.g. "
                 "[\"us-east-1a\", \"us-east-1b\", \"us-east-1c\"]); the platform spreads every tier over at least 3 "
                 "zones")
CIDR_ALLOWED = ("allowed: a private IPv4 CIDR block (inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16) with a "
                "prefix length from /16 to /22, e.g. \"10.0.0.0/16\"")


def network(values: dict, region: str | None = "us-east-1"):
    return load_settings({"network": values}, "dev", region).network


def problems(values: dict, region: str | None = "us-east-1") -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings({"network": values}, "dev", region)
    return caught.value.problems


# ---- availabilityZones as a count ------------------------------------------------------------------------------------
@pytest.mark.parametrize("count", [3, 4, 6])
def test_a_zone_count_from_3_to_6_is_taken_as_a_number(count):
    # YAML gives a whole number as an int (the quoted form "4" is read as text and tested elsewhere).
    settings = network({"availabilityZones": count})
    assert (settings.availability_zone_count, settings.availability_zone_names) == (count, ())


@pytest.mark.parametrize("count", [2, 7, True])
def test_a_zone_count_outside_3_to_6_is_refused_with_the_allowed_range(count):
    shown = "true" if count is True else str(count)
    assert problems({"availabilityZones": count}) == [f"{KEY}.availabilityZones: got {shown}; {ZONES_ALLOWED}"]


# ---- availabilityZones as names --------------------------------------------------------------------------------------
def test_six_zone_names_the_most_the_platform_spreads_over_are_taken():
    six = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"]
    settings = network({"availabilityZones": six})
    assert settings.availability_zone_names == tuple(six)
    assert settings.availability_zone_count == 6


@pytest.mark.parametrize("odd", ["us-east-1", "us-east-1zz", "us-east-1A", 7])
def test_a_zone_name_of_the_region_with_the_wrong_shape_is_refused(odd):
    # Starting with the region's name is not enough: "us-east-1" is the region, not one of its zones.
    zones = ["us-east-1a", "us-east-1b", odd]
    shown = str(odd) if isinstance(odd, int) else f'"{odd}"'
    assert problems({"availabilityZones": zones}) == [
        f'{KEY}.availabilityZones: got ["us-east-1a", "us-east-1b", {shown}]; {ZONES_ALLOWED} ({shown} not a zone of '
        f'us-east-1)']


def test_every_zone_that_is_not_of_the_region_is_named_comma_separated():
    assert problems({"availabilityZones": ["us-east-1a", "eu-west-1a", "eu-west-1b"]}) == [
        f'{KEY}.availabilityZones: got ["us-east-1a", "eu-west-1a", "eu-west-1b"]; {ZONES_ALLOWED} ("eu-west-1a", '
        f'"eu-west-1b" not a zone of us-east-1)']


def test_without_a_known_region_a_bad_zone_name_is_not_a_zone_of_the_region():
    assert problems({"availabilityZones": ["use1-az1", "us-east-1b", "us-east-1c"]}, region=None) == [
        f'{KEY}.availabilityZones: got ["use1-az1", "us-east-1b", "us-east-1c"]; {ZONES_ALLOWED} ("use1-az1" not a '
        f'zone of the region)']


@pytest.mark.parametrize("zones", [["us-east-1a", "us-east-1a", "us-east-1b"], ["us-east-1a", "us-east-1b"]])
def test_good_names_repeated_or_too_few_name_no_zone_as_wrong(zones):
    # Each name is a zone of the region: the message ends with what is allowed, with no "(... not a zone of ...)".
    shown = ", ".join(f'"{z}"' for z in zones)
    assert problems({"availabilityZones": zones}) == [f"{KEY}.availabilityZones: got [{shown}]; {ZONES_ALLOWED}"]


# ---- cidrBlock: the host-bits hint only where host bits are the problem ----------------------------------------------
@pytest.mark.parametrize("cidr", ["8.8.0.0/16", "10.0.0.0/24", "10.0.0.0/15"])
def test_a_cidr_refused_for_its_range_or_prefix_is_told_only_what_is_allowed(cidr):
    assert problems({"cidrBlock": cidr}) == [f'{KEY}.cidrBlock: got "{cidr}"; {CIDR_ALLOWED}']


@pytest.mark.parametrize(("value", "shown"), [(True, "true"), (["10.0.0.0/16"], '["10.0.0.0/16"]')])
def test_a_cidr_that_is_not_text_is_told_only_what_is_allowed(value, shown):
    assert problems({"cidrBlock": value}) == [f"{KEY}.cidrBlock: got {shown}; {CIDR_ALLOWED}"]
