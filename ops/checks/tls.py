"""TLS forced by the cluster parameter group."""

from __future__ import annotations

from typing import Any

from ops.checks.base import Facts, Outcome, failed, passed

# engine -> (parameter, accepted values, compared case-insensitively)
TLS_PARAMETERS = {
    "aurora-postgresql": ("rds.force_ssl", {"1"}),
    "aurora-mysql": ("require_secure_transport", {"on", "1"}),
}


def parameter_value(rds: Any, group: str, name: str) -> str | None:
    """The parameter's value from every source (engine default, system, user).

    No ``Source`` filter on purpose: ``Source="user"`` would miss a value that is on by engine
    default, and moto ignores the filter anyway (it only ever returns user-set values).
    """
    pages = rds.get_paginator("describe_db_cluster_parameters").paginate(DBClusterParameterGroupName=group)
    for page in pages:
        for parameter in page["Parameters"]:
            if parameter.get("ParameterName") == name:
                return parameter.get("ParameterValue")
    return None


def tls_enforced(facts: Facts) -> Outcome:
    engine = facts.cluster.get("Engine", "")
    if engine not in TLS_PARAMETERS:
        return failed(f"unknown engine {engine!r}: cannot tell how TLS is forced")
    name, accepted = TLS_PARAMETERS[engine]
    group = facts.cluster.get("DBClusterParameterGroup")
    if not group:
        return failed("cluster has no cluster parameter group")
    # As in the policy pack: the engine's default group cannot be changed, so it cannot be
    # relied on to force TLS even where today's default happens to.
    if group.startswith("default."):
        return failed(f"cluster uses the engine's default parameter group {group}")
    value = parameter_value(facts.aws.rds, group, name)
    if value is None:
        return failed(f"{name} is not set in cluster parameter group {group}")
    if value.strip().lower() not in accepted:
        return failed(f"{name}={value} in {group}; expected {' or '.join(sorted(accepted))}")
    return passed(f"{name}={value} in {group}")
