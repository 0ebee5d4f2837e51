"""The day-2 commands' own rules as plain functions (no emulator): the refusals and the values a user relies on,
each spelt several ways. Expected values are the AWS facts and the documented limits, written out by hand."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from ops.commands.backtrack import backtrack_window
from ops.commands.export import bucket_region, role_trusts_export
from ops.commands.restore import _count, check_window
from ops.commands.snapshot import parse_tags, snapshot_tags
from ops.commands.status import check_flags
from ops.commands.verify import retention_days
from ops.errors import OpsError

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


# ---- export: the bucket's region and the role's trust policy ------------------------------------------------------
@pytest.mark.parametrize(
    ("location", "region"),
    [(None, "us-east-1"), ("", "us-east-1"), ("EU", "eu-west-1"), ("eu-central-1", "eu-central-1"),
     ("us-west-2", "us-west-2")],
)
def test_bucket_location_constraint_names_the_region(location, region):
    # GetBucketLocation: no constraint is us-east-1; "EU" is the legacy name of eu-west-1.
    assert bucket_region(location) == region


EXPORT = "export.rds.amazonaws.com"


@pytest.mark.parametrize(
    "document",
    [
        {"Statement": [{"Effect": "Allow", "Principal": {"Service": EXPORT}, "Action": "sts:AssumeRole"}]},
        {"Statement": [{"Effect": "Allow", "Principal": {"Service": ["ec2.amazonaws.com", EXPORT]}}]},
        {"Statement": {"Effect": "Allow", "Principal": {"Service": EXPORT}}},  # one statement, not a list
        {"Statement": ["not a statement", {"Effect": "Allow", "Principal": {"Service": [EXPORT]}}]},
        {"Statement": [{"Effect": "Deny", "Principal": {"Service": "ec2.amazonaws.com"}},
                       {"Effect": "Allow", "Principal": {"Service": EXPORT}}]},
    ],
    ids=["string", "list", "single-statement", "junk-entry-skipped", "second-statement"],
)
def test_trust_policy_that_lets_the_export_service_assume_the_role(document):
    assert role_trusts_export(document) is True
    # The raw IAM answer is URL-encoded JSON text; boto3 usually decodes it, not always.
    assert role_trusts_export(quote(json.dumps(document))) is True
    assert role_trusts_export(json.dumps(document)) is True


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"Statement": []},
        {"Statement": [{"Effect": "Deny", "Principal": {"Service": EXPORT}}]},
        {"Statement": [{"Principal": {"Service": EXPORT}}]},  # no Effect is no Allow
        {"Statement": [{"Effect": "Allow", "Principal": {"Service": "rds.amazonaws.com"}}]},
        {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]},
        {"Statement": [{"Effect": "Allow", "Principal": {"Service": "export.rds.amazonaws.com.evil"}}]},
        {"Statement": [{"Effect": "Allow"}]},
        # A wildcard principal is not the export service named: the pre-check refuses it (and does not crash).
        {"Statement": [{"Effect": "Allow", "Principal": "*"}]},
    ],
    ids=["empty", "no-statements", "deny", "no-effect", "rds-not-export", "account",
         "lookalike", "no-principal", "wildcard"],
)
def test_trust_policy_that_does_not(document):
    assert role_trusts_export(document) is False
    assert role_trusts_export(quote(json.dumps(document))) is False


# ---- backtrack: engine, window, and the earliest time AWS reports ------------------------------------------------
def mysql(**extra):
    return {"DBClusterIdentifier": "c1", "Engine": "aurora-mysql", "BacktrackWindow": 3600, **extra}


def test_backtrack_window_without_earliest_time_is_the_configured_window_up_to_now():
    assert backtrack_window(mysql(), NOW) == (NOW - timedelta(seconds=3600), NOW)


def test_backtrack_window_starts_at_the_earliest_time_aws_reports():
    earliest = datetime(2026, 11, 27, 11, 30, tzinfo=UTC)
    assert backtrack_window(mysql(EarliestBacktrackTime=earliest), NOW) == (earliest, NOW)


@pytest.mark.parametrize(
    ("described", "message"),
    [
        (mysql(Engine="aurora-postgresql"), "backtrack is only for Aurora MySQL; c1 runs aurora-postgresql. "),
        (mysql(Engine="mysql"), "backtrack is only for Aurora MySQL; c1 runs mysql. "),
        (mysql(Engine=None), "backtrack is only for Aurora MySQL; c1 runs None. "),
        (mysql(BacktrackWindow=0), "backtrack is not enabled on c1 (BacktrackWindow 0); "),
        (mysql(BacktrackWindow=None), "backtrack is not enabled on c1 (BacktrackWindow 0); "),
        (mysql(BacktrackWindow=-5), "backtrack is not enabled on c1 (BacktrackWindow 0); "),
    ],
    ids=["postgresql", "rds-mysql", "no-engine", "window-0", "window-absent", "window-negative"],
)
def test_backtrack_refusals_name_the_cluster_and_point_to_restore(described, message):
    # `described`: a DescribeDBClusters entry (not `cluster`, the PostgreSQL server fixture's name)
    with pytest.raises(OpsError) as error:
        backtrack_window(described, NOW)
    assert str(error.value).startswith(message)
    assert "python -m ops restore --to-time ... --new-cluster NAME" in str(error.value)


# ---- restore: the restorable window and the instance count -------------------------------------------------------
@pytest.mark.parametrize(
    "described",
    [{"DBClusterIdentifier": "c1", "EarliestRestorableTime": NOW},
     {"DBClusterIdentifier": "c1", "LatestRestorableTime": NOW}],
    ids=["no-latest", "no-earliest"],
)
def test_half_a_restorable_window_is_no_window(described):
    with pytest.raises(OpsError, match=r"^cluster c1 reports no restorable window \(are backups on\?\)$"):
        check_window(described, NOW)


def test_window_refusal_names_both_ends_and_the_latest_flag():
    cluster = {"DBClusterIdentifier": "c1", "EarliestRestorableTime": NOW - timedelta(days=1),
               "LatestRestorableTime": NOW}
    with pytest.raises(OpsError) as error:
        check_window(cluster, NOW + timedelta(seconds=1))
    assert str(error.value) == (
        "--to-time 2026-11-27T12:00:01Z is outside the restorable window of c1: 2026-11-26T12:00:00Z .. "
        "2026-11-27T12:00:00Z (both ends included; --latest restores to the latest)"
    )


@pytest.mark.parametrize("count", [1, 2, 15, 16])
def test_instance_counts_aurora_allows(count):
    # An Aurora cluster holds a writer and at most 15 readers: 16 instances.
    assert _count("--instances", count) == count


@pytest.mark.parametrize("count", [0, -1, 17, 100])
def test_instance_counts_outside_1_to_16_are_refused_naming_the_flag(count):
    with pytest.raises(OpsError) as error:
        _count("--instances", count)
    assert str(error.value) == f"--instances {count}: must be between 1 and 16"


# ---- snapshot: --tag and the tags a snapshot gets ----------------------------------------------------------------
def test_tag_values_may_hold_equals_signs_and_be_empty():
    assert parse_tags(["team=db=core", "note=", "k=v"]) == [
        {"Key": "team", "Value": "db=core"}, {"Key": "note", "Value": ""}, {"Key": "k", "Value": "v"}]
    assert parse_tags([]) == []


@pytest.mark.parametrize("pair", ["=value", "novalue", ""])
def test_a_tag_without_key_or_equals_sign_is_refused_naming_the_flag(pair):
    with pytest.raises(OpsError) as error:
        parse_tags(["ok=1", pair])
    assert str(error.value) == f"--tag {pair!r}: expected KEY=VALUE"


def test_snapshot_tags_are_the_clusters_then_ours_then_the_users_without_aws_keys():
    cluster = {"TagList": [
        {"Key": "Project", "Value": "aurora-platform"},
        {"Key": "aws:cloudformation:stack-name", "Value": "x"},
        {"Key": "created-by", "Value": "someone-else"},
        {"Key": "Environment", "Value": "production"},
    ]}
    extra = [{"Key": "Environment", "Value": "staging"}, {"Key": "aws:user", "Value": "y"},
             {"Key": "ticket", "Value": "change-42"}]
    assert snapshot_tags(cluster, extra) == [
        {"Key": "Project", "Value": "aurora-platform"},
        {"Key": "created-by", "Value": "aurora-platform-ops"},  # ours wins over the cluster's
        {"Key": "Environment", "Value": "staging"},  # the user's wins over the cluster's
        {"Key": "ticket", "Value": "change-42"},
    ]


def test_a_cluster_without_tags_still_marks_its_snapshot_as_ours():
    assert snapshot_tags({}, []) == [{"Key": "created-by", "Value": "aurora-platform-ops"}]


# ---- verify --min-retention and status/wait --writer -------------------------------------------------------------
@pytest.mark.parametrize(("text", "days"), [("1", 1), ("7", 7), ("35", 35), (" 14 ", 14)])
def test_min_retention_inside_auroras_1_to_35_days(text, days):
    assert retention_days(text) == days


@pytest.mark.parametrize(
    ("text", "message"),
    [("0", "0 is outside Aurora's backup retention range 1-35"),
     ("36", "36 is outside Aurora's backup retention range 1-35"),
     ("-7", "-7 is outside Aurora's backup retention range 1-35"),
     ("7.5", "not a whole number of days: '7.5'"),
     ("seven", "not a whole number of days: 'seven'")],
)
def test_min_retention_outside_the_range_is_refused(text, message):
    with pytest.raises(argparse.ArgumentTypeError) as error:
        retention_days(text)
    assert str(error.value) == message


def flags(**given):
    values = {"writer": None, "instance": None, "snapshot": None, "export_task": None, "backtrack": None}
    return argparse.Namespace(**{**values, **given})


@pytest.mark.parametrize("other", ["instance", "snapshot", "export_task", "backtrack"])
def test_writer_with_another_identifier_is_refused(other):
    with pytest.raises(OpsError, match=r"^--writer goes with a cluster only \(--cluster or --outputs\), not with "):
        check_flags(flags(writer="db-2", **{other: "x"}))


def test_writer_alone_and_identifiers_alone_are_accepted():
    check_flags(flags(writer="db-2"))
    for other in ("instance", "snapshot", "export_task", "backtrack"):
        check_flags(flags(**{other: "x"}))
