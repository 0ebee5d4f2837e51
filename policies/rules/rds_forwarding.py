"""Write forwarding that forwards: a cluster with `enableLocalWriteForwarding` or `enableGlobalWriteForwarding` must set
a read consistency that forwards in the cluster parameter group its value names.

Aurora MySQL forwards nothing while `aurora_replica_read_consistency` is empty, its default ("If you don't, then
Aurora doesn't forward writes": Aurora User Guide, Read consistency for write forwarding); Aurora PostgreSQL forwards
unless `apg_write_forward.consistency_mode` is OFF (SESSION by default; "Configuring Aurora PostgreSQL for local write
forwarding"). A forwarding flag with a consistency that does not forward is a reader that refuses writes the
application was told it could send. The group is resolved by value as for aurora-tls-forced.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import PolicyResource, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from ._base import MANDATORY, OURS, StackRule, label
from .rds import CLUSTER
from .tls import PARAMETER_GROUP, _family, _normalise, _read, resolve

FLAGS = ("enableLocalWriteForwarding", "enableGlobalWriteForwarding")
# family -> (parameter, values that forward, whether unset forwards)
CONSISTENCY = {
    "mysql": ("aurora_replica_read_consistency", {"eventual", "session", "global"}, False),
    "postgres": ("apg_write_forward.consistency_mode", {"eventual", "session", "global"}, True),
}


def _values(group: PolicyResource, name: str) -> list[str]:
    entries = [p for p in (_read(group.props, "parameters") or []) if hasattr(p, "get")]
    return [_normalise(p.get("value")) for p in entries if _normalise(p.get("name")) == name]


def _forwarding(cluster: PolicyResource) -> list[str]:
    on = []
    for flag in FLAGS:
        try:
            value = _read(cluster.props, flag)
        except UnknownValueError:
            value = None  # unknown before deployment: the flag's own value is the program's, checked when known
        if value is True:
            on.append(flag)
    return on


def _write_forwarding(resources: list[PolicyResource],
                      _args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    for cluster in resources:
        if cluster.resource_type != CLUSTER:
            continue
        flags = _forwarding(cluster)
        if not flags:
            continue
        reference = resolve(cluster, "dbClusterParameterGroupName", (PARAMETER_GROUP,), ("name", "id"), resources)
        family = _family(cluster, reference)
        if family not in CONSISTENCY:
            continue
        name, forwards, unset_forwards = CONSISTENCY[family]
        on = " and ".join(flags)
        if reference.kind != "found":
            if not unset_forwards:
                yield (f"{label(cluster)} sets {on} but the cluster parameter group it uses is not one of this "
                       f"stack's ({reference.kind}), so {name} cannot be verified; name the stack's group directly.",
                       cluster.urn)
            continue
        group = reference.matches[0]
        try:
            values = _values(group, name)
        except UnknownValueError:
            yield (f"{label(group)} (used by {label(cluster)}): its parameters are not known before deployment, so "
                   f"{name} cannot be verified; set them as literals.", cluster.urn)
            continue
        if len(set(values)) > 1:
            yield (f"{label(group)} (used by {label(cluster)}, which sets {on}) sets {name} {len(values)} times "
                   f"with different values; set it once.", cluster.urn)
        elif not values and not unset_forwards:
            yield (f"{label(group)} (used by {label(cluster)}, which sets {on}) does not set {name}: Aurora MySQL "
                   f"forwards no writes while it is empty; set it to EVENTUAL, SESSION or GLOBAL.", cluster.urn)
        elif values and values[0] not in forwards:
            yield (f"{label(group)} (used by {label(cluster)}, which sets {on}) sets {name} to "
                   f"{values[0].upper()!r}, which forwards no writes; allowed: EVENTUAL, SESSION or GLOBAL.",
                   cluster.urn)


POLICIES = [
    StackRule(
        "aurora-write-forwarding-consistency",
        "An Aurora cluster that forwards writes must set a read consistency that forwards them",
        (OURS,), MANDATORY, (CLUSTER, PARAMETER_GROUP),
        _write_forwarding),
]
