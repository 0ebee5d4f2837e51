"""Stack settings: defaults, good values, and one exact message per bad value, all reported at once."""

import pytest

from components.settings import SettingsError, load_settings


def problems(values: dict, stack: str = "dev", region: str | None = "us-east-1") -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(values, stack, region)
    return caught.value.problems


def test_defaults_when_nothing_is_set():
    settings = load_settings({}, "dev", "eu-west-1")
    assert settings.environment == "development"
    assert settings.region == "eu-west-1"
    assert settings.network.cidr_block == "10.0.0.0/16"
    assert settings.network.availability_zone_count == 3
    assert settings.network.nat_gateways == "single"
    assert settings.network.flow_log_retention_days == 90


def test_without_a_region_the_settings_take_us_east_1_though_the_program_requires_one():
    # Unit tests and tools may leave the region out; the program itself requires aws:region.
    assert load_settings({}, "dev").region == "us-east-1"
    with pytest.raises(SettingsError):
        load_settings({}, "dev", require_region=True)


def test_values_are_read_from_json_text_as_pulumi_config_stores_them():
    settings = load_settings({"environment": "production",
                              "network": '{"cidrBlock": "172.16.0.0/20", "natGateways": "perAz", '
                                         '"availabilityZones": "4", "flowLogRetentionDays": 365}'}, "prod")
    assert settings.is_production
    assert settings.network.cidr_block == "172.16.0.0/20"
    assert settings.network.nat_gateways == "perAz"
    assert settings.network.availability_zone_count == 4
    assert settings.network.flow_log_retention_days == 365


def test_explicit_zone_names():
    settings = load_settings({"network": {"availabilityZones": ["us-east-1a", "us-east-1c", "us-east-1d"]}},
                             "dev", "us-east-1")
    assert settings.network.availability_zone_names == ("us-east-1a", "us-east-1c", "us-east-1d")
    assert settings.network.availability_zone_count == 3


def test_tags_carry_the_environment_the_policies_read():
    settings = load_settings({"environment": "production"}, "prod")
    assert settings.tags() == {"Project": "aurora-platform", "Stack": "prod", "Environment": "production",
                               "ManagedBy": "pulumi"}


@pytest.mark.parametrize(("network", "message"), [
    ({"natGateways": "two"}, 'aurora-platform:network.natGateways: got "two"; allowed: none, single, perAz'),
    ({"cidrBlock": "10.0.0.0/33"},
     'aurora-platform:network.cidrBlock: got "10.0.0.0/33"; allowed: a private IPv4 CIDR block (inside 10.0.0.0/8, '
     '172.16.0.0/12 or 192.168.0.0/16) with a prefix length from /16 to /22, e.g. "10.0.0.0/16"'),
    ({"cidrBlock": "not-a-cidr"}, 'aurora-platform:network.cidrBlock: got "not-a-cidr"; allowed: a private IPv4'),
    ({"cidrBlock": "8.8.0.0/16"}, 'aurora-platform:network.cidrBlock: got "8.8.0.0/16"; allowed: a private IPv4'),
    ({"cidrBlock": "10.0.0.0/24"}, 'aurora-platform:network.cidrBlock: got "10.0.0.0/24"; allowed: a private IPv4'),
    ({"cidrBlock": "10.0.0.1/16"}, 'aurora-platform:network.cidrBlock: got "10.0.0.1/16"; allowed: a private IPv4'),
    ({"availabilityZones": 2},
     "aurora-platform:network.availabilityZones: got 2; allowed: a number from 3 to 6, or a list of 3 to 6 distinct "
     "zone names of the stack's region"),
    ({"availabilityZones": ["us-east-1a", "us-east-1a", "us-east-1b"]},
     'aurora-platform:network.availabilityZones: got ["us-east-1a", "us-east-1a", "us-east-1b"]; allowed: a number'),
    ({"availabilityZones": ["us-east-1a", "us-east-1b", "eu-west-1a"]},
     '("eu-west-1a" not a zone of us-east-1)'),
    ({"availabilityZones": "three"}, 'aurora-platform:network.availabilityZones: got "three"; allowed: a number'),
    ({"flowLogRetentionDays": 10},
     "aurora-platform:network.flowLogRetentionDays: got 10; allowed: one of the CloudWatch Logs retention periods: "
     "1, 3, 5, 7, 14, 30, 60, 90,"),
    ({"natGateway": "single"},
     "aurora-platform:network.natGateway: unknown setting; known settings here: availabilityZones, cidrBlock, "
     "flowLogRetentionDays, isolatedAcl, natGateways"),
])
def test_each_bad_network_value_is_named_with_what_is_allowed(network, message):
    [problem] = problems({"network": network})
    assert problem.startswith(message) or message in problem


def test_bad_top_level_values():
    assert problems({"environment": "staging"}) == [
        'aurora-platform:environment: got "staging"; allowed: development or production']
    assert problems({"netwrok": {}}) == [
        "aurora-platform:netwrok: unknown setting; known settings: aurora-platform:environment, "
        "aurora-platform:network, aurora-platform:database, aurora-platform:bastion, aurora-platform:app. "
        "Did you mean aurora-platform:network?"]
    assert problems({"network": "natGateways: single"}) == [
        'aurora-platform:network: got "natGateways: single"; allowed: an object (a YAML mapping of settings)']


def test_every_problem_is_reported_at_once_in_one_message():
    with pytest.raises(SettingsError) as caught:
        load_settings({"environment": "qa", "network": {"natGateways": "two", "cidrBlock": "x",
                                                        "availabilityZones": 2}}, "dev", "us-east-1")
    error = caught.value
    assert len(error.problems) == 4
    text = str(error)
    assert text.startswith("Stack settings for 'dev' have 4 problems (Pulumi.dev.yaml):\n  - ")
    for key in ("environment", "network.natGateways", "network.cidrBlock", "network.availabilityZones"):
        assert f"aurora-platform:{key}: got" in text


def test_settings_error_is_a_clean_pulumi_run_error():
    import pulumi

    with pytest.raises(pulumi.RunError):
        load_settings({"environment": "qa"}, "dev")


def test_application_tasks_need_a_way_out_of_the_private_subnets():
    app = {"image": "ghcr.io/aurora-platform/blog:1.0.0"}
    assert problems({"network": {"natGateways": "none"}, "app": app}) == [
        'aurora-platform:network.natGateways: "none" leaves the application tasks (aurora-platform:app) no way to '
        "pull their image or read their secrets; use single or perAz, or set aurora-platform:app.createService to "
        "false"]
    # without a service (or without an app) a NAT-less network is fine
    assert load_settings({"network": {"natGateways": "none"}, "app": {**app, "createService": False}}, "dev")
    assert load_settings({"network": {"natGateways": "none"}}, "dev")


def test_a_vpc_of_the_smallest_allowed_size_is_taken():
    # The refusal promises prefix lengths from /16 to /22: a /22 (1,024 addresses) is the smallest network taken.
    settings = load_settings({"network": {"cidrBlock": "192.168.4.0/22"}}, "dev", "us-east-1")
    assert settings.network.cidr_block == "192.168.4.0/22"


def test_an_app_scaled_to_zero_tasks_may_go_without_nat():
    # No task runs, so none needs NAT to pull its image: the "none" refusal is for running tasks only.
    settings = load_settings({"network": {"natGateways": "none"},
                              "app": {"image": "ghcr.io/aurora-platform/blog:1.0.0", "desiredCount": 0}},
                             "dev", "us-east-1")
    assert (settings.network.nat_gateways, settings.app.desired_count) == ("none", 0)
