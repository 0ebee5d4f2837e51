"""The property tests' profiles: a fifth of each written count by default, the full count under
HYPOTHESIS_PROFILE=full, and a misspelt profile is one clear error, not a quiet default."""

from __future__ import annotations

import pytest
from hypothesis import settings

from tests.hypothesis_profiles import chosen, examples


@pytest.mark.parametrize(("profile", "written", "drawn"), [
    ("fast", 150, 30), ("fast", 200, 40), ("fast", 60, 12), ("fast", 20, 10), ("fast", 3, 10),
    ("full", 150, 150), ("full", 60, 60), ("full", 3, 3),
])
def test_examples_per_profile(monkeypatch, profile, written, drawn):
    monkeypatch.setenv("HYPOTHESIS_PROFILE", profile)
    assert examples(written) == drawn


def test_the_default_is_fast(monkeypatch):
    monkeypatch.delenv("HYPOTHESIS_PROFILE", raising=False)
    assert chosen() == "fast"
    assert examples(150) == 30


@pytest.mark.parametrize("bad", ["FULL", "ci", "", " full", "fast,full"])
def test_a_wrong_profile_names_the_variable_and_the_choices(monkeypatch, bad):
    monkeypatch.setenv("HYPOTHESIS_PROFILE", bad)
    with pytest.raises(ValueError) as raised:
        examples(150)
    assert str(raised.value) == f"HYPOTHESIS_PROFILE is {bad!r}; allowed: fast, full"


def test_the_loaded_profile_is_the_chosen_one():
    # Whatever this session runs under, Hypothesis' default matches it (conftest loaded it).
    assert settings.default.max_examples == (100 if chosen() == "full" else 20)


def test_pytest_refuses_a_wrong_profile_in_one_line(monkeypatch, request):
    # tests/conftest.py turns the error into pytest's usage error (exit 4, one line, no traceback). In-process: a
    # process would pay the conftest's imports for one line; a wrong name fails before any profile is loaded.
    from tests.conftest import pytest_configure

    loaded = settings.default.max_examples
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "ful")
    with pytest.raises(pytest.UsageError) as raised:
        pytest_configure(request.config)
    assert str(raised.value) == "HYPOTHESIS_PROFILE is 'ful'; allowed: fast, full"
    assert settings.default.max_examples == loaded  # the session's profile is left as it was
