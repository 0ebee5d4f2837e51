"""How many examples the property tests draw: a fast profile by default (make test, a developer's loop) and the full
counts the tests were written with under HYPOTHESIS_PROFILE=full (.ci/run). docs/tests.md has the numbers.

A test that names its own count writes `max_examples=examples(150)`: 150 under `full`, a fifth of it (at least
MINIMUM) under `fast`. Tests without a count get the profile's (Hypothesis' default of 100 under `full`).
"""

from __future__ import annotations

import os

from hypothesis import settings

PROFILES = ("fast", "full")
DEFAULT = "fast"
FAST_SHARE = 5  # `fast` draws a fifth of each written count
MINIMUM = 10    # ...never fewer than this, so every strategy's shrinking and explicit @example still run


def chosen() -> str:
    profile = os.environ.get("HYPOTHESIS_PROFILE", DEFAULT)
    if profile not in PROFILES:
        raise ValueError(f"HYPOTHESIS_PROFILE is {profile!r}; allowed: {', '.join(PROFILES)}")
    return profile


def examples(full: int) -> int:
    """The example count for a test written with `full` examples, under the chosen profile."""
    return full if chosen() == "full" else max(MINIMUM, full // FAST_SHARE)


def register() -> None:
    """Called once from tests/conftest.py: both profiles registered, the chosen one loaded."""
    settings.register_profile("full", settings(max_examples=100))
    settings.register_profile("fast", settings(max_examples=max(MINIMUM, 100 // FAST_SHARE)))
    settings.load_profile(chosen())
