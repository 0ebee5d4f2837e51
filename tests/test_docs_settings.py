"""The settings tables a user reads (docs/settings.md and the component docs) list exactly the keys the code reads: a
key added to components/settings/ without a row fails here, and so does a documented key the code no longer knows.

The known keys come from the settings' own "unknown setting" message (tests/test_settings_robustness.py), so this test
follows the code without a second list to maintain."""

import re
from pathlib import Path

import pytest

from tests.test_settings_robustness import every_key

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "aurora-platform"

# (document, heading of the section holding the table, the key prefix the table's first column is relative to)
TABLES = [
    ("docs/settings.md", "## `aurora-platform:environment` and `aurora-platform:network`", ""),
    ("docs/database.md", "## Settings (`aurora-platform:database.<key>`)", "database."),
    ("docs/bastion.md", "## Settings: `aurora-platform:bastion`", "bastion."),
    ("docs/app.md", "## Settings", "app."),
]


def known_keys() -> set[str]:
    """Every key the code reads, as "section.path", plus the top-level `environment`."""
    return {".".join((section, *path)) for section, path in every_key()} | {"environment"}


def documented_keys(document: str, heading: str, prefix: str) -> list[str]:
    """The keys in the first column of the first table after `heading`. `a.b` / `c` / `d` is shorthand for a.b, a.c,
    a.d."""
    lines = (ROOT / document).read_text().splitlines()
    start = lines.index(heading)
    rows = []
    for line in lines[start + 1:]:
        if line.startswith("#"):
            break
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break
    assert len(rows) > 2, f"{document}: no settings table under {heading!r}"
    keys = []
    for row in rows[2:]:  # header and separator
        names = re.findall(r"`([^`]+)`", row.strip("|").split("|")[0])
        group = names[0].rsplit(".", 1)[0] + "." if "." in names[0] else ""
        keys += [prefix + (name if "." in name else group + name) for name in names]
    return keys


def covered(key: str, documented: set[str]) -> bool:
    """A documented key covers itself and everything nested in it (`restoreFrom` covers restoreFrom.restoreType)."""
    parts = key.split(".")
    return any(".".join(parts[:i]) in documented for i in range(1, len(parts) + 1))


@pytest.mark.parametrize(("document", "heading", "prefix"), TABLES, ids=lambda v: v if v.endswith(".md") else "")
def test_settings_table_lists_exactly_the_keys_the_code_reads(document, heading, prefix):
    known = known_keys()
    section = prefix.rstrip(".") or None
    in_scope = {k for k in known if (k.split(".")[0] == section if section else k.split(".")[0] in ("environment",
                                                                                                    "network"))}
    leaves = {k for k in in_scope if not any(other.startswith(k + ".") for other in in_scope)}
    documented = documented_keys(document, heading, prefix)

    assert sorted(k for k in documented if k not in in_scope) == [], f"{document} documents keys the code does not read"
    assert sorted(k for k in leaves if not covered(k, set(documented))) == [], f"{document} misses keys the code reads"
    assert len(documented) == len(set(documented)), f"{document} lists a key twice"
