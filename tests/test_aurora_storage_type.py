"""Aurora I/O-Optimized (`storageType`): settings, the cluster input under mocks, and the diff's in-place verdict."""

from __future__ import annotations

import pytest

from components.settings import SettingsError, load_settings
from preflight.engine import read_stack_config
from preflight.replacements import TABLE
from tests.conftest import REPO_ROOT

KEY = "aurora-platform:database"
CLUSTER = "aws:rds/cluster:Cluster"


def storage(values: dict) -> str | None:
    return load_settings({"database": values}, "dev", "us-east-1").database.storage_type


def problems(values: dict) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings({"database": values}, "dev", "us-east-1")
    return caught.value.problems


def test_the_setting_maps_to_the_api_values():
    assert storage({}) is None
    assert storage({"storageType": "io-optimized"}) == "aurora-iopt1"
    assert storage({"storageType": "standard"}) == "aurora"


@pytest.mark.parametrize(("engine", "version", "ok"), [
    ("aurora-postgresql", "16.6", True), ("aurora-postgresql", "15.2", True), ("aurora-postgresql", "14.6", False),
    ("aurora-postgresql", "13.9", False), ("aurora-postgresql", "12.20", False), ("aurora-postgresql", "17.4", True),
    ("aurora-mysql", "8.0.mysql_aurora.3.03.1", True), ("aurora-mysql", "8.0.mysql_aurora.3.03.0", False),
])
def test_io_optimized_needs_a_recent_version(engine, version, ok):
    values = {"engine": engine, "engineVersion": version, "storageType": "io-optimized"}
    if ok:
        assert storage(values) == "aurora-iopt1"
    else:
        assert problems(values) == [
            f"{KEY}.storageType: io-optimized needs Aurora PostgreSQL 13.10, 14.7, 15.2 or later, or Aurora MySQL "
            f'3.03.1 or later; engineVersion is "{version}"']


@pytest.mark.parametrize("value", ["aurora-iopt1", "IO-Optimized", "io_optimized", True])
def test_other_spellings_are_refused(value):
    found = problems({"storageType": value})
    assert len(found) == 1 and (
        "allowed: standard (Aurora Standard) or io-optimized (Aurora I/O-Optimized)" in found[0])


def test_prod_with_io_optimized_sends_the_storage_type(evaluate):
    database = {**dict(read_stack_config(REPO_ROOT, {"name": "aurora-platform"}, "prod")[KEY]),
                "storageType": "io-optimized"}
    run = evaluate("prod", {KEY: database, "aurora-platform:app": None})
    assert run.one(CLUSTER).inputs["storageType"] == "aurora-iopt1"


def test_dev_and_prod_leave_the_storage_type_alone(dev, prod):
    assert "storageType" not in dev.one(CLUSTER).inputs and "storageType" not in prod.one(CLUSTER).inputs


def test_the_diff_treats_a_storage_type_change_as_in_place():
    assert TABLE[CLUSTER].forcing("storageType") is None


@pytest.mark.parametrize(("engine", "version"), [("aurora-postgresql", "13.9"), ("aurora-postgresql", "14.6"),
                                                 ("aurora-mysql", "8.0.mysql_aurora.3.03.0")])
def test_standard_storage_is_taken_on_versions_too_old_for_io_optimized(engine, version):
    assert storage({"engine": engine, "engineVersion": version, "storageType": "standard"}) == "aurora"


def test_under_a_secret_database_key_the_version_io_optimized_refuses_is_masked():
    with pytest.raises(SettingsError) as caught:
        load_settings({"database": {"engineVersion": "14.6", "storageType": "io-optimized"}}, "dev", "us-east-1",
                      [KEY])
    # "io-optimized" is masked too: every text under a secret key is, wherever a message quotes it.
    assert (f"{KEY}.storageType: [secret] needs Aurora PostgreSQL 13.10, 14.7, 15.2 or later, or Aurora MySQL 3.03.1 "
            f"or later; engineVersion is [secret]") in caught.value.problems
