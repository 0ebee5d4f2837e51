"""Evaluate the policy pack in-process the way `pulumi preview --policy-pack` does.

The verdicts come from pulumi_policy's own analyzer servicer (the object `PolicyPack` serves over gRPC), driven
with real `analyzer_pb2` requests. Around it this module does what the Go engine does on its side of the wire:

* config: defaults from each policy's schema, then the given config ("all" first, then per policy), validated
  against the schemas (engine `ReconcilePolicyPackConfig`), then sent with `Configure`;
* properties: marshalled like `MarshalProperties(KeepUnknowns, KeepSecrets, SkipInternalKeys)` - secrets as the
  secret envelope (the SDK unwraps them for rules), unknowns as the unknown-string sentinel, numbers as floats,
  keys starting with "__" dropped;
* diagnostics of a resource policy carry the resource's URN (the engine fills it in when the SDK leaves it empty).

`_PolicyAnalyzerServicer` is private to pulumi-policy (pinned to 1.21.0); tests/policies/test_sdk_contract.py
fails loudly when its shape changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel, Policy
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from .engine import integral_numbers

PACK_NAME = "aurora-platform-policies"
# PolicyPack always hands the servicer "0.0.1"; the CLI shows PulumiPolicy.yaml's version instead.
SERVICER_VERSION = "0.0.1"
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"

LEVELS = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}
LEVEL_VALUES = {name: value for value, name in LEVELS.items()}


class PolicyConfigError(ValueError):
    """Invalid policy-pack config; `errors` lists every problem (the engine reports them all at once)."""

    def __init__(self, errors: Sequence[str], source: str | None = None) -> None:
        where = f" {source}" if source else ""
        super().__init__(f"invalid policy pack config{where}: " + "; ".join(errors))
        self.errors = list(errors)
        self.source = source


class Unknown:
    """A value not known before deployment (a computed output during preview)."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


@dataclass
class Resource:
    """What the analyzer needs about one resource. preflight.engine.RecordedResource has the same fields."""

    urn: str
    type: str
    name: str
    inputs: Mapping[str, Any] = field(default_factory=dict)
    outputs: Mapping[str, Any] | None = None
    parent: str | None = None
    protect: bool = False
    dependencies: Sequence[str] = ()
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)
    provider: str | None = None  # provider reference "<urn>::<id>"
    additional_secret_outputs: Sequence[str] = ()
    delete_before_replace: bool | None = None
    ignore_changes: Sequence[str] = ()
    custom: bool = True


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement_level: str
    urn: str
    message: str  # as the CLI prints it: the policy description, a newline, the rule's own message
    detail: str  # the rule's own message (what the tests assert)

    def as_json(self) -> dict[str, str]:
        return {"policy": self.policy, "enforcementLevel": self.enforcement_level, "urn": self.urn,
                "message": self.message}


@dataclass
class Evaluation:
    violations: list[Violation] = field(default_factory=list)
    not_applicable: list[tuple[str, str, str]] = field(default_factory=list)  # (policy, urn, reason)

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement_level == "mandatory"]


# --- config -------------------------------------------------------------------------------------------------------

ParsedConfig = dict[str, tuple[str | None, dict[str, Any] | None]]


def parse_policy_config(raw: Mapping[str, Any], errors: list[str] | None = None) -> ParsedConfig:
    """`--policy-pack-config` content: {"name": "<level>"} or {"name": {"enforcementLevel": ..., prop: value}}.

    Problems raise PolicyConfigError, or are appended to `errors` when given (to report them with the schema's).
    """
    result: ParsedConfig = {}
    collect = errors is not None
    errors = errors if errors is not None else []
    for name, value in raw.items():
        if isinstance(value, str):
            if value not in LEVEL_VALUES:
                errors.append(f'parsing enforcement level for "{name}": "{value}" is not a valid enforcement level')
                continue
            result[name] = (value, None)
        elif isinstance(value, Mapping):
            props = dict(value)
            level = props.pop("enforcementLevel", None)
            if level is not None and level not in LEVEL_VALUES:
                errors.append(f'parsing enforcement level for "{name}": "{level}" is not a valid enforcement level')
                continue
            if level is not None or props:
                result[name] = (level, props or None)
        else:
            errors.append(f'parsing "{name}": {value!r} is not a valid value; must be a string or object')
    if errors and not collect:
        raise PolicyConfigError(errors)
    return result


def load_policy_config(path: Path) -> dict[str, Any]:
    """Read a `--policy-pack-config` JSON file; raises PolicyConfigError with a clear message."""
    def error(message: str) -> PolicyConfigError:
        return PolicyConfigError([message], source=str(path))

    try:
        text = Path(path).read_text()
    except OSError as e:
        raise error(f"cannot read it: {e.strerror}") from e
    except UnicodeDecodeError as e:
        raise error(f"not valid JSON: not UTF-8 text ({e.reason} at byte {e.start})") from e
    if not text.strip():
        return {}
    try:
        raw = json.loads(text)
    except ValueError as e:
        raise error(f"not valid JSON: {e}") from e
    if not isinstance(raw, dict):
        raise error("it must hold a JSON object")
    return raw  # its entries are checked with the schemas, all problems at once (Analyzer)


def _reconcile(info: analyzer_pb2.AnalyzerInfo, given: ParsedConfig,
               errors: list[str]) -> dict[str, tuple[str, dict[str, Any] | None]]:
    """Defaults from the schemas, then "all", then per-policy config; then validation (engine semantics)."""
    result: dict[str, tuple[str, dict[str, Any] | None]] = {}
    schemas: dict[str, dict[str, Any]] = {}
    for policy in info.policies:
        properties = integral_numbers(json_format.MessageToDict(policy.configSchema.properties))
        defaults = {k: v["default"] for k, v in properties.items() if isinstance(v, dict) and "default" in v}
        result[policy.name] = (LEVELS[policy.enforcementLevel], defaults or None)
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        if policy.configSchema.required:
            schema["required"] = list(policy.configSchema.required)
        schemas[policy.name] = schema

    all_level = given.get("all", (None, None))[0]
    if all_level is not None:
        result = {name: (all_level, props) for name, (_, props) in result.items()}
    for name, (level, props) in given.items():
        current_level, current_props = result.get(name, (None, None))
        merged = dict(current_props or {})
        merged.update(props or {})
        result[name] = (level or current_level or "advisory", merged or None)

    if not given:
        return result  # the schemas' own defaults are valid (tests/policies checks every shipped config)
    import jsonschema  # 50 ms: paid only when a config is given

    for name, schema in schemas.items():
        validator = jsonschema.Draft7Validator(schema)
        for error in sorted(validator.iter_errors(result[name][1] or {}), key=str):
            where = ".".join(str(p) for p in error.absolute_path) or "(root)"
            errors.append(f"{name}: {where}: {error.message}")
    return result


# --- marshalling ----------------------------------------------------------------------------------------------------

def _is_secret(value: Any) -> bool:
    # pulumi_policy.Secret and preflight.engine.Secret both wrap the plaintext in `.value`.
    return type(value).__name__ == "Secret" and hasattr(value, "value")


def marshal_value(value: Any) -> Any:
    """A Python value as the engine would put it on the wire (before protobuf turns numbers into floats)."""
    if _is_secret(value):
        return {SECRET_SIG_KEY: SECRET_SIG, "value": marshal_value(value.value)}
    if isinstance(value, Unknown) or type(value).__name__ == "Unknown":
        return UNKNOWN_STRING_VALUE
    if isinstance(value, Mapping):
        return {str(k): marshal_value(v) for k, v in value.items() if not str(k).startswith("__")}
    if isinstance(value, (list, tuple)):
        return [marshal_value(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def marshal_properties(props: Mapping[str, Any] | None) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(marshal_value(dict(props or {})))
    return struct


def _options(resource: Any) -> analyzer_pb2.AnalyzerResourceOptions:
    dbr = getattr(resource, "delete_before_replace", None)
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=bool(getattr(resource, "protect", False)),
        ignoreChanges=list(getattr(resource, "ignore_changes", None) or []),
        deleteBeforeReplace=bool(dbr),
        deleteBeforeReplaceDefined=dbr is not None,
        additionalSecretOutputs=list(getattr(resource, "additional_secret_outputs", None) or []),
        customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(),
        parent=getattr(resource, "parent", None) or "",
    )


def _provider_urn(reference: str | None) -> str | None:
    # A provider reference is "<urn>::<id>"; URNs contain "::" themselves, so split at the last one.
    return reference.rsplit("::", 1)[0] if reference and "::" in reference else None


# --- the analyzer ---------------------------------------------------------------------------------------------------

def _default_policies() -> list[Policy]:
    from policies.rules import ALL_POLICIES  # imported lazily: the CLI loads it only when it evaluates

    return ALL_POLICIES


class Analyzer:
    """One configured policy pack, as the engine holds it for one stack operation."""

    def __init__(self, config: Mapping[str, Any] | None = None,
                 policies: list[Policy] | None = None, stack_tags: Mapping[str, str] | None = None) -> None:
        self.policies = policies if policies is not None else _default_policies()
        self._servicer = _PolicyAnalyzerServicer(PACK_NAME, SERVICER_VERSION, self.policies,
                                                 EnforcementLevel.ADVISORY)
        self.info = self._servicer.GetAnalyzerInfo(None, None)
        errors: list[str] = []
        parsed = parse_policy_config(config or {}, errors)
        # The engine ignores config for policies the pack does not have; keep the names so a report can warn.
        self.unknown_policies = sorted(set(parsed) - {p.name for p in self.info.policies} - {"all"})
        self.config = _reconcile(self.info, parsed, errors)
        if errors:  # every problem at once: bad levels and values against the schemas
            raise PolicyConfigError(errors)
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, (level, props) in self.config.items():
            request.policyConfig[name].CopyFrom(analyzer_pb2.PolicyConfig(
                enforcementLevel=LEVEL_VALUES[level], properties=marshal_properties(props)))
        self._servicer.Configure(request, None)
        if stack_tags:
            self._servicer.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(tags=dict(stack_tags)), None)

    def levels(self) -> dict[str, str]:
        """The enforcement level each policy runs at after config."""
        return {p.name: self.config[p.name][0] for p in self.info.policies}

    def _collect(self, response: analyzer_pb2.AnalyzeResponse, urn: str, evaluation: Evaluation) -> None:
        for d in response.diagnostics:
            prefix = d.description + "\n"
            detail = d.message[len(prefix):] if d.message.startswith(prefix) else d.message
            evaluation.violations.append(Violation(d.policyName, LEVELS[d.enforcementLevel], d.urn or urn,
                                                   d.message, detail))
        for n in response.not_applicable:
            evaluation.not_applicable.append((n.policy_name, urn, n.reason))

    def analyze(self, resource: Any, props: Mapping[str, Any] | None = None,
                providers: Mapping[str, Any] | None = None, evaluation: Evaluation | None = None) -> Evaluation:
        """Resource policies on one resource (the engine passes its inputs)."""
        evaluation = evaluation if evaluation is not None else Evaluation()
        request = analyzer_pb2.AnalyzeRequest(
            urn=resource.urn, type=resource.type, name=resource.name,
            properties=marshal_properties(resource.inputs if props is None else props),
            options=_options(resource))
        provider = (providers or {}).get(_provider_urn(getattr(resource, "provider", None)) or "")
        if provider is not None:
            request.provider.CopyFrom(analyzer_pb2.AnalyzerProviderResource(
                urn=provider.urn, type=provider.type, name=provider.name,
                properties=marshal_properties(provider.inputs)))
        self._collect(self._servicer.Analyze(request, None), resource.urn, evaluation)
        return evaluation

    def analyze_stack(self, resources: Iterable[Any], use_outputs: bool = True,
                      evaluation: Evaluation | None = None) -> Evaluation:
        """Stack policies over all resources (the engine passes outputs; inputs stand in where none exist)."""
        evaluation = evaluation if evaluation is not None else Evaluation()
        resources = list(resources)
        by_urn = {r.urn: r for r in resources}
        request = analyzer_pb2.AnalyzeStackRequest()
        for r in resources:
            props = r.outputs if use_outputs and r.outputs is not None else r.inputs
            item = request.resources.add(
                urn=r.urn, type=r.type, name=r.name, properties=marshal_properties(props),
                options=_options(r), parent=r.parent or "", dependencies=list(r.dependencies or []))
            for key, urns in (r.property_dependencies or {}).items():
                if urns:  # the engine skips properties without dependencies
                    item.propertyDependencies[key].urns.extend(list(urns))
            provider = by_urn.get(_provider_urn(getattr(r, "provider", None)) or "")
            if provider is not None:
                item.provider.CopyFrom(analyzer_pb2.AnalyzerProviderResource(
                    urn=provider.urn, type=provider.type, name=provider.name,
                    properties=marshal_properties(provider.outputs if use_outputs and provider.outputs is not None
                                                  else provider.inputs)))
        self._collect(self._servicer.AnalyzeStack(request, None), "", evaluation)
        return evaluation

    def evaluate(self, resources: Iterable[Any], stack_use_outputs: bool = True) -> Evaluation:
        """Every resource policy on every resource's inputs, then every stack policy."""
        resources = list(resources)
        by_urn = {r.urn: r for r in resources}
        evaluation = Evaluation()
        for r in resources:
            # The engine runs resource policies on what the program registers, not on what it only reads
            # (`Resource.get`, marked external); stack policies still see those, as part of the stack.
            if not getattr(r, "external", False):
                self.analyze(r, providers=by_urn, evaluation=evaluation)
        self.analyze_stack(resources, use_outputs=stack_use_outputs, evaluation=evaluation)
        return evaluation

