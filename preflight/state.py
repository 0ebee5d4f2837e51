"""`--state FILE`: read a deployed stack as `pulumi stack export` writes it (deployment format version 3).

The same pack then judges what is already running, as the engine would: resource policies on each resource's
inputs, stack policies on its outputs (pulumi/pulumi-policy#253 asks for exactly this audit).

State secrets are `{"<sig>": "<secret sig>", "ciphertext": ...}`; with `pulumi stack export --show-secrets` they also
carry "plaintext" (the JSON-encoded value). A secret without plaintext cannot be read offline: it becomes an unknown
value, so a rule that needs it reports "can't run" (advisory) instead of judging a value it never saw.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .engine import STACK_TYPE, RecordedResource, Secret
from .policy_eval import SECRET_SIG, SECRET_SIG_KEY, UNKNOWN

SUPPORTED_VERSION = 3


class StateError(ValueError):
    """The file is not a readable `pulumi stack export` (version 3) document."""


@dataclass
class DeployedStack:
    project: str
    stack: str
    resources: list[RecordedResource]
    exports: dict[str, Any]


def _value(raw: Any) -> Any:
    if isinstance(raw, Mapping):
        if raw.get(SECRET_SIG_KEY) == SECRET_SIG:
            if "plaintext" in raw:
                try:
                    return Secret(_value(json.loads(raw["plaintext"])))
                except (TypeError, ValueError):
                    return Secret(raw["plaintext"])
            if "value" in raw:  # the in-memory form, as some tools write it
                return Secret(_value(raw["value"]))
            return Secret(UNKNOWN)
        return {k: _value(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_value(v) for v in raw]
    return raw


def _split_urn(urn: str) -> tuple[str, str]:
    """urn:pulumi:<stack>::<project>::<type>::<name> -> (stack, project)."""
    parts = urn.split("::")
    if len(parts) < 4 or not parts[0].startswith("urn:pulumi:"):
        raise StateError(f"not a Pulumi URN: {urn!r}")
    return parts[0][len("urn:pulumi:"):], parts[1]


def load_state(path: Path | str) -> DeployedStack:
    path = Path(path)
    try:
        document = json.loads(path.read_text())
    except OSError as e:
        raise StateError(f"cannot read state file {path}: {e.strerror}") from e
    except ValueError as e:
        raise StateError(f"{path} is not JSON: {e}") from e
    if not isinstance(document, Mapping) or not isinstance(document.get("deployment"), Mapping):
        raise StateError(f"{path} is not a `pulumi stack export` file (no \"deployment\" object)")
    version = document.get("version")
    if version != SUPPORTED_VERSION:
        raise StateError(f"{path} has deployment version {version!r}; preflight reads version {SUPPORTED_VERSION}")
    raw_resources = document["deployment"].get("resources") or []
    if not isinstance(raw_resources, list):
        raise StateError(f"{path}: deployment.resources must be a list")

    resources: list[RecordedResource] = []
    exports: dict[str, Any] = {}
    stack = project = None
    for i, raw in enumerate(raw_resources):
        if not isinstance(raw, Mapping) or not raw.get("urn") or not raw.get("type"):
            raise StateError(f"{path}: deployment.resources[{i}] has no urn or type")
        stack, project = _split_urn(raw["urn"])
        if raw.get("delete"):
            continue  # a replaced resource waiting for deletion is not part of what runs
        if raw["type"] == STACK_TYPE:
            exports = _value(raw.get("outputs") or {})
            continue
        resources.append(RecordedResource(
            urn=raw["urn"], type=raw["type"], name=raw["urn"].rsplit("::", 1)[-1],
            custom=bool(raw.get("custom", False)), parent=raw.get("parent") or None,
            protect=bool(raw.get("protect", False)), dependencies=list(raw.get("dependencies") or []),
            property_dependencies={k: list(v or []) for k, v in (raw.get("propertyDependencies") or {}).items()},
            provider=raw.get("provider") or None, id=raw.get("id") or None,
            inputs=_value(raw.get("inputs") or {}), outputs=_value(raw.get("outputs") or {}),
            additional_secret_outputs=list(raw.get("additionalSecretOutputs") or []),
            delete_before_replace=bool(raw.get("deleteBeforeReplace", False)),
            ignore_changes=list(raw.get("ignoreChanges") or []),
            replace_on_changes=list(raw.get("replaceOnChanges") or []),
            retain_on_delete=bool(raw.get("retainOnDelete", False))))
    if stack is None or project is None:
        raise StateError(f"{path} holds no resources")
    return DeployedStack(project=project, stack=stack, resources=resources, exports=exports)
