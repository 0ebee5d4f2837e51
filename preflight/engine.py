"""The project's one offline engine: runs a real Pulumi program for a named stack under Pulumi's mock runtime.

The tests and `python -m preflight` both use it. Compared with the stock `pulumi.runtime.set_mocks` it:
- reads the stack's `Pulumi.<stack>.yaml` and the project's `config:` into the runtime config as the CLI does
  (scalars as written, objects as JSON, project defaults, declared types and required keys checked), refusing a key
  written twice in one mapping (YAML would keep the last silently);
- forms URNs as the engine does (the parent's full qualified type chain, nothing for children of the root stack);
- refuses duplicate URNs as the engine does, registrations and reads alike, instead of silently overwriting;
- records what the program asked for: inputs, parent, protect, dependencies, property dependencies, options
  (with the options the engine inherits from the parent), and resources read with `Resource.get`;
- treats `additionalSecretOutputs` (and secret inputs) as secret outputs, as the engine does;
- gives computed outputs a plausible, deterministic shape in the resource's region (see mock_cloud.py);
- captures the stack's exports and component outputs, with secrets kept as `Secret`;
- knows which plaintexts are secret and where each came from (`StackRun.secrets`: a placeholder per `secure:` config
  key, secret outputs, secret invoke results, every `Output.secret` value), for the pack's secrets-by-value rules;
- lists resources in program order, so runs are identical whatever the thread or hash-seed scheduling;
- resets the runtime before and after each run, so runs do not depend on each other or on their order.
docs/architecture.md ("The offline engine") says where it still differs from a real `pulumi preview`.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import os
import re
import runpy
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# One definition, the pack's: the pack must stay importable without preflight, so the engine uses its class.
from policies.rules.secrets import KnownSecret

from .mock_outputs import Unknown, program_view, references_as_ids, stable_value
from .program_errors import close_event_loops_at_exit, describe

REPO_ROOT = Path(__file__).resolve().parent.parent
STACK_TYPE = "pulumi:pulumi:Stack"
MASK = "[secret]"
# What the offline engine substitutes for a `secure:` config value it cannot decrypt: this prefix and a hash of the
# key, so each secure value is its own traceable string (`secure_placeholder`).
SECURE_PLACEHOLDER = "preflight-placeholder-secret"


def secure_placeholder(key: str) -> str:
    """The stand-in for the `secure:` value at config path `key` (`ns:key`, `ns:obj.field`, `ns:list[0]`)."""
    return f"{SECURE_PLACEHOLDER}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"


@dataclass(frozen=True)
class Secret:
    """A value the engine would treat as secret. Unwrap it with `.value`; render it with `mask_secrets`."""

    value: Any

    def __repr__(self) -> str:  # never leak the value into logs or assertion messages
        return "Secret([secret])"


@dataclass
class RecordedResource:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str | None
    protect: bool
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    provider: str | None
    id: str | None
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    additional_secret_outputs: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    replace_on_changes: list[str] = field(default_factory=list)
    retain_on_delete: bool = False
    deleted_with: str | None = None
    # Read with `Resource.get(...)`: in the state, not managed (the engine marks it external).
    external: bool = False
    # A component a provider plugin expands (awsx, eks): offline its children are never created (opaque).
    remote: bool = False

    def input(self, key: str, default: Any = None) -> Any:
        """An input with secrets unwrapped (for assertions that need the value itself)."""
        return unwrap_secrets(self.inputs.get(key, default))


@dataclass
class StackRun:
    project: str
    stack: str
    region: str
    config: dict[str, Any]
    resources: list[RecordedResource]
    exports: dict[str, Any]
    logs: list[tuple[str, str]] = field(default_factory=list)
    # What the run knows to be secret, by value (see KnownSecret): secure config, generated passwords, secret
    # outputs and invoke results, values the program wrapped with Output.secret.
    secrets: tuple[KnownSecret, ...] = ()
    # What the report must say about made-up answers: unanswered invokes, opaque remote components.
    warnings: list[str] = field(default_factory=list)

    def of_type(self, token: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == token]

    def one(self, token: str) -> RecordedResource:
        found = self.of_type(token)
        if len(found) != 1:
            raise AssertionError(f"expected exactly one {token}, found {len(found)}: {[r.name for r in found]}")
        return found[0]

    def by_urn(self, urn: str) -> RecordedResource:
        for resource in self.resources:
            if resource.urn == urn:
                return resource
        raise KeyError(urn)

    def named(self, name: str) -> RecordedResource:
        for resource in self.resources:
            if resource.name == name:
                return resource
        raise KeyError(name)

    def children(self, urn: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.parent == urn]

    def descendants(self, urn: str) -> list[RecordedResource]:
        found: list[RecordedResource] = []
        for child in self.children(urn):
            found.append(child)
            found.extend(self.descendants(child.urn))
        return found

    def counts_by_type(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for resource in self.resources:
            counts[resource.type] = counts.get(resource.type, 0) + 1
        return dict(sorted(counts.items()))


class ProgramError(Exception):
    """The program could not be evaluated. `kind`: "config" (stack files), "settings" (a clean RunError from the
    program, e.g. invalid stack settings) or "program" (anything else the program raised)."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind
        # What the program had registered before it failed (a settings error must leave this empty).
        self.resources: list[RecordedResource] = []


# ---- secrets ------------------------------------------------------------------------------------------------------
def unwrap_secrets(value: Any) -> Any:
    if isinstance(value, Secret):
        return unwrap_secrets(value.value)
    if isinstance(value, dict):
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


def mask_secrets(value: Any, mask: str = MASK) -> Any:
    if isinstance(value, Secret):
        return mask
    if isinstance(value, dict):
        return {k: mask_secrets(v, mask) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v, mask) for v in value]
    return value


def integral_numbers(value: Any) -> Any:
    """Floats that are whole numbers as ints, all the way down: the wire carries only float64 (5432 arrives as
    5432.0), while reports, messages and hand-written files say 5432."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: integral_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral_numbers(v) for v in value]
    return value


def contains_secret(value: Any) -> bool:
    if isinstance(value, Secret):
        return True
    if isinstance(value, dict):
        return any(contains_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_secret(v) for v in value)
    return False


def conceal(value: Any, leaks: Callable[[str], bool]) -> Any:
    """`value` with every plain string for which `leaks` is true wrapped as `Secret`, so a report masks a secret
    that reached a property without Pulumi's secret marker (Output.unsecret, a literal, an encoding)."""
    if isinstance(value, Secret):
        return value
    if isinstance(value, str):
        return Secret(value) if leaks(value) else value
    if isinstance(value, dict):
        return {k: conceal(v, leaks) for k, v in value.items()}
    if isinstance(value, list):
        return [conceal(v, leaks) for v in value]
    return value


def conceal_all(resources: list[RecordedResource], exports: Mapping[str, Any],
                leaks: Callable[[str], bool]) -> tuple[list[RecordedResource], dict[str, Any]]:
    """`conceal` over every resource's inputs and outputs and the exports (copies; the run is left as it was)."""
    from dataclasses import replace

    return ([replace(r, inputs=conceal(r.inputs, leaks), outputs=conceal(r.outputs, leaks)) for r in resources],
            conceal(dict(exports), leaks))


def _string_leaves(value: Any) -> Iterator[str]:
    value = unwrap_secrets(value)
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _string_leaves(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _string_leaves(v)


def secure_config_secrets(config: Mapping[str, Any]) -> list[KnownSecret]:
    """The placeholder of every `secure:` value in the stack's config, named by its key."""
    found: list[KnownSecret] = []

    def walk(value: Any, path: str) -> None:
        if _is_secure(value):
            found.append(KnownSecret(secure_placeholder(path), f"secure config {path}", source=True))
        elif isinstance(value, Mapping):
            for k, v in value.items():
                walk(v, f"{path}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")

    for key, value in config.items():
        walk(value, key)
    return found


# ---- stack configuration --------------------------------------------------------------------------------------------
def read_project(program_dir: Path) -> dict[str, Any]:
    project_file = program_dir / "Pulumi.yaml"
    if not project_file.is_file():
        raise ProgramError(f"no Pulumi.yaml in {program_dir}: not a Pulumi project", "config")
    try:
        duplicates = _duplicate_keys(yaml.compose(project_file.read_text(), Loader=yaml.SafeLoader))
        project = yaml.safe_load(project_file.read_text()) or {}
    except yaml.YAMLError as error:
        raise ProgramError(f"{project_file} is not valid YAML: {error}", "config") from None
    if duplicates:
        raise ProgramError(_duplicates_message(project_file.name, duplicates), "config")
    if not isinstance(project, dict) or not project.get("name"):
        raise ProgramError(f"{project_file} has no project name", "config")
    return project


def list_stacks(program_dir: Path = REPO_ROOT) -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in program_dir.glob("Pulumi.*.yaml"))


def read_stack_config(program_dir: Path, project: Mapping[str, Any], stack: str) -> dict[str, Any]:
    """Config keyed `namespace:key` as the CLI hands it to the program: a top-level scalar is the text written in the
    file (`yes`, `1.50`, `0x10` stay as written; empty is ""), objects and lists stay objects (`secure:` values kept
    as `{"secure": ...}`). Project-level config from Pulumi.yaml is merged and checked as the CLI does."""
    stack_file = program_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        known = ", ".join(list_stacks(program_dir)) or "none"
        raise ProgramError(f"stack '{stack}' has no {stack_file.name} in {program_dir} (stacks here: {known})",
                           "config")
    name = project["name"]
    config: dict[str, Any] = {}
    try:
        loader = _GoYamlLoader(stack_file.read_text())
        root = loader.get_single_node()
        duplicates = _duplicate_keys(root)
        seen: dict[str, int] = {}
        for key_node, _ in _config_nodes(root):
            # `network` and `aurora-platform:network` are the same key once qualified, as the CLI reads them.
            key = _qualify(str(key_node.value), name)
            line = key_node.start_mark.line + 1
            if key in seen:
                duplicates.append(f"config: {key} is written twice (lines {seen[key]} and {line})")
            seen.setdefault(key, line)
        if duplicates:
            raise ProgramError(_duplicates_message(stack_file.name, duplicates), "config")
        for key_node, value_node in _config_nodes(root):
            key = _qualify(str(key_node.value), name)
            if isinstance(value_node, yaml.ScalarNode):
                # The CLI unmarshals a top-level value into a Go string: the scalar's text, whatever YAML resolves.
                config[key] = "" if value_node.tag == "tag:yaml.org,2002:null" else value_node.value
            else:
                config[key] = loader.construct_object(value_node, deep=True)
    except yaml.YAMLError as error:
        raise ProgramError(f"{stack_file.name} is not valid YAML: {error}", "config") from None
    problems = _merge_project_config(project, stack, config)
    if problems:
        raise ProgramError(f"config of stack '{stack}' (Pulumi.yaml, {stack_file.name}):\n"
                           + "\n".join(f"  - {p}" for p in problems), "config")
    return config


def _duplicates_message(file_name: str, duplicates: list[str]) -> str:
    return (f"{file_name} has keys written twice (YAML keeps only the last, so the other is silently ignored; keep "
            f"one):\n" + "\n".join(f"  - {d}" for d in duplicates))


def _duplicate_keys(node: Any, path: str = "") -> list[str]:
    """Every key written twice in one mapping, anywhere in the document, with both line numbers: YAML loaders (and the
    CLI's) keep the last silently, so `readers: 2` further down quietly undoes `readers: 0`."""
    found: list[str] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
            line = key_node.start_mark.line + 1
            where = f"{path}.{key}" if path else key
            if key and key in seen:
                found.append(f"{where} is written twice (lines {seen[key]} and {line})")
            seen.setdefault(key, line)
            found += _duplicate_keys(value_node, where)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found += _duplicate_keys(item, f"{path}[{index}]")
    return found


class _GoYamlLoader(yaml.SafeLoader):
    """YAML as the CLI's yaml.v2 reads objects in config: no sexagesimal numbers (`04:00` stays text) and timestamps
    stay text (a date would otherwise not even be JSON)."""


def _as_text_if_sexagesimal(constructor):
    def construct(loader, node):
        return node.value if ":" in node.value else constructor(loader, node)
    return construct


_GoYamlLoader.add_constructor("tag:yaml.org,2002:int", _as_text_if_sexagesimal(yaml.SafeLoader.construct_yaml_int))
_GoYamlLoader.add_constructor("tag:yaml.org,2002:float",
                              _as_text_if_sexagesimal(yaml.SafeLoader.construct_yaml_float))
_GoYamlLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: node.value)


def _config_nodes(root: Any) -> list[tuple[Any, Any]]:
    if not isinstance(root, yaml.MappingNode):
        return []
    for key_node, value_node in root.value:
        if key_node.value == "config" and isinstance(value_node, yaml.MappingNode):
            return list(value_node.value)
    return []


def _qualify(key: str, project_name: str) -> str:
    return key if ":" in key else f"{project_name}:{key}"


_PROJECT_CONFIG_ATTRIBUTES = {"type", "description", "items", "default", "value", "secret"}


def _merge_project_config(project: Mapping[str, Any], stack: str, config: dict[str, Any]) -> list[str]:
    """What the CLI does with `config:` in Pulumi.yaml (workspace.mergeConfig): a short value is a default for a key of
    the project and a value for another namespace; a declared key without default must be set by the stack; a typed
    key's stack value must have that type; a `secret: true` key must be `secure:`. Returns every problem."""
    name = project["name"]
    problems: list[str] = []
    missing: list[str] = []
    declarations = project.get("config") or {}
    if not isinstance(declarations, Mapping):  # `config: <dir>` is the old spelling of stackConfigDir
        return problems
    for key in sorted(declarations):
        spec = declarations[key]
        own = ":" not in key or key.startswith(f"{name}:")
        if not isinstance(spec, Mapping):
            spec = {"default": spec} if own else {"value": spec}
        unknown = sorted(set(spec) - _PROJECT_CONFIG_ATTRIBUTES)
        if unknown:
            problems.append(f"Pulumi.yaml config '{key}': unknown attribute {', '.join(unknown)}; allowed: "
                            + ", ".join(sorted(_PROJECT_CONFIG_ATTRIBUTES)))
            continue
        if "default" in spec and "value" in spec:
            problems.append(f"Pulumi.yaml config '{key}' cannot have both a 'default' and 'value' attribute")
            continue
        if not own and ("type" in spec or "default" in spec or "value" not in spec):
            problems.append(f"Pulumi.yaml config '{key}' is not namespaced by the project: it takes only a 'value'")
            continue
        qualified = _qualify(key, name)
        if qualified not in config:
            if "default" in spec or "value" in spec:
                config[qualified] = spec.get("default", spec.get("value"))
            elif own:
                missing.append(key)
            continue
        value = config[qualified]
        if spec.get("secret") and not _is_secure(value):
            problems.append(f"Stack '{stack}' with configuration key '{key}' must be encrypted as it's secret")
        if "type" in spec and not _strip_secure(value)[1] and not _has_type(value, spec["type"], spec.get("items")):
            problems.append(f"Stack '{stack}' with configuration key '{key}' must be of type "
                            f"'{_type_name(spec['type'], spec.get('items'))}'")
    if missing:
        quoted = [f"'{k}'" for k in missing]  # the CLI's formatMissingKeys: 'a', 'b' and 'c'
        listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"
        problems.append(f"Stack '{stack}' is missing configuration value{'s' if len(missing) > 1 else ''} {listed}")
    return problems


def _has_type(value: Any, type_name: Any, items: Any) -> bool:
    """workspace.ValidateConfigValue: scalars arrive as text, so "3" is an integer and "true" a boolean."""
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return True
        return isinstance(value, str) and bool(re.fullmatch(r"[+-]?[0-9]+", value))
    if type_name == "boolean":
        return value in ("true", "false") or isinstance(value, bool)
    if type_name == "array" and isinstance(items, Mapping) and isinstance(value, list):
        return all(_has_type(item, items.get("type"), items.get("items")) for item in value)
    return False


def _type_name(type_name: Any, items: Any) -> str:
    if isinstance(items, Mapping):
        return f"array<{_type_name(items.get('type'), items.get('items'))}>"
    return str(type_name)


def _is_secure(value: Any) -> bool:
    """config.isSecureValue: a map with the one key `secure` holding a string."""
    return isinstance(value, Mapping) and len(value) == 1 and isinstance(value.get("secure"), str)


def _runtime_config(config: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """What the program receives: strings, objects as JSON with sorted keys (Go's json.Marshal of a map), `secure:`
    values replaced by a placeholder (nothing can be decrypted offline) and their keys marked secret."""
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in config.items():
        plain, was_secret = _strip_secure(value, key)
        if was_secret:
            secret_keys.append(key)
        values[key] = _as_text(plain)
    return values, secret_keys


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _strip_secure(value: Any, path: str = "") -> tuple[Any, bool]:
    """`value` with each `secure:` value replaced by its own placeholder (secure_placeholder of its config path)."""
    if _is_secure(value):
        return secure_placeholder(path), True
    if isinstance(value, Mapping):
        items = {k: _strip_secure(v, f"{path}.{k}") for k, v in value.items()}
        return {k: v for k, (v, _) in items.items()}, any(s for _, s in items.values())
    if isinstance(value, list):
        items = [_strip_secure(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


# ---- the recording monitor ----------------------------------------------------------------------------------------
def _from_rpc(value: Any) -> Any:
    from pulumi.runtime import rpc

    if rpc.is_rpc_secret(value):
        return Secret(_from_rpc(rpc.unwrap_rpc_secret(value)))
    if isinstance(value, dict):
        return {k: _from_rpc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_rpc(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        # The wire has only float64; the CLI prints 5432, not 5432.0, and so do our reports.
        return int(value)
    return stable_value(value)  # unknowns, assets and archives as stable tokens, never an object repr


def _to_rpc(value: Any) -> Any:
    from pulumi.runtime import rpc

    if isinstance(value, Secret):
        return rpc.wrap_rpc_secret(_to_rpc(value.value))
    if isinstance(value, dict):
        return {k: _to_rpc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_rpc(v) for v in value]
    if isinstance(value, Unknown):
        return rpc.UNKNOWN  # the program sees an unknown output, as in a real preview
    return value


def _annotate_secrets(outputs: dict[str, Any], inputs: Mapping[str, Any]) -> None:
    """The engine's annotateSecrets (sdk/go/common/resource/plugin/provider_plugin.go): an output whose input held a
    secret becomes secret; where input and output are both objects it recurses, so one secret tag does not hide the
    others; a list holding a secret becomes secret as a whole."""
    for key, given in inputs.items():
        if key not in outputs:
            continue
        out = outputs[key]
        if isinstance(out, dict) and isinstance(given, Mapping):
            _annotate_secrets(out, given)
        elif not isinstance(out, Secret) and contains_secret(given):
            outputs[key] = Secret(out)


def _provider_urn(reference: str) -> str:
    """A provider reference is `<provider URN>::<provider id>`."""
    return reference.rsplit("::", 1)[0] if reference else ""


def _callback(token: str) -> tuple[Callable[[bytes], Any], Any] | None:
    """The program's callback (a transform) registered under `token`, with the event loop it runs on."""
    from pulumi.runtime._callbacks import _CallbackServicer

    for servicer in _CallbackServicer._servicers:
        function = servicer._callbacks.get(token)
        if function is not None:
            return function, servicer._loop
    return None


def _make_monitor_class():
    # Imported lazily: importing pulumi costs a quarter of a second that `--help` and config errors need not pay.
    from pulumi.runtime import rpc
    from pulumi.runtime.mocks import MockMonitor, Mocks
    from pulumi.runtime.proto import resource_pb2
    from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

    from .mock_cloud import MockCloud

    class CloudMocks(Mocks):
        """Invokes (the monitor handles registrations and reads itself)."""

        def __init__(self, monitor: RecordingMonitor):
            self.monitor = monitor

        def call(self, args):
            arguments = unwrap_secrets(_from_rpc(args.args))
            region = self.monitor.region_of(args.provider, arguments)
            result = self.monitor.cloud.call(args.token, arguments, region)
            # A secret read at deploy time (a SecureString, a Secrets Manager secret) is a source of secrets.
            subject = next((str(arguments[k]) for k in ("name", "secretId", "arn") if arguments.get(k)), "")
            call = f"{args.token.split(':')[-1]}({subject})" if subject else args.token.split(":")[-1]
            for key, value in result.items():
                if isinstance(value, Secret):
                    for leaf in _string_leaves(value):
                        self.monitor.note(leaf, f"invoke {call} {key}", source=True)
            return _to_rpc(result)

        def new_resource(self, args):  # pragma: no cover - RegisterResource and ReadResource are overridden
            raise NotImplementedError

    class RecordingMonitor(MockMonitor):
        def __init__(self, cloud: MockCloud, stack: str, project: str):
            super().__init__(CloudMocks(self))
            self.cloud = cloud
            self.stack = stack
            self.project = project
            self.lock = threading.Lock()
            self.records: dict[str, RecordedResource] = {}
            self.order: list[str] = []
            self.stack_urn: str | None = None
            self.exports: dict[str, Any] = {}
            # What children inherit from a parent in the engine (resmon inheritFromParent): unset options only.
            self.inherited: dict[str, tuple[bool | None, bool | None, str]] = {}
            self.provider_regions: dict[str, str] = {}
            self.secrets: list[KnownSecret] = []
            # Transforms as the engine keeps them: each registration's own (children run their ancestors' too),
            # and the stack's, in the order registered.
            self.resource_transforms: dict[str, list[Any]] = {}
            self.parents: dict[str, str] = {}
            self.stack_transforms: list[Any] = []

        def note(self, plaintext: str, origin: str, source: bool = False, secret: bool = True) -> None:
            with self.lock:
                self.secrets.append(KnownSecret(plaintext, origin, source, secret))

        def _note_outputs(self, token: str, name: str, inputs: Mapping[str, Any], outputs: Mapping[str, Any],
                          secret_outputs: list[str]) -> None:
            """Outputs the provider computes and declares secret (RandomPassword.result) are new secrets; a secret
            output that echoes an input (masterPassword) is not a new source. A `random:` result is generated,
            so a source even where it is not secret (RandomString)."""
            short = token.split(":")[-1]
            for key, value in outputs.items():
                if key in inputs or key == "id":
                    continue
                secret = key in secret_outputs
                if secret or token.startswith("random:"):
                    for leaf in _string_leaves(value):
                        self.note(leaf, f"{short} '{name}' {key}", source=True, secret=secret)

        def make_urn(self, parent: str, type_: str, name: str) -> str:
            qualified = type_
            if parent:
                parent_type = parent.split("::")[2]
                if parent_type != STACK_TYPE:
                    qualified = f"{parent_type}${type_}"
            return f"urn:pulumi:{self.stack}::{self.project}::{qualified}::{name}"

        def region_of(self, provider: str, inputs: Mapping[str, Any]) -> str:
            """pulumi-aws 7: a `region` argument, else the explicit provider's region, else the stack's."""
            region = inputs.get("region")
            if isinstance(region, str) and region:
                return region
            return self.provider_regions.get(_provider_urn(provider), self.cloud.region)

        def _claim(self, urn: str) -> None:
            """The step generator's generateURN: one URN per deployment, registered or read."""
            with self.lock:
                if urn in self.records:
                    raise Exception(f"Duplicate resource URN '{urn}'; try giving it a unique name")
                # Reserve the URN before the (slower) output computation so a concurrent duplicate is caught too.
                self.records[urn] = None  # type: ignore[assignment]
                self.order.append(urn)

        def RegisterStackTransform(self, request):
            with self.lock:
                self.stack_transforms.append(request)
            return super().RegisterStackTransform(request)

        def _transform(self, urn: str, request):
            """What the engine does before anything else with a registration (resmon RegisterResource): run the
            resource's own `transforms`, then each ancestor's, then the stack's (`register_resource_transform`)
            registered so far, each on the previous one's output. The stock mock monitor runs none of them, so a
            transform that drops a key or a protect flag would otherwise change the deployment behind the gate.
            The callbacks are the SDK's own (serialization included), run on the program's event loop."""
            with self.lock:
                self.resource_transforms[urn] = list(request.transforms)
                chain = list(request.transforms)
                parent = request.parent
                while parent:
                    chain += self.resource_transforms.get(parent, [])
                    parent = self.parents.get(parent, "")
                self.parents[urn] = request.parent
                chain += self.stack_transforms
            for callback in chain:
                found = _callback(callback.token)
                if found is None:
                    raise Exception(f"transform of {request.name} cannot be found (callback {callback.token})")
                function, loop = found
                options = resource_pb2.TransformResourceOptions(
                    protect=request.protect, ignore_changes=list(request.ignoreChanges),
                    replace_on_changes=list(request.replaceOnChanges), provider=request.provider,
                    retain_on_delete=request.retainOnDelete,
                    additional_secret_outputs=list(request.additionalSecretOutputs),
                    deleted_with=request.deletedWith, depends_on=list(request.dependencies),
                    **{"import": request.importId})
                if request.deleteBeforeReplaceDefined:
                    options.delete_before_replace = request.deleteBeforeReplace
                ask = resource_pb2.TransformRequest(type=request.type, name=request.name, custom=request.custom,
                                                    parent=request.parent, properties=request.object,
                                                    options=options)
                answer = asyncio.run_coroutine_threadsafe(function(ask.SerializeToString()), loop).result()
                request.object.CopyFrom(answer.properties)
                if answer.HasField("options"):
                    given = answer.options
                    if given.HasField("protect"):
                        request.protect = given.protect
                    if given.HasField("retain_on_delete"):
                        request.retainOnDelete = given.retain_on_delete
                    if given.HasField("delete_before_replace"):
                        request.deleteBeforeReplace = given.delete_before_replace
                        request.deleteBeforeReplaceDefined = True
                    request.ignoreChanges[:] = list(given.ignore_changes)
                    request.replaceOnChanges[:] = list(given.replace_on_changes)
                    request.additionalSecretOutputs[:] = list(given.additional_secret_outputs)
                    request.provider = given.provider
                    request.importId = getattr(given, "import")
                    request.deletedWith = given.deleted_with
            return request

        def RegisterResource(self, request):
            urn = self.make_urn(request.parent, request.type, request.name)
            if request.type == STACK_TYPE:
                self.stack_urn = urn
                return resource_pb2.RegisterResourceResponse(urn=urn)
            _ensure_event_loop()
            request = self._transform(urn, request)
            inputs = _from_rpc(rpc.deserialize_properties(references_as_ids(request.object), keep_unknowns=True))
            self._claim(urn)
            protect = request.protect if request.HasField("protect") else None
            retain = request.retainOnDelete if request.HasField("retainOnDelete") else None
            deleted_with = request.deletedWith
            parent_protect, parent_retain, parent_deleted_with = self.inherited.get(request.parent, (None, None, ""))
            protect = parent_protect if protect is None else protect
            retain = parent_retain if retain is None else retain
            deleted_with = deleted_with or parent_deleted_with
            self.inherited[urn] = (protect, retain, deleted_with)

            secret_outputs = list(request.additionalSecretOutputs)
            resource_id: str | None = None
            outputs: dict[str, Any] = {}
            if request.custom:
                plain = unwrap_secrets(inputs)
                if request.type.startswith("pulumi:providers:") and isinstance(plain.get("region"), str):
                    self.provider_regions[urn] = plain["region"]
                resource_id, outputs = self.cloud.new_resource(
                    request.type, request.name, urn, plain, self.region_of(request.provider, plain))
                resource_id = request.importId or resource_id
                _annotate_secrets(outputs, inputs)
                outputs = {k: Secret(v) if k in secret_outputs and not isinstance(v, Secret) else v
                           for k, v in outputs.items()}
                self._note_outputs(request.type, request.name, inputs, outputs, secret_outputs)
            elif request.remote:
                outputs = self.cloud.remote_component(request.type, request.name, urn)
            record = RecordedResource(
                urn=urn, type=request.type, name=request.name, custom=bool(request.custom),
                parent=request.parent or None, protect=bool(protect),
                dependencies=sorted(set(request.dependencies)),
                property_dependencies={k: sorted(set(v.urns)) for k, v in sorted(request.propertyDependencies.items())},
                provider=request.provider or None, id=resource_id, inputs=inputs, outputs=outputs,
                additional_secret_outputs=secret_outputs,
                delete_before_replace=bool(request.deleteBeforeReplace),
                ignore_changes=list(request.ignoreChanges), replace_on_changes=list(request.replaceOnChanges),
                retain_on_delete=bool(retain), deleted_with=deleted_with or None, remote=bool(request.remote))
            with self.lock:
                self.records[urn] = record
            answer = program_view(request.type, outputs) if request.custom else outputs
            response_object = _sync_await(rpc.serialize_properties(_to_rpc(answer), {}))
            return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id or "", object=response_object)

        def ReadResource(self, request):
            """`Resource.get(name, id)`: the engine reads it into the state as an external resource, under a URN
            from the same space as registrations (a read may not reuse a registered URN)."""
            _ensure_event_loop()
            urn = self.make_urn(request.parent, request.type, request.name)
            self._claim(urn)
            state = _from_rpc(rpc.deserialize_properties(request.properties))
            plain = unwrap_secrets(state)
            _, outputs = self.cloud.new_resource(request.type, request.name, urn, plain,
                                                 self.region_of(request.provider, plain))
            _annotate_secrets(outputs, state)
            record = RecordedResource(
                urn=urn, type=request.type, name=request.name, custom=True, parent=request.parent or None,
                protect=False, dependencies=sorted(set(request.dependencies)), property_dependencies={},
                provider=request.provider or None, id=request.id, inputs=state, outputs=outputs,
                additional_secret_outputs=list(request.additionalSecretOutputs), external=True)
            with self.lock:
                self.records[urn] = record
            properties = _sync_await(rpc.serialize_properties(_to_rpc(outputs), {}))
            return resource_pb2.ReadResourceResponse(urn=urn, id=request.id, properties=properties)

        def Invoke(self, request):
            """`pulumi:pulumi:getResource` is how the SDK rehydrates a resource passed by reference (`vpc_id=vpc`,
            `iam_roles=[role]`): answered from what this monitor recorded; other invokes go to the cloud."""
            if request.tok == "pulumi:pulumi:getResource":
                _ensure_event_loop()
                urn = rpc.deserialize_properties(request.args).get("urn")
                record = self.records.get(urn)
                if record is None:
                    raise Exception(f"unknown resource {urn}")
                state = {"urn": urn, "id": record.id or "", "state": _to_rpc(record.outputs)}
                answer = _sync_await(rpc.serialize_properties(state, {}))
                return resource_pb2.ResourceInvokeResponse(**{"return": answer})
            return super().Invoke(request)

        def RegisterResourceOutputs(self, request):
            _ensure_event_loop()
            outputs = _from_rpc(rpc.deserialize_properties(references_as_ids(request.outputs), keep_unknowns=True))
            with self.lock:
                if request.urn == self.stack_urn:
                    self.exports = outputs
                elif self.records.get(request.urn) is not None:
                    self.records[request.urn].outputs = outputs
            return super().RegisterResourceOutputs(request)

        def recorded(self, order: _ConstructionOrder) -> list[RecordedResource]:
            return order.sort([self.records[urn] for urn in self.order if self.records.get(urn) is not None])

    return RecordingMonitor


class _ConstructionOrder:
    """The order in which the program constructed its resources. Registrations reach the monitor in an order that
    depends on thread and hash-seed scheduling (two runs of one program list their resources differently); program
    order does not, and it puts parents, providers and dependencies first, as the engine's state does.
    Recorded by wrapping the SDK's register_resource/read_resource as Resource.__init__ calls them."""

    def __init__(self, stack: str, project: str):
        self.stack, self.project = stack, project
        self.index: dict[str, int] = {}
        self._urns: dict[int, str] = {}
        self._stack_urn = ""

    def _seen(self, res: Any, ty: str, name: str, options: Any) -> None:
        parent = getattr(options, "parent", None)
        parent_urn = self._urns.get(id(parent), "") if parent is not None else self._stack_urn
        qualified = ty if not parent_urn or parent_urn.split("::")[2] == STACK_TYPE \
            else f"{parent_urn.split('::')[2]}${ty}"
        urn = f"urn:pulumi:{self.stack}::{self.project}::{qualified}::{name}"
        if ty == STACK_TYPE:
            self._stack_urn = urn
        self._urns[id(res)] = urn
        self.index.setdefault(urn, len(self.index))

    @contextmanager
    def recording(self) -> Iterator[None]:
        import pulumi.resource as sdk_resource

        originals = sdk_resource.register_resource, sdk_resource.read_resource

        def wrap(original):
            def recorded(res, ty, name, *args, **kwargs):
                options = kwargs.get("opts") or next(
                    (a for a in args if isinstance(a, sdk_resource.ResourceOptions)), None)
                self._seen(res, ty, name, options)
                return original(res, ty, name, *args, **kwargs)
            return recorded

        sdk_resource.register_resource, sdk_resource.read_resource = (wrap(f) for f in originals)
        try:
            yield
        finally:
            sdk_resource.register_resource, sdk_resource.read_resource = originals

    def sort(self, resources: list[RecordedResource]) -> list[RecordedResource]:
        last = len(self.index)
        return sorted(resources, key=lambda r: (self.index.get(r.urn, last), r.urn))


# ---- secrets the program makes -------------------------------------------------------------------------------------
@contextmanager
def _secret_calls(note: Callable[..., None], program_dir: Path) -> Iterator[None]:
    """Record the value of every `pulumi.Output.secret(...)` call of the run, named by the program line that made it:
    what the program itself declares secret (a literal it wrapped included) is a secret to look for elsewhere."""
    import pulumi

    original = pulumi.Output.__dict__["secret"]
    make_secret = original.__func__ if isinstance(original, staticmethod) else original

    def secret(val: Any) -> Any:
        output = make_secret(val)
        # A provider SDK wraps the inputs its schema marks secret itself, an SSM String parameter's value as much as
        # a master password: that says nothing about the value. Which of those properties AWS keeps secret is the
        # policy pack's call (policies/rules/secrets.py SECRET_ACCEPTING).
        if Path(sys._getframe(1).f_code.co_filename).parent.parent.name.startswith("pulumi_"):
            return output
        where = f"Output.secret at {_call_site(program_dir)}"

        def record(value: Any) -> Any:
            for leaf in _string_leaves(value):
                note(leaf, where)
            return value

        output.apply(record)
        return output

    pulumi.Output.secret = staticmethod(secret)
    try:
        yield
    finally:
        pulumi.Output.secret = original


@contextmanager
def _dry_run_reads(program_dir: Path, entry: Path | None = None) -> Iterator[list[str]]:
    """Where the program itself reads the stack's dry-run flag during the block: `pulumi.runtime.is_dry_run()`
    (either spelling of the import), the settings object's `dry_run` attribute (`SETTINGS.dry_run`, `getattr`),
    and - found in the source of `entry` and the program modules it imports - any other spelling of the flag's
    name or the context variables that hold it (`_dry_run_mentions`). The SDK's own reads are not counted.
    PULUMI_DRY_RUN is set for the block as a language host sets it for the program."""
    import pulumi.runtime
    from pulumi.runtime import settings

    original = settings.is_dry_run
    asked: list[str] = []

    stdlib = Path(os.__file__).parent

    def note(frame: Any) -> None:
        """Count the read if the first caller outside the standard library (os.getenv, Mapping.get) is the
        program's: a file of the program, or anything that is not an SDK, the standard library or this engine."""
        while frame is not None and (frame.f_code.co_filename.startswith("<frozen ")
                                     or _is_inside(frame.f_code.co_filename, stdlib)
                                     and "site-packages" not in Path(frame.f_code.co_filename).parts):
            frame = frame.f_back
        caller = frame.f_code.co_filename if frame is not None else ""
        if _is_inside(caller, program_dir) and "/.venv/" not in caller or caller and not _is_machinery(caller):
            where = _call_site(program_dir)
            if where not in asked:
                asked.append(where)

    def is_dry_run() -> bool:
        note(sys._getframe(1))
        return original()

    class WatchedFlag:
        """Settings.dry_run as it was (a data descriptor over a context variable), noting who reads it."""

        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def __get__(self, obj: Any, owner: Any = None) -> Any:
            note(sys._getframe(1))
            return self.inner.__get__(obj, owner)

        def __set__(self, obj: Any, value: Any) -> None:
            self.inner.__set__(obj, value)

    class WatchedEnviron(type(os.environ)):  # type: ignore[misc]
        """os.environ as it was (the same data), noting who reads PULUMI_DRY_RUN (`[]`, `get`, `os.getenv`)."""

        def __getitem__(self, key: Any) -> Any:
            if key == "PULUMI_DRY_RUN":
                note(sys._getframe(1))
            return super().__getitem__(key)

    flag = settings.Settings.__dict__["dry_run"]
    environ = os.environ
    environment = environ.get("PULUMI_DRY_RUN")
    environ["PULUMI_DRY_RUN"] = "true" if original() else "false"
    watched = WatchedEnviron.__new__(WatchedEnviron)
    watched.__dict__.update(environ.__dict__)  # shares the data: a change either way is seen by both
    settings.is_dry_run = pulumi.runtime.is_dry_run = is_dry_run
    settings.Settings.dry_run = WatchedFlag(flag)
    os.environ = watched  # noqa: B003 - the same data behind another object, so reads can be noted
    try:
        yield asked
        if entry is not None:
            asked.extend(w for w in _dry_run_mentions(entry, program_dir) if w not in asked)
    finally:
        os.environ = environ  # noqa: B003 - the original object back; its data was shared all along
        settings.Settings.dry_run = flag
        settings.is_dry_run = pulumi.runtime.is_dry_run = original
        if environment is None:
            environ.pop("PULUMI_DRY_RUN", None)
        else:
            environ["PULUMI_DRY_RUN"] = environment


# Names that read the dry-run flag without calling is_dry_run: the attribute and environment variable in any
# spelling (dry_run, dryRun, DRY_RUN, dry-run), and the context variables that hold it (copy_context lists them).
_DRY_RUN_NAME = re.compile(r"dry[_-]?run|copy_context", re.IGNORECASE)
_mentions_cache: dict[tuple[str, float], tuple[list[int], list[list[str]]]] = {}


def _dry_run_mentions(entry: Path, program_dir: Path) -> list[str]:
    """`file:line` of each name, attribute, keyword or string in the program's own source that names the dry-run
    flag: `entry` and every module of `program_dir` it imports, transitively (not comments; files parsed once per
    modification time). A program that assembles the name at run time is left to the run-time watch."""
    import ast

    found: list[str] = []
    seen: set[Path] = set()
    files: dict[tuple[str, ...], list[Path]] = {}  # many modules import the same names
    queue = [entry.resolve()]
    while queue:
        path = queue.pop()
        if path in seen or not path.is_file():
            continue
        seen.add(path)
        key = (str(path), path.stat().st_mtime)
        if key not in _mentions_cache:
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
                tree = ast.parse(text, str(path))
            except (OSError, SyntaxError, ValueError):  # the run itself reports a module it cannot load
                text, tree = "", ast.Module(body=[], type_ignores=[])
            hits: list[int] = []
            if _DRY_RUN_NAME.search(text):  # most files never name it: skip the walk over every expression
                for node in ast.walk(tree):
                    name = (node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute)
                            else node.arg if isinstance(node, ast.keyword) else node.value
                            if isinstance(node, ast.Constant) and isinstance(node.value, str) else None)
                    if name and _DRY_RUN_NAME.search(name):
                        hits.append(node.lineno)
            imports: list[list[str]] = []
            for node in _statements(tree.body):
                if isinstance(node, ast.Import):
                    imports += [a.name.split(".") for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    package = _package_of(path, program_dir, node.level) if node.level else []
                    base = [*package, *(node.module.split(".") if node.module else [])]
                    imports += [base] + [[*base, a.name] for a in node.names]
            _mentions_cache[key] = sorted(set(hits)), imports
        lines, imports = _mentions_cache[key]
        shown = path.relative_to(program_dir) if _is_inside(str(path), program_dir) else path.name
        found += [f"{shown}:{line}" for line in lines]
        for name in imports:
            if tuple(name) not in files:
                files[tuple(name)] = _module_files(program_dir, name)
            queue.extend(files[tuple(name)])
    return found


def _statements(body: list[Any]) -> Iterator[Any]:
    """Every statement, nested ones too (an import inside a function, a branch, a handler), without the
    expressions: imports are statements."""
    for node in body:
        yield node
        for part in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(node, part, None)
            if isinstance(inner, list):
                yield from _statements(inner)


def _package_of(path: Path, program_dir: Path, level: int) -> list[str]:
    """The dotted package a relative import (`from . import x`, level 1) in `path` starts from."""
    parts = list(path.parent.relative_to(program_dir).parts) if _is_inside(str(path), program_dir) else []
    return parts[:len(parts) - (level - 1)] if level > 1 else parts


def _module_files(program_dir: Path, name: list[str]) -> list[Path]:
    """The program's files a dotted module name loads: each package's `__init__.py` on the way and the module (or
    package) itself; nothing for a module outside `program_dir` (the SDKs, the standard library)."""
    files = []
    for depth in range(1, len(name) + 1):
        base = program_dir.joinpath(*name[:depth])
        files += [f for f in (base / "__init__.py", base.with_suffix(".py")) if f.is_file()]
    return files


def _call_site(program_dir: Path) -> str:
    """Where the program made the call: the innermost frame in the program's directory (`components/aurora.py:155`),
    else the innermost outside the Pulumi SDKs and this engine."""
    frames = []
    frame = sys._getframe(2)
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    inside = [f for f in frames if _is_inside(f.f_code.co_filename, program_dir) and "/.venv/" not in
              f.f_code.co_filename]
    outside = [f for f in frames if not _is_machinery(f.f_code.co_filename)]
    chosen = (inside or outside or [None])[0]
    if chosen is None:
        return "an unknown place"
    path = Path(chosen.f_code.co_filename)
    shown = path.relative_to(program_dir) if _is_inside(str(path), program_dir) else path.name
    return f"{shown}:{chosen.f_lineno}"


def _is_machinery(filename: str) -> bool:
    """A frame of the Python standard library, a Pulumi SDK (pulumi, pulumi_aws, ...) or this engine."""
    # Asked for the callers of every read of the dry-run flag (about 2,500 per evaluation of dev): remembered for
    # one run, as _is_inside is (its last answer resolves the path).
    return _machinery(filename, None if os.path.isabs(filename) else os.getcwd())


@functools.cache
def _machinery(filename: str, cwd: str | None) -> bool:
    if filename == __file__ or filename.startswith("<frozen "):
        return True
    parts = Path(filename).parts
    if "site-packages" in parts:
        package = parts[parts.index("site-packages") + 1:][:1]
        return bool(package) and package[0].startswith("pulumi")
    return _is_inside(filename, Path(os.__file__).parent)


def _merged(secrets: list[KnownSecret]) -> tuple[KnownSecret, ...]:
    """One entry per plaintext, in the order first seen: secret if anything says so, a source if anything says so,
    and named after its source when it has one."""
    found: dict[str, KnownSecret] = {}
    for given in secrets:
        if not given.plaintext:
            continue
        current = found.get(given.plaintext)
        if current is not None:
            origin = current.origin if current.source or not given.source else given.origin
            given = KnownSecret(given.plaintext, origin, current.source or given.source,
                                current.secret or given.secret)
        found[given.plaintext] = given
    return tuple(found.values())


# ---- running a program --------------------------------------------------------------------------------------------
class _LogCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.INFO:
            self.messages.append((record.levelname.lower(), record.getMessage()))


_run_lock = threading.Lock()


def run_stack(stack: str, program_dir: Path | str = REPO_ROOT,
              config_overrides: Mapping[str, Any] | None = None, identity: Any = None,
              dry_run: bool = True) -> StackRun:
    """Evaluate `program_dir/__main__.py` for `stack` offline. `config_overrides` maps `ns:key` to a value (objects
    as Python dicts) or to None to remove the key; `identity` (mock_invokes.Identity) is the fake caller's account
    and organization. Raises ProgramError.

    A program runs as in a preview (`dry_run`). One that asks `pulumi.runtime.is_dry_run()` itself may build
    something else under `pulumi up`, which the gate would never see: it is run again as `pulumi up` runs it, and
    that run, what would be deployed, is returned, with a warning naming where the program asked."""
    from .mock_invokes import identity_scope

    program_dir = Path(program_dir).resolve()
    project = read_project(program_dir)
    config = read_stack_config(program_dir, project, stack)
    for key, value in (config_overrides or {}).items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    region = str(_strip_secure(config.get("aws:region", "us-east-1"), "aws:region")[0])
    main = _entry_point(program_dir, project)

    # The Pulumi runtime keeps process-wide state: one evaluation at a time, and none of it survives the run.
    close_event_loops_at_exit()
    # Which files are inside the program is remembered for one run only: between runs a directory may be replaced
    # by a symbolic link (or the other way round), and a long-lived process (the tests) must see that.
    _inside.cache_clear()
    _machinery.cache_clear()
    with _run_lock, identity_scope(identity) as who, _program_environment(program_dir), \
            _runtime_state(project["name"], stack, config, who.organization, dry_run) as logs:
        monitor = _configure_runtime(project["name"], stack, region, logs, who, dry_run)
        order = _ConstructionOrder(stack, project["name"])
        with order.recording(), _secret_calls(monitor.note, program_dir), _dry_run_reads(program_dir, main) as asked:
            error = _execute(main)
        run = StackRun(project=project["name"], stack=stack, region=region, config=config,
                       resources=monitor.recorded(order), exports=monitor.exports, logs=list(logs.messages),
                       secrets=_merged([*secure_config_secrets(config), *monitor.secrets]),
                       warnings=sorted(monitor.cloud.warnings))
    if dry_run and asked and error is None:
        up = run_stack(stack, program_dir, config_overrides, identity, dry_run=False)
        up.warnings = sorted({*up.warnings, f"the program reads the dry-run flag (pulumi.runtime.is_dry_run() or "
                                            f"another spelling: {', '.join(asked)}): judged as `pulumi up` runs it, "
                                            "which may differ from a preview"})
        return up
    if error is not None:
        # A program that fails while handling a secret may name it (a validation message quoting the value).
        redacted = ProgramError(redact(str(error), run.secrets), error.kind)
        redacted.resources = run.resources
        raise redacted from None
    errors = [redact(message, run.secrets) for level, message in run.logs if level == "error"]
    if errors:
        # pulumi.log.error fails a real `pulumi up` even when the program returns normally.
        raise ProgramError("the program logged errors:\n" + "\n".join(errors), "program")
    return run


# Shorter known secrets are left in messages: replacing every "5432" or "admin" would garble them. The same minimum
# as the policy pack's secrets rules (policies/rules/secrets.py MIN_SECRET_LENGTH), for the same reason.
_REDACT_MIN = 8


def redact(text: str, secrets: tuple[KnownSecret, ...]) -> str:
    """`text` with every known secret (and every secure placeholder) replaced by the mask, longest first."""
    for secret in sorted((s for s in secrets if s.secret), key=lambda s: -len(s.plaintext)):
        if len(secret.plaintext) >= _REDACT_MIN:
            text = text.replace(secret.plaintext, MASK)
    return re.sub(rf"{re.escape(SECURE_PLACEHOLDER)}-[0-9a-f]{{12}}", MASK, text)


def _entry_point(program_dir: Path, project: Mapping[str, Any]) -> Path:
    main = project.get("main")
    entry = program_dir / main if main else program_dir
    if entry.is_dir():
        entry = entry / "__main__.py"
    if not entry.is_file():
        raise ProgramError(f"no program to run: {entry} does not exist", "config")
    return entry


@contextmanager
def _program_environment(program_dir: Path) -> Iterator[None]:
    """What the Python language host does: cwd and sys.path at the program, and config only from the stack (the CLI
    sets PULUMI_CONFIG for the program, so a PULUMI_CONFIG* variable of the calling shell must not be read). A program
    outside this repository imports its own modules, not same-named ones already loaded (this repository's
    `components`), and they are dropped afterwards, so two programs never share a module."""
    before_path, before_cwd = list(sys.path), os.getcwd()
    hidden_env = {k: os.environ.pop(k) for k in [k for k in os.environ if k.startswith("PULUMI_CONFIG")]}
    # The engine's own package is never shadowed: its lazy imports must find this engine, not a program's copy of it
    # (an older checkout of this repository evaluated with --program, say).
    own_names = (_module_names(program_dir) - {__name__.split(".")[0]}) if program_dir != REPO_ROOT else set()
    shadowed = {name: sys.modules.pop(name) for name in list(sys.modules) if name.split(".")[0] in own_names}
    before_modules = set(sys.modules)
    sys.path.insert(0, str(program_dir))
    os.chdir(program_dir)
    try:
        yield
    finally:
        os.chdir(before_cwd)
        sys.path[:] = before_path
        os.environ.update(hidden_env)
        if program_dir != REPO_ROOT:
            for name in set(sys.modules) - before_modules:
                # By name as well as by file: a package of the program that is a link to a directory elsewhere
                # resolves outside it, and left loaded it would be the next program's same-named package.
                if name.split(".")[0] in own_names or _is_inside(getattr(sys.modules[name], "__file__", None),
                                                                 program_dir):
                    del sys.modules[name]
            sys.modules.update(shadowed)


def _module_names(program_dir: Path) -> set[str]:
    """Top-level modules and packages a program directory provides."""
    return ({p.stem for p in program_dir.glob("*.py") if p.stem != "__main__"}
            | {p.parent.name for p in program_dir.glob("*/__init__.py")})


def _is_inside(path: str | None, directory: Path) -> bool:
    # "<string>" (exec) and "<frozen ...>" (the standard library's frozen modules) name no file: resolved, they
    # would land in the working directory, which is the program's.
    # Asked for frames of every read of the dry-run flag (about 1,800 per evaluation of dev, nearly all from the same
    # few SDK files), and resolve() is a system call per path component: a quarter of an evaluation's time. A
    # relative name is resolved against the working directory, so that is part of the key.
    return bool(path) and not path.startswith("<") and _inside(path, directory,
                                                                None if os.path.isabs(path) else os.getcwd())


@functools.cache
def _inside(path: str, directory: Path, cwd: str | None) -> bool:
    return Path(path).resolve().is_relative_to(directory)


@contextmanager
def _runtime_state(project: str, stack: str, config: Mapping[str, Any],
                   organization: str = "organization", dry_run: bool = True) -> Iterator[_LogCollector]:
    """Set the SDK's process-wide state for one run and clear it afterwards, also when the program raised: options
    and root resource, config, the program's log handler, and the stack-trace shortcut below."""
    import pulumi.runtime.config as runtime_config
    from pulumi.runtime import resource as runtime_resource
    from pulumi.runtime import settings as runtime_settings
    from pulumi.runtime.proto import source_pb2

    runtime_settings.reset_options(project=project, stack=stack, preview=dry_run, organization=organization)
    values, secret_keys = _runtime_config(config)
    runtime_config.set_all_config(values, secret_keys)
    collector = _LogCollector()
    _PROGRAM_LOG.addHandler(collector)
    # The SDK walks and serializes the Python stack for every registration so the engine can show source positions.
    # Nothing here reads them, and it is a quarter of an evaluation's time (measured with cProfile on prod).
    get_stack_trace = runtime_resource._get_stack_trace
    runtime_resource._get_stack_trace = source_pb2.StackTrace
    try:
        yield collector
    finally:
        runtime_resource._get_stack_trace = get_stack_trace
        _PROGRAM_LOG.removeHandler(collector)
        runtime_config.set_all_config({}, [])
        runtime_settings.reset_options()


_PROGRAM_LOG = logging.getLogger("preflight.program")
_PROGRAM_LOG.propagate = False
# What the collector keeps (info and above). The SDK logs a debug line for every registration and every output;
# at DEBUG each became a LogRecord the collector then dropped.
_PROGRAM_LOG.setLevel(logging.INFO)


def _configure_runtime(project: str, stack: str, region: str, logs: _LogCollector, identity: Any,
                       dry_run: bool = True):
    from pulumi.runtime import settings as runtime_settings
    from pulumi.runtime.mocks import MockEngine, MockSettings

    from .mock_invokes import OfflineCloud

    monitor = _make_monitor_class()(OfflineCloud(region, identity), stack, project)
    features = set(monitor.GetDeploymentInfo(None).supportedFeatures)
    runtime_settings.configure(MockSettings(
        monitor=monitor, monitor_features=features, engine=MockEngine(_PROGRAM_LOG), project=project, stack=stack,
        dry_run=dry_run, organization=identity.organization, callbacks=None))
    return monitor


def _execute(main: Path) -> ProgramError | None:
    import pulumi
    from pulumi.runtime.stack import Stack, run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    def program() -> None:
        stack = Stack()
        try:
            runpy.run_path(str(main), run_name="__main__")
        finally:
            stack._finish()

    try:
        _sync_await(run_pulumi_func(program))
    except pulumi.RunError as error:
        return ProgramError(str(error), "settings")
    except Exception as error:  # noqa: BLE001 - whatever the program raised becomes one clear message
        return ProgramError(describe(error, main), "program")
    return None

