"""Behaviours of the settings readers that mutation testing (docs/mutation-testing.md, "Kill rate of the settings
readers") found no test pinning: each test asserts what a user relies on, with the expected text written out here."""

import json

import pytest

import components.settings as settings_package
from components.settings import SettingsError, load_settings
from components.settings.reader import string_leaves

IMAGE = "ghcr.io/aurora-platform/blog:1.0.0"
# Distinctive text that no message of the project contains by itself.
PLAINTEXT = "Zq7-hunter2-plaintext-Xv"


def problems(values: dict, secret_keys=(), region: str | None = "us-east-1", stack: str = "dev") -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(values, stack, region, secret_keys)
    return caught.value.problems


# ---- the safety net reads every string under a secret key ----------------------------------------------------------
def test_the_safety_net_collects_strings_nested_in_objects_lists_and_json_text():
    assert string_leaves({"a": {"b": "one1"}, "c": ["two2", {"d": "three3"}], "n": 5, "t": True}) == [
        "one1", "two2", "three3"]
    text = '{"k": ["four4"]}'
    assert string_leaves(text) == [text, "four4"]
    assert string_leaves("plain") == ["plain"]
    assert string_leaves(None) == []


@pytest.mark.parametrize("as_json_text", [False, True], ids=["object", "json-text"])
def test_a_message_that_forgets_to_mask_a_nested_secret_value_is_masked_by_the_net(monkeypatch, as_json_text):
    """A check that quotes a value from deep inside a secret section (a map value, a list item) without masking it:
    the net still shows [secret], never the text."""
    def forgetful(problems_, network, app):
        problems_.add_text("aurora-platform:app.environment.FEATURE_FLAGS",
                           f"forgot to mask {app.environment['FEATURE_FLAGS']}")
        problems_.add_text("aurora-platform:app.writablePaths", f"forgot to mask {app.writable_paths[1]}")

    monkeypatch.setattr(settings_package, "_check_across_sections", forgetful)
    app = {"image": IMAGE, "environment": {"FEATURE_FLAGS": PLAINTEXT}, "writablePaths": ["/tmp", f"/{PLAINTEXT}"]}
    found = problems({"app": json.dumps(app) if as_json_text else app}, ["aurora-platform:app"])
    assert "aurora-platform:app.environment.FEATURE_FLAGS: forgot to mask [secret]" in found
    assert "aurora-platform:app.writablePaths: forgot to mask [secret]" in found
    assert PLAINTEXT not in "\n".join(found)


def test_a_malformed_secure_value_under_a_secret_key_is_one_masked_problem_not_a_traceback():
    """The key is secret (another value under it was secure:), and one value is a mapping that only looks like a
    secure value: one problem naming the key, the value masked, no hint that would quote it."""
    values = {"app": {"image": IMAGE, "environment": {"FEATURE_FLAGS": {"secure": "v1:AAAAciphertextZZ==",
                                                                         "note": "rotated"}}}}
    found = problems(values, ["aurora-platform:app"])
    assert "aurora-platform:app.environment.FEATURE_FLAGS: got [secret]; allowed: a string (quote numbers)" in found
    assert "ciphertext" not in "\n".join(found)


def test_a_secure_looking_mapping_nested_in_an_object_is_not_quoted_either():
    """`{outer: {secure: ..., note: ...}}`: the ciphertext one level down is not quoted, and the message says how a
    secure: value is written."""
    nested = {"outer": {"secure": "v1:AAAAciphertextZZ==", "note": "rotated"}}
    found = problems({"app": {"image": IMAGE, "environment": {"FEATURE_FLAGS": nested}}})
    assert found == ["aurora-platform:app.environment.FEATURE_FLAGS: got [secret]; allowed: a string (quote "
                     "numbers); a secure: value is a mapping with the one key secure, holding the ciphertext "
                     "(`pulumi config set --secret --path` writes it)"]


# ---- database parameters: TLS is always forced, values are RDS text --------------------------------------------------
DB = "aurora-platform:database"
TLS_ONLY = "the cluster accepts TLS connections only, in every stack"


def database(values: dict):
    return load_settings({"database": values}, "dev", "us-east-1").database


@pytest.mark.parametrize("given", ["1", 1, 1.0])
@pytest.mark.parametrize("name", ["parameters", "instanceParameters"])
def test_postgres_force_ssl_is_accepted_only_as_one_and_sent_as_the_text_1(name, given):
    settings = database({name: {"rds.force_ssl": given}})
    assert getattr(settings, "parameters" if name == "parameters" else "instance_parameters") == {"rds.force_ssl": "1"}


@pytest.mark.parametrize("given", ["ON", "on", "1", 1])
def test_mysql_require_secure_transport_takes_on_or_1_in_any_case(given):
    settings = database({"engine": "aurora-mysql", "parameters": {"require_secure_transport": given}})
    assert settings.parameters == {"require_secure_transport": str(given)}


@pytest.mark.parametrize(("engine", "name", "given", "shown", "always"), [
    ("aurora-postgresql", "rds.force_ssl", 0, "0", "1"),
    ("aurora-postgresql", "rds.force_ssl", "true", '"true"', "1"),
    ("aurora-mysql", "require_secure_transport", "off", '"off"', "ON"),
    ("aurora-mysql", "require_secure_transport", 0, "0", "ON"),
])
@pytest.mark.parametrize("where", ["parameters", "instanceParameters"])
def test_tls_off_is_refused_in_cluster_and_instance_parameters(engine, name, given, shown, always, where):
    found = problems({"database": {"engine": engine, where: {name: given}}})
    assert found == [f"{DB}.{where}.{name}: got {shown}; {name} is always {always}: {TLS_ONLY}"]


def test_the_other_engines_tls_parameter_is_an_ordinary_parameter():
    """rds.force_ssl means nothing to MySQL (and the reverse): only the engine's own TLS parameter is held."""
    assert database({"engine": "aurora-mysql", "parameters": {"rds.force_ssl": "0"}}).parameters == {
        "rds.force_ssl": "0"}
    assert database({"parameters": {"require_secure_transport": "OFF"}}).parameters == {
        "require_secure_transport": "OFF"}


def test_parameter_values_are_sent_as_rds_text():
    settings = database({"parameters": {"max_connections": 500.0, "random_page_cost": 1.1, "work_mem": 4096,
                                        "log_min_duration_statement": "500"}})
    assert settings.parameters == {"max_connections": "500", "random_page_cost": "1.1", "work_mem": "4096",
                                   "log_min_duration_statement": "500"}


@pytest.mark.parametrize(("given", "shown"), [(True, "true"), ([1], "[1]"), ({"a": 1}, '{"a": 1}'), (None, "null")])
def test_a_parameter_value_that_is_not_text_or_a_number_is_refused(given, shown):
    found = problems({"database": {"parameters": {"work_mem": given}}})
    assert found == [f"{DB}.parameters.work_mem: got {shown}; allowed: a string or number (parameter values are "
                     f"text in RDS)"]


@pytest.mark.parametrize("name", ["bad name", "1starts_with_digit", "semi;colon", "-dash"])
def test_a_parameter_name_outside_letters_digits_underscore_and_dot_is_refused(name):
    found = problems({"database": {"instanceParameters": {name: "1"}}})
    assert found == [f"{DB}.instanceParameters.{name}: the name {json.dumps(name)} is not allowed; allowed: a "
                     f"parameter name (letters, digits, '_' and '.')"]


# ---- bastion --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("given", [False, "false", "False"])
@pytest.mark.parametrize("environment", ["development", "production"])
def test_a_stack_can_turn_the_bastion_off(given, environment):
    bastion = load_settings({"environment": environment, "bastion": {"enabled": given}}, "dev", "us-east-1").bastion
    assert bastion.enabled is False


def test_every_bad_parameter_is_reported_not_only_the_first():
    found = problems({"database": {"parameters": {"bad name": "1", "work_mem": True, "rds.force_ssl": "0"}}})
    assert found == [f"{DB}.parameters.bad name: the name \"bad name\" is not allowed; allowed: a parameter name "
                     f"(letters, digits, '_' and '.')",
                     f"{DB}.parameters.work_mem: got true; allowed: a string or number (parameter values are text in "
                     f"RDS)",
                     f'{DB}.parameters.rds.force_ssl: got "0"; rds.force_ssl is always 1: {TLS_ONLY}']


# ---- the AWS provider's own keys, read from the pinned provider ------------------------------------------------------
# Computed once at import (AWS_PROVIDER_KEYS), before mutmut switches a mutant on: called again here so its reading of
# pulumi_aws's config module is pinned. The keys are the provider's documented settings (pulumi-aws, "Configuration").
DOCUMENTED_AWS_KEYS = {"region", "profile", "accessKey", "secretKey", "token", "assumeRoles", "allowedAccountIds",
                       "forbiddenAccountIds", "defaultTags", "ignoreTags", "endpoints", "sharedConfigFiles",
                       "sharedCredentialsFiles", "skipCredentialsValidation", "skipRegionValidation",
                       "skipRequestingAccountId", "skipMetadataApiCheck", "maxRetries", "insecure", "stsRegion"}


def test_the_aws_provider_keys_are_read_from_the_provider_each_by_its_config_name():
    keys = settings_package._aws_provider_keys()
    assert keys >= DOCUMENTED_AWS_KEYS
    # Only config names: nothing else the module calls (`get`, `require`, the `__config__` object, a type's name).
    assert all(key[0].islower() and key.isalnum() for key in keys), sorted(keys)
    assert keys == settings_package.AWS_PROVIDER_KEYS

