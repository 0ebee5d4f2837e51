"""The typed readers and the problem collector (components/settings/reader.py), pinned where the mutation run found
them unpinned: the YAML quoting hint of a text setting, and the hint under an unknown key (a key of this section, a
key of another section, or both)."""

from __future__ import annotations

import pytest

from components.settings import SettingsError, load_settings

NETWORK = "aurora-platform:network"
DATABASE = "aurora-platform:database"
BASTION = "aurora-platform:bastion"
NETWORK_KEYS = "availabilityZones, cidrBlock, flowLogRetentionDays, isolatedAcl, natGateways"
BASTION_KEYS = "amiId, enabled, instanceType, sshAllowedCidrs, sshKeyName, subnetTier, terminationProtection"


def one(values: dict) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(values, "dev", "us-east-1")
    assert len(caught.value.problems) == 1, caught.value.problems
    return caught.value.problems[0]


# ---- a text setting given something else ---------------------------------------------------------------------------
# Only a number gets the quoting hint (YAML turned an unquoted 16.10 into 16.1); a boolean, list or mapping was not
# written as text at all, so its message is the key, the value and what is allowed, with nothing after it.
@pytest.mark.parametrize(("values", "message"), [
    ({"network": {"natGateways": False}}, f"{NETWORK}.natGateways: got false; allowed: none, single, perAz"),
    ({"network": {"natGateways": ["single"]}}, f'{NETWORK}.natGateways: got ["single"]; allowed: none, single, perAz'),
    ({"bastion": {"instanceType": {"size": "t4g.nano"}}},
     f'{BASTION}.instanceType: got {{"size": "t4g.nano"}}; allowed: an EC2 instance type "<family>.<size>", e.g. '
     f'"t4g.micro" (Graviton families carry a "g" after the generation: t4g, m7g, c7gn; the AMI architecture follows '
     f'the family)'),
    ({"database": {"engineVersion": True}},
     f'{DATABASE}.engineVersion: got true; allowed: an Aurora PostgreSQL version MAJOR.MINOR, major 11 to 17, e.g. '
     f'"16.6" (for engine aurora-postgresql)'),
])
def test_a_text_setting_given_a_boolean_list_or_mapping_names_what_is_allowed_and_nothing_more(values, message):
    assert one(values) == message


# ---- the hint under an unknown key ---------------------------------------------------------------------------------
def test_a_misspelt_key_that_other_sections_also_have_is_taken_for_the_key_of_its_own_section():
    # `enabled` is a key of the bastion and of eleven other sections, all equally close to "enabld": the bastion's own
    # is meant.
    assert one({"bastion": {"enabld": True}}) == (
        f'{BASTION}.enabld: unknown setting; known settings here: {BASTION_KEYS}. Did you mean "enabled"?')


def test_a_key_as_close_as_the_suggestion_cutoff_gets_a_suggestion_from_any_section():
    # difflib's cutoff 0.6 is inclusive, and "rea" is exactly that close to "readers" (2 * 3 matches / 10 letters):
    # the same distance is suggested whether the key belongs here or to another section.
    assert one({"database": {"rea": 1}}).endswith('. Did you mean "readers"?')
    assert one({"bastion": {"rea": 1}}) == (
        f"{BASTION}.rea: unknown setting; known settings here: {BASTION_KEYS}. Did you mean {DATABASE}.readers?")


def test_a_key_equally_close_to_keys_of_two_other_sections_names_both():
    assert one({"network": {"logRetentionDay": 7}}) == (
        f"{NETWORK}.logRetentionDay: unknown setting; known settings here: {NETWORK_KEYS}. Did you mean "
        f"aurora-platform:app.logRetentionDays or {DATABASE}.logRetentionDays?")


# ---- what every message is made of -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("values", "message"), [
    # a whole number with only a lower bound: "of at least", with no upper bound made up
    ({"database": {"alarms": {"connections": 0}}},
     f"{DATABASE}.alarms.connections: got 0; allowed: a whole number of at least 1"),
    ({"database": {"alarms": {"replicaLagMs": "x"}}},
     f'{DATABASE}.alarms.replicaLagMs: got "x"; allowed: a whole number of at least 1'),
    # a value JSON cannot write (YAML's !!binary reads as bytes) is still shown as given
    ({"network": {"natGateways": b"single"}}, f"{NETWORK}.natGateways: got b'single'; allowed: none, single, perAz"),
])
def test_each_reader_names_the_key_the_value_given_and_what_is_allowed(values, message):
    assert one(values) == message


def test_a_whole_number_written_with_a_point_zero_is_taken_as_that_number():
    # JSON and YAML both write 2.0 for a whole number at times (`pulumi config set --path` with a JSON value).
    assert load_settings({"database": {"readers": 2.0}}, "dev", "us-east-1").database.readers == 2


def test_a_refused_list_item_is_reported_once_and_goes_no_further():
    # Two refused function names are not also "a function named twice": a refused item is not taken.
    allowed = "a Lambda function name of this account and region: 1-64 letters, digits, - and _ (no ARN, no wildcard)"
    with pytest.raises(SettingsError) as caught:
        load_settings({"database": {"lambdaInvoke": {"enabled": True, "functions": ["*", "*"]}}}, "dev", "us-east-1")
    assert caught.value.problems == [f'{DATABASE}.lambdaInvoke.functions[0]: got "*"; allowed: {allowed}',
                                     f'{DATABASE}.lambdaInvoke.functions[1]: got "*"; allowed: {allowed}']


@pytest.mark.parametrize(("values", "header"), [
    ({"network": {"natGateways": "x"}}, "Stack settings for 'dev' have 1 problem (Pulumi.dev.yaml):"),
    ({"network": {"natGateways": "x", "cidrBlock": "y"}},
     "Stack settings for 'dev' have 2 problems (Pulumi.dev.yaml):"),
])
def test_the_error_counts_its_problems_in_words_and_names_the_stack_and_its_file(values, header):
    with pytest.raises(SettingsError) as caught:
        load_settings(values, "dev", "us-east-1")
    assert str(caught.value).split("\n")[0] == header
    assert str(caught.value).split("\n")[1:] == [f"  - {p}" for p in caught.value.problems]
    assert caught.value.stack == "dev"


def test_a_scrambled_key_that_only_its_own_section_comes_close_to_still_gets_that_suggestion():
    # difflib scores a pair differently in each order: "engine" is close enough to "inenge" for the suggestion
    # (0.67 >= 0.6), though "inenge" scored against "engine" (0.5) is below a key of another section (0.55) that is
    # itself too far to suggest; the suggestion here must not be lost between the two.
    assert one({"database": {"inenge": "aurora-postgresql"}}).endswith('. Did you mean "engine"?')
    assert one({"bastion": {"blenaed": True}}) == (
        f'{BASTION}.blenaed: unknown setting; known settings here: {BASTION_KEYS}. Did you mean "enabled"?')


# ---- a section written as text, a value written as null -------------------------------------------------------------
@pytest.mark.parametrize("given", ["", "   "])
def test_a_section_given_as_empty_text_is_an_empty_section(given):
    # `pulumi config set aurora-platform:network ""` stores empty text: no settings, so every default, not an error.
    assert load_settings({"network": given}, "dev", "us-east-1").network.nat_gateways == "single"


def test_a_setting_written_as_null_takes_its_default():
    # YAML `natGateways:` with nothing after it reads as null: the setting is left out, not given a wrong value.
    assert load_settings({"network": {"natGateways": None}}, "dev", "us-east-1").network.nat_gateways == "single"


# ---- a boolean written as text ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("given", ["true", "True", "TRUE"])
def test_true_written_as_text_in_any_case_is_true(given):
    # `pulumi config set --path` stores plain text; the dev default of terminationProtection is false.
    bastion = load_settings({"bastion": {"terminationProtection": given}}, "dev", "us-east-1").bastion
    assert bastion.termination_protection is True


# ---- unknown keys ----------------------------------------------------------------------------------------------------
def test_a_key_yaml_read_as_a_number_is_reported_as_unknown_beside_a_misspelt_one():
    # YAML reads `1:` as the number 1: the keys are sorted as text, so a number and a word can be listed together.
    with pytest.raises(SettingsError) as caught:
        load_settings({"network": {1: "a", "natGatways": "single"}}, "dev", "us-east-1")
    assert caught.value.problems == [
        f"{NETWORK}.1: unknown setting; known settings here: {NETWORK_KEYS}",
        f'{NETWORK}.natGatways: unknown setting; known settings here: {NETWORK_KEYS}. Did you mean "natGateways"?']


# ---- a text setting with no pattern of its own -----------------------------------------------------------------------
@pytest.mark.parametrize(("given", "message"), [
    (True, f"{DATABASE}.backupWindow: got true; allowed: a string"),
    (300, f"{DATABASE}.backupWindow: got 300; allowed: a string; YAML read the unquoted value as the number 300, and a "
          f'number loses trailing zeros (16.10 is read as 16.1): quote it, written exactly as meant, e.g. '
          f'backupWindow: "16.10"'),
])
def test_a_text_setting_without_its_own_description_says_a_string(given, message):
    assert one({"database": {"backupWindow": given}}) == message


# ---- under a secret key, nothing worked out from the value ----------------------------------------------------------
def secret_problem(values: dict, section: str, key: str) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(values, "dev", "us-east-1", [f"aurora-platform:{section}"])
    [found] = [p for p in caught.value.problems if p.startswith(f"{key}: ")]
    return found


def test_a_secret_number_given_to_a_text_setting_gets_no_quoting_hint():
    # The hint would repeat the number; the value of a secret key is masked and nothing in the message restates it.
    assert secret_problem({"database": {"engineVersion": 16.1}}, "database", f"{DATABASE}.engineVersion") == (
        f'{DATABASE}.engineVersion: got [secret]; allowed: an Aurora PostgreSQL version MAJOR.MINOR, major 11 to 17, '
        f'e.g. "16.6" (for engine aurora-postgresql)')


def test_a_secret_value_near_a_choice_gets_no_suggestion():
    # "Did you mean single?" would tell how close the secret text is to a choice.
    assert secret_problem({"network": {"natGateways": "singel"}}, "network", f"{NETWORK}.natGateways") == (
        f"{NETWORK}.natGateways: got [secret]; allowed: none, single, perAz")


def test_a_secret_mark_on_the_setting_itself_withholds_the_hint_too():
    # A mark may name a key at any depth (Problems.is_secret): the value masked is the setting's own, and the quoting
    # hint or suggestion for that same key is withheld with it.
    with pytest.raises(SettingsError) as caught:
        load_settings({"database": {"engineVersion": 16.1}, "network": {"natGateways": "singel"}}, "dev", "us-east-1",
                      [f"{DATABASE}.engineVersion", f"{NETWORK}.natGateways"])
    assert caught.value.problems == [
        f"{NETWORK}.natGateways: got [secret]; allowed: none, single, perAz",
        f'{DATABASE}.engineVersion: got [secret]; allowed: an Aurora PostgreSQL version MAJOR.MINOR, major 11 to 17, '
        f'e.g. "16.6" (for engine aurora-postgresql)']
