"""`aurora-platform:database`, the behaviours mutation testing found unpinned: the point in time of `restoreFrom`.

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
