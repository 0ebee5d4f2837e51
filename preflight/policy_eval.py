"""Evaluate the policy pack in-process the way `pulumi preview --policy-pack` does.

The verdicts come from pulumi_policy's own analyzer servicer (the object `PolicyPack` serves over gRPC), driven
with real `analyzer_pb2` requests. Around it this module does what the Go engine does on its side of the wire:

* config: defaults from each policy's schema, then the given config ("all" first, then per policy), validated
  against the schemas (engine `ReconcilePolicyPackConfig`), then sent with `Configure`;
* properties: marshalled like `MarshalProperties(KeepUnknowns, KeepSecrets, SkipInternalKeys)` - secrets as the
  secret envelope (the SDK unwraps them for rules), unknowns as the unknown-string sentinel, numbers as floats,
  keys starting with "__" dropped;
* diagnostics of a resource policy carry the resource's URN (the engine fills it in when the SDK leaves it empty).

`Analyzer(fail_closed=True)` (what the gate uses; the default keeps the engine's verdicts) adds one deliberate
difference: a policy at mandatory (or remediate) level that reads a value it cannot see (a secret without plaintext
in a state file, an unknown value) is a mandatory "cannot verify" finding, not the SDK's advisory "can't run policy
during preview" - whether it caught the read (`has()` counts an unknown as set) or not. Live preview has a later
`pulumi up` that judges the known value; the offline gate has none. Reads are charged to the policy that made them
through a small subclass of the servicer (`_create_report_violation` is called right before each policy's
`validate`) and a wrapper around the SDK's proxy check, active only while the analyzer runs.

`_PolicyAnalyzerServicer` is private to pulumi-policy (pinned to 1.21.0); tests/policies/test_sdk_contract.py
fails loudly when its shape changes.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel, Policy
from pulumi_policy import policy as sdk_policy
from pulumi_policy import proxy as sdk_proxy
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from . import jsonfile
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
# Levels whose findings fail the gate: the SDK reports a remediate policy's violation as mandatory.
BLOCKING_LEVELS = {"mandatory", "remediate"}
CANNOT_VERIFY = "cannot verify"
MAX_MESSAGE = 200  # characters of one config problem (it quotes the value given)


class PolicyConfigError(ValueError):
    """Invalid policy-pack config; `errors` lists every problem (the engine reports them all at once)."""

    def __init__(self, errors: Sequence[str], source: str | None = None) -> None:
        where = f" {source}" if source else ""
        super().__init__(f"invalid policy pack config{where}: " + "; ".join(errors))
        self.errors = list(errors)
        self.source = source


class EvaluationError(ValueError):
    """A policy raised while judging a resource (a rule bug, or an input of a type the rule does not expect).

    Only the exception's type is named: its message may quote the value, and that value may be a secret."""


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
    # (policy, urn, paths): a blocking policy read values it cannot see there; each is also a mandatory violation.
    cannot_verify: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)

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
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise error(f"not valid JSON: not UTF-8 text ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise error(f"cannot read it: {e.strerror or e}") from None
    if not text.strip():
        return {}
    try:
        raw = jsonfile.loads(text)
    except jsonfile.JsonInputError as e:
        raise error(str(e)) from None
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

    formats = _format_checker(jsonschema)
    for name, schema in schemas.items():
        validator = jsonschema.Draft7Validator(schema, format_checker=formats)
        for error in sorted(validator.iter_errors(result[name][1] or {}), key=str):
            where = ".".join(str(p) for p in error.absolute_path) or "(root)"
            message = error.message
            if len(message) > MAX_MESSAGE:  # the message quotes the value, which may be 5,000 characters
                message = message[:MAX_MESSAGE - 3] + "..."
            if error.validator == "format" and error.cause is not None:
                message += f" ({error.cause})"
            errors.append(f"{name}: {where}: {message}")
    return result


def _format_checker(jsonschema: Any) -> Any:
    """Only `format: regex` is checked (the engine's validator checks it too; no schema of the pack uses another).
    re.compile raises more than re.error on hostile patterns: nesting ("(" * 5000) and huge repeat counts."""
    checker = jsonschema.FormatChecker(formats=())

    @checker.checks("regex", raises=(re.error, RecursionError, OverflowError, ValueError))
    def _regex(instance: Any) -> bool:
        if isinstance(instance, str):
            re.compile(instance)
        return True

    return checker


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


def _unknown_paths(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Where a marshalled value holds an unknown, as the SDK names the path (a secret's envelope adds nothing)."""
    if isinstance(value, Mapping):
        if value.get(SECRET_SIG_KEY) == SECRET_SIG:
            yield from _unknown_paths(value.get("value"), path)
            return
        for key, item in value.items():
            yield from _unknown_paths(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unknown_paths(item, (*path, str(index)))
    elif sdk_proxy._is_unknown(value):
        yield path


# --- the analyzer ---------------------------------------------------------------------------------------------------

class _TrackingServicer(_PolicyAnalyzerServicer):
    """The SDK's servicer, remembering which policy runs: it builds each policy's report callback right before
    calling that policy's `validate`, so a read of an unknown value can be charged to the policy that made it."""

    current_policy: str = ""

    def _create_report_violation(self, response: Any, policy_name: str, *args: Any, **kwargs: Any) -> Any:
        self.current_policy = policy_name
        return super()._create_report_violation(response, policy_name, *args, **kwargs)


@contextlib.contextmanager
def _unknown_reads(servicer: _TrackingServicer) -> Iterator[list[tuple[str, tuple[str, ...]]]]:
    """(policy, path) of every read of an unknown value while the block runs, including reads a rule catches.

    The SDK's proxies call the module-level `_raise_if_unknown` on every value read; it is wrapped for the block
    only and restored after, so nothing else in the process sees a changed SDK."""
    reads: list[tuple[str, tuple[str, ...]]] = []
    original = sdk_proxy._raise_if_unknown

    def recording(key: Any, val: Any, props_acc: list[str]) -> Any:
        if sdk_proxy._is_unknown(val):
            reads.append((servicer.current_policy, (*props_acc, str(key))))
        return original(key, val, props_acc)

    sdk_proxy._raise_if_unknown = recording
    try:
        yield reads
    finally:
        sdk_proxy._raise_if_unknown = original


class _ConvertedOnce:
    """`json_format` as pulumi_policy.policy sees it during one RPC: MessageToDict of a message it has converted
    already in this RPC gives that result again, and so does `deserialize_properties` of that result. The SDK
    converts each resource's properties once per policy (and for every stack policy, every resource's): about a third
    of the gate's CPU. Nothing changes either result: the SDK wraps each policy's copy in a proxy of new containers
    (unknown_checking_proxy), and the request is not changed while the RPC runs. A deserialized value holding an
    object (an asset, an archive) is made afresh each time, as before, so no policy can change another's."""

    def __init__(self, deserialize: Any) -> None:
        self._deserialize = deserialize
        # id -> (message, its dict): the message is held so its id cannot be reused by another within the RPC.
        self._done: dict[int, tuple[Any, dict[str, Any]]] = {}
        self._deserialized: dict[tuple[int, bool], tuple[dict[str, Any], dict[str, Any]]] = {}

    def MessageToDict(self, message: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:  # noqa: N802 - the SDK's name
        if args or kwargs:
            return json_format.MessageToDict(message, *args, **kwargs)
        done = self._done.get(id(message))
        if done is None or done[0] is not message:
            done = self._done[id(message)] = (message, json_format.MessageToDict(message))
        return done[1]

    def __getattr__(self, name: str) -> Any:
        return getattr(json_format, name)

    def deserialize_properties(self, props: dict[str, Any], proxy_secrets: bool = False) -> dict[str, Any]:
        key = (id(props), proxy_secrets)
        done = self._deserialized.get(key)
        if done is not None and done[0] is props:
            return done[1]
        result = self._deserialize(props, proxy_secrets)
        if not proxy_secrets and _plain(result):
            self._deserialized[key] = (props, result)
        return result


def _plain(value: Any) -> bool:
    """Only dicts, lists and immutable scalars (what JSON holds), all the way down."""
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))


@contextlib.contextmanager
def _converted_once() -> Iterator[None]:
    """For the block only, as _unknown_reads: nothing else in the process sees a changed SDK."""
    originals = sdk_policy.json_format, sdk_policy.deserialize_properties
    once = _ConvertedOnce(originals[1])
    sdk_policy.json_format, sdk_policy.deserialize_properties = once, once.deserialize_properties
    try:
        yield
    finally:
        sdk_policy.json_format, sdk_policy.deserialize_properties = originals


def _cant_run(diagnostic: Any) -> bool:
    """The SDK's advisory for a rule that read an unknown value (`can't run policy ... during preview`)."""
    return (diagnostic.enforcementLevel == analyzer_pb2.ADVISORY
            and diagnostic.message.startswith(f"can't run policy '{diagnostic.policyName}'"))


def _raised_in_validate(error: BaseException) -> bool:
    """Whether the exception came out of a policy's `validate` (the SDK also raises before it, unmarshalling)."""
    frame = error.__traceback__
    while frame is not None:
        code = frame.tb_frame.f_code
        if code.co_name == "validate" and Path(code.co_filename).parent.name == "pulumi_policy":
            return True
        frame = frame.tb_next
    return False


def _show_path(path: Sequence[str]) -> str:
    return ".".join(path) or "(the whole resource)"


def _default_policies() -> list[Policy]:
    from policies.rules import ALL_POLICIES  # imported lazily: the CLI loads it only when it evaluates

    return ALL_POLICIES


class Analyzer:
    """One configured policy pack, as the engine holds it for one stack operation."""

    def __init__(self, config: Mapping[str, Any] | None = None,
                 policies: list[Policy] | None = None, stack_tags: Mapping[str, str] | None = None,
                 fail_closed: bool = False) -> None:
        self.policies = policies if policies is not None else _default_policies()
        self.fail_closed = fail_closed
        self._servicer = _TrackingServicer(PACK_NAME, SERVICER_VERSION, self.policies, EnforcementLevel.ADVISORY)
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

    def _blocking(self, policy: str) -> bool:
        return self.fail_closed and self.config.get(policy, ("advisory", None))[0] in BLOCKING_LEVELS

    def _collect(self, response: analyzer_pb2.AnalyzeResponse, urn: str, evaluation: Evaluation,
                 unseen: dict[tuple[str, str], list[tuple[str, ...]]] | None = None) -> None:
        """Diagnostics as violations. `unseen`: (policy, urn) -> paths of unknown values the policy read there;
        for a blocking policy each becomes one mandatory "cannot verify" finding instead of a silent pass or the
        SDK's advisory (kept for advisory policies, as the engine reports it)."""
        unseen = dict(unseen or {})
        descriptions = {p.name: p.description for p in self.info.policies}
        blocked: set[tuple[str, str]] = set()
        for d in response.diagnostics:
            where = d.urn or urn
            if _cant_run(d) and self._blocking(d.policyName):
                # Replaced by the finding below; a stack policy's reads already name the resources they were on.
                if where or not any(policy == d.policyName for policy, _ in unseen):
                    unseen.setdefault((d.policyName, where), [])
                continue
            prefix = d.description + "\n"
            detail = d.message[len(prefix):] if d.message.startswith(prefix) else d.message
            level = LEVELS[d.enforcementLevel]
            evaluation.violations.append(Violation(d.policyName, level, where, d.message, detail))
            if level in BLOCKING_LEVELS:
                blocked.add((d.policyName, where))
        for (policy, where), paths in unseen.items():
            if not self._blocking(policy) or (policy, where) in blocked:
                continue  # advisory policies keep the SDK's verdict; a failing one needs no second finding
            shown = sorted({_show_path(p) for p in paths}) or ["a value"]
            detail = (f"{CANNOT_VERIFY}: {', '.join(shown)} {'is' if len(shown) == 1 else 'are'} not known offline "
                      "(a secret without plaintext, or an unknown value), so this mandatory policy cannot check "
                      f"{'it' if len(shown) == 1 else 'them'} (a state file: export it with --show-secrets).")
            description = descriptions.get(policy, "")
            message = f"{description}\n{detail}" if description else detail
            evaluation.violations.append(Violation(policy, "mandatory", where, message, detail))
            evaluation.cannot_verify.append((policy, where, tuple(shown)))
        for n in response.not_applicable:
            evaluation.not_applicable.append((n.policy_name, urn, n.reason))

    def _run(self, method: Any, request: Any, urn: str) -> tuple[Any, list[tuple[str, tuple[str, ...]]]]:
        """One RPC of the servicer, with the unknown reads it made; a policy that raises is an EvaluationError."""
        self._servicer.current_policy = ""
        with _unknown_reads(self._servicer) as reads, _converted_once():
            try:
                response = method(request, None)
            except Exception as error:  # the SDK lets a rule's exception out of the whole RPC
                where = f"resource {urn}" if urn else "the stack"
                if _raised_in_validate(error):
                    raise EvaluationError(f"policy {self._servicer.current_policy} failed on {where}: "
                                          f"{type(error).__name__} (a rule bug or an input of a type the rule does "
                                          "not expect)") from None
                raise EvaluationError(f"the policy SDK cannot read the properties of {where}: "
                                      f"{type(error).__name__} (a value no engine sends: NaN, infinity, an object "
                                      "with Pulumi's reserved signature key)") from None
        return response, reads

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
        response, reads = self._run(self._servicer.Analyze, request, resource.urn)
        unseen: dict[tuple[str, str], list[tuple[str, ...]]] = {}
        for policy, path in reads:
            unseen.setdefault((policy, resource.urn), []).append(path)
        self._collect(response, resource.urn, evaluation, unseen)
        return evaluation

    def analyze_stack(self, resources: Iterable[Any], use_outputs: bool = True,
                      evaluation: Evaluation | None = None, providers: Mapping[str, Any] | None = None) -> Evaluation:
        """Stack policies over all resources (the engine passes outputs; inputs stand in where none exist).
        `providers`: where to look a resource's provider up (default: among `resources`)."""
        evaluation = evaluation if evaluation is not None else Evaluation()
        resources = list(resources)
        by_urn = dict(providers) if providers is not None else {r.urn: r for r in resources}
        request = analyzer_pb2.AnalyzeStackRequest()
        unknown_at: dict[tuple[str, ...], list[str]] = {}  # path -> URNs of the resources with an unknown there
        for r in resources:
            props = r.outputs if use_outputs and r.outputs is not None else r.inputs
            marshalled = marshal_value(dict(props or {}))
            for path in _unknown_paths(marshalled):
                unknown_at.setdefault(path, []).append(r.urn)
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
        response, reads = self._run(self._servicer.AnalyzeStack, request, "")
        # A stack policy's read names a path, not a resource: charge it to every resource with an unknown there.
        unseen: dict[tuple[str, str], list[tuple[str, ...]]] = {}
        for policy, path in reads:
            for urn in unknown_at.get(path, [""]):
                unseen.setdefault((policy, urn), []).append(path)
        self._collect(response, "", evaluation, unseen)
        return evaluation

    def evaluate(self, resources: Iterable[Any], stack_use_outputs: bool = True) -> Evaluation:
        """Every resource policy on every resource's inputs, then every stack policy, on the resources the program
        manages only. The engine judges neither kind of policy on what the program only reads (`Resource.get`,
        marked external): no resource policy runs for a read step (stepGenerator.GenerateReadSteps), and the stack
        policies' list is the deployment's `news`, which holds only resources with a registration goal (a read has
        none, stepExecutor). A VPC someone else owns is not this stack's to close or to log. A resource passed as a
        provider is still looked up among all of them."""
        resources = list(resources)
        by_urn = {r.urn: r for r in resources}
        managed = [r for r in resources if not getattr(r, "external", False)]
        evaluation = Evaluation()
        for r in managed:
            self.analyze(r, providers=by_urn, evaluation=evaluation)
        self.analyze_stack(managed, use_outputs=stack_use_outputs, evaluation=evaluation, providers=by_urn)
        return evaluation

