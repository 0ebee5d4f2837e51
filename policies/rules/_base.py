"""Building blocks shared by every rule module: the two rule classes and small, unknown-safe property helpers.

A rule is a plain function that yields violation messages; the classes below wrap it in the SDK's
ResourceValidationPolicy / StackValidationPolicy so the SDK's own machinery (config, enforcement levels,
unknown values during preview) applies unchanged, and carry the control ids so docs and tests can list them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY

# Control ids are written "<framework> <id>"; "aurora-platform" marks a control no public tool implements.
OURS = "aurora-platform"

ResourceCheck = Callable[[Mapping[str, Any], ResourceValidationArgs], Iterable[str]]
StackCheck = Callable[[list[PolicyResource], StackValidationArgs], Iterable[tuple[str, str | None]]]


@dataclass(frozen=True)
class RuleInfo:
    """What docs and tests need to know about a rule without running it."""

    name: str
    summary: str
    controls: tuple[str, ...]
    level: EnforcementLevel
    kind: str  # "resource" or "stack"
    resource_types: tuple[str, ...]
    config: Mapping[str, Any]


def describe(summary: str, controls: Sequence[str]) -> str:
    """One sentence: the requirement, then the controls it implements in parentheses."""
    return f"{summary.rstrip('.')} ({', '.join(controls)})."


def _schema(config: Mapping[str, Any] | None) -> PolicyConfigSchema | None:
    return PolicyConfigSchema(properties=dict(config)) if config else None


class ResourceRule(ResourceValidationPolicy):
    """A resource policy limited to some type tokens; `check` yields one message per violated condition."""

    def __init__(self, name: str, summary: str, controls: Sequence[str], level: EnforcementLevel,
                 types: Sequence[str], check: ResourceCheck, config: Mapping[str, Any] | None = None) -> None:
        self.info = RuleInfo(name, summary, tuple(controls), level, "resource", tuple(types), dict(config or {}))
        self._check = check
        super().__init__(name=name, description=describe(summary, controls), validate=self._validate,
                         enforcement_level=level, config_schema=_schema(config), tags=list(controls))

    def _validate(self, args: ResourceValidationArgs, report: ReportViolation) -> None:
        # Filter by type token; other resources are silently out of scope (as AWSGuard's validateResourceOfType).
        if args.resource_type not in self.info.resource_types:
            return
        try:
            for message in self._check(args.props, args):
                report(message, None)
        except NotABoolean as error:
            report(str(error), None)


class StackRule(StackValidationPolicy):
    """A stack policy; `check` yields (message, urn) pairs. Stack rules see resource outputs in the real engine."""

    def __init__(self, name: str, summary: str, controls: Sequence[str], level: EnforcementLevel,
                 types: Sequence[str], check: StackCheck, config: Mapping[str, Any] | None = None) -> None:
        self.info = RuleInfo(name, summary, tuple(controls), level, "stack", tuple(types), dict(config or {}))
        self._check = check
        super().__init__(name=name, description=describe(summary, controls), validate=self._validate,
                         enforcement_level=level, config_schema=_schema(config), tags=list(controls))

    def _validate(self, args: StackValidationArgs, report: ReportViolation) -> None:
        # A value that is not a boolean stops the check where it was read: it is reported on its resource, and the
        # check runs again without that resource so the others are still judged (each message reported once).
        reported: set[tuple[str, str | None]] = set()
        remaining = list(args.resources)
        while True:
            try:
                for found in self._check(remaining, args):
                    if found not in reported:
                        reported.add(found)
                        report(*found)
                return
            except NotABoolean as error:
                owner = _owner(remaining, error.props)
                if (str(error), owner) not in reported:
                    reported.add((str(error), owner))
                    report(str(error), owner)
                if owner is None:  # the policy's own config: nothing to leave out
                    return
                remaining = [r for r in remaining if r.urn != owner]


def _owner(resources: Sequence[PolicyResource], props: Any) -> str | None:
    """The urn of the resource whose properties hold `props` (the object itself, or nested in it by identity), so
    a stack rule's "not a boolean" names the resource; None (the stack) when it is the policy's config."""
    target = _raw(props)

    def holds(value: Any) -> bool:
        # Walks the data behind the SDK's proxies (a nested proxy is itself a value of its parent's data), so no
        # value is read through the unknown check.
        if value is props:
            return True
        data = _raw(value)
        if data is target:
            return True
        if isinstance(data, Mapping):
            return any(holds(v) for v in data.values())
        if isinstance(data, (list, tuple)):
            return any(holds(v) for v in data)
        return False

    return next((r.urn for r in resources if holds(_raw(r.props))), None)


# --- property helpers -------------------------------------------------------------------------------------------
# Props are the SDK's proxies: reading an unknown value raises UnknownValueError, which the SDK turns into an
# advisory "can't run policy during preview". `key in props` would read the value (Mapping.__contains__), so
# presence checks iterate the keys instead.


def has(props: Mapping[str, Any], key: str) -> bool:
    """True if the program set `key` to anything but null.

    An unknown value counts as set: it is a value the program computed from another resource (a key ARN during
    preview), so "kmsKeyId must be set" holds; rules that need the value itself read it and let the SDK report
    that they cannot run during preview.
    """
    if not any(k == key for k in props):
        return False
    try:
        return props[key] is not None
    except UnknownValueError:
        return True


def known(props: Mapping[str, Any], key: str) -> Any:
    """The value, or None when unset or not known yet (an auto-name during preview): for rules that match resources
    by a value and must not stop at the first unknown one."""
    if not has(props, key):
        return None
    try:
        return props[key]
    except UnknownValueError:
        return None


# The strings Go's strconv.ParseBool reads, exactly (case as written, no surrounding space): how the provider's older
# field readers read a string given to a boolean input. go-cty, the bridge's newer path, reads only "true"/"1"/
# "false"/"0" and refuses the rest ("a bool is required"), so every spelling outside this set fails the deployment
# or, where a reader is laxer than both, is read some other way; none may pass as false.
TRUE_STRINGS = frozenset({"1", "t", "T", "TRUE", "true", "True"})
FALSE_STRINGS = frozenset({"0", "f", "F", "FALSE", "false", "False"})
_SPELLINGS = ", ".join(f'"{s}"' for s in ("true", "1", "t", "TRUE", "True", "false", "0", "f", "FALSE", "False"))


class NotABoolean(ValueError):
    """A boolean input holding something no provider path reads as a boolean. Raised by `flag` and reported by the
    rule classes as the violation of the rule that read it (at that rule's level), on the resource that has it."""

    def __init__(self, props: Any, key: str, value: Any) -> None:
        self.props = props
        self.key = key
        self.value = value
        shown = f'"{value}"' if isinstance(value, str) else repr(value)
        super().__init__(f"{key} is {shown}, which is not a boolean: the provider refuses it or reads it otherwise "
                         f"than intended (give true or false; of strings only {_SPELLINGS} are read as booleans).")


def flag(props: Mapping[str, Any], key: str) -> bool | None:
    """A boolean input: True/False as set, None when the program left it unset; NotABoolean for anything else.

    Config-driven values sometimes arrive as strings: each spelling ParseBool reads counts as it reads it
    (`publicly_accessible="1"` must not read as false); "yes", "on", " true", "" are not booleans, whatever the
    rule hoped for. Numbers cross the wire as floats: 1 and 0 are read (a JSON 1/0 is a boolean to terraform-
    plugin-go), any other number, a list or an object is not a boolean."""
    if not any(k == key for k in props):
        return None
    value = props[key]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value in TRUE_STRINGS:
            return True
        if value in FALSE_STRINGS:
            return False
    elif isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    raise NotABoolean(props, key, value)


def number(value: Any) -> float | None:
    """Numbers cross the wire as floats (protobuf Struct); tolerate ints, floats and numeric strings."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def fmt(value: Any) -> str:
    """Render 7.0 as 7 in messages."""
    n = number(value)
    if n is not None and n.is_integer():
        return str(int(n))
    return str(value)


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, bytes, Mapping)):
        return [value]
    if isinstance(value, Sequence):
        return list(value)
    return [value]


def tags(props: Mapping[str, Any]) -> Mapping[str, Any]:
    """Program-set tags only (`tags`); `tagsAll` is filled by the provider and unknown offline."""
    value = props.get("tags") if any(k == "tags" for k in props) else None
    return value if isinstance(value, Mapping) else {}


def config_value(args: Any, key: str, default: Any) -> Any:
    """A policy config property; the engine fills schema defaults, the fallback covers a bare SDK call."""
    value = args.get_config().get(key)
    return default if value is None else value


def engine_family(engine: Any) -> str | None:
    """'mysql' or 'postgres' for RDS/Aurora engine names, None when unknown or absent."""
    if not isinstance(engine, str):
        return None
    engine = engine.lower()
    if engine in ("aurora", "aurora-mysql", "mysql", "mariadb"):
        return "mysql"
    if "postgres" in engine:
        return "postgres"
    return None


def label(resource: PolicyResource) -> str:
    return f"{resource.resource_type.split(':')[-1]} '{resource.name}'"


def depends_on(resource: PolicyResource, prop: str, target: PolicyResource) -> bool:
    """True if `resource`'s property `prop` was computed from `target` (a recorded property dependency)."""
    return any(dep.urn == target.urn for dep in resource.property_dependencies.get(prop, []))


def has_dependency(resource: PolicyResource, prop: str) -> bool:
    return bool(resource.property_dependencies.get(prop))


# An AWS-managed key is named by its alias, `alias/aws/<service>`, or that alias's ARN in any partition and region
# (arn:aws:kms:us-east-1:123456789012:alias/aws/rds). KMS alias names are case-sensitive, but the `aws/` prefix is
# reserved in every spelling, so the check folds case to refuse `alias/AWS/rds` too.
_AWS_MANAGED_ALIAS = re.compile(r"^(arn:aws[a-z-]*:kms:[^:]*:[^:]*:)?alias/aws/", re.IGNORECASE)


def aws_managed_key(value: Any) -> bool:
    """True when a KMS key reference names an AWS-managed key (`alias/aws/*` or its ARN), not a customer key."""
    return isinstance(value, str) and bool(_AWS_MANAGED_ALIAS.match(value.strip()))


# The SDK's sentinels for values unknown during preview (public constants of pulumi_policy.proxy).
_UNKNOWN = frozenset({UNKNOWN_ARCHIVE_VALUE, UNKNOWN_ARRAY_VALUE, UNKNOWN_ASSET_VALUE, UNKNOWN_BOOLEAN_VALUE,
                      UNKNOWN_NUMBER_VALUE, UNKNOWN_OBJECT_VALUE, UNKNOWN_STRING_VALUE})


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in _UNKNOWN


def _raw(value: Any) -> Any:
    """The data behind the SDK's unknown-checking proxy, taken without reading any value through the check (the
    proxies hand it out under the key "__target"); a plain dict or list is its own data."""
    if isinstance(value, (Mapping, Sequence)) and not isinstance(value, (str, bytes)):
        try:
            return value["__target"]
        except (KeyError, IndexError, TypeError):
            return value
    return value


def known_values(value: Any) -> Any:
    """A plain copy of props without the values unknown during preview: a key whose value is unknown is left out,
    a list item becomes None, secrets are unwrapped. For rules that look at everything a resource has (secrets by
    value, the cost estimate): reading every property through the SDK would make each unknown output a "cannot
    check" of the whole resource, although the rule needs none of them."""
    raw = _raw(value)
    if type(raw).__name__ == "Secret" and hasattr(raw, "value"):
        return known_values(raw.value)
    if isinstance(raw, Mapping):
        return {k: known_values(v) for k, v in raw.items() if not is_unknown(v)}
    if isinstance(raw, Sequence) and not isinstance(raw, (str, bytes)):
        return [None if is_unknown(v) else known_values(v) for v in raw]
    return raw
