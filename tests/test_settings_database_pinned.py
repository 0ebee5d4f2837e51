"""`aurora-platform:database`, the behaviours mutation testing found unpinned: the point in time of `restoreFrom`, its
forms, identifiers and restore type; the defaults and the values a stack writes as the components read them;
backtrack; what a global primary may set that a secondary may not, and the global database's role; RDS Proxy's
settings; the alarm thresholds; Serverless v2 capacity.

`restoreFrom.restoreToTime` goes to the cluster's `restoreToPointInTime.restoreToTime`, which the provider parses
as Go's time.RFC3339 (terraform-provider-aws, verify.ValidUTCTimestamp): a time it refuses fails at `pulumi preview`,
after this check said yes. docs/database.md: "RFC 3339 UTC time, e.g. `2026-11-20T08:45:00Z`".
"""

from __future__ import annotations

from datetime import UTC

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.settings import SettingsError, load_settings
from components.settings.database import cluster_identifier
from tests.hypothesis_profiles import examples

KEY = "aurora-platform:database"
ALLOWED = 'allowed: an RFC 3339 UTC time, e.g. "2026-11-20T08:45:00Z"'


def point_in_time(when: str) -> dict:
    return {"restoreFrom": {"sourceClusterIdentifier": "aurora-platform-prod", "restoreToTime": when}}


def database(values: dict):
    return load_settings({"database": values}, "dev", "us-east-1").database


def restored(values: dict):
    return database(values).restore_from


def problems(values: dict) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings({"database": values}, "dev", "us-east-1")
    return caught.value.problems


@pytest.mark.parametrize("when", ["2026-11-20T08:45:00Z", "2026-11-20T08:45:00.250Z", "2026-11-20T08:45:00+00:00"])
def test_a_restore_time_in_rfc_3339_utc_is_taken_as_written(when):
    restore = restored(point_in_time(when))
    assert restore.source_cluster_identifier == "aurora-platform-prod"
    assert restore.restore_to_time == when and restore.use_latest_restorable_time is False


@pytest.mark.parametrize("when", [
    "2026-11-20T08:45:00",    # no zone: the time of which region?
    "2026-11-20 08:45:00Z",   # a space for the T (ISO 8601 allows it, RFC 3339's grammar and the provider do not)
    "2026-11-20t08:45:00Z",   # the provider's parser takes an upper-case T only
    "2026-11-20T08:45:00z",   # ...and an upper-case Z only
    "2026-11-20",             # a date is no point in time
    "2026-02-30T08:45:00Z",   # no such day
    # ISO 8601 shapes Python's reader takes and RFC 3339 does not
    "2026-11-20T08:45Z",      # no seconds
    "20261120T084500Z",       # the basic format, without separators
    "2026-W47-5T08:45:00Z",   # a week date
    "2026-11-20T08:45:00+00:00:45",  # a zone with seconds
    "2026-11-20ZTZ",          # junk that became a date and a zone when every Z was read as +00:00
])
def test_a_restore_time_the_provider_would_refuse_is_refused_with_an_example(when):
    assert problems(point_in_time(when)) == [f'{KEY}.restoreFrom.restoreToTime: got "{when}"; {ALLOWED}']


@settings(max_examples=examples(100), deadline=None)
@given(st.datetimes(timezones=st.just(UTC)))
def test_any_utc_time_written_in_rfc_3339_with_seconds_is_taken(moment):
    when = moment.isoformat(timespec="seconds").replace("+00:00", "Z")
    assert restored(point_in_time(when)).restore_to_time == when


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_a_primarys_global_cluster_is_named_after_the_project_and_the_stack_by_default(stack):
    # The identifier of the global cluster AWS creates, and the one a secondary stack is given to join.
    settings_ = load_settings({"database": {"global": {"enabled": True}}}, stack, "us-east-1").database
    assert settings_.global_database.identifier == f"aurora-platform-{stack}"


# ---- what a stack writes reaches the settings the components read -------------------------------------------------
def test_unset_settings_take_the_defaults_docs_database_md_gives():
    settings = database({})
    assert settings.apply_immediately is False and settings.manage_master_user_password is False
    assert settings.log_retention_days == 365 and settings.performance_insights_retention_days == 7
    assert settings.password_rotation_days is None
    assert (settings.backup_window, settings.maintenance_window) == ("03:00-04:00", "sun:05:00-sun:06:00")


# Each setting with a value other than its default, and the attribute the components read it from.
AS_WRITTEN = [
    ({"manageMasterUserPassword": True}, "manage_master_user_password", True),
    ({"passwordVersion": 3}, "password_version", 3),
    ({"backupWindow": "01:00-02:00"}, "backup_window", "01:00-02:00"),
    ({"maintenanceWindow": "wed:07:30-wed:08:30"}, "maintenance_window", "wed:07:30-wed:08:30"),
    ({"skipFinalSnapshot": True}, "skip_final_snapshot", True),
    ({"applyImmediately": True}, "apply_immediately", True),
    ({"logRetentionDays": 30}, "log_retention_days", 30),
    ({"performanceInsights": False}, "performance_insights", False),
    ({"performanceInsightsRetentionDays": 31}, "performance_insights_retention_days", 31),
    ({"monitoringInterval": 15}, "monitoring_interval", 15),
    ({"alarmEmail": "ops@example.com"}, "alarm_email", "ops@example.com"),
]


@pytest.mark.parametrize(("values", "attribute", "expected"), AS_WRITTEN, ids=[next(iter(v)) for v, _, _ in AS_WRITTEN])
def test_each_setting_is_taken_as_written(values, attribute, expected):
    assert getattr(database(values), attribute) == expected


def test_a_maintenance_window_in_capitals_is_passed_on_in_lower_case():
    # RDS reports the window in lower case: passed on as written, every preview would show a change.
    assert database({"maintenanceWindow": "Wed:07:30-WED:08:30"}).maintenance_window == "wed:07:30-wed:08:30"


# ---- backtrack -------------------------------------------------------------------------------------------------------
BACKTRACK_ALLOWED = "allowed: a whole number of hours from 0 to 72 (0 turns backtrack off)"


@pytest.mark.parametrize("engine", ["aurora-postgresql", "aurora-mysql"])
def test_backtrack_hours_of_0_are_taken_on_either_engine(engine):
    # 0 is how a stack writes "backtrack off", on PostgreSQL too.
    assert database({"engine": engine, "backtrackHours": 0}).backtrack_hours == 0


@pytest.mark.parametrize("hours", [-1, -24])
def test_negative_backtrack_hours_are_refused_on_mysql(hours):
    assert problems({"engine": "aurora-mysql", "backtrackHours": hours}) == [
        f"{KEY}.backtrackHours: got {hours}; {BACKTRACK_ALLOWED}"]


def test_backtrack_on_postgresql_in_a_global_database_is_one_problem_not_two():
    # Refused for the engine, the hours are not counted again against the global database.
    assert problems({"backtrackHours": 5, "global": {"enabled": True}}) == [
        f"{KEY}.backtrackHours: got 5 with engine aurora-postgresql; backtrack exists only for aurora-mysql, so on "
        f"aurora-postgresql it must be 0 or unset. Aurora supports backtrack for MySQL only; use point-in-time restore "
        f"(restoreFrom.restoreToTime) to go back in time on PostgreSQL"]


# ---- global database: what only a secondary may not set -------------------------------------------------------------
def test_a_global_primary_may_name_its_database_restore_manage_its_password_and_have_a_proxy():
    settings = database({"global": {"enabled": True}, "databaseName": "blog", "manageMasterUserPassword": True,
                         "proxy": {"enabled": True}, "restoreFrom": {"snapshotIdentifier": "old-final"}})
    assert (settings.global_database.role, settings.database_name) == ("primary", "blog")
    assert settings.manage_master_user_password is True and settings.proxy.enabled is True
    assert settings.restore_from.snapshot_identifier == "old-final"


def test_a_global_secondary_restored_from_a_snapshot_is_refused_by_that_key():
    assert problems({"global": {"enabled": True, "role": "secondary", "identifier": "g"},
                     "restoreFrom": {"snapshotIdentifier": "old-final"}}) == [
        f"{KEY}.restoreFrom: cannot be set on a global database secondary ({KEY}.global.role: secondary); the "
        f"secondary takes its data and credentials from the primary cluster"]


# ---- restoreFrom: the forms, the identifiers, the restore type (docs/database.md) ----------------------------------
FORMS = ("allowed: either {snapshotIdentifier} or {sourceClusterIdentifier with restoreToTime or "
         "useLatestRestorableTime}")


def test_a_restore_from_left_empty_is_no_restore_and_no_unknown_setting():
    # `restoreFrom:` with nothing under it is YAML's null: the key is known, only empty.
    assert restored({"restoreFrom": None}) is None


def test_restore_from_is_listed_among_the_known_database_settings():
    [found] = problems({"readerz": 1})
    assert ", restoreFrom, " in found.split("known settings here: ")[1]


@pytest.mark.parametrize(("name", "given", "allowed"), [
    ("snapshotIdentifier", "final_snapshot", "a cluster snapshot identifier or ARN"),
    ("snapshotIdentifier", "1-final", "a cluster snapshot identifier or ARN"),
    ("sourceClusterIdentifier", "prod_cluster", "the identifier or ARN of the cluster to restore from"),
    ("sourceClusterIdentifier", "1-prod", "the identifier or ARN of the cluster to restore from"),
], ids=["snapshot-underscore", "snapshot-digit-first", "source-underscore", "source-digit-first"])
def test_a_restore_source_that_is_no_identifier_is_refused_saying_what_is(name, given, allowed):
    latest = {"useLatestRestorableTime": True} if name == "sourceClusterIdentifier" else {}
    assert problems({"restoreFrom": {name: given, **latest}}) == [
        f'{KEY}.restoreFrom.{name}: got "{given}"; allowed: {allowed}']


def test_identifiers_in_upper_case_are_taken_as_rds_takes_them():
    # RDS identifiers are letters, digits and hyphens, a letter first; RDS stores them in lower case.
    assert restored({"restoreFrom": {"snapshotIdentifier": "Prod-Final-2026"}}).snapshot_identifier == "Prod-Final-2026"
    restore = restored({"restoreFrom": {"sourceClusterIdentifier": "Aurora-Prod", "useLatestRestorableTime": True}})
    assert restore.source_cluster_identifier == "Aurora-Prod"


def test_a_snapshot_restore_is_a_full_copy_unless_told_otherwise():
    restore = restored({"restoreFrom": {"snapshotIdentifier": "aurora-platform-prod-final"}})
    assert (restore.snapshot_identifier, restore.source_cluster_identifier, restore.restore_to_time,
            restore.use_latest_restorable_time, restore.restore_type) == (
        "aurora-platform-prod-final", None, None, False, "full-copy")


@pytest.mark.parametrize("restore_type", ["full-copy", "copy-on-write"])
def test_either_restore_type_is_taken_as_written(restore_type):
    restore = restored({"restoreFrom": {"sourceClusterIdentifier": "aurora-platform-prod",
                                        "useLatestRestorableTime": True, "restoreType": restore_type}})
    assert restore.restore_type == restore_type


def test_another_restore_type_is_refused_naming_the_two():
    assert problems({"restoreFrom": {"snapshotIdentifier": "snap", "restoreType": "copy_on_write"}}) == [
        f'{KEY}.restoreFrom.restoreType: got "copy_on_write"; allowed: full-copy, copy-on-write. '
        f'Did you mean "copy-on-write"?']


def test_the_latest_restorable_time_of_a_source_cluster_is_taken():
    restore = restored({"restoreFrom": {"sourceClusterIdentifier": "aurora-platform-prod",
                                        "useLatestRestorableTime": True}})
    assert (restore.source_cluster_identifier, restore.restore_to_time, restore.use_latest_restorable_time) == (
        "aurora-platform-prod", None, True)


@pytest.mark.parametrize("point", [{"restoreToTime": "2026-11-20T08:45:00Z"}, {"useLatestRestorableTime": True},
                                   {"sourceClusterIdentifier": "aurora-platform-prod"}],
                         ids=lambda point: next(iter(point)))
def test_a_snapshot_with_any_part_of_a_point_in_time_is_refused(point):
    assert problems({"restoreFrom": {"snapshotIdentifier": "snap", **point}}) == [
        f"{KEY}.restoreFrom: sets a snapshot and a point in time; {FORMS}"]


def test_a_time_and_the_latest_time_together_are_refused():
    assert problems({"restoreFrom": {"sourceClusterIdentifier": "aurora-platform-prod",
                                     "restoreToTime": "2026-11-20T08:45:00Z", "useLatestRestorableTime": True}}) == [
        f"{KEY}.restoreFrom: needs exactly one of restoreToTime or useLatestRestorableTime: true with "
        f"sourceClusterIdentifier; {FORMS}"]


# ---- global database -------------------------------------------------------------------------------------------------
def global_database(values: dict):
    return load_settings({"database": {"global": values}}, "prod", "us-east-1").database.global_database


def test_a_global_database_is_the_primary_unless_told_otherwise():
    found = global_database({"enabled": True})
    assert (found.enabled, found.role) == (True, "primary")


@pytest.mark.parametrize("enabled", [False, "false"])
def test_a_global_database_turned_off_in_so_many_words_is_accepted(enabled):
    assert global_database({"enabled": enabled}).enabled is False


# ---- RDS Proxy (docs/database.md: the proxy's settings and their defaults) ------------------------------------------
def proxy(values: dict):
    return database(values).proxy


def test_without_a_proxy_nothing_of_one_is_on():
    found = proxy({})
    assert (found.enabled, found.reader_endpoint, found.debug_logging) == (False, False, False)


def test_a_proxy_defaults_to_the_documented_timeout_share_and_iam_end_to_end():
    found = proxy({"readers": 1, "proxy": {"enabled": True}})
    assert (found.enabled, found.idle_client_timeout_seconds, found.max_connections_percent, found.reader_endpoint,
            found.debug_logging, found.iam_auth) == (True, 1800, 90, True, False, True)


def test_a_proxys_given_timeout_and_connection_share_are_taken():
    found = proxy({"proxy": {"enabled": True, "idleClientTimeoutSeconds": 600, "maxConnectionsPercent": 50}})
    assert (found.idle_client_timeout_seconds, found.max_connections_percent) == (600, 50)


@pytest.mark.parametrize("iam_auth", [False, "false"])
def test_a_proxy_told_not_to_use_iam_logs_in_with_a_password(iam_auth):
    assert proxy({"proxy": {"enabled": True, "iamAuth": iam_auth}}).iam_auth is False


@pytest.mark.parametrize("readers", [1, 2])
def test_a_proxy_reader_endpoint_turned_off_is_off_whatever_the_readers(readers):
    assert proxy({"readers": readers, "proxy": {"enabled": True, "readerEndpoint": False}}).reader_endpoint is False


def test_a_proxy_without_readers_has_no_reader_endpoint_unless_one_is_asked_for():
    assert proxy({"readers": 0, "proxy": {"enabled": True}}).reader_endpoint is False


@pytest.mark.parametrize("seconds", [1, 28800])
def test_a_proxy_idle_timeout_of_one_second_to_eight_hours_is_taken(seconds):
    found = proxy({"proxy": {"enabled": True, "idleClientTimeoutSeconds": seconds}})
    assert found.idle_client_timeout_seconds == seconds


@pytest.mark.parametrize("seconds", [0, 28801])
def test_a_proxy_idle_timeout_beyond_eight_hours_or_below_a_second_is_refused(seconds):
    assert problems({"proxy": {"enabled": True, "idleClientTimeoutSeconds": seconds}}) == [
        f"{KEY}.proxy.idleClientTimeoutSeconds: got {seconds}; allowed: a whole number from 1 to 28800"]


# ---- alarm thresholds (docs/database.md: 80 / 400 / 256 / 2000 / 90) -------------------------------------------------
def test_the_alarm_thresholds_default_to_the_documented_values():
    alarms = load_settings({}, "dev", "us-east-1").database.alarms
    assert (alarms.cpu_percent, alarms.connections, alarms.freeable_memory_mb, alarms.replica_lag_ms,
            alarms.serverless_capacity_percent) == (80, 400, 256, 2000, 90)


ALARM_BOUNDS = [
    ("cpuPercent", "cpu_percent", 100, "a whole number from 1 to 100"),
    ("serverlessCapacityPercent", "serverless_capacity_percent", 100, "a whole number from 1 to 100"),
    ("connections", "connections", None, "a whole number of at least 1"),
    ("freeableMemoryMb", "freeable_memory_mb", None, "a whole number of at least 1"),
    ("replicaLagMs", "replica_lag_ms", None, "a whole number of at least 1"),
]


@pytest.mark.parametrize(("name", "field", "highest", "allowed"), ALARM_BOUNDS, ids=[b[0] for b in ALARM_BOUNDS])
def test_an_alarm_threshold_takes_1_and_its_highest_and_refuses_beyond(name, field, highest, allowed):
    def alarms(value):
        return load_settings({"database": {"alarms": {name: value}}}, "dev", "us-east-1").database.alarms

    assert getattr(alarms(1), field) == 1
    refused = [0, -5] + ([highest + 1] if highest else [])
    for value in refused:
        assert problems({"alarms": {name: value}}) == [f"{KEY}.alarms.{name}: got {value}; allowed: {allowed}"]
    if highest:
        assert getattr(alarms(highest), field) == highest


# ---- Serverless v2 capacity (docs/database.md: min 0-256, max 1-256, steps of 0.5, 128 on older versions) ------------
def serverless(values: dict, **others):
    return database({"instanceClass": "db.serverless", "serverless": values, **others}).serverless


def test_a_cluster_that_may_pause_waits_five_minutes_by_default():
    assert serverless({"minCapacity": 0}).seconds_until_auto_pause == 300


@pytest.mark.parametrize(("minimum", "maximum"), [(0.5, 1), (2, 2), (0, 256), (255.5, 256)])
def test_a_capacity_range_from_the_smallest_to_the_largest_is_taken(minimum, maximum):
    found = serverless({"minCapacity": minimum, "maxCapacity": maximum})
    assert (found.min_capacity, found.max_capacity) == (minimum, maximum)


@pytest.mark.parametrize(("version", "largest"), [("13.9", 128), ("16.6", 256),
                                                  ("8.0.mysql_aurora.3.07.1", 128)])
def test_the_largest_capacity_a_version_takes_is_taken(version, largest):
    engine = "aurora-mysql" if "mysql" in version else "aurora-postgresql"
    assert serverless({"maxCapacity": largest}, engine=engine, engineVersion=version).max_capacity == largest


@pytest.mark.parametrize(("values", "key", "given", "allowed"), [
    ({"minCapacity": 256.5}, "minCapacity", "256.5",
     "0 to 256 ACUs in steps of 0.5 (0 lets the cluster pause when idle)"),
    ({"minCapacity": 0.5, "maxCapacity": 0.5}, "maxCapacity", "0.5",
     "1 to 256 ACUs in steps of 0.5, at least minCapacity"),
    ({"maxCapacity": 0}, "maxCapacity", "0", "1 to 256 ACUs in steps of 0.5, at least minCapacity"),
    ({"maxCapacity": 4.25}, "maxCapacity", "4.25", "1 to 256 ACUs in steps of 0.5, at least minCapacity"),
], ids=["min-above-256", "max-below-1", "max-0", "max-off-the-step"])
def test_a_capacity_out_of_range_or_off_the_half_acu_step_is_refused(values, key, given, allowed):
    assert problems({"instanceClass": "db.serverless", "serverless": values}) == [
        f"{KEY}.serverless.{key}: got {given}; allowed: {allowed}"]



# ---- the cluster's identifier, as the settings count with it (custom endpoint names) ---------------------------------
@pytest.mark.parametrize(("project", "stack", "identifier"), [
    ("Aurora_Platform", "Prod", "aurora-platform-prod"),
    ("x", "--dev--", "x-dev"),
    ("_blog", "dev", "blog-dev"),  # no hyphen at the start either
    ("p" * 60, "stack", "p" * 60 + "-st"),
    ("p" * 62, "stack", "p" * 62),
], ids=["case-and-underscore", "hyphens-around-the-stack", "underscore-first", "cut-to-63", "cut-before-the-stack"])
def test_the_settings_name_the_cluster_as_the_cluster_is_named(project, stack, identifier):
    # The same rule and cases as components.aurora.cluster_identifier: lower case, one hyphen for each run of other
    # characters, none at either end, at most 63 characters.
    assert cluster_identifier(project, stack) == identifier
