"""Every input of every resource the Aurora components build in production, with the proxy (password login) and the
SQL services on, compared with the reviewed record in tests/golden/aurora_prod_inputs.json
(docs/mutation-testing.md, "Kill rate of the Aurora components").

Mutation testing found many inputs nothing pinned: the backup plan's completion window and lifetime, the proxy's
role, a policy statement's element name, a dependency. Each is something `pulumi up` would send to AWS. The record
names other resources' generated values by where they come from (`<Key database-key.arn>`), so it does not depend on
the mock's ids; a secret input is recorded only as the resource it comes from.

The record is the production program as reviewed, not a value computed by the test. When a change is meant to alter
what is deployed, regenerate it with `python -m tests.test_aurora_deployed_inputs` and review the diff like code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from preflight.engine import RecordedResource, StackRun, read_stack_config, run_stack
from tests.conftest import REPO_ROOT
from tests.test_aurora_variants import MYSQL

GOLDEN = Path(__file__).parent / "golden" / "aurora_prod_inputs.json"
KEY = "aurora-platform:database"
COMPONENT = "aurora-platform:database:AuroraCluster"
# Built by components/kms.py (measured and pinned by its own tests), not by the Aurora components.
NOT_AURORA = ("aurora-platform:security:EncryptionKey", "aws:kms/key:Key", "aws:kms/alias:Alias")


def overrides() -> dict:
    database = {**dict(read_stack_config(REPO_ROOT, {"name": "aurora-platform"}, "prod")[KEY]),
                "proxy": {"enabled": True, "iamAuth": False},
                "s3Export": {"enabled": True, "expirationDays": 30},
                "s3Import": {"enabled": True, "bucketName": "blog-imports", "prefix": "csv/"},
                "lambdaInvoke": {"enabled": True, "functions": ["notify"]}}
    return {KEY: database}


def _leaves(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*map(_leaves, value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*map(_leaves, value)) if value else set()
    return {value} if isinstance(value, str) else set()


def generated_values(run: StackRun) -> dict[str, str]:
    """Each output string a resource did not get from its own inputs (ids, ARNs, endpoints), as `<name.output>`."""
    names: dict[str, str] = {}
    for resource in run.resources:
        if resource.type.startswith("aurora-platform:") or resource.type == "pulumi:pulumi:Stack":
            continue  # a component's outputs repeat its children's values; only generated ones are wanted
        given = _leaves(resource.inputs)
        kind = resource.type.rsplit(":", 1)[-1]
        for key, value in sorted(resource.outputs.items()):
            if (isinstance(value, str) and len(value) >= 8 and not value.isdigit() and value not in given
                    and value not in names and key not in ("region", "ownerId", "accountId")):
                names[value] = f"<{kind} {resource.name}.{key}>"
    return names


def symbolic(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: symbolic(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [symbolic(v, names) for v in value]
    if isinstance(value, str):
        for generated in sorted(names, key=len, reverse=True):
            value = value.replace(generated, names[generated])
        return value
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    return "<secret>"


def record(run: StackRun) -> dict[str, dict]:
    names = generated_values(run)
    [component] = [r for r in run.resources if r.type == COMPONENT]
    found: dict[str, dict] = {}
    for resource in run.descendants(component.urn):
        if resource.type in NOT_AURORA or resource.parent != component.urn:
            continue
        found[f"{resource.type}::{resource.name}"] = describe(run, resource, names)
    return found


def describe(run: StackRun, resource: RecordedResource, names: dict[str, str]) -> dict:
    secret_sources = {k: sorted(run.by_urn(u).name for u in urns)
                      for k, urns in resource.property_dependencies.items() if urns and "Wo" in k}
    inputs = {k: v for k, v in resource.inputs.items() if k not in secret_sources}
    return {"inputs": symbolic(inputs, names), "secretInputsFrom": secret_sources, "protect": resource.protect,
            "dependsOn": sorted(run.by_urn(u).name for u in resource.dependencies),
            # options that decide what an update does to the resource (replace, keep, ignore a drift)
            "deleteBeforeReplace": resource.delete_before_replace, "ignoreChanges": resource.ignore_changes,
            "replaceOnChanges": resource.replace_on_changes, "retainOnDelete": resource.retain_on_delete,
            "additionalSecretOutputs": resource.additional_secret_outputs,
            "provider": resource.provider and resource.provider.split("::")[-2].rsplit("$", 1)[-1]}


# The other shapes `AuroraCluster._cluster_args` and `_instances` build: what each variant sends for the cluster, its
# instances, the global cluster and the proxy (the rest of the program is as above).
VARIANT_GOLDEN = Path(__file__).parent / "golden" / "aurora_variant_inputs.json"
VARIANT_TYPES = ("aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance",
                 "aws:rds/globalCluster:GlobalCluster", "aws:rds/proxy:Proxy")
MORE_VARIANTS = {
    "dev": ("dev", None),
    "io-optimized-forwarding": ("prod", {"readers": 1, "storageType": "io-optimized",
                                         "writeForwarding": {"local": True}}),
    "serverless-no-pause": ("dev", {"instanceClass": "db.serverless", "readers": 1, "deletionProtection": False,
                                    "serverless": {"minCapacity": 0.5, "maxCapacity": 8}}),
    "latest-point-in-time": ("dev", {"readers": 0, "deletionProtection": False, "restoreFrom": {
        "sourceClusterIdentifier": "aurora-platform-prod", "useLatestRestorableTime": True}}),
    "mysql-without-backtrack": ("prod", {**MYSQL, "backtrackHours": 0, "readers": 1}),
    "without-performance-insights": ("prod", {"readers": 1, "performanceInsights": False}),
    "global-secondary-forwarding": ("prod", {"readers": 1, "engineVersion": "16.6", "writeForwarding": {"global": True},
                                             "global": {"enabled": True, "role": "secondary",
                                                        "identifier": "aurora-platform-prod"}}),
}


def variant_overrides(name: str) -> tuple[str, dict | None]:
    from tests.test_aurora_variants import VARIANTS
    stack, database = {**VARIANTS, **MORE_VARIANTS}[name]
    if database is None:
        return stack, None
    found: dict = {KEY: database, "aurora-platform:app": None}
    if "secondary" in name:
        found["aws:region"] = "eu-west-1"
    return stack, found


def variant_record(run: StackRun) -> dict[str, dict]:
    return {name: value for name, value in record(run).items() if name.split("::")[0] in VARIANT_TYPES}


def variant_names() -> list[str]:
    from tests.test_aurora_variants import VARIANTS
    return sorted({**VARIANTS, **MORE_VARIANTS})


@pytest.mark.parametrize("name", variant_names())
def test_each_variant_sends_exactly_the_reviewed_cluster_inputs(evaluate, name):
    stack, changes = variant_overrides(name)
    found = variant_record(evaluate(stack, changes))
    expected = json.loads(VARIANT_GOLDEN.read_text())[name]
    assert sorted(found) == sorted(expected)
    for resource in expected:
        assert found[resource] == expected[resource], resource


def test_production_deploys_exactly_the_reviewed_inputs(evaluate):
    found = record(evaluate("prod", overrides()))
    expected = json.loads(GOLDEN.read_text())
    assert sorted(found) == sorted(expected)
    for name in expected:
        assert found[name] == expected[name], name


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(record(run_stack("prod", REPO_ROOT, overrides())), indent=1, sort_keys=True) + "\n")
    VARIANT_GOLDEN.write_text(json.dumps({name: variant_record(run_stack(*variant_overrides(name)[:1], REPO_ROOT,
                                                                         variant_overrides(name)[1]))
                                          for name in variant_names()}, indent=1, sort_keys=True) + "\n")
