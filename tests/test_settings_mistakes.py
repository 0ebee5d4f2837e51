"""The mistakes a newcomer makes in a first hour that used to pass silently: each is now a settings or config error
naming the key, what was given and what fits. Every check is also tried in another spelling (case, whitespace,
qualified and short keys, nested and list positions), so a variant cannot slip past."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import botocore
import pytest

from components.settings import SettingsError, load_settings
from components.settings.known import engine_versions, regions
from preflight.engine import ProgramError, read_project, read_stack_config, run_stack

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA = REPO_ROOT / "components" / "settings" / "data"
NETWORK = "aurora-platform:network"
DATABASE = "aurora-platform:database"


def problems(values: dict, region: str | None = "us-east-1", **kwargs) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(values, "dev", region, **kwargs)
    return caught.value.problems


def one(values: dict, **kwargs) -> str:
    found = problems(values, **kwargs)
    assert len(found) == 1, found
    return found[0]


# ---- a misspelt namespace, or a key nobody reads ------------------------------------------------------------------
def test_a_misspelt_project_namespace_is_named_with_the_intended_key_and_the_known_sections():
    found = one({}, other_keys=["aws:region", "aurora-plattform:bastion"])
    assert found.startswith("aurora-plattform:bastion: unknown namespace 'aurora-plattform': nothing reads it. "
                            "Did you mean aurora-platform:bastion? This project reads aurora-platform:environment, "
                            "aurora-platform:network, aurora-platform:database, aurora-platform:bastion, "
                            "aurora-platform:app, and aws:region")


@pytest.mark.parametrize("key", ["Aurora-Platform:bastion", "aurora_platform:bastion", "auroraplatform:bastion",
                                 "aurora-platfrom:database", "aurora-platform-:app"])
def test_other_spellings_of_the_namespace_are_caught_and_pointed_home(key):
    found = one({}, other_keys=[key])
    assert f"Did you mean aurora-platform:{key.split(':')[1]}?" in found


@pytest.mark.parametrize("key", ["blog:image", "myapp:database", "random:length"])
def test_any_namespace_nobody_reads_is_an_error_even_when_far_from_the_projects(key):
    found = one({}, other_keys=[key])
    assert found.startswith(f"{key}: unknown namespace")
    assert "Did you mean" not in found


def test_a_namespace_nobody_reads_is_told_what_the_project_reads_with_nothing_between():
    found = one({}, other_keys=["blog:image"])
    assert found == ("blog:image: unknown namespace 'blog': nothing reads it. This project reads "
                     "aurora-platform:environment, aurora-platform:network, aurora-platform:database, "
                     "aurora-platform:bastion, aurora-platform:app, and aws:region")


@pytest.mark.parametrize("key", ["aurora-app:image", "aurora-ops:alarms", "aurora-blog:image", "aurora-data:bucket"])
def test_a_neighbouring_projects_namespace_is_not_taken_for_a_misspelling_of_this_one(key):
    # Names that share only "aurora-" with the project's are another project's, not a typo: no guess.
    found = one({}, other_keys=[key])
    assert found.startswith(f"{key}: unknown namespace")
    assert "Did you mean" not in found


def test_the_aws_provider_and_pulumi_namespaces_are_read_and_a_misspelt_aws_key_is_not():
    assert load_settings({}, "dev", "us-east-1", other_keys=["aws:region", "aws:profile", "aws:defaultTags",
                                                               "pulumi:tags"]).region == "us-east-1"
    found = one({}, other_keys=["aws:regoin"])
    assert found.startswith('aws:regoin: not a setting of the AWS provider. Did you mean "region"')


def test_a_key_with_a_second_colon_is_judged_by_the_namespace_before_its_first_colon():
    # `aws:assumeRole:roleArn` is a nested setting written with a colon: it belongs to the aws namespace, which is read.
    found = one({}, other_keys=["aws:assumeRole:roleArn"])
    assert found.startswith('aws:assumeRole:roleArn: not a setting of the AWS provider. Did you mean "assumeRoles"')


def test_a_misspelt_aws_key_lists_the_providers_settings_one_by_one():
    found = one({}, other_keys=["aws:regoin"])
    listed = found.split(" Its settings: ", 1)[1].split(", ")
    assert {"aws:region", "aws:profile", "aws:defaultTags", "aws:allowedAccountIds"} <= set(listed)
    assert all(item.startswith("aws:") and " " not in item for item in listed), listed


@pytest.mark.parametrize("read_first", ["aws:region", "aws:profile", "aurora-platform:bastion", "pulumi:tags"])
def test_a_namespace_nobody_reads_is_caught_after_keys_that_are_read(read_first):
    # The keys are checked in sorted order: a key that is read must not end the check of the ones after it.
    found = one({}, other_keys=[read_first, "zzblog:image"])
    assert found.startswith("zzblog:image: unknown namespace 'zzblog': nothing reads it.")


def test_the_real_program_refuses_a_misspelt_namespace(evaluate):
    with pytest.raises(ProgramError) as caught:
        evaluate("dev", {"aurora-plattform:bastion": {"enabled": False}})
    assert caught.value.kind == "settings"
    assert "aurora-plattform:bastion: unknown namespace 'aurora-plattform'" in str(caught.value)
    assert caught.value.resources == []


# ---- the region ------------------------------------------------------------------------------------------------------
def test_no_region_is_an_error_in_the_program_not_a_quiet_us_east_1(evaluate):
    with pytest.raises(ProgramError) as caught:
        evaluate("dev", {"aws:region": None})
    assert "aws:region: is not set; every stack names its region" in str(caught.value)


def test_an_empty_stack_file_says_the_region_is_missing(tmp_path):
    program = tmp_path / "program"
    program.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(REPO_ROOT / name, program / name)
    shutil.copytree(REPO_ROOT / "components", program / "components", ignore=shutil.ignore_patterns("__pycache__"))
    (program / "Pulumi.empty.yaml").write_text("")
    with pytest.raises(ProgramError) as caught:
        run_stack("empty", program)
    assert "aws:region: is not set" in str(caught.value)


def test_a_missing_region_says_why_it_matters_and_how_to_set_it_for_this_stack():
    found = one({}, region=None, require_region=True)
    assert found == ("aws:region: is not set; every stack names its region (Pulumi would otherwise use the provider's "
                     "default or the environment's, which differs by machine): pulumi config set aws:region us-east-1 "
                     "(or add `aws:region: <region>` under config: in Pulumi.dev.yaml)")


@pytest.mark.parametrize(("region", "suggested"), [
    ("us-east-7", '"us-east-2" or "us-east-1"'),
    ("US-EAST-1", '"us-east-1"'),
    ("eu-west1", '"eu-west-1"'),
    ("us-east-1 ", '"us-east-1"'),
    ("useast1", None),
])
def test_a_region_that_does_not_exist_is_refused_with_the_nearest_names(region, suggested):
    found = one({}, region=region)
    assert found.startswith(f'aws:region: got "{region}"; allowed: an AWS Region name '
                            f'(components/settings/data/aws-regions.json, checked 2026-12-02)')
    if suggested:
        assert f"Did you mean {suggested}" in found


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-2", "ap-southeast-5", "mx-central-1", "us-gov-west-1",
                                    "cn-north-1"])
def test_real_regions_of_every_partition_pass(region):
    assert load_settings({}, "dev", region).region == region


def test_the_region_table_lists_every_region_the_pinned_sdk_knows():
    """botocore's partition data is the table's source: after a botocore upgrade this names what to add."""
    endpoints = json.loads((Path(botocore.__file__).parent / "data" / "endpoints.json").read_text())
    sdk = {code for partition in endpoints["partitions"] for code in partition["regions"]}
    assert sdk - set(regions()) == set()
    table = json.loads((DATA / "aws-regions.json").read_text())
    assert table["checked"] == "2026-12-02" and "endpoints.json" in table["source"]


# ---- the engine version ------------------------------------------------------------------------------------------
def test_a_version_aurora_never_released_is_refused_with_the_nearest_released_ones():
    found = one({"database": {"engineVersion": "16.99"}})
    assert found.startswith(f'{DATABASE}.engineVersion: got "16.99"; allowed: a released aurora-postgresql version '
                            f'(components/settings/data/aurora-engine-versions.json, checked 2026-12-02')
    assert found.endswith('Did you mean "16.8" or "16.6" or "16.4"?')


@pytest.mark.parametrize("version", ["16.06", "16.5", "17.99", "11.1"])
def test_well_formed_but_unreleased_postgresql_versions_are_refused(version):
    assert "allowed: a released aurora-postgresql version" in one({"database": {"engineVersion": version}})


def test_an_unreleased_mysql_version_is_refused_too():
    found = one({"database": {"engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.08.9"}})
    assert "allowed: a released aurora-mysql version" in found
    assert '"8.0.mysql_aurora.3.08.2"' in found


def test_a_version_of_the_other_engine_says_so():
    found = one({"database": {"engineVersion": "8.0.mysql_aurora.3.08.0"}})
    assert found.endswith('"8.0.mysql_aurora.3.08.0" is an aurora-mysql version (engine is aurora-postgresql)')


@pytest.mark.parametrize("version", ["16.6", "16.4", "13.15", "17.4"])
def test_released_versions_pass(version):
    assert load_settings({"database": {"engineVersion": version}}, "dev", "us-east-1").database.engine_version \
        == version


def test_the_default_versions_and_the_stacks_versions_are_in_the_table():
    assert "16.6" in engine_versions("aurora-postgresql")
    assert "8.0.mysql_aurora.3.08.0" in engine_versions("aurora-mysql")
    table = json.loads((DATA / "aurora-engine-versions.json").read_text())
    assert table["checked"] == "2026-12-02"
    for engine in table["engines"].values():
        assert set(engine["versions"].values()) <= set(engine["sources"])  # every version names its source


@pytest.mark.parametrize(("written", "arrives"), [(16.1, "16.1"), (16, "16"), (16.0, "16.0")])
def test_a_version_yaml_read_as_a_number_says_to_quote_it(written, arrives):
    found = one({"database": {"engineVersion": written}})
    assert found.startswith(f"{DATABASE}.engineVersion: got {arrives}; allowed: an Aurora PostgreSQL version")
    assert found.endswith(f"YAML read the unquoted value as the number {arrives}, and a number loses trailing "
                          f'zeros (16.10 is read as 16.1): quote it, written exactly as meant, e.g. '
                          f'engineVersion: "16.10"')


def test_any_text_setting_given_a_number_gets_the_same_hint_but_a_boolean_does_not():
    assert "quote it" in one({"database": {"masterUsername": 1234}})
    assert "quote it" not in one({"database": {"masterUsername": True}})


def test_a_float_version_through_the_real_stack_file_is_caught(evaluate):
    with pytest.raises(ProgramError) as caught:
        evaluate("dev", {DATABASE: {"engine": "aurora-postgresql", "engineVersion": 16.1}})
    assert "YAML read the unquoted value as the number 16.1" in str(caught.value)


# ---- a key in the wrong section, a misspelt key ---------------------------------------------------------------------
def test_a_key_under_the_wrong_section_names_the_section_it_belongs_to():
    found = one({"network": {"backupRetentionDays": 7}})
    assert found.startswith(f"{NETWORK}.backupRetentionDays: unknown setting; known settings here: "
                            f"availabilityZones, cidrBlock, flowLogRetentionDays, isolatedAcl, natGateways")
    assert found.endswith(f"backupRetentionDays is a setting of {DATABASE}: move it there")


@pytest.mark.parametrize(("values", "key", "home"), [
    ({"network": {"BackupRetentionDays": 7}}, f"{NETWORK}.BackupRetentionDays", DATABASE),
    ({"database": {"natGateways": "single"}}, f"{DATABASE}.natGateways", NETWORK),
    ({"database": {"image": "blog:1"}}, f"{DATABASE}.image", "aurora-platform:app"),   # no app section at all
    ({"bastion": {"cidrBlock": "10.0.0.0/16"}}, "aurora-platform:bastion.cidrBlock", NETWORK),
    # two sections have a minCapacity: both are named
    ({"database": {"minCapacity": 1, "instanceClass": "db.serverless"}}, f"{DATABASE}.minCapacity",
     f"{DATABASE}.readerAutoScaling and {DATABASE}.serverless"),
])
def test_misplaced_keys_in_other_spellings_and_sections(values, key, home):
    found = one(values)
    assert found.startswith(f"{key}: unknown setting")
    assert f"is a setting of {home}: move it there" in found


def test_a_section_key_written_at_the_top_level_names_its_section():
    assert one({"backupRetentionDays": 7}).endswith(
        f"backupRetentionDays is a setting of {DATABASE}: move it there.")


@pytest.mark.parametrize(("values", "key", "meant"), [
    ({"network": {"natGateway": "single"}}, f"{NETWORK}.natGateway", '"natGateways"'),
    ({"network": {"NatGateways": "single"}}, f"{NETWORK}.NatGateways", '"natGateways"'),
    ({"database": {"readerz": 1}}, f"{DATABASE}.readerz", '"readers"'),
    ({"database": {"backupRetentionDay": 7}}, f"{DATABASE}.backupRetentionDay", '"backupRetentionDays"'),
    ({"Network": {}}, "aurora-platform:Network", "aurora-platform:network"),
    ({"databse": {}}, "aurora-platform:databse", "aurora-platform:database"),
])
def test_a_misspelt_key_gets_did_you_mean(values, key, meant):
    found = one(values)
    assert found.startswith(f"{key}: unknown setting")
    assert f"Did you mean {meant}" in found


def test_a_misspelt_choice_gets_did_you_mean():
    assert one({"network": {"natGateways": "perAZ"}}).endswith('allowed: none, single, perAz. Did you mean "perAz"?')


def test_a_key_close_to_nothing_gets_no_guess_and_the_list_stays_readable():
    found = one({"network": {"zzUnknown": 1}})
    assert found == (f"{NETWORK}.zzUnknown: unknown setting; known settings here: availabilityZones, cidrBlock, "
                     f"flowLogRetentionDays, isolatedAcl, natGateways")


# ---- a CIDR with host bits -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("cidr", "network"), [
    ("10.20.1.0/16", "10.20.0.0/16"),
    ("10.0.0.1/16", "10.0.0.0/16"),
    ("192.168.10.0/20", "192.168.0.0/20"),
    (" 10.20.1.0/16", "10.20.0.0/16"),
])
def test_a_cidr_with_host_bits_names_the_network_it_lies_in(cidr, network):
    found = one({"network": {"cidrBlock": cidr}})
    assert found.endswith(f"; {cidr.strip()} has host bits set (the address is not the first of its "
                          f"/{network.split('/')[1]} block): the network it lies in is {network}")


@pytest.mark.parametrize("cidr", ["10.20.0.0/16", "10.20.0.0/33", "10.20.0/16", "not-a-cidr"])
def test_no_host_bits_hint_where_it_is_not_the_problem(cidr):
    found = problems({"network": {"cidrBlock": cidr}}) if cidr != "10.20.0.0/16" else []
    assert all("host bits" not in p for p in found)


# ---- keys written twice ----------------------------------------------------------------------------------------------
def stack_file(tmp_path: Path, text: str, project: str = "name: aurora-platform\nruntime: python\n") -> Path:
    (tmp_path / "Pulumi.yaml").write_text(project)
    (tmp_path / "Pulumi.s.yaml").write_text(text)
    return tmp_path


def config_error(directory: Path) -> str:
    with pytest.raises(ProgramError) as caught:
        read_stack_config(directory, read_project(directory), "s")
    assert caught.value.kind == "config"
    return str(caught.value)


def test_a_key_written_twice_is_refused_with_both_line_numbers(tmp_path):
    text = ("config:\n  aws:region: us-east-1\n  aurora-platform:database:\n    readers: 0\n"
            "    engine: aurora-postgresql\n    readers: 2\n")
    assert config_error(stack_file(tmp_path, text)) == (
        "Pulumi.s.yaml has keys written twice (YAML keeps only the last, so the other is silently ignored; keep one):"
        "\n  - config.aurora-platform:database.readers is written twice (lines 4 and 6)")


@pytest.mark.parametrize(("text", "says"), [
    ("config:\n  aws:region: us-east-1\n  aws:region: eu-west-1\n",
     "config.aws:region is written twice (lines 2 and 3)"),
    ("config:\n  aurora-platform:network: {}\n  network: {}\n",
     "config: aurora-platform:network is written twice (lines 2 and 3)"),
    ("config:\n  aurora-platform:network: {natGateways: none, natGateways: single}\n",
     "config.aurora-platform:network.natGateways is written twice (lines 2 and 2)"),
    ("config:\n  aurora-platform:app:\n    x:\n      - {a: 1,\n         a: 2}\n",
     "config.aurora-platform:app.x[0].a is written twice (lines 4 and 5)"),
    ("config:\n  aws:region: us-east-1\nconfig:\n  aws:region: eu-west-1\n", "config is written twice (lines 1 and 3)"),
])
def test_duplicates_in_every_position_are_refused(tmp_path, text, says):
    assert says in config_error(stack_file(tmp_path, text))


def test_a_key_written_twice_in_the_project_file_is_refused(tmp_path):
    directory = stack_file(tmp_path, "config: {}\n", "name: aurora-platform\nruntime: python\nname: other\n")
    with pytest.raises(ProgramError) as caught:
        read_project(directory)
    assert "name is written twice (lines 1 and 3)" in str(caught.value)


def test_the_same_key_in_two_mappings_is_not_a_duplicate(tmp_path):
    text = "config:\n  aurora-platform:network: {flowLogRetentionDays: 30}\n  aurora-platform:database:\n" \
           "    logRetentionDays: 30\n    alarms: {enabled: true}\n    proxy: {enabled: true}\n"
    config = read_stack_config(stack_file(tmp_path, text), {"name": "aurora-platform"}, "s")
    assert config["aurora-platform:database"]["proxy"] == {"enabled": True}


@pytest.mark.parametrize(("values", "meant"), [
    ({"network": {"backupRetentionDay": 7}}, f"Did you mean {DATABASE}.backupRetentionDays?"),
    ({"bastion": {"readerz": 1}}, f"Did you mean {DATABASE}.readers?"),
    ({"network": {"flowLogRetention": 7}}, 'Did you mean "flowLogRetentionDays"?'),
])
def test_a_misspelt_key_of_another_section_points_there_when_that_is_the_closer_spelling(values, meant):
    assert one(values).endswith(meant)


def test_a_top_level_key_that_two_sections_read_names_both():
    found = one({"minCapacity": 1, "database": {"instanceClass": "db.serverless"}})
    assert found.endswith(f"minCapacity is a setting of {DATABASE}.readerAutoScaling and {DATABASE}.serverless: "
                          f"move it there.")


def test_a_region_that_does_not_exist_is_named_in_full_beside_a_secret_setting():
    # Another key is secret (and refused for its own reason), the region is not: it is quoted as given.
    found = problems({"app": {"image": "ghcr.io/aurora-platform/blog:1.0.0"}}, region="us-east-7",
                     secret_keys=["aurora-platform:app"])
    assert ('aws:region: got "us-east-7"; allowed: an AWS Region name (components/settings/data/aws-regions.json, '
            'checked 2026-12-02), e.g. us-east-1 or eu-west-1. Did you mean "us-east-2" or "us-east-1" or '
            '"us-west-2"?') in found
