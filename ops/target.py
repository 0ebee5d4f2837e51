"""Which cluster (and region, password parameter, bastion) a command acts on.

Flags win over the outputs file (`pulumi stack output --json`), which wins over nothing.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ops.errors import OpsError


@dataclass(frozen=True)
class Target:
    region: str | None
    cluster_id: str | None
    password_parameter: str | None = None
    bastion_instance: str | None = None

    outputs_path: str | None = None

    def require_cluster(self) -> str:
        if not self.cluster_id:
            if self.outputs_path:
                raise OpsError(f"--outputs {self.outputs_path}: no clusterIdentifier in it; pass --cluster ID")
            raise OpsError("no cluster given: pass --cluster ID, or --outputs FILE with a clusterIdentifier")
        return self.cluster_id


def load_outputs(path: str) -> dict[str, Any]:
    """Read the JSON printed by `pulumi stack output --json`.

    Read as bytes: json detects UTF-8 (with or without a BOM), UTF-16 and UTF-32, which is what
    `pulumi stack output --json > f.json` leaves on Windows PowerShell (UTF-16 with a BOM)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise OpsError(f"--outputs {path}: cannot read: {exc.strerror}") from None
    try:
        data = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise OpsError(f"--outputs {path}: not text in UTF-8, UTF-16 or UTF-32 ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise OpsError(f"--outputs {path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise OpsError(f"--outputs {path}: expected a JSON object of stack outputs")
    return data


def _text(outputs: dict[str, Any], key: str, path: str) -> str | None:
    value = outputs.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise OpsError(f"--outputs {path}: {key} should be a string, got {type(value).__name__}")
    return value


def resolve_target(args: argparse.Namespace) -> Target:
    outputs: dict[str, Any] = {}
    path = getattr(args, "outputs", None)
    if path:
        outputs = load_outputs(path)

    def pick(flag: str, key: str) -> str | None:
        given = getattr(args, flag, None)
        return given if given else (_text(outputs, key, path) if path else None)

    return Target(
        region=pick("region", "region"),
        cluster_id=pick("cluster", "clusterIdentifier"),
        password_parameter=pick("password_parameter", "passwordParameterName"),
        bastion_instance=pick("bastion_instance", "bastionInstanceId"),
        outputs_path=path,
    )
