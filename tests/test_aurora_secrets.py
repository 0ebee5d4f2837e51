"""The master password: generated without the characters RDS rejects, and present nowhere in plain text."""

from __future__ import annotations

import random
from typing import Any

import pytest

from components.aurora import PASSWORD_SPECIALS
from preflight.engine import Secret, unwrap_secrets
from preflight.mock_cloud import generate_password
from tests.test_aurora_variants import VARIANTS, variant

RDS_REJECTS = set('/@" ')


def test_the_generator_can_never_produce_a_character_rds_rejects(any_stack):
    [password] = [p for p in any_stack.of_type("random:index/randomPassword:RandomPassword")
                  if not p.name.startswith("app-database-role")]
    inputs = unwrap_secrets(password.inputs)
    # long enough, and within Aurora MySQL's 41-character limit for master passwords
    assert inputs["special"] is True and 16 <= inputs["length"] <= 41
    assert not RDS_REJECTS & set(inputs["overrideSpecial"])
    # the provider draws only from upper, lower, digits and overrideSpecial: generate many with these inputs
    for seed in range(2000):
        generated = generate_password(inputs, random.Random(seed))
        assert len(generated) == inputs["length"]
        assert not RDS_REJECTS & set(generated)
        assert sum(c.isupper() for c in generated) >= inputs["minUpper"]
        assert sum(c in inputs["overrideSpecial"] for c in generated) >= inputs["minSpecial"]
    assert inputs["overrideSpecial"] == PASSWORD_SPECIALS


def _plain_strings(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every string outside a Secret wrapper, with where it was found."""
    if isinstance(value, Secret):
        return []
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in _plain_strings(v, f"{path}.{k}")]
    if isinstance(value, list | tuple):
        return [found for i, v in enumerate(value) for found in _plain_strings(v, f"{path}[{i}]")]
    return [(path, value)] if isinstance(value, str) else []


def _assert_nowhere_in_plain_text(run) -> None:
    [password] = [p for p in run.of_type("random:index/randomPassword:RandomPassword")
                  if not p.name.startswith("app-database-role")]
    assert isinstance(password.outputs["result"], Secret)
    value = password.outputs["result"].value
    leaks = [(resource.urn, where) for resource in run.resources
             for where, text in _plain_strings(resource.inputs, "inputs") + _plain_strings(resource.outputs, "outputs")
             if value in text]
    leaks += [("exports", where) for where, text in _plain_strings(run.exports) if value in text]
    assert leaks == []
    # and the places that do carry it carry it as a secret
    carriers = [r for r in run.resources if value in repr(unwrap_secrets(r.inputs))]
    assert carriers, "the password reaches the cluster and the parameter"


def test_no_plaintext_password_in_any_recorded_input_output_or_export(any_stack):
    _assert_nowhere_in_plain_text(any_stack)


@pytest.mark.parametrize("name", ["mysql", "proxy-password", "snapshot"])
def test_no_plaintext_password_in_the_variants(name):
    assert name in VARIANTS
    _assert_nowhere_in_plain_text(variant(name))


def test_raising_password_version_generates_a_new_password_and_sends_it_everywhere(evaluate):
    """Write-only values are sent only when their version changes (Pulumi: "a change to the version field will prompt
    Pulumi to re-apply the write-only field's value"): the RandomPassword's keepers and all three versions must follow
    passwordVersion together, or RDS, SSM and the proxy's secret would keep the old password."""
    run = evaluate("dev", {"aurora-platform:database": {
        "readers": 1, "deletionProtection": False, "passwordVersion": 3, "proxy": {"enabled": True, "iamAuth": False}},
        "aurora-platform:app": None})
    [password] = [p for p in run.of_type("random:index/randomPassword:RandomPassword")
                  if not p.name.startswith("app-database-role")]
    assert unwrap_secrets(password.inputs)["keepers"] == {"passwordVersion": "3"}
    assert run.one("aws:rds/cluster:Cluster").inputs["masterPasswordWoVersion"] == 3
    assert run.one("aws:ssm/parameter:Parameter").inputs["valueWoVersion"] == 3
    assert run.one("aws:secretsmanager/secretVersion:SecretVersion").inputs["secretStringWoVersion"] == 3
