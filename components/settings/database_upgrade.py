"""`aurora-platform:database.allowMajorVersionUpgrade`: whether a change of `engineVersion` to a new major version
(15.x -> 16.x on aurora-postgresql) may upgrade the cluster in place.

The flag only permits: the upgrade happens when `engineVersion` changes across a major in the same `pulumi up`.
Without it RDS refuses that ModifyDBCluster call (the AllowMajorVersionUpgrade parameter "must be specified" for a
major change, RDS API reference), so `pulumi up` fails with nothing changed. Default: on outside production (dev
rehearses the upgrade prod will run), off in production, where it must be written in the stack, next to the version
it permits, and may be removed again afterwards.

Which versions a cluster may move to is RDS's ValidUpgradeTarget, not this setting: `python -m preflight diff`
checks a change against data/aurora-engine-versions.json (`upgradeTargets`) and says when AWS would refuse it.
"""

from __future__ import annotations

from .reader import Section


def parse_allow_major_version_upgrade(section: Section, production: bool) -> bool:
    return section.boolean("allowMajorVersionUpgrade", not production)


def major_of(engine: str, version: str) -> str:
    """The major version RDS upgrades between: "16" for 16.6, "8.0.mysql_aurora.3" for 8.0.mysql_aurora.3.08.0
    (Aurora MySQL's majors are 2 and 3, its version strings all start with the MySQL 8.0 they are compatible with)."""
    if engine == "aurora-mysql":
        head, _, aurora = version.partition(".mysql_aurora.")
        return f"{head}.mysql_aurora.{aurora.split('.')[0]}" if aurora else head
    return version.split(".")[0]
