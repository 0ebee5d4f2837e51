"""`--state FILE`: read a deployed stack as `pulumi stack export` writes it (deployment format version 3).

The same pack then judges what is already running, as the engine would: resource policies on each resource's
inputs, stack policies on its outputs (pulumi/pulumi-policy#253 asks for exactly this audit).

State secrets are `{"<sig>": "<secret sig>", "ciphertext": ...}`; with `pulumi stack export --show-secrets` they also
carry "plaintext" (the JSON-encoded value). A secret without plaintext cannot be read offline: it becomes an unknown
value, and a mandatory rule that reads it reports that it cannot verify (preflight/policy_eval.py), never a pass.

A file that is not such a document - unreadable JSON, too deep, numbers out of float64 range, a field of the wrong
JSON type (an `urn` that is a number, `inputs` that is a list) - is a StateError naming the file and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import jsonfile
from .engine import STACK_TYPE, RecordedResource, Secret
from .policy_eval import SECRET_SIG, SECRET_SIG_KEY, UNKNOWN

SUPPORTED_VERSION = 3
# A reference to another resource inside a property (`pulumi.Resource` as an input); the engine hands analyzers
# its id (a custom resource) or its URN (a component), never the reference itself.
RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"

# Resource fields that are read, with the JSON types they must have (None always allowed: Go writes omitted
# fields as absent, some tools as null).
_STRING_FIELDS = ("parent", "provider", "id")
_BOOL_FIELDS = ("custom", "protect", "delete", "deleteBeforeReplace", "retainOnDelete", "external")
_STRING_LIST_FIELDS = ("dependencies", "additionalSecretOutputs", "ignoreChanges", "replaceOnChanges")
_OBJECT_FIELDS = ("inputs", "outputs")


class StateError(ValueError):
    """The file is not a readable `pulumi stack export` (version 3) document."""


@dataclass
class DeployedStack:
    project: str
    stack: str
    resources: list[RecordedResource]
    exports: dict[str, Any]


def _value(raw: Any, where: str) -> Any:
    if isinstance(raw, Mapping):
        sig = raw.get(SECRET_SIG_KEY)
        if sig == SECRET_SIG:
            if "plaintext" in raw:
                plaintext = raw["plaintext"]
                # `--show-secrets` writes the JSON encoding of the value. Anything else is not a value this tool
                # can judge: guessing (the raw text as a string) would let a rule pass on a value nobody set.
                if not isinstance(plaintext, str):
                    raise StateError(f"{where}: a secret's plaintext must be a string holding JSON, got "
                                     f"{jsonfile.type_name(plaintext)}")
                try:
                    return Secret(_value(jsonfile.loads(plaintext), where))
                except jsonfile.JsonInputError as error:
                    raise StateError(f"{where}: a secret's plaintext is unusable: {error}") from None
            if "value" in raw:  # the in-memory form, as some tools write it
                return Secret(_value(raw["value"], where))
            return Secret(UNKNOWN)
        if sig == RESOURCE_REFERENCE_SIG:
            reference = raw.get("id") or raw.get("urn")
            return reference if isinstance(reference, str) else UNKNOWN
        if SECRET_SIG_KEY in raw:
            # An asset, an archive or a signature this tool does not know: the SDK would refuse the object, and
            # no rule judges file contents, so it is a value that cannot be seen (a rule reading it cannot verify).
            return UNKNOWN
        return {k: _value(v, f"{where}.{k}") for k, v in raw.items()}
    if isinstance(raw, list):
        return [_value(v, f"{where}[{i}]") for i, v in enumerate(raw)]
    return raw


def _split_urn(urn: str, where: str) -> tuple[str, str]:
    """urn:pulumi:<stack>::<project>::<type>::<name> -> (stack, project)."""
    parts = urn.split("::")
    if len(parts) < 4 or not parts[0].startswith("urn:pulumi:") or not all(parts[:4]) \
            or parts[0] == "urn:pulumi:":
        shown = urn if len(urn) <= 80 else urn[:77] + "..."
        raise StateError(f"{where}.urn is not a Pulumi URN (urn:pulumi:STACK::PROJECT::TYPE::NAME): {shown!r}")
    return parts[0][len("urn:pulumi:"):], parts[1]


def _check_types(raw: Mapping[str, Any], where: str) -> None:
    """Each field the gate reads has the JSON type Pulumi writes, or the file is refused (never coerced:
    `"protect": "false"` must not read as protected)."""
    def wrong(key: str, allowed: str) -> StateError:
        return StateError(f"{where}.{key} must be {allowed}, got {jsonfile.type_name(raw[key])}")

    for key in ("urn", "type"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            if key not in raw:
                raise StateError(f"{where} has no {key}")
            raise wrong(key, "a non-empty string")
    for key in _STRING_FIELDS:
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise wrong(key, "a string")
    for key in _BOOL_FIELDS:
        if raw.get(key) is not None and not isinstance(raw[key], bool):
            raise wrong(key, "true or false")
    for key in _STRING_LIST_FIELDS:
        value = raw.get(key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            raise wrong(key, "a list of strings")
    for key in _OBJECT_FIELDS:
        if raw.get(key) is not None and not isinstance(raw[key], Mapping):
            raise wrong(key, "an object")
    deps = raw.get("propertyDependencies")
    if deps is not None:
        if not isinstance(deps, Mapping):
            raise wrong("propertyDependencies", "an object of lists of URNs")
        for name, urns in deps.items():
            if urns is not None and (not isinstance(urns, list) or not all(isinstance(u, str) for u in urns)):
                raise StateError(f"{where}.propertyDependencies.{name} must be a list of URN strings, got "
                                 f"{jsonfile.type_name(urns)}")


def load_state(path: Path | str) -> DeployedStack:
    path = Path(path)
    try:
        document = jsonfile.load(path)
    except jsonfile.JsonInputError as e:
        raise StateError(f"state file {e}") from None
    if not isinstance(document, Mapping) or not isinstance(document.get("deployment"), Mapping):
        raise StateError(f"{path} is not a `pulumi stack export` file (no \"deployment\" object)")
    version = document.get("version")
    if version != SUPPORTED_VERSION or isinstance(version, bool):
        shown = version if not isinstance(version, str) or len(version) <= 20 else version[:17] + "..."
        raise StateError(f"{path} has deployment version {shown!r}; preflight reads version {SUPPORTED_VERSION}")
    raw_resources = document["deployment"].get("resources") or []
    if not isinstance(raw_resources, list):
        raise StateError(f"{path}: deployment.resources must be a list, got {jsonfile.type_name(raw_resources)}")

    resources: list[RecordedResource] = []
    exports: dict[str, Any] = {}
    stack = project = None
    # URNs with a live entry: only such a resource's old copy (`delete: true`, its replacement already created) is
    # skipped. A lone `delete: true` is no replacement (the engine leaves none) and must not hide a resource.
    live = {raw.get("urn") for raw in raw_resources
            if isinstance(raw, Mapping) and isinstance(raw.get("urn"), str) and not raw.get("delete")}
    for i, raw in enumerate(raw_resources):
        where = f"deployment.resources[{i}]"
        if not isinstance(raw, Mapping):
            raise StateError(f"{path}: {where} must be an object, got {jsonfile.type_name(raw)}")
        try:
            _check_types(raw, where)
            this_stack, this_project = _split_urn(raw["urn"], where)
        except StateError as error:
            raise StateError(f"{path}: {error}") from None
        if stack is not None and (this_stack, this_project) != (stack, project):
            # One export is one stack: a file stitched from two would be judged as neither.
            raise StateError(f"{path}: {where}.urn is of stack {this_project}/{this_stack}, the file's first "
                             f"resource of {project}/{stack}")
        stack, project = this_stack, this_project
        if raw.get("delete") and raw["urn"] in live:
            continue  # a replaced resource waiting for deletion is not part of what runs
        try:
            inputs = _value(raw.get("inputs") or {}, f"{where}.inputs")
            outputs = _value(raw.get("outputs") or {}, f"{where}.outputs")
            for key, value in (("inputs", inputs), ("outputs", outputs)):
                if not isinstance(value, dict):  # the object itself was a special value: Pulumi writes none
                    raise StateError(f"{where}.{key} must be an object of properties, got a secret or special "
                                     "value")
        except StateError as error:
            raise StateError(f"{path}: {error}") from None
        if raw["type"] == STACK_TYPE:
            exports = outputs
            continue
        resources.append(RecordedResource(
            urn=raw["urn"], type=raw["type"], name=raw["urn"].rsplit("::", 1)[-1],
            custom=bool(raw.get("custom", False)), parent=raw.get("parent") or None,
            protect=bool(raw.get("protect", False)), dependencies=list(raw.get("dependencies") or []),
            property_dependencies={k: list(v or []) for k, v in (raw.get("propertyDependencies") or {}).items()},
            provider=raw.get("provider") or None, id=raw.get("id") or None,
            inputs=inputs, outputs=outputs,
            additional_secret_outputs=list(raw.get("additionalSecretOutputs") or []),
            delete_before_replace=bool(raw.get("deleteBeforeReplace", False)),
            ignore_changes=list(raw.get("ignoreChanges") or []),
            replace_on_changes=list(raw.get("replaceOnChanges") or []),
            retain_on_delete=bool(raw.get("retainOnDelete", False))))
    if stack is None or project is None:
        raise StateError(f"{path} holds no resources")
    return DeployedStack(project=project, stack=stack, resources=resources, exports=exports)
