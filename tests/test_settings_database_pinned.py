"""`aurora-platform:database`, the behaviours mutation testing found unpinned: the point in time of `restoreFrom`,
the defaults and the values a stack writes as the components read them, backtrack, and what a global primary may
set that a secondary may not.

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
from tests.hypothesis_profiles import examples

KEY = "aurora-platform:database"
ALLOWED = 'allowed: an RFC 3339 UTC time, e.g. "2026-11-20T08:45:00Z"'


def point_in_time(when: str) -> dict:
    return {"restoreFrom": {"sourceClusterIdentifier": "aurora-platform-prod", "restoreToTime": when}}


def restored(values: dict):
    return load_settings({"database": values}, "dev", "us-east-1").database.restore_from


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
def database(values: dict):
    return load_settings({"database": values}, "dev", "us-east-1").database


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
