"""No typo ever becomes a traceback: every known setting, given junk of every YAML type, yields a SettingsError (or
valid settings), never another exception. The known keys are read from the settings' own "unknown setting" message,
so a setting added later is covered without touching this file."""

import re

import pytest

from components.settings import SECTIONS, SettingsError, load_settings

JUNK = [None, "", "x", "-1", -1, 0, 10**9, 2.5, True, [], ["x"], {}, {"x": 1}]
# The sections whose contents matter for another section's checks need a valid base to be read at all.
# (serverless settings are read only for a db.serverless cluster; an app needs its image)
BASE = {"app": {"image": "ghcr.io/aurora-platform/blog:1.0.0"}, "database": {"instanceClass": "db.serverless"}}


def known_keys(section: str, path: tuple[str, ...] = ()) -> list[str]:
    """The keys a section (or an object nested in it, at `path`) reads, from the message for an unknown key."""
    inner: dict = {"zzUnknown": 1}
    for name in reversed(path):
        inner = {name: inner}
    values = {section: {**BASE.get(section, {}), **inner}}
    try:
        load_settings(values, "dev", "us-east-1")
    except SettingsError as error:
        where = ".".join((section, *path, "zzUnknown"))
        found = [p for p in error.problems if f"aurora-platform:{where}: unknown setting; known settings here: " in p]
        if found:
            return [k.strip() for k in re.sub(r".*known settings here: ", "", found[0]).split(",")]
    return []  # not an object of settings (a free-form map, or a scalar)


def every_key() -> list[tuple[str, tuple[str, ...]]]:
    """(section, path) for every setting, nested objects included (database.serverless.minCapacity, ...)."""
    found = []

    def walk(section: str, path: tuple[str, ...]) -> None:
        for key in known_keys(section, path):
            found.append((section, (*path, key)))
            walk(section, (*path, key))

    for section in SECTIONS:
        walk(section, ())
    return found


def nest(path: tuple[str, ...], value) -> dict:
    for name in reversed(path):
        value = {name: value}
    return value


@pytest.mark.parametrize(("section", "path"), every_key(), ids=lambda v: ".".join(v) if isinstance(v, tuple) else v)
def test_junk_in_any_setting_is_a_clear_error_never_a_traceback(section, path):
    for junk in JUNK:
        values = {section: {**BASE.get(section, {}), **nest(path, junk)}}
        try:
            load_settings(values, "dev", "us-east-1")
        except SettingsError as error:
            # the message names the section it is about
            assert any(f"aurora-platform:{section}." in p for p in error.problems), (path, junk, error.problems)


def test_the_sections_really_list_their_keys():
    """Guards the introspection above: if the message changed, every_key() would quietly cover nothing."""
    assert {"cidrBlock", "natGateways", "availabilityZones"} <= set(known_keys("network"))
    assert {"engine", "backupRetentionDays", "readers"} <= set(known_keys("database"))
    assert {"sshAllowedCidrs", "enabled"} <= set(known_keys("bastion"))
    assert {"image", "cpu", "secrets"} <= set(known_keys("app"))
    assert {"minCapacity", "maxCapacity"} <= set(known_keys("database", ("serverless",)))
    assert ("database", ("proxy", "enabled")) in every_key()
