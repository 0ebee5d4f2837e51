"""Facts the settings check names against: AWS Region names and the Aurora engine versions the project knows exist.

Both live as data in `components/settings/data/`, each with its source and the date it was checked, so a new region
or version is a one-line change there rather than code. Suggestions ("did you mean") come from `difflib`.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"


@cache
def _table(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text())


def regions() -> dict[str, dict[str, str]]:
    """Region code -> {"name", "partition"}, from data/aws-regions.json next to this module."""
    return _table("aws-regions.json")["regions"]


def regions_checked() -> str:
    return _table("aws-regions.json")["checked"]


def engine_versions(engine: str) -> list[str]:
    """The versions of `engine` the project knows exist (data/aurora-engine-versions.json), oldest first."""
    versions = _table("aurora-engine-versions.json")["engines"].get(engine, {}).get("versions", {})
    return sorted(versions, key=_version_key)


def versions_checked() -> str:
    return _table("aurora-engine-versions.json")["checked"]


def _version_key(version: str) -> tuple:
    # Aurora MySQL names put the MySQL version first and its own after a "mysql_aurora" part. That part sorts above
    # every number, so the unlabelled first releases (5.7.12, 5.6.10a) come before every labelled one of theirs.
    return tuple(math.inf if part == "mysql_aurora" else int(part) if part.isdigit() else -1
                 for part in version.split("."))


def close_matches(word: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """The candidates closest to `word`, best first; case is ignored (`NatGateways` finds `natGateways`)."""
    by_lower: dict[str, str] = {}
    for candidate in candidates:
        by_lower.setdefault(candidate.lower(), candidate)
    return [by_lower[m] for m in difflib.get_close_matches(word.lower(), list(by_lower), n=n, cutoff=cutoff)]


def similarity(a: str, b: str) -> float:
    """difflib's ratio of two names, case ignored (what `close_matches` ranks by)."""
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


def did_you_mean(word: str, candidates: Iterable[str], **kwargs: Any) -> str:
    """" Did you mean X?" (or "X or Y"), or "" when nothing is close."""
    found = close_matches(word, candidates, **kwargs)
    if not found:
        return ""
    return " Did you mean " + " or ".join(json.dumps(f) for f in found) + "?"


def nearest_versions(version: str, known: list[str], n: int = 3) -> list[str]:
    """The known versions nearest `version`: same major first (the newest of them), else difflib's choice."""
    major = version.split(".")[0]
    same_major = [v for v in known if v.split(".")[0] == major]
    if same_major:
        close = close_matches(version, same_major, n=n, cutoff=0.0)
        # difflib alone ranks 16.1 above 16.10 for "16.99"; the newest of the major is the likeliest intent.
        newest = same_major[-1]
        return [newest] + [v for v in close if v != newest][: n - 1]
    return close_matches(version, known, n=n, cutoff=0.5)


def upgrade_targets(engine: str, version: str) -> list[str] | None:
    """The versions RDS lists as upgrade targets of `version` (data/aurora-engine-versions.json, `upgradeTargets`);
    None when the table has no row for it (not known offline, which is not "none")."""
    rows = _table("aurora-engine-versions.json")["engines"].get(engine, {}).get("upgradeTargets", {}).get("from", {})
    return list(rows[version]) if version in rows else None


def upgrade_targets_source(engine: str) -> str:
    return _table("aurora-engine-versions.json")["engines"].get(engine, {}).get("upgradeTargets", {}).get("source", "")


def version_key(version: str) -> tuple:
    """A version as a sortable tuple: 16.10 after 16.9, 8.0.mysql_aurora.3.10.0 after 8.0.mysql_aurora.3.9.0."""
    return _version_key(version)
