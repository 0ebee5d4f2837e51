"""The AWS facts that were wrong and would have failed only in a real account, each pinned to the value AWS documents.

Expected values are literals from the sources in docs/aws-facts.md (API model members, user guides), never computed
by the code under test. Every test here fails on the value the program had before.
"""

from __future__ import annotations

import pytest

from components.aurora import PASSWORD_LENGTH, PASSWORD_SPECIALS, RDS_REFUSED_PASSWORD_CHARACTERS
from components.settings import SettingsError, load_settings

DB = "aurora-platform:database"
APP = "aurora-platform:app"
IMAGE = "ghcr.io/aurora-platform/blog:1.0.0"


def database(values: dict):
    return load_settings({"database": values}, "dev", "us-east-1").database


def problems(config: dict) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(config, "dev", "us-east-1")
    return caught.value.problems


# ---- major version upgrades: the instance parameter group needs AllowMajorVersionUpgrade ----------------------------
def test_cluster_allows_major_version_upgrades_when_the_stack_says_so(any_stack):
    cluster = any_stack.one("aws:rds/cluster:Cluster")
    # ModifyDBCluster.DBInstanceParameterGroupName: "valid in combination with the AllowMajorVersionUpgrade parameter
    # for a major version upgrade only". The flag is never implicit in production (allowMajorVersionUpgrade).
    assert "dbInstanceParameterGroupName" in cluster.inputs
    assert cluster.inputs["allowMajorVersionUpgrade"] is (any_stack.stack != "prod")


# ---- master user name: CreateDBCluster says 1 to 16 for every Aurora engine -----------------------------------------
@pytest.mark.parametrize("engine", ["aurora-postgresql", "aurora-mysql"])
def test_master_username_of_16_characters_is_accepted(engine):
    assert database({"engine": engine, "masterUsername": "a" * 16}).master_username == "a" * 16


@pytest.mark.parametrize("engine", ["aurora-postgresql", "aurora-mysql"])
@pytest.mark.parametrize("name", ["a" * 17, "blog_administrator", "a" * 63])
def test_master_username_over_16_characters_is_refused_for_every_aurora_engine(engine, name):
    found = problems({"database": {"engine": engine, "masterUsername": name}})
    assert found == [f'{DB}.masterUsername: got "{name}"; allowed: a letter then up to 15 letters, digits or '
                     f'underscores (engine {engine}), not a reserved word (admin, mysql, postgres, public, '
                     'rds_superuser, rdsadmin, rdsproxyadmin, rdsrepladmin, root, select, table, template0, template1, '
                     'user)']


@pytest.mark.parametrize("name", ["1admin", "_admin", "blog-admin", "blög"])
def test_master_username_must_start_with_a_letter_and_hold_no_other_characters(name):
    assert len(problems({"database": {"masterUsername": name}})) == 1


# ---- Serverless v2: 256 ACUs only on recent versions, 128 on older ones ---------------------------------------------
@pytest.mark.parametrize(("engine", "version"), [
    ("aurora-postgresql", "16.6"), ("aurora-postgresql", "16.3"), ("aurora-postgresql", "13.15"),
    ("aurora-postgresql", "17.4"), ("aurora-mysql", "8.0.mysql_aurora.3.08.0"),
])
def test_256_acus_on_a_recent_version(engine, version):
    settings = database({"engine": engine, "engineVersion": version, "instanceClass": "db.serverless",
                         "serverless": {"maxCapacity": 256}})
    assert settings.serverless.max_capacity == 256


@pytest.mark.parametrize(("engine", "version", "maximum"), [
    ("aurora-postgresql", "16.1", 256), ("aurora-postgresql", "16.2", 128.5), ("aurora-postgresql", "15.4", 200),
    ("aurora-postgresql", "13.14", 129), ("aurora-mysql", "8.0.mysql_aurora.3.05.2", 256),
    ("aurora-mysql", "8.0.mysql_aurora.3.07.1", "192"),
])
def test_more_than_128_acus_on_an_older_version_is_refused(engine, version, maximum):
    found = problems({"database": {"engine": engine, "engineVersion": version, "instanceClass": "db.serverless",
                                   "serverless": {"maxCapacity": maximum}}})
    assert found == [f'{DB}.serverless.maxCapacity: got {float(maximum):g} with engineVersion "{version}"; Aurora '
                     'takes more than 128 ACUs only on recent versions (here: Aurora PostgreSQL 13.15, 14.12, 15.7, '
                     '16.3 or later, Aurora MySQL 3.08.0 or later); allowed: at most 128, or a newer engineVersion']


# Each boundary of "Aurora PostgreSQL 13.15, 14.12, 15.7, 16.3 or later, Aurora MySQL 3.08.0 or later" (Aurora User
# Guide, scaling to zero ACUs), the first version on each side.
@pytest.mark.parametrize(("engine", "version", "recent"), [
    ("aurora-postgresql", "12.22", False), ("aurora-postgresql", "13.14", False), ("aurora-postgresql", "13.15", True),
    ("aurora-postgresql", "14.11", False), ("aurora-postgresql", "14.12", True), ("aurora-postgresql", "15.6", False),
    ("aurora-postgresql", "15.7", True), ("aurora-postgresql", "16.2", False), ("aurora-postgresql", "16.3", True),
    ("aurora-postgresql", "17.4", True), ("aurora-mysql", "8.0.mysql_aurora.3.07.1", False),
    ("aurora-mysql", "8.0.mysql_aurora.3.08.0", True), ("aurora-mysql", "8.0.mysql_aurora.3.10.0", True),
    ("aurora-mysql", "5.7.mysql_aurora.2.12.3", False),
])
def test_each_major_takes_256_acus_from_its_own_first_recent_minor(engine, version, recent):
    values = {"engine": engine, "engineVersion": version, "instanceClass": "db.serverless",
              "serverless": {"maxCapacity": 256}}
    if recent:
        assert database(values).serverless.max_capacity == 256
    else:
        assert len(problems({"database": values})) == 1


@pytest.mark.parametrize(("engine", "version"), [("aurora-postgresql", "16.1"),
                                                 ("aurora-mysql", "8.0.mysql_aurora.3.05.2")])
def test_128_acus_stay_allowed_on_an_older_version(engine, version):
    settings = database({"engine": engine, "engineVersion": version, "instanceClass": "db.serverless",
                         "serverless": {"minCapacity": 0.5, "maxCapacity": 128}})
    assert settings.serverless.max_capacity == 128


# ---- ECS Exec and a read-only root file system ----------------------------------------------------------------------
def app(values: dict) -> dict:
    return {"app": {"image": IMAGE, **values}}


@pytest.mark.parametrize("values", [
    {"enableExecuteCommand": True},
    {"enableExecuteCommand": True, "readonlyRootFilesystem": True},
    {"enableExecuteCommand": "true"},
    {"enableExecuteCommand": "true", "readonlyRootFilesystem": "true"},
])
def test_ecs_exec_with_a_read_only_root_is_a_settings_error_that_says_what_to_choose(values):
    found = problems(app(values))
    assert found == [f"{APP}.enableExecuteCommand: true with {APP}.readonlyRootFilesystem true (the default); ECS "
                     "Exec's agent must write to the container's root file system, which AWS does not support "
                     "read-only; allowed: enableExecuteCommand false (the default), or readonlyRootFilesystem: false "
                     "set with it (the container's root then becomes writable)"]


def test_another_spelling_of_true_is_refused_as_a_boolean_not_let_through():
    assert problems(app({"enableExecuteCommand": "yes"})) == [
        f'{APP}.enableExecuteCommand: got "yes"; allowed: true or false']


@pytest.mark.parametrize("values", [{"enableExecuteCommand": True, "readonlyRootFilesystem": False},
                                    {"enableExecuteCommand": False}, {}])
def test_ecs_exec_with_a_writable_root_or_no_exec_is_accepted(values):
    settings = load_settings(app(values), "dev", "us-east-1").app
    assert not (settings.enable_execute_command and settings.readonly_root_filesystem)


# ---- the master password --------------------------------------------------------------------------------------------
def test_generated_password_never_uses_a_character_rds_refuses():
    # RDS console: not "/", "'", '"', "@" or a space; the API model names "/", '"' and "@".
    assert RDS_REFUSED_PASSWORD_CHARACTERS == "/'\"@ "
    assert not set(PASSWORD_SPECIALS) & set("/'\"@ \\")
    assert PASSWORD_SPECIALS.isascii() and PASSWORD_SPECIALS.isprintable()


def test_password_length_is_within_what_create_db_cluster_takes():
    assert 8 <= PASSWORD_LENGTH <= 41


# ---- other spellings that must not get past ----------------------------------------------------------------------
def test_ecs_exec_with_a_writable_root_spelt_as_text_is_accepted():
    settings = load_settings(app({"enableExecuteCommand": "true", "readonlyRootFilesystem": "false"}), "dev",
                             "us-east-1").app
    assert settings.enable_execute_command is True and settings.readonly_root_filesystem is False


@pytest.mark.parametrize("maximum", ["256", "256.0", 128.5, "1.28e2.5"])
def test_capacity_spellings_on_an_older_version_do_not_get_past(maximum):
    found = problems({"database": {"engineVersion": "15.4", "instanceClass": "db.serverless",
                                   "serverless": {"maxCapacity": maximum}}})
    assert len(found) == 1 and found[0].startswith(f"{DB}.serverless.maxCapacity: got ")


def test_master_username_of_16_with_underscores_is_accepted_and_17_is_not():
    assert database({"masterUsername": "blog_admin_12345"}).master_username == "blog_admin_12345"
    assert len(problems({"database": {"masterUsername": "blog_admin_123456"}})) == 1
