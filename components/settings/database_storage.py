"""`aurora-platform:database.storageType`: Aurora Standard or Aurora I/O-Optimized.

I/O-Optimized (`aurora-iopt1`) charges more for instances and storage and nothing per I/O; it pays off when I/O is
about a quarter or more of the cluster's bill. The change is in place (ModifyDBCluster StorageType, no replacement,
no downtime); moving to I/O-Optimized is allowed once every 30 days, moving back to Standard at any time.
"""

from __future__ import annotations

import re

from .reader import Section

STORAGE_TYPES = {"standard": "aurora", "io-optimized": "aurora-iopt1"}
# The first versions with I/O-Optimized (Aurora User Guide, "Aurora I/O-Optimized"): PostgreSQL 13.10, 14.7, 15.2 and
# every later major; MySQL 3.03.1.
POSTGRES_MINIMUM = {13: 10, 14: 7, 15: 2}


def supports_io_optimized(engine: str, version: str) -> bool:
    if engine == "aurora-postgresql":
        major, minor = (int(p) for p in version.split(".")[:2])
        return major > 15 or (major in POSTGRES_MINIMUM and minor >= POSTGRES_MINIMUM[major])
    match = re.search(r"mysql_aurora\.(\d+)\.(\d+)\.(\d+)$", version)
    return bool(match) and tuple(int(g) for g in match.groups()) >= (3, 3, 1)


def parse_storage_type(section: Section, engine: str, version: str) -> str | None:
    """The API value to send, or None when the setting is absent (the cluster keeps what it has)."""
    value = section.string("storageType", None, choices=STORAGE_TYPES,
                           allowed="standard (Aurora Standard) or io-optimized (Aurora I/O-Optimized)")
    if value is None:
        return None
    key = f"{section.key}.storageType"
    if value == "io-optimized" and not supports_io_optimized(engine, version):
        problems = section.problems
        problems.add_text(key, f"io-optimized needs Aurora PostgreSQL 13.10, 14.7, 15.2 or later, or Aurora MySQL "
                               f"3.03.1 or later; engineVersion is "
                               f"{problems.shown(f'{section.key}.engineVersion', version)}")
    return STORAGE_TYPES[value]
