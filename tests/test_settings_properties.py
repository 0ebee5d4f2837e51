"""Property-based tests of the settings readers and of the backup/maintenance window arithmetic.

tests/test_settings_robustness.py puts a fixed list of junk into every setting; here hypothesis generates the junk
(nested JSON of every type, numeric-looking text, whole sections and top-level keys of the wrong type), and checks
the windows against a minute-by-minute model of the week written from the requirement, not from the code.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from components.settings import SECTIONS, SettingsError, load_settings
from tests.hypothesis_profiles import examples
from tests.test_settings_robustness import BASE, every_key, nest

KEYS = every_key()
FAST = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Config reaches the program as JSON (Pulumi passes structured config as JSON text), so the junk is JSON: object keys
# are strings. Numeric-looking text is what `pulumi config set --path` stores for a number.
NUMERIC_TEXT = st.sampled_from(["0", "-0", "1", "-1", " 7 ", "0.5", "1e3", "1e400", "-1e400", "inf", "-Infinity",
                                "0x10", "1_000", "١٢", "", " ", "true", "null", "{}", "[]", '{"a": 1}'])
SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=False) | st.text(max_size=12) | NUMERIC_TEXT)
JUNK = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


def _nan(value) -> bool:
    """NaN anywhere in the value, as a float or as text that float() reads as NaN (the test below)."""
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        try:
            return math.isnan(float(value))
        except ValueError:
            return False
    if isinstance(value, dict):
        return any(_nan(v) for v in value.values())
    if isinstance(value, list):
        return any(_nan(v) for v in value)
    return False


def _load_or_settings_error(values) -> None:
    """The property: valid settings, or one SettingsError; any other exception fails the test with its traceback."""
    try:
        load_settings(values, "dev", "us-east-1")
    except SettingsError as error:
        assert error.problems
        assert all(p.startswith("aurora-platform:") for p in error.problems), error.problems


@FAST
@given(where=st.sampled_from(KEYS), junk=JUNK)
def test_junk_of_any_shape_in_any_setting_is_a_settings_error(where, junk):
    assume(not _nan(junk))
    section, path = where
    _load_or_settings_error({section: {**BASE.get(section, {}), **nest(path, junk)}})


@FAST
@given(section=st.sampled_from(SECTIONS), junk=JUNK)
def test_junk_as_a_whole_section_is_a_settings_error(section, junk):
    assume(not _nan(junk))
    _load_or_settings_error({section: junk})


@FAST
@given(values=st.dictionaries(st.sampled_from([*SECTIONS, "environment", "Network", "databse", ""]), JUNK,
                              max_size=4))
def test_junk_at_the_top_level_is_a_settings_error(values):
    assume(not _nan(values))
    _load_or_settings_error(values)


def _off_step(value: float) -> bool:
    """Within a hair of a half-ACU step without being on it (the test below); these are left out here."""
    steps = value * 2
    return math.isfinite(steps) and 0 < abs(steps - round(steps)) < 1e-6


@FAST
@given(key=st.sampled_from(["minCapacity", "maxCapacity"]),
       value=NUMERIC_TEXT | st.floats(allow_nan=False).filter(lambda v: not _off_step(v)))
def test_capacity_is_refused_or_a_step_of_half_an_acu_in_range(key, value):
    """The ACU settings: AWS accepts 0 to 256 (minimum) and 1 to 256 (maximum), in steps of 0.5."""
    try:
        got = load_settings({"database": {"instanceClass": "db.serverless", "serverless": {key: value}}},
                            "dev", "us-east-1").database.serverless
    except SettingsError as error:
        # the value itself, or a minimum above the default maximum (4) / a maximum below the default minimum (0.5)
        assert all(p.startswith("aurora-platform:database.serverless.") for p in error.problems), error.problems
        return
    read = got.min_capacity if key == "minCapacity" else got.max_capacity
    assert (0 if key == "minCapacity" else 1) <= read <= 256
    assert (read * 2).is_integer()


@pytest.mark.parametrize("value", ["nan", "NaN", float("nan")], ids=["nan", "NaN", "float-nan"])
def test_nan_capacity_is_a_settings_error(value):
    with pytest.raises(SettingsError) as caught:
        load_settings({"database": {"instanceClass": "db.serverless", "serverless": {"minCapacity": value}}},
                      "dev", "us-east-1")
    assert caught.value.problems[0].startswith("aurora-platform:database.serverless.minCapacity: got ")


@pytest.mark.parametrize("value", [0.5000000001, 1e-300, "2.0000000003"])
def test_a_capacity_a_hair_off_a_half_acu_step_is_refused_or_rounded(value):
    try:
        got = load_settings({"database": {"instanceClass": "db.serverless", "serverless": {"minCapacity": value}}},
                            "dev", "us-east-1").database.serverless.min_capacity
    except SettingsError:
        return
    assert got in (0.0, 0.5, 1.0, 2.0)


# ---- backup and maintenance windows --------------------------------------------------------------------------------
# The model: a week of 7 * 1440 minutes from Monday 00:00 UTC; a window "from-to" holds the minutes from `from`
# (included) to `to` (excluded), running on past midnight (daily) or past Sunday night (weekly) when `to` comes
# first. The daily backup window happens on each of the 7 days.
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEK = 7 * 24 * 60


def _minutes(start: int, end: int, period: int) -> set[int]:
    out, minute = set(), start
    while minute != end:
        out.add(minute)
        minute = (minute + 1) % period
    return out


def _backup_minutes(start: int, end: int) -> set[int]:
    return {(day * 1440 + m) % WEEK for day in range(7) for m in _minutes(start, end, 1440)}


def _clock(minute: int) -> str:
    return f"{minute // 60:02}:{minute % 60:02}"


ANY_DAILY, ANY_WEEKLY = st.integers(0, 1439), st.integers(0, WEEK - 1)


@st.composite
def daily(draw, lengths=ANY_DAILY):
    """A backup window "hh:mm-hh:mm" drawn as a start and a length (so short ones can be asked for directly)."""
    start = draw(st.integers(0, 1439))
    end = (start + draw(lengths)) % 1440
    return f"{_clock(start)}-{_clock(end)}", start, end


@st.composite
def weekly(draw, lengths=ANY_WEEKLY):
    start = draw(st.integers(0, WEEK - 1))
    end = (start + draw(lengths)) % WEEK
    day = DAYS[start // 1440]
    day = draw(st.sampled_from([day, day.title(), day.upper()]))  # AWS reads the day in any case
    return f"{day}:{_clock(start % 1440)}-{DAYS[end // 1440]}:{_clock(end % 1440)}", start, end


def _window_problems(backup: str, maintenance: str) -> list[str]:
    try:
        load_settings({"database": {"backupWindow": backup, "maintenanceWindow": maintenance}}, "dev", "us-east-1")
    except SettingsError as error:
        return error.problems
    return []


WINDOW_SETTINGS = settings(max_examples=examples(200), deadline=None)
# Windows of any length overlap nearly always; typical ones (half an hour to a few hours) give both verdicts.
TYPICAL_DAILY, TYPICAL_WEEKLY = daily(st.integers(30, 180)), weekly(st.integers(30, 600))


@WINDOW_SETTINGS
@given(backup=TYPICAL_DAILY | daily(), maintenance=TYPICAL_WEEKLY | weekly())
# the week boundary: Sunday 23:30 to Monday 00:30 meets the Monday backup just after midnight ...
@example(backup=("00:00-00:30", 0, 30), maintenance=("sun:23:30-mon:00:30", 6 * 1440 + 1410, 30))
# ... and Sunday's backup just before midnight, which itself runs into Monday
@example(backup=("23:40-00:10", 1420, 10), maintenance=("sun:23:30-mon:00:30", 6 * 1440 + 1410, 30))
# a backup window that ends where maintenance starts does not meet it
@example(backup=("23:00-23:30", 1380, 1410), maintenance=("sun:23:30-mon:00:30", 6 * 1440 + 1410, 30))
@example(backup=("00:30-01:00", 30, 60), maintenance=("sun:23:30-mon:00:30", 6 * 1440 + 1410, 30))
def test_overlap_is_reported_exactly_when_the_windows_share_a_minute(backup, maintenance):
    (b_text, b_start, b_end), (m_text, m_start, m_end) = backup, maintenance
    b_minutes, m_minutes = _minutes(b_start, b_end, 1440), _minutes(m_start, m_end, WEEK)
    assume(len(b_minutes) >= 30 and len(m_minutes) >= 30)  # shorter ones are refused for their length (below)
    problems = _window_problems(b_text, m_text)
    expected = bool(_backup_minutes(b_start, b_end) & m_minutes)
    overlap = [p for p in problems if "overlaps maintenanceWindow" in p]
    assert bool(overlap) == expected, (b_text, m_text, problems)
    if expected:
        assert overlap == [f'aurora-platform:database.backupWindow: "{b_text}" overlaps maintenanceWindow '
                           f'"{m_text}"; allowed: a backup window that does not meet the maintenance window on '
                           f'any day (times are UTC)']
    assert problems == overlap  # nothing else is wrong with two valid windows


SHORT = st.integers(0, 29)


@WINDOW_SETTINGS
@given(backup=daily() | daily(SHORT), maintenance=weekly() | weekly(SHORT))
def test_a_window_shorter_than_30_minutes_is_refused_for_its_length(backup, maintenance):
    """AWS: both windows must be at least 30 minutes long. A window from hh:mm to the same hh:mm is 0 minutes."""
    (b_text, b_start, b_end), (m_text, m_start, m_end) = backup, maintenance
    b_length, m_length = len(_minutes(b_start, b_end, 1440)), len(_minutes(m_start, m_end, WEEK))
    assume(b_length < 30 or m_length < 30)
    problems = _window_problems(b_text, m_text)
    if b_length < 30:
        assert (f'aurora-platform:database.backupWindow: got "{b_text}"; allowed: a window of at least 30 minutes '
                f'(this one is {b_length})') in problems
    if m_length < 30:
        assert (f'aurora-platform:database.maintenanceWindow: got "{m_text}"; allowed: a window of at least 30 '
                f'minutes (this one is {m_length})') in problems
    assert not any("overlaps" in p for p in problems)  # overlap is judged only on two valid windows


@WINDOW_SETTINGS
@given(text=st.text(alphabet="0123456789:-monsuwdhfriat ", max_size=22))
def test_window_text_of_any_spelling_is_read_or_refused_never_a_traceback(text):
    for values in ({"backupWindow": text}, {"maintenanceWindow": text}):
        _load_or_settings_error({"database": values})
