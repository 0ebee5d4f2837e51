"""ISO 8601 times from the command line, always timezone-aware UTC."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime


def iso_time(value: str) -> datetime:
    """argparse ``type=``: the error message names the flag because argparse prefixes it."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r} (example: 2026-11-27T10:15:00Z)") from None
    # A naive time would silently mean "the laptop's time zone": for a restore that picks the
    # wrong moment of production data, so require the zone.
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} has no time zone: add Z for UTC or an offset such as +01:00")
    return parsed.astimezone(UTC)


def as_utc(value: datetime | str) -> datetime:
    """A datetime from an API response (botocore parses them; stubs may give strings)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso(value: datetime) -> str:
    """Display form: UTC with a Z; microseconds kept so a window edge can be pasted back."""
    text = as_utc(value).isoformat()
    return text.replace("+00:00", "Z")
