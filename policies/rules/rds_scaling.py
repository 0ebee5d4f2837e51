"""Aurora Auto Scaling of readers: a scalable target on `rds:cluster:ReadReplicaCount` must belong to a cluster of
this stack, leave the stack's own readers alone (minCapacity at least their number), stay within Aurora's 15 replicas,
be able to add one, and have a scaling policy (a target without a policy never scales)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from ._base import MANDATORY, OURS, StackRule, fmt, label, number
from .rds import CLUSTER, INSTANCE
from .rds_stack import _instances_of

TARGET = "aws:appautoscaling/target:Target"
POLICY = "aws:appautoscaling/policy:Policy"
DIMENSION = "rds:cluster:ReadReplicaCount"
MAX_REPLICAS = 15


def _get(resource: PolicyResource, key: str) -> Any:
    try:
        return resource.props[key] if any(k == key for k in resource.props) else None
    except UnknownValueError:
        return UnknownValueError


def _cluster_of(target: PolicyResource, resources: list[PolicyResource]) -> PolicyResource | None | type:
    resource_id = _get(target, "resourceId")
    if resource_id is UnknownValueError:
        return UnknownValueError
    if not isinstance(resource_id, str) or not resource_id.startswith("cluster:"):
        return None
    wanted = resource_id.removeprefix("cluster:").strip().casefold()
    for cluster in resources:
        if cluster.resource_type == CLUSTER:
            identifier = _get(cluster, "clusterIdentifier")
            if isinstance(identifier, str) and identifier.strip().casefold() == wanted:
                return cluster
    return None


def _has_policy(target: PolicyResource, resources: list[PolicyResource]) -> bool:
    for policy in resources:
        if policy.resource_type != POLICY:
            continue
        same = [_get(policy, k) == _get(target, k) for k in ("resourceId", "scalableDimension", "serviceNamespace")]
        linked = any(dep.urn == target.urn for deps in policy.property_dependencies.values() for dep in deps)
        if all(same) or linked:
            return True
    return False


def _reader_scaling(resources: list[PolicyResource], _args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    for target in resources:
        if target.resource_type != TARGET or _get(target, "scalableDimension") != DIMENSION:
            continue
        cluster = _cluster_of(target, resources)
        if cluster is UnknownValueError:
            yield (f"{label(target)}: resourceId is not known before deployment, so the rule cannot tell which "
                   f"cluster it scales; build it from the cluster's identifier.", target.urn)
            continue
        if cluster is None:
            yield (f"{label(target)} scales {_get(target, 'resourceId')!r}, which is not 'cluster:<identifier>' of a "
                   f"cluster of this stack.", target.urn)
            continue
        readers = max(len(_instances_of(cluster, resources)) - 1, 0)
        low, high = number(_get(target, "minCapacity")), number(_get(target, "maxCapacity"))
        if low is None or high is None:
            yield f"{label(target)} must set minCapacity and maxCapacity as numbers.", target.urn
            continue
        if low < readers:
            yield (f"{label(target)} has minCapacity {fmt(low)} but {label(cluster)} has {readers} reader(s) in this "
                   f"stack; scaling never removes those, so minCapacity must be at least {readers}.", target.urn)
        if high > MAX_REPLICAS:
            yield f"{label(target)} has maxCapacity {fmt(high)}; Aurora allows at most {MAX_REPLICAS} replicas.", \
                target.urn
        if high < low or high <= readers:
            yield (f"{label(target)} has maxCapacity {fmt(high)}, so it can never add a reader ({label(cluster)} has "
                   f"{readers} reader(s), minCapacity {fmt(low)}).", target.urn)
        if not _has_policy(target, resources):
            yield f"{label(target)} has no scaling policy, so it never scales.", target.urn


POLICIES = [
    StackRule(
        "aurora-reader-autoscaling",
        "Aurora reader auto scaling must target a cluster of the stack, keep its readers and be able to scale",
        (OURS,), MANDATORY, (TARGET, POLICY, CLUSTER, INSTANCE), _reader_scaling),
]
