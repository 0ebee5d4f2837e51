"""The project's one offline engine: runs a real Pulumi program for a named stack under Pulumi's mock runtime.

The tests and `python -m preflight` both use it. Compared with the stock `pulumi.runtime.set_mocks` it:
- reads the stack's `Pulumi.<stack>.yaml` (and project defaults from `Pulumi.yaml`) into the runtime config;
- forms URNs as the engine does (the parent's full qualified type chain, nothing for children of the root stack);
- refuses duplicate URNs as the engine does, instead of silently overwriting;
- records what the program asked for: inputs, parent, protect, dependencies, property dependencies, options;
- treats `additionalSecretOutputs` (and secret inputs) as secret outputs, as the engine does;
- gives computed outputs a plausible, deterministic shape (see mock_cloud.py);
- captures the stack's exports and component outputs, with secrets kept as `Secret`;
- resets the runtime between runs, so runs do not depend on each other or on their order.
"""

from __future__ import annotations

import json
import logging
import os
import runpy
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
STACK_TYPE = "pulumi:pulumi:Stack"
MASK = "[secret]"
# What the offline engine substitutes for a `secure:` config value it cannot decrypt.
SECURE_PLACEHOLDER = "preflight-placeholder-secret"


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


def contains_secret(value: Any) -> bool:
    if isinstance(value, Secret):
        return True
    if isinstance(value, dict):
        return any(contains_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_secret(v) for v in value)
    return False


# ---- stack configuration --------------------------------------------------------------------------------------------
def read_project(program_dir: Path) -> dict[str, Any]:
    project_file = program_dir / "Pulumi.yaml"
    if not project_file.is_file():
        raise ProgramError(f"no Pulumi.yaml in {program_dir}: not a Pulumi project", "config")
    try:
        project = yaml.safe_load(project_file.read_text()) or {}
    except yaml.YAMLError as error:
        raise ProgramError(f"{project_file} is not valid YAML: {error}", "config") from None
    if not isinstance(project, dict) or not project.get("name"):
        raise ProgramError(f"{project_file} has no project name", "config")
    return project


def list_stacks(program_dir: Path = REPO_ROOT) -> list[str]:
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in program_dir.glob("Pulumi.*.yaml"))


def read_stack_config(program_dir: Path, project: Mapping[str, Any], stack: str) -> dict[str, Any]:
    """Config values as the user wrote them (objects stay objects), keyed `namespace:key`."""
    stack_file = program_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        known = ", ".join(list_stacks(program_dir)) or "none"
        raise ProgramError(f"stack '{stack}' has no {stack_file.name} in {program_dir} (stacks here: {known})",
                           "config")
    try:
        document = yaml.safe_load(stack_file.read_text()) or {}
    except yaml.YAMLError as error:
        raise ProgramError(f"{stack_file.name} is not valid YAML: {error}", "config") from None
    name = project["name"]
    config: dict[str, Any] = {}
    # Project-level defaults (`config:` in Pulumi.yaml), then the stack's own values.
    for key, spec in (project.get("config") or {}).items():
        if isinstance(spec, Mapping) and ("default" in spec or "value" in spec):
            config[_qualify(key, name)] = spec.get("value", spec.get("default"))
        elif not isinstance(spec, Mapping):
            config[_qualify(key, name)] = spec
    for key, value in ((document.get("config") if isinstance(document, Mapping) else None) or {}).items():
        config[_qualify(key, name)] = value
    return config


def _qualify(key: str, project_name: str) -> str:
    return key if ":" in key else f"{project_name}:{key}"


def _runtime_config(config: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The runtime wants strings: objects as JSON, `secure:` values replaced (the offline engine cannot decrypt)."""
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in config.items():
        plain, was_secret = _strip_secure(value)
        if was_secret:
            secret_keys.append(key)
        if isinstance(plain, str):
            values[key] = plain
        elif isinstance(plain, bool):
            values[key] = "true" if plain else "false"
        else:
            values[key] = json.dumps(plain)
    return values, secret_keys


def _strip_secure(value: Any) -> tuple[Any, bool]:
    if isinstance(value, Mapping):
        if set(value) == {"secure"}:
            return SECURE_PLACEHOLDER, True
        items = {k: _strip_secure(v) for k, v in value.items()}
        return {k: v for k, (v, _) in items.items()}, any(s for _, s in items.values())
    if isinstance(value, list):
        items = [_strip_secure(v) for v in value]
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
    return value


def _to_rpc(value: Any) -> Any:
    from pulumi.runtime import rpc

    if isinstance(value, Secret):
        return rpc.wrap_rpc_secret(_to_rpc(value.value))
    if isinstance(value, dict):
        return {k: _to_rpc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_rpc(v) for v in value]
    return value


def _make_monitor_class():
    # Imported lazily: importing pulumi costs a quarter of a second that `--help` and config errors need not pay.
    from pulumi.runtime import rpc
    from pulumi.runtime.mocks import MockMonitor, Mocks
    from pulumi.runtime.proto import resource_pb2
    from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

    from .mock_cloud import MockCloud

    class CloudMocks(Mocks):
        def __init__(self, cloud: MockCloud):
            self.cloud = cloud

        def call(self, args):
            return self.cloud.call(args.token, unwrap_secrets(_from_rpc(args.args)))

        def new_resource(self, args):
            return self.cloud.new_resource(args.typ, args.name, f"read:{args.typ}:{args.name}",
                                           unwrap_secrets(_from_rpc(args.inputs)))

    class RecordingMonitor(MockMonitor):
        def __init__(self, cloud: MockCloud, stack: str, project: str):
            super().__init__(CloudMocks(cloud))
            self.cloud = cloud
            self.stack = stack
            self.project = project
            self.lock = threading.Lock()
            self.records: dict[str, RecordedResource] = {}
            self.order: list[str] = []
            self.stack_urn: str | None = None
            self.exports: dict[str, Any] = {}

        def make_urn(self, parent: str, type_: str, name: str) -> str:
            qualified = type_
            if parent:
                parent_type = parent.split("::")[2]
                if parent_type != STACK_TYPE:
                    qualified = f"{parent_type}${type_}"
            return f"urn:pulumi:{self.stack}::{self.project}::{qualified}::{name}"

        def RegisterResource(self, request):
            urn = self.make_urn(request.parent, request.type, request.name)
            if request.type == STACK_TYPE:
                self.stack_urn = urn
                return resource_pb2.RegisterResourceResponse(urn=urn)
            _ensure_event_loop()
            inputs = _from_rpc(rpc.deserialize_properties(request.object))
            with self.lock:
                if urn in self.records:
                    raise Exception(f"Duplicate resource URN '{urn}'; try giving it a unique name")
                # Reserve the URN before the (slower) output computation so a concurrent duplicate is caught too.
                self.records[urn] = None  # type: ignore[assignment]
                self.order.append(urn)
            secret_outputs = list(request.additionalSecretOutputs)
            if request.custom:
                resource_id, computed = self.cloud.new_resource(request.type, request.name, urn,
                                                                unwrap_secrets(inputs))
                secret_keys = {k for k, v in inputs.items() if contains_secret(v)} | set(secret_outputs)
                outputs = {k: Secret(v) if k in secret_keys and not isinstance(v, Secret) else v
                           for k, v in computed.items()}
            else:
                resource_id, outputs = None, {}
            record = RecordedResource(
                urn=urn, type=request.type, name=request.name, custom=bool(request.custom),
                parent=request.parent or None, protect=bool(request.protect),
                dependencies=list(request.dependencies),
                property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                provider=request.provider or None, id=resource_id, inputs=inputs, outputs=outputs,
                additional_secret_outputs=secret_outputs,
                delete_before_replace=bool(request.deleteBeforeReplace),
                ignore_changes=list(request.ignoreChanges), replace_on_changes=list(request.replaceOnChanges),
                retain_on_delete=bool(request.retainOnDelete))
            with self.lock:
                self.records[urn] = record
            response_object = _sync_await(rpc.serialize_properties(_to_rpc(outputs), {}))
            return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id or "", object=response_object)

        def RegisterResourceOutputs(self, request):
            _ensure_event_loop()
            outputs = _from_rpc(rpc.deserialize_properties(request.outputs))
            with self.lock:
                if request.urn == self.stack_urn:
                    self.exports = outputs
                elif self.records.get(request.urn) is not None:
                    self.records[request.urn].outputs = outputs
            return super().RegisterResourceOutputs(request)

        def recorded(self) -> list[RecordedResource]:
            return [self.records[urn] for urn in self.order if self.records.get(urn) is not None]

    return RecordingMonitor


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
              config_overrides: Mapping[str, Any] | None = None) -> StackRun:
    """Evaluate `program_dir/__main__.py` for `stack` offline. `config_overrides` maps `ns:key` to a value (objects
    as Python dicts) or to None to remove the key. Raises ProgramError."""
    program_dir = Path(program_dir).resolve()
    project = read_project(program_dir)
    config = read_stack_config(program_dir, project, stack)
    for key, value in (config_overrides or {}).items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    region = str(_strip_secure(config.get("aws:region", "us-east-1"))[0])
    main = _entry_point(program_dir, project)

    # The Pulumi runtime keeps process-wide state: one evaluation at a time.
    with _run_lock, _program_environment(program_dir):
        monitor, collector = _configure_runtime(project["name"], stack, region, config)
        error = _execute(main)
        run = StackRun(project=project["name"], stack=stack, region=region, config=config,
                       resources=monitor.recorded(), exports=monitor.exports, logs=collector.messages)
    if error is not None:
        error.resources = run.resources
        raise error
    errors = [message for level, message in run.logs if level == "error"]
    if errors:
        # pulumi.log.error fails a real `pulumi up` even when the program returns normally.
        raise ProgramError("the program logged errors:\n" + "\n".join(errors), "program")
    return run


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
    """What the Python language host does: cwd and sys.path at the program. Modules the program imports from its own
    directory are dropped afterwards unless it is this repository, so two programs never share a `components`."""
    before_modules = set(sys.modules)
    before_path = list(sys.path)
    before_cwd = os.getcwd()
    sys.path.insert(0, str(program_dir))
    os.chdir(program_dir)
    try:
        yield
    finally:
        os.chdir(before_cwd)
        sys.path[:] = before_path
        if program_dir != REPO_ROOT:
            for name in set(sys.modules) - before_modules:
                module_file = getattr(sys.modules[name], "__file__", None) or ""
                if module_file.startswith(str(program_dir)):
                    del sys.modules[name]


def _configure_runtime(project: str, stack: str, region: str, config: Mapping[str, Any]):
    import pulumi.runtime.config as runtime_config
    from pulumi.runtime import settings as runtime_settings
    from pulumi.runtime.mocks import MockEngine, MockSettings

    from .mock_cloud import MockCloud

    runtime_settings.reset_options(project=project, stack=stack, preview=True, organization="organization")
    values, secret_keys = _runtime_config(config)
    runtime_config.set_all_config(values, secret_keys)

    collector = _LogCollector()
    logger = logging.getLogger(f"preflight.program.{id(collector)}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(collector)

    monitor = _make_monitor_class()(MockCloud(region), stack, project)
    features = set(monitor.GetDeploymentInfo(None).supportedFeatures)
    runtime_settings.configure(MockSettings(
        monitor=monitor, monitor_features=features, engine=MockEngine(logger), project=project, stack=stack,
        dry_run=True, organization="organization", callbacks=None))
    return monitor, collector


def _execute(main: Path) -> ProgramError | None:
    import pulumi
    from pulumi.runtime import resource as runtime_resource
    from pulumi.runtime.proto import source_pb2
    from pulumi.runtime.stack import Stack, run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    # The SDK walks and serializes the Python stack for every registration so the engine can show source positions.
    # Nothing here reads them, and it is a quarter of an evaluation's time (measured with cProfile on prod).
    runtime_resource._get_stack_trace = source_pb2.StackTrace

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
        return ProgramError(_describe(error, main), "program")
    return None


def _describe(error: BaseException, main: Path) -> str:
    """The exception and the innermost frame inside the program's directory: enough to find the bug, no wall."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(str(main.parent))
              and "/.venv/" not in f.filename]
    where = f" (at {Path(frames[-1].filename).relative_to(main.parent)}:{frames[-1].lineno})" if frames else ""
    kind = "" if type(error) is Exception else f"{type(error).__name__}: "
    return f"{kind}{error}{where}"
