"""A `secure:` config value never becomes a plain setting, and no settings error ever quotes one.

Pulumi hands a secret config key to the program decrypted and only marks the key (`aurora-platform:app`, the whole
object) secret; which value under it was `secure:` is lost. These tests give the settings reader plain text, as the
real CLI would, together with the key's secret mark, and check what comes out.
"""

import json

import pytest

import components.settings as settings_package
from components.settings import SettingsError, load_settings
from components.settings.reader import Problems
from tests.test_settings_robustness import BASE, every_key, nest

IMAGE = "ghcr.io/aurora-platform/blog:1.0.0"
# Distinctive text that no message of the project contains by itself.
PLAINTEXT = "Zq7-hunter2-plaintext-Xv"
MASK = "[secret]"


def problems(values: dict, secret_keys=(), region: str | None = "us-east-1", stack: str = "dev") -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(values, stack, region, secret_keys)
    assert str(caught.value).count("\n") == len(caught.value.problems)  # the message is exactly those problems
    return caught.value.problems


def about(found: list[str], key: str) -> list[str]:
    return [p for p in found if p.startswith(f"{key}: ")]


# ---- a secure value under a key the settings know is refused, saying where a secret belongs --------------------------
def test_a_secure_environment_value_of_the_app_is_refused_and_never_quoted():
    values = {"app": {"image": IMAGE, "environment": {"FEATURE_FLAGS": PLAINTEXT}}}
    found = problems(values, ["aurora-platform:app"])
    assert found == [
        "aurora-platform:app: holds a secure: value (Pulumi then treats the whole key as secret); no app setting takes "
        "a secret value, and environment values are plain text in the task definition: put the secret in SSM "
        "Parameter Store as a SecureString and name the parameter under aurora-platform:app.secrets (e.g. API_KEY: "
        "/blog/prod/api-key); write every other app setting in plain text"]
    assert PLAINTEXT not in "\n".join(found)


def test_the_same_section_without_the_secret_mark_is_accepted():
    """The mark is what decides: the value alone is an ordinary string."""
    app = load_settings({"app": {"image": IMAGE, "environment": {"FEATURE_FLAGS": PLAINTEXT}}}, "dev", "us-east-1").app
    assert app.environment == {"FEATURE_FLAGS": PLAINTEXT}


@pytest.mark.parametrize(("key", "value", "says"), [
    ("environment", "production",
     "is not a secret (it chooses the defaults and protections of the stack); write it in plain text"),
    ("network", {"cidrBlock": "10.1.0.0/16"}, "no network setting is a secret; write them in plain text"),
    ("database", {"masterUsername": "blog_admin"},
     "no database setting is a secret: the platform generates the master password itself and keeps it in SSM "
     "Parameter Store (raise passwordVersion for a new one), or RDS keeps it in Secrets Manager with "
     "manageMasterUserPassword: true; write the database settings in plain text"),
    ("bastion", {"sshKeyName": "ops", "sshAllowedCidrs": ["203.0.113.0/24"]},
     "no bastion setting is a secret (sshKeyName names an EC2 key pair; the private key stays with the "
     "administrator); write them in plain text"),
])
def test_every_known_key_refuses_a_secure_value(key, value, says):
    found = problems({key: value}, [f"aurora-platform:{key}"])
    assert found == [f"aurora-platform:{key}: holds a secure: value (Pulumi then treats the whole key as secret); "
                     f"{says}"]


def test_a_secret_key_of_another_project_or_an_unknown_key_is_not_a_settings_matter():
    """Other namespaces are not read here; an unknown key of ours is reported as unknown, its value never quoted."""
    assert load_settings({}, "dev", "us-east-1", ["other:token"]).app is None
    found = problems({"token": PLAINTEXT}, ["aurora-platform:token"])
    assert found == ["aurora-platform:token: unknown setting; known settings: aurora-platform:environment, "
                     "aurora-platform:network, aurora-platform:database, aurora-platform:bastion, aurora-platform:app"]


def test_secret_keys_are_matched_whole_not_by_prefix():
    """`aurora-platform:app` secret does not make a key that merely starts the same (`aurora-platform:apple`) one."""
    assert Problems("dev", ["aurora-platform:app"]).is_secret("aurora-platform:app.environment.X")
    assert Problems("dev", ["aurora-platform:app"]).is_secret("aurora-platform:app")
    assert not Problems("dev", ["aurora-platform:app"]).is_secret("aurora-platform:apple.x")
    assert not Problems("dev", ["aurora-platform:app"]).is_secret("aurora-platform:network.cidrBlock")


# ---- a whole key written as `secure:` -----------------------------------------------------------------------------
def test_a_whole_section_written_as_secure_text_is_refused_once_without_the_object_complaint():
    """`aurora-platform:network: {secure: ...}`: the program gets text (offline: the engine's placeholder). Saying it
    is "not an object" would send the user looking at the wrong thing, and quote it."""
    found = problems({"network": PLAINTEXT}, ["aurora-platform:network"])
    assert found == ["aurora-platform:network: holds a secure: value (Pulumi then treats the whole key as secret); "
                     "no network setting is a secret; write them in plain text"]


def test_a_whole_section_given_as_secret_json_text_masks_its_values_too():
    """`pulumi config set --secret aurora-platform:network '{...}'`: decrypted JSON text, every value in it secret."""
    found = problems({"network": json.dumps({"cidrBlock": PLAINTEXT, "natGateways": "two"})},
                     ["aurora-platform:network"])
    assert about(found, "aurora-platform:network.cidrBlock")[0].startswith(
        "aurora-platform:network.cidrBlock: got [secret]; allowed: a private IPv4 CIDR block")
    assert about(found, "aurora-platform:network.natGateways") == [
        "aurora-platform:network.natGateways: got [secret]; allowed: none, single, perAz"]
    assert PLAINTEXT not in "\n".join(found) and '"two"' not in "\n".join(found)


def test_a_secret_environment_value_that_is_also_wrong_is_masked():
    found = problems({"environment": PLAINTEXT}, ["aurora-platform:environment"])
    assert "aurora-platform:environment: got [secret]; allowed: development or production" in found
    assert PLAINTEXT not in "\n".join(found)


# ---- no message quotes a value of a secret key ----------------------------------------------------------------------
@pytest.mark.parametrize(("section", "path"), every_key(), ids=lambda v: ".".join(v) if isinstance(v, tuple) else v)
def test_no_setting_quotes_a_secret_value_even_without_the_safety_net(section, path, monkeypatch):
    """Every setting, given the plain text where it expects anything: the messages mask it themselves (the safety net
    that masks a secret's text in any message is switched off here, so it cannot hide a message that quotes it)."""
    monkeypatch.setattr(settings_package, "string_leaves", lambda value: [])
    for given in (PLAINTEXT, [PLAINTEXT], {"k": PLAINTEXT}):
        values = {section: {**BASE.get(section, {}), **nest(path, given)}}
        found = problems(values, [f"aurora-platform:{section}"])
        assert PLAINTEXT not in "\n".join(found), (path, given)


# Values short or numeric enough that the safety net would not catch them, at every message that quotes a value in
# its own words (not "got X; allowed: ..."). Each: settings, the problem's key, the start of the masked problem, and
# the given text that must not appear.
ECHOES = [
    ({"database": {"backtrackHours": "48"}}, "aurora-platform:database.backtrackHours",
     "got [secret] with engine [secret]; backtrack exists only for aurora-mysql, so on [secret] it must be 0", "48"),
    ({"database": {"engine": "aurora-mysql", "backtrackHours": 24, "global": {"enabled": True}}},
     "aurora-platform:database.backtrackHours", "got [secret] with aurora-platform:database.global.enabled", "24"),
    ({"database": {"instanceClass": "db.r7g.large", "serverless": {"maxCapacity": 8}}},
     "aurora-platform:database.serverless",
     'is only used with instanceClass "db.serverless" (Serverless v2); instanceClass is [secret]', "r7g"),
    ({"database": {"instanceClass": "db.serverless", "serverless": {"minCapacity": "6.5", "maxCapacity": "2.5"}}},
     "aurora-platform:database.serverless.maxCapacity", "got [secret], less than minCapacity [secret]", "6.5"),
    ({"database": {"instanceClass": "db.serverless", "serverless": {"minCapacity": "1.5",
                                                                    "secondsUntilAutoPause": 600}}},
     "aurora-platform:database.serverless.secondsUntilAutoPause",
     "only applies when minCapacity is 0 (auto-pause); minCapacity is [secret]", "1.5"),
    ({"database": {"instanceClass": "db.serverless", "engineVersion": "13.9", "serverless": {"minCapacity": 0}}},
     "aurora-platform:database.serverless.minCapacity", "0 (auto-pause) needs Aurora PostgreSQL", "13.9"),
    ({"database": {"instanceClass": "db.serverless", "engineVersion": "13.9", "serverless": {"maxCapacity": 200}}},
     "aurora-platform:database.serverless.maxCapacity",
     "got [secret] with engineVersion [secret]; Aurora takes more than 128 ACUs only on recent versions", "13.9"),
    ({"database": {"parameters": {"rds.force_ssl": "0"}}}, "aurora-platform:database.parameters.rds.force_ssl",
     "got [secret]; rds.force_ssl is always 1", '"0"'),
    ({"database": {"backupWindow": "05:10-05:50", "maintenanceWindow": "sun:05:00-sun:06:00"}},
     "aurora-platform:database.backupWindow", "[secret] overlaps maintenanceWindow [secret]", "05:10"),
    ({"database": {"backupWindow": "03:00-03:17"}}, "aurora-platform:database.backupWindow",
     "got [secret]; allowed: a window of at least 30 minutes (this one is [secret])", "17"),
    ({"database": {"maintenanceWindow": "mon:01:00-mon:01:12"}}, "aurora-platform:database.maintenanceWindow",
     "got [secret]; allowed: a window of at least 30 minutes (this one is [secret])", "12"),
    ({"network": {"availabilityZones": ["us-east-1a", "us-east-1b", "eu-west-9z"]}},
     "aurora-platform:network.availabilityZones", "got [secret]; allowed: a number from 3 to 6", "eu-west-9z"),
    ({"app": {"image": IMAGE, "cpu": 512, "memory": "777"}}, "aurora-platform:app.memory", "got [secret]", "777"),
    ({"app": {"image": IMAGE, "user": "0"}}, "aurora-platform:app.user", "got [secret]; allowed: a non-root", '"0"'),
]


@pytest.mark.parametrize(("values", "key", "start", "given"), ECHOES, ids=[e[1].split(":")[1] for e in ECHOES])
def test_messages_that_quote_a_value_in_their_own_words_mask_it(values, key, start, given):
    section = next(iter(values))
    found = about(problems(values, [f"aurora-platform:{section}"]), key)
    assert len(found) == 1 and found[0].startswith(f"{key}: {start}"), found
    assert given not in found[0]


def test_without_the_secret_mark_the_same_messages_still_quote_the_value():
    """Masking is for secret keys only: everyone else keeps the value that makes the message useful."""
    found = problems({"database": {"backtrackHours": "48"}})
    assert about(found, "aurora-platform:database.backtrackHours")[0].startswith(
        "aurora-platform:database.backtrackHours: got 48 with engine aurora-postgresql; ")
    found = problems({"database": {"backupWindow": "03:00-03:17"}})
    assert "(this one is 17)" in about(found, "aurora-platform:database.backupWindow")[0]
    found = problems({"database": {"instanceClass": "db.serverless", "serverless": {"minCapacity": "6.5",
                                                                                    "maxCapacity": "2.5"}}})
    assert about(found, "aurora-platform:database.serverless.maxCapacity") == [
        "aurora-platform:database.serverless.maxCapacity: got 2.5, less than minCapacity 6.5; allowed: at least "
        "minCapacity"]


def test_a_secret_section_does_not_mask_another_sections_values():
    found = problems({"app": {"image": IMAGE}, "network": {"natGateways": "two"}}, ["aurora-platform:app"])
    assert 'aurora-platform:network.natGateways: got "two"; allowed: none, single, perAz' in found


def test_a_cross_section_message_about_a_secret_value_masks_it():
    """The app's IAM user compared with the database's master user: the app is secret, its value is not shown."""
    found = problems({"database": {"masterUsername": "blog_admin"},
                      "app": {"image": IMAGE, "iamDatabaseAuth": True, "iamDatabaseUser": "blog_admin"}},
                     ["aurora-platform:app"])
    assert about(found, "aurora-platform:app.iamDatabaseUser") == [
        "aurora-platform:app.iamDatabaseUser: got [secret]; allowed: an application user other than the master user "
        "(aurora-platform:database.masterUsername)"]


# ---- the safety net: a message that forgets to mask still does not show the secret's text --------------------------
def test_the_safety_net_masks_a_secret_quoted_by_a_message_that_forgot_to():
    problems_ = Problems("dev", ["aurora-platform:app"], [PLAINTEXT, 'quo"te-\u00e9t\u00e9'])
    problems_.add_text("aurora-platform:app.x", f'forgot to mask "{PLAINTEXT}" and {PLAINTEXT}.')
    problems_.add_text("aurora-platform:app.y", 'as JSON: "quo\\"te-\\u00e9t\\u00e9"')
    assert problems_.items == ['aurora-platform:app.x: forgot to mask "[secret]" and [secret].',
                               'aurora-platform:app.y: as JSON: "[secret]"']


def test_the_safety_net_leaves_the_messages_own_words_alone():
    """Short values ("on", "16") and values inside a longer word, key path or ARN are not masked by the net."""
    problems_ = Problems("dev", ["aurora-platform:database"], ["on", "16", "enabled", "east"])
    problems_.add_text("aurora-platform:database.global.enabled",
                       "on 16384 set global.enabled with arn:aws:kms:us-east-1:1:key/x")
    assert problems_.items == ["aurora-platform:database.global.enabled: on 16384 set global.enabled with "
                               "arn:aws:kms:us-east-1:1:key/x"]


# ---- the region -----------------------------------------------------------------------------------------------------
def test_a_secure_region_is_refused_and_not_quoted_in_any_other_message():
    found = problems({"app": {"image": IMAGE, "secrets": {"API_KEY": "/blog/api-key"},
                              "secretsKmsKeyArn": "arn:aws:kms:us-west-2:123456789012:key/abc"}},
                     ["aws:region"], region="eu-central-1")
    assert "aws:region: is a secure: value; the region is not a secret and is shown in plans and resource names: " \
           "write it in plain text" in found
    assert "eu-central-1" not in "\n".join(found)


def test_a_secure_region_is_the_only_problem_when_the_key_arns_are_of_that_region():
    # The region's value is withheld from the other sections: their region checks are skipped, not failed.
    key_arn = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    found = problems({"database": {"kmsKeyArn": key_arn},
                      "app": {"image": IMAGE, "secrets": {"API_KEY": "/blog/api-key"},
                              "secretsKmsKeyArn": key_arn}},
                     ["aws:region"], region="eu-central-1")
    assert found == ["aws:region: is a secure: value; the region is not a secret and is shown in plans and resource "
                     "names: write it in plain text"]


# ---- a mapping that only looks like a secure value ------------------------------------------------------------------
@pytest.mark.parametrize("given", [{"secure": "v1:AAAAciphertextZZ==", "note": "rotated"}, {"secure": 12345678},
                                   [{"secure": "v1:AAAAciphertextZZ==", "x": 1}]])
def test_a_malformed_secure_value_is_not_quoted_and_the_message_says_how_to_write_one(given):
    """Pulumi takes `{secure: ..., note: ...}` for a plain object (the key is not secret): its ciphertext is still
    not quoted, and the message says what a secure: value looks like."""
    found = about(problems({"app": {"image": IMAGE, "environment": {"FEATURE_FLAGS": given}}}),
                  "aurora-platform:app.environment.FEATURE_FLAGS")
    assert found == ["aurora-platform:app.environment.FEATURE_FLAGS: got [secret]; allowed: a string (quote "
                     "numbers); a secure: value is a mapping with the one key secure, holding the ciphertext "
                     "(`pulumi config set --secret --path` writes it)"]
