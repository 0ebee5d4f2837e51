"""What an `engineVersion` change does to an Aurora cluster, for `preflight diff`.

`engineVersion` does not force replacement of `aws:rds/cluster:Cluster` (Optional and Computed in the provider's
schema, sent to ModifyDBCluster on update: docs/aws-facts.md), so a version change is an in-place update. Which kind
decides what a reviewer must know:

- across majors (16.x -> 17.x): an in-place major upgrade, with downtime (the whole cluster is upgraded at once, every
  instance restarts on the new engine). RDS refuses it unless the same call carries AllowMajorVersionUpgrade
  (`allowMajorVersionUpgrade: true` in the report), and unless the new version is one of the old one's upgrade
  targets (ValidUpgradeTarget; the rows this project has read are in components/settings/data/
  aurora-engine-versions.json);
- backwards (17.4 -> 16.6): refused, RDS does not downgrade an engine;
- within a major: a minor upgrade, in place.

Offline this reads only the two reports: the region's own answer is `aws rds describe-db-engine-versions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components.settings.database_upgrade import major_of
from components.settings.known import upgrade_targets, upgrade_targets_source, version_key

CLUSTER = "aws:rds/cluster:Cluster"
ENGINES = ("aurora-postgresql", "aurora-mysql")
REFUSED, DOWNTIME, INFO = "refused", "downtime", "info"
SETTING = "aurora-platform:database.allowMajorVersionUpgrade"


@dataclass(frozen=True)
class Note:
    level: str  # refused | downtime | info
    text: str


def engine_version_notes(resource_type: str, old: Mapping[str, Any], new: Mapping[str, Any],
                         global_database: bool = False) -> list[Note]:
    """Notes on a cluster whose engineVersion changed between two reports; [] for anything else. `global_database`:
    HEAD has a global cluster (a primary's membership is set by AWS, so its inputs do not say)."""
    if resource_type != CLUSTER:
        return []
    before, after = old.get("engineVersion"), new.get("engineVersion")
    if not isinstance(before, str) or not isinstance(after, str) or before == after:
        return []
    engine = new.get("engine") if isinstance(new.get("engine"), str) else old.get("engine")
    if engine not in ENGINES:
        return [Note(INFO, f"engine version {before} -> {after} of an engine this diff does not know "
                           f"({engine!r}): `pulumi preview` is authoritative")]
    if old.get("engine") not in (None, engine):
        return []  # an engine change replaces the cluster (engine forces replacement): that is what is reported
    old_major, new_major = major_of(engine, before), major_of(engine, after)
    if version_key(after) < version_key(before):
        return [Note(REFUSED, f"engine version {before} -> {after} is a downgrade: RDS refuses it (ModifyDBCluster "
                              f"error); going back means restoring a snapshot taken before the upgrade into a new "
                              f"cluster")]
    notes: list[Note] = []
    targets = upgrade_targets(engine, before)
    if targets is not None and after not in targets:
        notes.append(Note(REFUSED, f"{after} is not an upgrade target of {before}: RDS refuses it (ValidUpgradeTarget "
                                   f"of {before}: {', '.join(targets)}; {upgrade_targets_source(engine)})"))
    if old_major == new_major:
        notes.append(Note(INFO, f"in-place minor upgrade {before} -> {after}: the instances restart on the new "
                                f"version, in the maintenance window unless applyImmediately is true"))
        return notes
    if global_database or new.get("globalClusterIdentifier"):
        notes.append(Note(INFO, "this cluster is in a global database, whose major upgrade is run on the global "
                                "cluster (every region together), not on one member: this program does not model "
                                "it; confirm with `pulumi preview` and the Aurora User Guide (global database "
                                "major upgrades)"))
    if new.get("allowMajorVersionUpgrade") is not True:
        notes.append(Note(REFUSED, f"in-place major upgrade {before} -> {after} is refused by AWS: "
                                   f"allowMajorVersionUpgrade is not true in the new inputs, and ModifyDBCluster "
                                   f"refuses a new major version without AllowMajorVersionUpgrade; set {SETTING}: "
                                   f"true for this change"))
    if targets is None:
        notes.append(Note(INFO, f"the upgrade targets of {before} are not in components/settings/data/"
                                f"aurora-engine-versions.json: confirm {after} with `aws rds "
                                f"describe-db-engine-versions --engine {engine} --engine-version {before}` "
                                f"(ValidUpgradeTarget)"))
    if not new.get("dbInstanceParameterGroupName"):
        notes.append(Note(INFO, "no dbInstanceParameterGroupName: the instances get the new family's default "
                                "parameter group"))
    if any(n.level == REFUSED for n in notes):
        return notes  # nothing changes: the call fails before the upgrade starts
    notes.append(Note(DOWNTIME, f"in-place major upgrade, downtime: {before} -> {after} (major {old_major} -> "
                                f"{new_major}); the cluster is unavailable while every instance is upgraded, and "
                                f"the cluster and instance parameter groups move to the new family in the same "
                                f"call. Take a snapshot first (python -m ops snapshot); blue/green is the "
                                f"lower-downtime way (docs/database.md, Major version upgrades)"))
    return notes
