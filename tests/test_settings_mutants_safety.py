"""Safety behaviours of the settings readers that the second mutation measurement (docs/mutation-testing.md, "Kill
rate of the settings readers") found no test pinning: each test asserts what a user relies on, with the expected
value or text written out here (from the AWS limit or the setting's documented default), never computed by the
reader under test."""

import pytest

from components.settings import SettingsError, load_settings
from components.settings.reader import Problems

IMAGE = "ghcr.io/aurora-platform/blog:1.0.0"
DB = "aurora-platform:database"


def problems(values: dict, secret_keys=(), region: str | None = "us-east-1") -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(values, "dev", region, secret_keys)
    return caught.value.problems


def database(values: dict):
    return load_settings({"database": values}, "dev", "us-east-1").database


# ---- a secret region is never quoted, wherever its text turns up -----------------------------------------------------
def test_a_secret_region_written_as_another_settings_value_is_masked_there_too():
    """A secure: aws:region is refused; the same text given to another setting is quoted by that setting's message,
    which must still show [secret] (the safety net carries the region's text too)."""
    found = problems({"network": {"natGateways": "eu-south-2"}}, ["aws:region"], region="eu-south-2")
    # The net replaces the text where it stands, inside the quotes the message put around it.
    assert 'aurora-platform:network.natGateways: got "[secret]"; allowed: none, single, perAz' in found
    assert "eu-south-2" not in "\n".join(found)


# ---- database.s3Export.expirationDays: S3 lifecycle expiry of the exports ------------------------------------------
def test_the_export_expiry_stops_at_ten_years():
    assert database({"s3Export": {"enabled": True, "expirationDays": 3650}}).s3_export.expiration_days == 3650
    assert problems({"database": {"s3Export": {"enabled": True, "expirationDays": 3651}}}) == [
        f"{DB}.s3Export.expirationDays: got 3651; allowed: 0 (keep exports) or 1 to 3650 days after which S3 deletes "
        f"an export"]


# ---- a secret database section: an unreleased engineVersion is refused without naming versions near it -----------
def test_an_unreleased_version_under_a_secret_database_key_names_no_nearby_version():
    found = problems({"database": {"engineVersion": "16.99"}}, ["aurora-platform:database"])
    assert f"{DB}.engineVersion: got [secret]; allowed: an aurora-postgresql version Aurora has released" in found
    # "Did you mean "16.4"?" would tell the reader which major the secret value is of.
    assert "Did you mean" not in "\n".join(found) and "16." not in "\n".join(found)


# ---- database.global.identifier: the global cluster a secondary joins ---------------------------------------------
@pytest.mark.parametrize("identifier", ["Aurora_Global", "aurora--global", "1aurora", "aurora-"])
def test_a_global_identifier_outside_the_lowercase_hyphenated_form_is_refused(identifier):
    found = problems({"database": {"global": {"enabled": True, "role": "secondary", "identifier": identifier}}})
    assert found[0] == (f'{DB}.global.identifier: got "{identifier}"; allowed: a global cluster identifier: '
                        f"lowercase letters, digits and single hyphens, starting with a letter")


# ---- database.serverless.secondsUntilAutoPause: AWS takes 300 to 86400 seconds --------------------------------------
def test_auto_pause_stops_at_one_day():
    paused = {"instanceClass": "db.serverless", "engineVersion": "16.4", "serverless": {"minCapacity": 0}}
    paused["serverless"]["secondsUntilAutoPause"] = 86400
    assert database(paused).serverless.seconds_until_auto_pause == 86400
    paused["serverless"]["secondsUntilAutoPause"] = 86401
    assert problems({"database": paused}) == [
        f"{DB}.serverless.secondsUntilAutoPause: got 86401; allowed: 300 to 86400 seconds (only with minCapacity 0)"]


# ---- database.alarms and database.proxy: each value written reaches the settings ----------------------------------
def test_every_alarm_threshold_written_is_the_one_used():
    alarms = database({"alarms": {"cpuPercent": 70, "freeableMemoryMb": 512, "connections": 100, "replicaLagMs": 500,
                                  "serverlessCapacityPercent": 75}}).alarms
    assert (alarms.cpu_percent, alarms.freeable_memory_mb, alarms.connections, alarms.replica_lag_ms,
            alarms.serverless_capacity_percent) == (70, 512, 100, 500, 75)
    assert problems({"database": {"alarms": {"cpuPercent": 101}}}) == [
        f"{DB}.alarms.cpuPercent: got 101; allowed: a whole number from 1 to 100"]


def test_the_proxy_idle_client_timeout_written_is_the_one_used():
    assert database({"proxy": {"enabled": True, "idleClientTimeoutSeconds": 600}}).proxy.idle_client_timeout_seconds \
        == 600
    # RDS Proxy's default (30 minutes) when unset.
    assert database({"proxy": {"enabled": True}}).proxy.idle_client_timeout_seconds == 1800


# ---- app.caBundlePath: the CA bundle the app verifies the database's TLS certificate with ---------------------------
def test_a_relative_ca_bundle_path_is_refused_with_what_is_allowed():
    assert problems({"app": {"image": IMAGE, "caBundlePath": "certs/rds.pem"}}) == [
        'aurora-platform:app.caBundlePath: got "certs/rds.pem"; allowed: an absolute file path inside the image, e.g. '
        '"/etc/ssl/certs/rds-global-bundle.pem"']


# ---- database.parameters: a refused TLS parameter does not hide the problems of the parameters after it -----------
def test_the_parameters_after_a_refused_tls_parameter_are_still_checked():
    assert problems({"database": {"parameters": {"rds.force_ssl": 0, "log_min_duration_statement": True}}}) == [
        f"{DB}.parameters.rds.force_ssl: got 0; rds.force_ssl is always 1: the cluster accepts TLS connections only, "
        f"in every stack",
        f"{DB}.parameters.log_min_duration_statement: got true; allowed: a string or number (parameter values are "
        f"text in RDS)"]


# ---- the safety net: a secret value that contains another one is masked whole ----------------------------------------
def test_a_secret_value_containing_a_shorter_secret_value_is_masked_whole():
    """Two values under a secret key, one inside the other: masking the shorter first would leave the rest of the
    longer one ("Aq7-lead [secret]") in the message."""
    net = Problems("dev", ["aurora-platform:app"], ["Zq7-tail", "Aq7-lead Zq7-tail"])
    net.add_text("aurora-platform:app.environment.DSN", 'forgot to mask "Aq7-lead Zq7-tail"')
    assert net.items == ['aurora-platform:app.environment.DSN: forgot to mask "[secret]"']


def test_the_net_masks_a_secret_value_of_four_characters():
    """Four characters is the net's documented minimum (shorter values would mask digits and words of the message's own
    text); a four-character secret value is masked, a three-character one is left alone."""
    net = Problems("dev", ["aurora-platform:app"], ["Zq7x", "Zq7"])
    net.add_text("aurora-platform:app.environment.PIN", 'forgot to mask "Zq7x" and "Zq7"')
    assert net.items == ['aurora-platform:app.environment.PIN: forgot to mask "[secret]" and "Zq7"']


# ---- database.awsBackup.vaultLock: the lock's bounds are AWS Backup's (1 day to 100 years) ---------------------------
LOCK = f"{DB}.awsBackup.vaultLock"
COOLING_OFF = ("a whole number of days from 3 (AWS Backup's 72-hour cooling-off) to 36500 before the "
               "compliance-mode lock becomes immutable")


def vault_lock(lock: dict, retention_days: int = 35):
    return load_settings({"environment": "production", "database": {"awsBackup": {
        "enabled": True, "retentionDays": retention_days, "vaultLock": lock}}}, "prod",
        "us-east-1").database.aws_backup.vault_lock


@pytest.mark.parametrize(("lock", "problem"), [
    ({"minRetentionDays": 0}, f"{LOCK}.minRetentionDays: got 0; allowed: a whole number from 1 to 36500"),
    ({"minRetentionDays": 36501}, f"{LOCK}.minRetentionDays: got 36501; allowed: a whole number from 1 to 36500"),
    ({"maxRetentionDays": 0}, f"{LOCK}.maxRetentionDays: got 0; allowed: a whole number from 1 to 36500"),
    ({"maxRetentionDays": 36501}, f"{LOCK}.maxRetentionDays: got 36501; allowed: a whole number from 1 to 36500"),
    ({"mode": "compliance", "changeableForDays": 2}, f"{LOCK}.changeableForDays: got 2; allowed: {COOLING_OFF}"),
    ({"mode": "compliance", "changeableForDays": 36501},
     f"{LOCK}.changeableForDays: got 36501; allowed: {COOLING_OFF}"),
])
def test_vault_lock_days_outside_aws_backups_range_are_refused(lock, problem):
    with pytest.raises(SettingsError) as caught:
        vault_lock(lock)
    assert caught.value.problems == [problem]


def test_vault_lock_days_at_aws_backups_limits_are_taken():
    lock = vault_lock({"minRetentionDays": 1, "maxRetentionDays": 36500})
    assert (lock.enabled, lock.mode, lock.min_retention_days, lock.max_retention_days) == (True, "governance", 1, 36500)
    lock = vault_lock({"mode": "compliance", "changeableForDays": 3, "minRetentionDays": 35, "maxRetentionDays": 35})
    assert (lock.mode, lock.changeable_for_days, lock.min_retention_days, lock.max_retention_days) == (
        "compliance", 3, 35, 35)
    lock = vault_lock({"minRetentionDays": 1, "maxRetentionDays": 1}, retention_days=1)
    assert (lock.min_retention_days, lock.max_retention_days) == (1, 1)


def test_turning_the_production_vault_lock_off_alone_is_taken_quietly():
    """`vaultLock: {enabled: false}` is the documented way to turn the production default off: no problem for it."""
    lock = vault_lock({"enabled": False})
    assert (lock.enabled, lock.changeable_for_days) == (False, None)
    with pytest.raises(SettingsError) as caught:
        vault_lock({"enabled": False, "mode": "compliance"})
    assert caught.value.problems == [f"{LOCK}: sets values but not enabled: true"]


# ---- left unpinned by the fresh settings sample (docs/mutation-testing.md) ---------------------------------------
@pytest.mark.parametrize(("feature", "other"), [("s3Export", {"prefix": "exports/"}),
                                              ("s3Import", {"prefix": "imports/"}),
                                              ("lambdaInvoke", {"functions": ["resize"]})])
def test_a_sql_feature_written_off_alone_is_taken_quietly(feature, other):
    """`enabled: false` and nothing else is a valid way to write a feature off; only other values beside it are
    refused (they would be silently ignored)."""
    assert load_settings({"database": {feature: {"enabled": False}}}, "dev", "us-east-1").database is not None
    assert problems({"database": {feature: {"enabled": False, **other}}}) == [
        f"{DB}.{feature}: sets values but not enabled: true"]


@pytest.mark.parametrize("members", ["staticMembers", "excludedMembers"])
def test_an_empty_member_list_of_a_custom_endpoint_is_refused(members):
    found = problems({"database": {"readers": 2, "customEndpoints": {"analytics": {members: []}}}})
    assert (f"{DB}.customEndpoints.analytics.{members}: is empty; allowed: at least one instance, or leave it out"
            in found)


@pytest.mark.parametrize(("value", "message"), [
    ("all", f'{DB}.audit.pgauditLog: got "all"; allowed: a list, each item a pgaudit class'),
    (["read", 5], f"{DB}.audit.pgauditLog[1]: got 5; allowed: a pgaudit class"),
])
def test_a_pgaudit_log_that_is_not_a_list_of_classes_is_refused_saying_what_is(value, message):
    assert problems({"environment": "production", "database": {"audit": {"pgauditLog": value}}}) == [message]
