"""Safety behaviours of the settings readers that the second mutation measurement (docs/mutation-testing.md, "Kill
rate of the settings readers") found no test pinning: each test asserts what a user relies on, with the expected
value or text written out here (from the AWS limit or the setting's documented default), never computed by the
reader under test."""

import pytest

from components.settings import SettingsError, load_settings

IMAGE = "ghcr.io/aurora-platform/blog:1.0.0"
DB = "aurora-platform:database"


def problems(values: dict, secret_keys=(), region: str | None = "us-east-1", stack: str = "dev",
             other_keys=()) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(values, stack, region, secret_keys, other_keys=other_keys)
    return caught.value.problems


def database(values: dict, environment: str = "development", region: str | None = "us-east-1"):
    return load_settings({"environment": environment, "database": values}, "dev", region).database


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
