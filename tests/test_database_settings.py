"""`aurora-platform:database`: defaults, engine-specific behaviour, windows, and one exact message per bad value."""

import pytest

from components.settings import SettingsError, load_settings
from components.settings.database import (
    ENGINES,
    parse_daily_window,
    parse_weekly_window,
    windows_overlap,
)

KEY = "aurora-platform:database"


def database(values: dict, environment: str = "development", region: str | None = "us-east-1"):
    return load_settings({"environment": environment, "database": values}, "dev", region).database


def problems(values: dict, region: str | None = "us-east-1") -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings({"database": values}, "dev", region)
    return caught.value.problems


def test_defaults_are_safe():
    settings = database({})
    assert settings.engine == "aurora-postgresql" and settings.engine_version == "16.6"
    assert settings.family == "aurora-postgresql16" and settings.port == 5432
    assert settings.backup_retention_days == 7 and settings.deletion_protection is True
    assert settings.skip_final_snapshot is False and settings.protect is False
    assert settings.backtrack_hours == 0 and settings.performance_insights is True
    assert settings.monitoring_interval == 60 and settings.readers == 1
    assert settings.generates_password and not settings.manage_master_user_password
    assert database({}, "production").protect is True
    assert database({"protect": False}, "production").protect is False


def test_mysql_has_its_own_family_port_tls_parameter_and_logs():
    settings = database({"engine": "aurora-mysql", "backtrackHours": 24})
    assert settings.engine_version == "8.0.mysql_aurora.3.08.0"
    assert settings.family == "aurora-mysql8.0" and settings.port == 3306
    assert settings.engine_spec.tls_parameter == ("require_secure_transport", "ON")
    assert settings.engine_spec.log_exports == ("audit", "error", "slowquery")
    assert settings.backtrack_hours == 24


@pytest.mark.parametrize(("engine", "version", "family"), [
    ("aurora-postgresql", "16.6", "aurora-postgresql16"),
    ("aurora-postgresql", "13.15", "aurora-postgresql13"),
    ("aurora-mysql", "8.0.mysql_aurora.3.05.2", "aurora-mysql8.0"),
])
def test_family_follows_the_engine_version(engine, version, family):
    assert ENGINES[engine].family(version) == family


def test_serverless_settings():
    settings = database({"instanceClass": "db.serverless",
                         "serverless": {"minCapacity": 0, "maxCapacity": 8, "secondsUntilAutoPause": 600}})
    assert settings.serverless_v2
    assert (settings.serverless.min_capacity, settings.serverless.max_capacity,
            settings.serverless.seconds_until_auto_pause) == (0, 8, 600)


def test_values_as_pulumi_config_set_stores_them():
    settings = database('{"readers": "3", "deletionProtection": "false", "backupRetentionDays": "21"}')
    assert settings.readers == 3 and settings.deletion_protection is False and settings.backup_retention_days == 21


@pytest.mark.parametrize(("window", "parsed"), [("03:00-04:00", (180, 240)), ("23:30-00:15", (1410, 15))])
def test_daily_window(window, parsed):
    assert parse_daily_window(window) == parsed


def test_weekly_window_and_overlap_across_midnight_and_the_week_end():
    assert parse_weekly_window("Mon:00:00-mon:01:00") == (0, 60)
    sunday_night = parse_weekly_window("sun:23:30-mon:00:30")
    assert sunday_night == (6 * 1440 + 1410, 30)
    # a daily 00:15-00:45 backup meets a maintenance window that wraps from Sunday into Monday
    assert windows_overlap(parse_daily_window("00:15-00:45"), sunday_night)
    assert windows_overlap(parse_daily_window("23:00-23:45"), sunday_night)
    assert not windows_overlap(parse_daily_window("01:00-02:00"), sunday_night)
    # touching ends do not overlap
    assert not windows_overlap(parse_daily_window("04:00-05:00"), parse_weekly_window("sun:05:00-sun:06:00"))


RETENTION = "allowed: a whole number of days from 1 to 35 (Aurora always keeps at least one day of continuous backups)"
USERNAME_RESERVED = ("not a reserved word (admin, mysql, postgres, public, rds_superuser, rdsadmin, rdsproxyadmin, "
                     "rdsrepladmin, root, select, table, template0, template1, user)")


@pytest.mark.parametrize(("values", "message"), [
    ({"backupRetentionDays": 0}, f"{KEY}.backupRetentionDays: got 0; {RETENTION}"),
    ({"backupRetentionDays": 36}, f"{KEY}.backupRetentionDays: got 36; {RETENTION}"),
    ({"backtrackHours": 24},
     f"{KEY}.backtrackHours: got 24 with engine aurora-postgresql; backtrack exists only for aurora-mysql, so on "
     f"aurora-postgresql it must be 0 or unset. Aurora supports backtrack for MySQL only; use point-in-time restore "
     f"(restoreFrom.restoreToTime) to go back in time on PostgreSQL"),
    ({"engine": "aurora-mysql", "backtrackHours": 73},
     f"{KEY}.backtrackHours: got 73; allowed: a whole number of hours from 0 to 72 (0 turns backtrack off)"),
    ({"readers": 16},
     f"{KEY}.readers: got 16; allowed: a whole number from 0 to 15 (Aurora allows one writer and up to 15 readers)"),
    ({"readers": -1},
     f"{KEY}.readers: got -1; allowed: a whole number from 0 to 15 (Aurora allows one writer and up to 15 readers)"),
    ({"backupWindow": "04:30-05:30", "maintenanceWindow": "sun:05:00-sun:06:00"},
     f'{KEY}.backupWindow: "04:30-05:30" overlaps maintenanceWindow "sun:05:00-sun:06:00"; allowed: a backup window '
     f'that does not meet the maintenance window on any day (times are UTC)'),
    ({"backupWindow": "23:45-00:30", "maintenanceWindow": "mon:00:00-mon:01:00"},
     f'{KEY}.backupWindow: "23:45-00:30" overlaps maintenanceWindow "mon:00:00-mon:01:00"; allowed: a backup window '
     f'that does not meet the maintenance window on any day (times are UTC)'),
    ({"backupWindow": "3am-4am"},
     f'{KEY}.backupWindow: got "3am-4am"; allowed: a daily UTC window "hh:mm-hh:mm" of at least 30 minutes, '
     f'e.g. "03:00-04:00"'),
    ({"backupWindow": "25:00-26:00"},
     f'{KEY}.backupWindow: got "25:00-26:00"; allowed: a daily UTC window "hh:mm-hh:mm" of at least 30 minutes, '
     f'e.g. "03:00-04:00"'),
    ({"backupWindow": "03:00-03:20"},
     f'{KEY}.backupWindow: got "03:00-03:20"; allowed: a window of at least 30 minutes (this one is 20)'),
    ({"maintenanceWindow": "sunday 05:00"},
     f'{KEY}.maintenanceWindow: got "sunday 05:00"; allowed: a weekly UTC window "ddd:hh:mm-ddd:hh:mm" of at least '
     f'30 minutes (ddd: mon, tue, wed, thu, fri, sat, sun), e.g. "sun:05:00-sun:06:00"'),
    ({"maintenanceWindow": "sun:05:00-sun:05:10"},
     f'{KEY}.maintenanceWindow: got "sun:05:00-sun:05:10"; allowed: a window of at least 30 minutes (this one is 10)'),
    ({"instanceClass": "db.serverless", "serverless": {"minCapacity": -1}},
     f"{KEY}.serverless.minCapacity: got -1; allowed: 0 to 256 ACUs in steps of 0.5 (0 lets the cluster pause when "
     f"idle)"),
    ({"instanceClass": "db.serverless", "serverless": {"minCapacity": 0.25}},
     f"{KEY}.serverless.minCapacity: got 0.25; allowed: 0 to 256 ACUs in steps of 0.5 (0 lets the cluster pause when "
     f"idle)"),
    ({"instanceClass": "db.serverless", "serverless": {"maxCapacity": 300}},
     f"{KEY}.serverless.maxCapacity: got 300; allowed: 1 to 256 ACUs in steps of 0.5, at least minCapacity"),
    ({"instanceClass": "db.serverless", "serverless": {"minCapacity": 8, "maxCapacity": 4}},
     f"{KEY}.serverless.maxCapacity: got 4, less than minCapacity 8; allowed: at least minCapacity"),
    ({"instanceClass": "db.serverless", "serverless": {"minCapacity": 0, "secondsUntilAutoPause": 100}},
     f"{KEY}.serverless.secondsUntilAutoPause: got 100; allowed: 300 to 86400 seconds (only with minCapacity 0)"),
    ({"instanceClass": "db.serverless", "serverless": {"minCapacity": 1, "secondsUntilAutoPause": 600}},
     f"{KEY}.serverless.secondsUntilAutoPause: only applies when minCapacity is 0 (auto-pause); minCapacity is 1"),
    ({"instanceClass": "db.serverless", "engineVersion": "15.4", "serverless": {"minCapacity": 0}},
     f'{KEY}.serverless.minCapacity: 0 (auto-pause) needs Aurora PostgreSQL 13.15, 14.12, 15.7, 16.3 or later, or '
     f'Aurora MySQL 3.08.0 or later; engineVersion is "15.4"'),
    ({"serverless": {"minCapacity": 1}},
     f'{KEY}.serverless: is only used with instanceClass "db.serverless" (Serverless v2); instanceClass is '
     f'"db.r6g.large"'),
    ({"engine": "oracle"}, f'{KEY}.engine: got "oracle"; allowed: aurora-postgresql, aurora-mysql'),
    ({"engine": "aurora-mysql", "engineVersion": "16.6"},
     f'{KEY}.engineVersion: got "16.6"; allowed: an Aurora MySQL 3 version, e.g. "8.0.mysql_aurora.3.08.0" '
     f'(for engine aurora-mysql)'),
    ({"engineVersion": "9.6"},
     f'{KEY}.engineVersion: got "9.6"; allowed: an Aurora PostgreSQL version MAJOR.MINOR, major 11 to 17, '
     f'e.g. "16.6" (for engine aurora-postgresql)'),
    ({"engine": "aurora-mysql", "masterUsername": "a_very_long_user_name"},
     f'{KEY}.masterUsername: got "a_very_long_user_name"; allowed: a letter then up to 15 letters, digits or '
     f'underscores (engine aurora-mysql), {USERNAME_RESERVED}'),
    ({"masterUsername": "admin"},
     f'{KEY}.masterUsername: got "admin"; allowed: a letter then up to 15 letters, digits or underscores '
     f'(engine aurora-postgresql), {USERNAME_RESERVED}'),
    ({"databaseName": "1blog"},
     f'{KEY}.databaseName: got "1blog"; allowed: a letter then up to 62 letters, digits or underscores, not a '
     f'reserved word ({USERNAME_RESERVED.split("(")[1]}'),
    ({"port": 80}, f"{KEY}.port: got 80; allowed: a whole number from 1150 to 65535"),
    ({"instanceClass": "large"},
     f'{KEY}.instanceClass: got "large"; allowed: an Aurora DB instance class such as "db.r6g.large" or '
     f'"db.t4g.medium", or "db.serverless" (Serverless v2)'),
    ({"parameters": {"rds.force_ssl": "0"}},
     f'{KEY}.parameters.rds.force_ssl: got "0"; rds.force_ssl is always 1: the cluster accepts TLS connections only, '
     f'in every stack'),
    ({"engine": "aurora-mysql", "parameters": {"require_secure_transport": "OFF"}},
     f'{KEY}.parameters.require_secure_transport: got "OFF"; require_secure_transport is always ON: the cluster '
     f'accepts TLS connections only, in every stack'),
    ({"parameters": ["log_connections"]},
     f'{KEY}.parameters: got ["log_connections"]; allowed: a mapping of parameter name to value, '
     f'e.g. {{log_min_duration_statement: 500}}'),
    ({"monitoringInterval": 0},
     f"{KEY}.monitoringInterval: got 0; allowed: one of 1, 5, 10, 15, 30, 60 seconds (enhanced monitoring is always "
     f"on)"),
    ({"performanceInsightsRetentionDays": 10},
     f"{KEY}.performanceInsightsRetentionDays: got 10; allowed: 7 (free tier), a multiple of 31 up to 713, or 731"),
    ({"kmsKeyArn": "alias/foo"},
     f'{KEY}.kmsKeyArn: got "alias/foo"; allowed: the ARN of a customer-managed KMS key in the stack\'s region '
     f'us-east-1, e.g. "arn:aws:kms:us-east-1:123456789012:key/<uuid>"'),
    ({"kmsKeyArn": "arn:aws:kms:eu-west-1:123456789012:key/0b5c1d6e-1111-2222-3333-444455556666"},
     f'{KEY}.kmsKeyArn: got "arn:aws:kms:eu-west-1:123456789012:key/0b5c1d6e-1111-2222-3333-444455556666"; '
     f'allowed: the ARN of a customer-managed KMS key in the stack\'s region us-east-1'),
    ({"skipFinalSnapshot": "yes"}, f'{KEY}.skipFinalSnapshot: got "yes"; allowed: true or false'),
    ({"alarmEmail": "nobody"}, f'{KEY}.alarmEmail: got "nobody"; allowed: an email address'),
    ({"logRetentionDays": 0}, f"{KEY}.logRetentionDays: got 0; allowed: one of the CloudWatch Logs retention periods"),
    ({"passwordVersion": 0},
     f"{KEY}.passwordVersion: got 0; allowed: a whole number of at least 1; raise it to generate and set a new master "
     f"password"),
    ({"restoreFrom": {"snapshotIdentifier": "old-final", "useLatestRestorableTime": True}},
     f"{KEY}.restoreFrom: sets a snapshot and a point in time; allowed: either {{snapshotIdentifier}} or "
     f"{{sourceClusterIdentifier with restoreToTime or useLatestRestorableTime}}"),
    ({"restoreFrom": {"sourceClusterIdentifier": "old"}},
     f"{KEY}.restoreFrom: needs exactly one of restoreToTime or useLatestRestorableTime: true with "
     f"sourceClusterIdentifier; allowed: either {{snapshotIdentifier}} or {{sourceClusterIdentifier with "
     f"restoreToTime or useLatestRestorableTime}}"),
    ({"restoreFrom": {}},
     f"{KEY}.restoreFrom: names nothing to restore from; allowed: either {{snapshotIdentifier}} or "
     f"{{sourceClusterIdentifier with restoreToTime or useLatestRestorableTime}}"),
    ({"restoreFrom": {"sourceClusterIdentifier": "old", "restoreToTime": "yesterday"}},
     f'{KEY}.restoreFrom.restoreToTime: got "yesterday"; allowed: an RFC 3339 UTC time, e.g. "2026-11-20T08:45:00Z"'),
    ({"global": {"enabled": True, "role": "secondary"}},
     f"{KEY}.global.identifier: is required with role: secondary (the identifier of the global cluster to join, as "
     f"exported by the primary stack)"),
    ({"global": {"enabled": True, "role": "replica"}},
     f'{KEY}.global.role: got "replica"; allowed: primary, secondary'),
    ({"global": {"role": "secondary"}}, f"{KEY}.global: sets role or identifier but not enabled: true"),
    ({"global": {"enabled": True, "role": "secondary", "identifier": "g"}, "databaseName": "blog"},
     f"{KEY}.databaseName: cannot be set on a global database secondary; the database comes from the primary cluster"),
    ({"global": {"enabled": True, "role": "secondary", "identifier": "g"}, "manageMasterUserPassword": True},
     f"{KEY}.manageMasterUserPassword: cannot be set on a global database secondary ({KEY}.global.role: secondary); "
     f"the secondary takes its data and credentials from the primary cluster"),
    ({"global": {"enabled": True, "role": "secondary", "identifier": "g"}, "proxy": {"enabled": True}},
     f"{KEY}.proxy.enabled: a proxy on a global database secondary is not supported here: this stack holds no "
     f"credentials for the cluster"),
    ({"engine": "aurora-mysql", "global": {"enabled": True}, "backtrackHours": 4},
     f"{KEY}.backtrackHours: got 4 with {KEY}.global.enabled: true; Aurora global databases do not support "
     f"backtrack"),
    ({"instanceClass": "db.serverless", "serverless": {"minCapacity": 0}, "global": {"enabled": True}},
     f"{KEY}.serverless.minCapacity: 0 (auto-pause) with {KEY}.global.enabled: true; Aurora Serverless v2 does not "
     f"pause in a global database, so the cluster would never pause; allowed: a minCapacity of at least 0.5, or "
     f"global.enabled false"),
    ({"proxy": {"enabled": True, "readerEndpoint": True}, "readers": 0},
     f"{KEY}.proxy.readerEndpoint: needs at least one reader (readers is 0); set readers or readerEndpoint: false"),
    ({"proxy": {"maxConnectionsPercent": 120}},
     f"{KEY}.proxy.maxConnectionsPercent: got 120; allowed: a whole number from 1 to 100"),
    ({"readerz": 1}, f"{KEY}.readerz: unknown setting; known settings here: alarmEmail, alarms, "
                         f"allowMajorVersionUpgrade, applyImmediately"),
    ({"serverless": {"minCapasity": 1}, "instanceClass": "db.serverless"},
     f"{KEY}.serverless.minCapasity: unknown setting; known settings here: maxCapacity, minCapacity, "
     f"secondsUntilAutoPause"),
])
def test_each_bad_value_has_an_exact_message(values, message):
    found = problems(values)
    assert len(found) == 1, found
    assert found[0].startswith(message), found[0]


def test_all_problems_are_reported_at_once():
    found = problems({"backupRetentionDays": 0, "readers": 16, "engine": "oracle", "backtrackHours": 5})
    assert [p.split(":")[1] for p in found] == ["database.engine", "database.readers", "database.backupRetentionDays",
                                                "database.backtrackHours"]


def test_proxy_debug_logging_is_refused_in_production_only():
    """Debug logging writes SQL statements, and the data in them, to CloudWatch Logs."""
    proxy = {"proxy": {"enabled": True, "debugLogging": True}}
    with pytest.raises(SettingsError) as caught:
        load_settings({"environment": "production", "database": proxy}, "prod", "us-east-1")
    assert caught.value.problems == [
        f"{KEY}.proxy.debugLogging: got true; allowed: false in production: debug logging writes SQL statements, "
        "and the data in them, to the proxy's logs"]
    assert load_settings({"database": proxy}, "dev", "us-east-1").database.proxy.debug_logging is True


@pytest.mark.parametrize(("backup", "maintenance", "overlap"), [
    ("00:00-00:30", "sun:23:31-mon:00:01", True),   # they share Monday 00:00-00:01, across the end of the week
    ("00:01-00:31", "sun:23:31-mon:00:01", False),  # they only touch at Monday 00:01
    ("00:00-00:30", "sat:23:31-sun:00:01", True),   # the same inside the week, Sunday 00:00-00:01
    ("23:45-00:15", "mon:00:14-mon:00:44", True),   # a backup window across midnight meets Monday 00:14-00:15
    ("23:45-00:15", "mon:00:15-mon:00:45", False),
])
def test_windows_sharing_only_their_first_or_last_minute_across_midnight(backup, maintenance, overlap):
    # RDS refuses a backup window overlapping the maintenance window; one shared minute overlaps, touching does not.
    assert windows_overlap(parse_daily_window(backup), parse_weekly_window(maintenance)) is overlap


def test_the_database_and_its_administrator_default_to_the_documented_names():
    # docs/database.md: databaseName "app", masterUsername "dbadmin" (neither a reserved word nor the engine's own).
    settings = database({})
    assert (settings.database_name, settings.master_username) == ("app", "dbadmin")


RESERVED_TEXT = ("admin, mysql, postgres, public, rds_superuser, rdsadmin, rdsproxyadmin, rdsrepladmin, root, select, "
                 "table, template0, template1, user")


@pytest.mark.parametrize("name", ["postgres", "Template1", "RDSADMIN", "mysql"])
def test_a_reserved_database_name_is_refused_in_any_case(name):
    # PostgreSQL folds unquoted names to lower case: "Template1" is template1, which CreateDBCluster refuses.
    assert problems({"databaseName": name}) == [
        f'{KEY}.databaseName: got "{name}"; allowed: a letter then up to 62 letters, digits or underscores, not a '
        f"reserved word ({RESERVED_TEXT})"]


@pytest.mark.parametrize("name", ["Blog_2", "b", "Z" + "z" * 62])
def test_a_database_name_of_letters_digits_and_underscores_in_either_case_is_taken(name):
    assert database({"databaseName": name}).database_name == name


KEY_IN = "arn:aws:kms:{}:123456789012:key/0b5c1d6e-1111-2222-3333-444455556666"


@pytest.mark.parametrize(("stack_region", "key_region"), [("us-east-1", "us-east-1"), ("eu-west-1", "eu-west-1"),
                                                          (None, "eu-west-1")])
def test_a_customer_key_of_the_stacks_region_is_taken_and_any_while_the_region_is_unknown(stack_region, key_region):
    # RDS encrypts with a key of the cluster's own region; with no aws:region yet there is nothing to compare with.
    arn = KEY_IN.format(key_region)
    assert database({"kmsKeyArn": arn}, region=stack_region).kms_key_arn == arn


@pytest.mark.parametrize(("stack_region", "allowed"), [
    (None, 'the ARN of a customer-managed KMS key, e.g. "arn:aws:kms:us-east-1:123456789012:key/<uuid>"'),
    ("eu-west-1", "the ARN of a customer-managed KMS key in the stack's region eu-west-1, e.g. "
                  '"arn:aws:kms:eu-west-1:123456789012:key/<uuid>"'),
])
def test_a_key_that_is_no_arn_is_refused_with_an_example_of_the_stacks_region(stack_region, allowed):
    assert problems({"kmsKeyArn": "alias/aurora"}, region=stack_region) == [
        f'{KEY}.kmsKeyArn: got "alias/aurora"; allowed: {allowed}']


def test_the_first_password_version_is_1_and_taken_as_written():
    # passwordVersion starts at 1 (the first generated password); refusing 1 would stop every stack that writes it.
    assert database({}).password_version == 1
    assert database({"passwordVersion": 1}).password_version == 1
