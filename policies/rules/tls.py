"""TLS in transit: every Aurora cluster and every RDS PostgreSQL/MySQL instance forces TLS through the parameter
group it names; RDS Proxy requires TLS.

The setting lives on a different resource (the parameter group) than the database, so these are stack rules. The
group a database uses is the one its `dbClusterParameterGroupName` / `parameterGroupName` *value* names, not
whichever group it depends on: a program can depend on a TLS group and still pass `default.aurora-postgresql16`
through an `apply`, or pick the other of two groups with `Output.all(...)`. The value is matched to the name (or
id) of the stack's groups; a property dependency only breaks a tie between same-named groups. When the value cannot
be resolved to one group the rule says so and fails: it never passes what it cannot see.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from ._base import MANDATORY, OURS, ResourceRule, StackRule, engine_family, flag, label
from .rds import CLUSTER, DB_INSTANCE

PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
DB_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
PROXY = "aws:rds/proxy:Proxy"

# engine family -> (parameter, accepted values, value to ask for). Aurora MySQL documents ON/OFF, RDS for MySQL
# 0/1 (Security Hub RDS.39 asks for 1); both engines accept either spelling.
TLS_PARAMETERS = {
    "postgres": ("rds.force_ssl", {"1"}, "1"),
    "mysql": ("require_secure_transport", {"on", "1"}, "ON"),
}
INSTANCE_TLS_PARAMETERS = {
    "postgres": ("rds.force_ssl", {"1"}, "1"),
    "mysql": ("require_secure_transport", {"on", "1"}, "1"),
}


def _normalise(value: Any) -> str:
    """Parameter values are strings in AWS but may arrive as numbers (1.0) from a program or the wire."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lower()


# --- resolving a reference by value ------------------------------------------------------------------------------

def _read(props: Mapping[str, Any], key: str) -> Any:
    """props[key], None when absent; raises UnknownValueError when the value is not known yet."""
    return props[key] if any(k == key for k in props) else None


def _region(resource: PolicyResource) -> str | None:
    """The region a resource lives in when the stack says so: its own `region` argument, else its provider's."""
    for props in (resource.props, resource.provider.props if resource.provider is not None else {}):
        try:
            value = _read(props, "region")
        except UnknownValueError:
            continue
        if isinstance(value, str) and value.strip():
            return value.strip().lower()
    return None


@dataclass
class Reference:
    """What a property of `subject` names among the stack's resources of some types, resolved by value.

    kind: "unset" (absent, null or empty), "unknown" (not known before deployment), "invalid" (not a string),
    "found" (exactly one match, in `matches`), "ambiguous" (several), "none" (no resource of the stack has it).
    """

    kind: str
    value: Any = None
    matches: list[PolicyResource] = field(default_factory=list)


def resolve(subject: PolicyResource, prop: str, types: Sequence[str], keys: Sequence[str],
            resources: Iterable[PolicyResource]) -> Reference:
    """Match the value of `subject.props[prop]` to the `keys` (name, id, identifier...) of resources of `types`.

    RDS stores group names and identifiers in lower case, so the match ignores case and surrounding blanks.
    Resources in another region never match (a same-named group there is not the one used). Several
    matches are narrowed to the one the property was computed from (its property dependency), if exactly one.
    """
    try:
        value = _read(subject.props, prop)
    except UnknownValueError:
        return Reference("unknown")
    if value is None or (isinstance(value, str) and not value.strip()):
        return Reference("unset", value)
    if not isinstance(value, str):
        return Reference("invalid", value)
    wanted = value.strip().casefold()
    region = _region(subject)
    matches = []
    for candidate in resources:
        if candidate.resource_type not in types or candidate.urn == subject.urn:
            continue
        # No region (a default provider offline) stands for the stack's region: it matches only another resource
        # without one, never a resource pinned to a region, which may or may not be the stack's.
        if _region(candidate) != region:
            continue
        for key in keys:
            try:
                found = _read(candidate.props, key)
            except UnknownValueError:
                continue
            if isinstance(found, str) and found.strip().casefold() == wanted:
                matches.append(candidate)
                break
    if len(matches) > 1:
        linked = {dep.urn for dep in subject.property_dependencies.get(prop, [])}
        narrowed = [m for m in matches if m.urn in linked]
        matches = narrowed if len(narrowed) == 1 else matches
    kind = "found" if len(matches) == 1 else "ambiguous" if matches else "none"
    return Reference(kind, value, matches)


# --- the parameter a group sets ----------------------------------------------------------------------------------

def _group_family(family: Any) -> str | None:
    """'postgres' or 'mysql' for a parameter group family (aurora-postgresql16, postgres16, mysql8.0, ...)."""
    if not isinstance(family, str):
        return None
    family = family.strip().lower()
    if "postgres" in family:
        return "postgres"
    if family.startswith(("aurora-mysql", "aurora5", "mysql", "mariadb")):
        return "mysql"
    return None


def _group_sets(group: PolicyResource, subject: PolicyResource, parameter: str, accepted: set[str],
                wanted: str) -> Iterator[str]:
    where = f"{label(group)} (used by {label(subject)})"
    try:
        entries = [p for p in (_read(group.props, "parameters") or []) if isinstance(p, Mapping)]
        values = [p.get("value") for p in entries if _normalise(p.get("name")) == parameter]
    except UnknownValueError:
        yield (f"{where} must set {parameter}={wanted}; its parameters are not known before deployment, "
               f"so this cannot be verified: set them as literals.")
        return
    if not values:
        yield f"{where} must set {parameter}={wanted}; it does not set it."
    elif any(_normalise(v) not in accepted for v in values):
        # Every entry must agree: with two entries for one parameter, which one AWS applies last is not defined.
        yield f"{where} must set {parameter}={wanted}; it sets {', '.join(str(v) for v in values)}."


def _kind_of(value: Any) -> str:
    """What a value is, in words (the SDK hands lists and objects over as its own proxy classes)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, Mapping):
        return "an object"
    return "a list" if isinstance(value, Sequence) else "not a string"


def _tls_through_group(subject: PolicyResource, prop: str, kind: str, family: str,
                       parameters: Mapping[str, tuple[str, set[str], str]], reference: Reference) -> Iterator[str]:
    parameter, accepted, wanted = parameters[family]
    value = reference.value
    if reference.kind == "unset":
        yield f"{label(subject)} uses the engine's default {kind}, which does not set {parameter}={wanted}."
    elif reference.kind == "unknown":
        yield (f"{label(subject)}: {prop} is not known before deployment, so the rule cannot tell which {kind} "
               f"it uses; name the group directly (a literal or the group's name output).")
    elif reference.kind == "invalid":
        yield (f"{label(subject)}: {prop} is {_kind_of(value)}, not a {kind} name, so the rule cannot tell "
               f"which {kind} it uses; name the group directly.")
    elif reference.kind == "ambiguous":
        names = ", ".join(label(m) for m in reference.matches)
        yield (f"{label(subject)}: {prop} '{value}' matches {len(reference.matches)} {kind}s of this stack "
               f"({names}), so the rule cannot tell which one it uses; name the group directly.")
    elif reference.kind == "none":
        if value.strip().lower().startswith("default."):
            yield (f"{label(subject)} uses the default {kind} '{value}', which never forces TLS; it must use a "
                   f"{kind} of this stack that sets {parameter}={wanted}.")
        else:
            yield (f"{label(subject)} uses a {kind} that is not managed in this stack, "
                   f"so {parameter}={wanted} cannot be verified.")
    else:
        yield from _group_sets(reference.matches[0], subject, parameter, accepted, wanted)


def _engine(resource: PolicyResource) -> Any:
    try:
        return _read(resource.props, "engine")
    except UnknownValueError:
        return None


def _unreadable_engine(resource: PolicyResource) -> str | None:
    """Why the rule cannot read a resource's `engine` (in words), None when it is a non-blank string."""
    try:
        engine = _read(resource.props, "engine")
    except UnknownValueError:
        return "is not known before deployment"
    if engine is None or (isinstance(engine, str) and not engine.strip()):
        return "is not set"  # the provider reads an empty optional string as unset
    return None if isinstance(engine, str) else f"is {_kind_of(engine)}, not an engine name"


def _engine_unreadable(subject: PolicyResource, problem: str) -> str:
    return (f"{label(subject)}: engine {problem}, so the rule cannot tell whether it needs rds.force_ssl or "
            f"require_secure_transport; set engine as a literal.")


def _family(subject: PolicyResource, reference: Reference) -> str | None:
    family = engine_family(_engine(subject))
    if family is None and reference.kind == "found":
        try:
            family = _group_family(_read(reference.matches[0].props, "family"))
        except UnknownValueError:
            family = None
    return family


def _tls_forced(resources: list[PolicyResource], _args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    for cluster in resources:
        if cluster.resource_type != CLUSTER:
            continue
        reference = resolve(cluster, "dbClusterParameterGroupName", (PARAMETER_GROUP,), ("name", "id"), resources)
        family = _family(cluster, reference)
        if family is None:
            problem = _unreadable_engine(cluster)
            if problem is not None:
                # Neither the engine nor the group's family tells it: it may be either engine, never a pass.
                yield _engine_unreadable(cluster, problem), cluster.urn
            continue  # a non-MySQL/PostgreSQL engine has no such parameter
        for message in _tls_through_group(cluster, "dbClusterParameterGroupName", "cluster parameter group", family,
                                          TLS_PARAMETERS, reference):
            yield message, cluster.urn


def _source_instance(instance: PolicyResource, resources: list[PolicyResource]) -> PolicyResource | None:
    """The instance a read replica copies (by identifier, id or ARN), when it is in this stack."""
    source = resolve(instance, "replicateSourceDb", (DB_INSTANCE,), ("identifier", "id", "arn"), resources)
    return source.matches[0] if source.kind == "found" else None


def _instance_tls_forced(resources: list[PolicyResource],
                         _args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    for instance in resources:
        if instance.resource_type != DB_INSTANCE:
            continue
        reference = resolve(instance, "parameterGroupName", (DB_PARAMETER_GROUP,), ("name", "id"), resources)
        family = _family(instance, reference)
        problem = _unreadable_engine(instance)
        if family is None and problem is not None:
            # A replica or a restore may leave the engine out; it is the source's (in-stack replicas only). A
            # replica's engine is always its source's, so the source also tells an engine written unreadably.
            source = _source_instance(instance, resources)
            family = engine_family(_engine(source)) if source is not None else None
            if family is None:
                # It may be either engine: never a pass.
                yield _engine_unreadable(instance, problem), instance.urn
                continue
        if family is None:
            continue  # Oracle, SQL Server, Db2: TLS is configured elsewhere (option groups), not checked here
        for message in _tls_through_group(instance, "parameterGroupName", "parameter group", family,
                                          INSTANCE_TLS_PARAMETERS, reference):
            yield message, instance.urn


def _proxy_tls(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if flag(props, "requireTls") is not True:
        yield "requireTls must be true."


POLICIES = [
    StackRule(
        "aurora-tls-forced",
        "Every Aurora cluster must use a cluster parameter group that sets rds.force_ssl=1 (PostgreSQL) "
        "or require_secure_transport=ON (MySQL)",
        (OURS,), MANDATORY, (CLUSTER, PARAMETER_GROUP), _tls_forced),
    StackRule(
        "rds-instance-tls-forced",
        "Every RDS PostgreSQL and MySQL instance must use a parameter group that sets rds.force_ssl=1 "
        "or require_secure_transport=1",
        ("Security Hub RDS.38", "Security Hub RDS.39"), MANDATORY, (DB_INSTANCE, DB_PARAMETER_GROUP),
        _instance_tls_forced),
    ResourceRule(
        "rds-proxy-require-tls", "RDS Proxy must require TLS for client connections",
        ("Security Hub RDS.43",), MANDATORY, (PROXY,), _proxy_tls),
]
