"""Helpers for the policy tests: every rule runs through the SDK's own analyzer (preflight.policy_eval)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from preflight.policy_eval import Analyzer, Evaluation, Resource

STACK = "urn:pulumi:test::aurora-platform::"


def urn(type_: str, name: str) -> str:
    return f"{STACK}{type_}::{name}"


def resource(type_: str, name: str, props: Mapping[str, Any], **extra: Any) -> Resource:
    """A resource whose inputs and outputs are `props` (what the mock engine records for a new resource)."""
    return Resource(urn=urn(type_, name), type=type_, name=name, inputs=dict(props), outputs=dict(props), **extra)


_DEFAULT: Analyzer | None = None


def analyzer(config: Mapping[str, Any] | None = None) -> Analyzer:
    global _DEFAULT
    if config is not None:
        return Analyzer(config)
    if _DEFAULT is None:
        _DEFAULT = Analyzer()
    return _DEFAULT


def messages(evaluation: Evaluation, policy: str) -> list[str]:
    return [v.detail for v in evaluation.violations if v.policy == policy]


def check(policy: str, type_: str, props: Mapping[str, Any], config: Mapping[str, Any] | None = None,
          name: str = "subject", **extra: Any) -> list[str]:
    """The rule's messages for one resource, evaluated as the engine's Analyze call would."""
    return messages(analyzer(config).analyze(resource(type_, name, props, **extra)), policy)


def check_stack(policy: str, resources: list[Resource], config: Mapping[str, Any] | None = None) -> list[str]:
    return messages(analyzer(config).analyze_stack(resources), policy)


def changed(base: Mapping[str, Any], **updates: Any) -> dict[str, Any]:
    """A copy of base with keys replaced; a value of None removes the key (AWSGuard: one change per test)."""
    result = dict(base)
    for key, value in updates.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result
