"""TLS in transit: every Aurora cluster forces TLS through its cluster parameter group; RDS Proxy requires TLS.

No public tool checks the Aurora case: the setting lives on a different resource (the cluster parameter group)
than the cluster, so it needs a stack rule that follows the cluster's property dependency to its group.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs

from ._base import MANDATORY, OURS, ResourceRule, StackRule, engine_family, flag, has, has_dependency, label
from .rds import CLUSTER

PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
PROXY = "aws:rds/proxy:Proxy"

# engine family -> (parameter, accepted values, value to ask for)
TLS_PARAMETERS = {
    "postgres": ("rds.force_ssl", {"1"}, "1"),
    "mysql": ("require_secure_transport", {"on", "1"}, "ON"),
}


def _normalise(value: Any) -> str:
    """Parameter values are strings in AWS but may arrive as numbers (1.0) from a program or the wire."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lower()


def _parameter_group_of(cluster: PolicyResource, resources: list[PolicyResource]) -> PolicyResource | None:
    # Prefer the recorded property dependency: it does not need the group's name, which is unknown during a
    # preview when the provider autonames the group.
    if has_dependency(cluster, "dbClusterParameterGroupName"):
        for dep in cluster.property_dependencies["dbClusterParameterGroupName"]:
            if dep.resource_type == PARAMETER_GROUP:
                return dep
        return None
    wanted = cluster.props.get("dbClusterParameterGroupName")
    for candidate in resources:
        if candidate.resource_type == PARAMETER_GROUP and has(candidate.props, "name") \
                and candidate.props["name"] == wanted:
            return candidate
    return None


def _tls_forced(resources: list[PolicyResource], _args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    for cluster in resources:
        if cluster.resource_type != CLUSTER:
            continue
        group = _parameter_group_of(cluster, resources)
        family = engine_family(cluster.props.get("engine"))
        if family is None and group is not None:
            family = engine_family(group.props.get("family"))
        if family is None:
            continue
        parameter, accepted, wanted = TLS_PARAMETERS[family]
        if group is None:
            if has_dependency(cluster, "dbClusterParameterGroupName") or has(cluster.props,
                                                                             "dbClusterParameterGroupName"):
                yield (f"{label(cluster)} uses a cluster parameter group that is not managed in this stack, "
                       f"so {parameter}={wanted} cannot be verified.", cluster.urn)
            else:
                yield (f"{label(cluster)} uses the engine's default cluster parameter group, "
                       f"which does not set {parameter}={wanted}.", cluster.urn)
            continue
        values = {str(p.get("name")): p.get("value") for p in (group.props.get("parameters") or [])
                  if isinstance(p, Mapping)}
        if parameter not in values:
            yield (f"{label(group)} (used by {label(cluster)}) must set {parameter}={wanted}; it does not set it.",
                   cluster.urn)
        elif _normalise(values[parameter]) not in accepted:
            yield (f"{label(group)} (used by {label(cluster)}) must set {parameter}={wanted}; "
                   f"it sets {values[parameter]}.", cluster.urn)


def _proxy_tls(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if flag(props, "requireTls") is not True:
        yield "requireTls must be true."


POLICIES = [
    StackRule(
        "aurora-tls-forced",
        "Every Aurora cluster must use a cluster parameter group that sets rds.force_ssl=1 (PostgreSQL) "
        "or require_secure_transport=ON (MySQL)",
        (OURS,), MANDATORY, (CLUSTER, PARAMETER_GROUP), _tls_forced),
    ResourceRule(
        "rds-proxy-require-tls", "RDS Proxy must require TLS for client connections",
        ("Security Hub RDS.43",), MANDATORY, (PROXY,), _proxy_tls),
]
