"""Aurora rules that need more than one resource: reader placement and event subscriptions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from ._base import ADVISORY, StackRule, as_list, depends_on, flag, fmt, has, has_dependency, label, number
from .rds import CLUSTER, INSTANCE

EVENT_SUBSCRIPTION = "aws:rds/eventSubscription:EventSubscription"
DEFAULT_MINIMUM_AZS = 2


def _instances_of(cluster: PolicyResource, resources: list[PolicyResource]) -> list[PolicyResource]:
    """Instances whose clusterIdentifier came from this cluster (property dependency; value match as fallback)."""
    found = []
    for r in resources:
        if r.resource_type != INSTANCE:
            continue
        if has_dependency(r, "clusterIdentifier"):
            if depends_on(r, "clusterIdentifier", cluster):
                found.append(r)
        elif has(r.props, "clusterIdentifier") and has(cluster.props, "clusterIdentifier") \
                and r.props["clusterIdentifier"] == cluster.props["clusterIdentifier"]:
            found.append(r)
    return found


def _known_zone(instance: PolicyResource) -> str | None:
    """The zone an instance pins, as AWS names zones (lower case): None when unset, blank or unknown."""
    if not has(instance.props, "availabilityZone"):
        return None
    try:
        return str(instance.props["availabilityZone"]).strip().lower() or None
    except UnknownValueError:
        return None


def _unpinned(instance: PolicyResource) -> bool:
    """No zone given: unset, null, or blank (the provider sends no zone for an empty string, so RDS picks one)."""
    if not has(instance.props, "availabilityZone"):
        return True
    try:
        return not str(instance.props["availabilityZone"]).strip()
    except UnknownValueError:
        return False


def _readers_multi_az(resources: list[PolicyResource], args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    minimum = number(args.get_config().get("minimumAvailabilityZones")) or DEFAULT_MINIMUM_AZS
    for cluster in resources:
        if cluster.resource_type != CLUSTER:
            continue
        instances = _instances_of(cluster, resources)
        if len(instances) < 2:
            yield (f"{label(cluster)} has {len(instances)} instance(s); add readers so instances span at least "
                   f"{fmt(minimum)} Availability Zones.", cluster.urn)
            continue
        # Only what the program pins counts: RDS may place an unpinned reader next to the writer. A zone that is
        # unknown (AWS places the instance, or it comes from a lookup) is not counted either, and said so.
        zones = {z for z in (_known_zone(i) for i in instances) if z is not None}
        unpinned = sorted(i.name for i in instances if _unpinned(i))
        unknown = sorted(i.name for i in instances if not _unpinned(i) and _known_zone(i) is None)
        if len(zones) < minimum:
            where = ", ".join(sorted(zones)) or "no pinned zone"
            extra = f"; {', '.join(unpinned)} set no availabilityZone" if unpinned else ""
            if unknown:
                extra += f"; the zone of {', '.join(unknown)} is unknown until deployment (not counted)"
            yield (f"{label(cluster)} has {len(instances)} instances in {len(zones)} Availability Zone(s) ({where})"
                   f"{extra}; at least {fmt(minimum)} are required.", cluster.urn)


REQUIRED_CATEGORIES = ("failure", "maintenance")


def _covers(subscription: PolicyResource, cluster: PolicyResource) -> bool:
    if str(subscription.props.get("sourceType")) != "db-cluster":
        return False
    if has_dependency(subscription, "sourceIds"):
        return depends_on(subscription, "sourceIds", cluster)
    ids = [str(i) for i in as_list(subscription.props.get("sourceIds"))]
    if not ids:
        return True  # no source ids: every cluster in the account and region
    return has(cluster.props, "clusterIdentifier") and str(cluster.props["clusterIdentifier"]) in ids


def _event_subscription(resources: list[PolicyResource], _args: Any) -> Iterator[tuple[str, str | None]]:
    subscriptions = [r for r in resources if r.resource_type == EVENT_SUBSCRIPTION]
    for cluster in resources:
        if cluster.resource_type != CLUSTER:
            continue
        covering = [s for s in subscriptions if _covers(s, cluster)]
        if not covering:
            yield (f"{label(cluster)} has no RDS event subscription with sourceType db-cluster.", cluster.urn)
            continue
        enabled = [s for s in covering if flag(s.props, "enabled") is not False]
        if not enabled:
            yield f"every event subscription for {label(cluster)} has enabled set to false.", cluster.urn
            continue
        # Unset eventCategories means every category.
        for s in enabled:
            categories = {str(c) for c in as_list(s.props.get("eventCategories"))}
            if not categories or all(c in categories for c in REQUIRED_CATEGORIES):
                break
        else:
            yield (f"the event subscriptions for {label(cluster)} must include the categories failure and "
                   f"maintenance.", cluster.urn)


POLICIES = [
    StackRule(
        "aurora-readers-multi-az", "Aurora clusters must have instances in more than one Availability Zone",
        ("Security Hub RDS.15",), ADVISORY, (CLUSTER, INSTANCE), _readers_multi_az,
        config={"minimumAvailabilityZones": {"type": "integer", "minimum": 2, "maximum": 3,
                                             "default": DEFAULT_MINIMUM_AZS,
                                             "description": "Fewest distinct Availability Zones per cluster."}}),
    StackRule(
        "aurora-event-subscription",
        "Each Aurora cluster must be covered by an RDS event subscription for failure and maintenance events",
        ("Security Hub RDS.19",), ADVISORY, (CLUSTER, EVENT_SUBSCRIPTION), _event_subscription),
]
