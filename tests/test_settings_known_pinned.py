"""The suggestions that come with a refused engine version (components/settings/known.py, `nearest_versions`), pinned
where mutation testing found no test: the newest release of the major first, then the closest ones, always three
when the major has them, and difflib's closest spellings for a major with no release."""

import pytest

from components.settings import SettingsError, load_settings
from components.settings import database as database_settings
from components.settings.known import (
    engine_versions,
    nearest_versions,
    upgrade_targets,
    upgrade_targets_source,
    version_key,
)

DATABASE = "aurora-platform:database"


def one(values: dict) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(values, "dev", "us-east-1")
    [problem] = caught.value.problems
    return problem


def test_an_unreleased_version_is_answered_with_the_newest_release_of_its_major_then_the_closest():
    # Aurora PostgreSQL 11 is past its end of support: 11.21 was its last release, so this answer stays put.
    # difflib over every release would answer 11.20, 16.0, 11.9: the newest of the major leads, no other major.
    found = one({"database": {"engineVersion": "11.0"}})
    assert found.startswith(f'{DATABASE}.engineVersion: got "11.0"; allowed: a released aurora-postgresql version')
    assert found.endswith('Did you mean "11.21" or "11.20" or "11.9"?')


def test_a_patch_number_typed_with_a_held_down_key_still_gets_three_releases_of_the_major():
    # The pattern takes any number of patch digits; however far the spelling drifts, the major's releases are named.
    found = one({"database": {"engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.08." + "2" * 30}})
    assert "allowed: a released aurora-mysql version" in found
    suggestions = found.split("Did you mean ")[1]
    assert suggestions.count(" or ") == 2
    assert '"8.0.mysql_aurora.3.08.2"' in suggestions


def test_a_version_of_a_major_with_no_release_gets_the_spellings_sharing_at_least_half_its_text():
    # Unreachable from the settings while every major the engineVersion pattern accepts has a release in the table;
    # this is the answer on the day a new major is allowed before its first release is listed.
    assert nearest_versions("18.1", ["17.1", "12.3", "9.9"]) == ["17.1", "12.3"]
    assert nearest_versions("18.1", ["9.9"]) == []


def test_an_engine_the_table_has_no_row_for_has_no_upgrade_targets_and_no_source():
    # None is "not known offline" (the upgrade is not checked), which is not "no target at all".
    assert upgrade_targets("aurora-unknown", "1.0") is None
    assert upgrade_targets_source("aurora-unknown") == ""


def test_the_known_versions_are_listed_oldest_first_as_numbers_not_as_text():
    # The table lists releases as they were read, not in order (3.04.4 came after 3.07.1); "12.10" < "12.9" as text.
    postgres = engine_versions("aurora-postgresql")
    assert postgres.index("12.9") < postgres.index("12.10") < postgres.index("15.10") < postgres.index("16.6")
    mysql = engine_versions("aurora-mysql")
    assert mysql.index("8.0.mysql_aurora.3.04.4") < mysql.index("8.0.mysql_aurora.3.07.1")


def test_an_engine_the_table_has_no_row_for_has_no_known_versions():
    # No known versions means any well-formed version is taken (components/settings/database.py), not a crash.
    assert engine_versions("aurora-unknown") == []


@pytest.mark.parametrize(("older", "newer"), [
    ("16.9", "16.10"),
    ("8.0.mysql_aurora.3.9.0", "8.0.mysql_aurora.3.10.0"),
    # Aurora MySQL 1's first release was named "5.6.10a"; its later ones carry the mysql_aurora part.
    ("5.6.10a", "5.6.mysql_aurora.1.22.2"),
    # Aurora MySQL 2's first releases were named "5.7.12"; the number 12 does not put them after 2.03.2.
    ("5.7.12", "5.7.mysql_aurora.2.03.2"),
    # The Aurora major counts before its minor: 3.10.0 is before any 4.x of the same MySQL version.
    ("8.0.mysql_aurora.3.10.0", "8.0.mysql_aurora.4.01.0"),
    ("5.7.mysql_aurora.2.12.5", "8.0.mysql_aurora.3.04.0"),
])
def test_versions_sort_by_their_numbers_and_a_lettered_one_does_not_break_the_order(older, newer):
    assert version_key(older) < version_key(newer)


@pytest.mark.parametrize(("engine", "default"), [("aurora-postgresql", "16.6"),
                                                 ("aurora-mysql", "8.0.mysql_aurora.3.08.0")])
def test_the_default_version_written_out_is_taken_even_once_the_release_list_drops_it(engine, default, monkeypatch):
    # RDS retires minor versions, and the default may leave the list before the code's default moves on
    # (`ops verify --live-facts` reports it): writing the default out is the same stack as leaving it out.
    monkeypatch.setattr(database_settings, "engine_versions", lambda name: ["16.4", "8.0.mysql_aurora.3.05.2"])
    settings = load_settings({"database": {"engine": engine, "engineVersion": default}}, "dev", "us-east-1")
    assert settings.database.engine_version == default
