"""A program that asks `pulumi.runtime.is_dry_run()` can show a preview one thing and deploy another: the gate runs
as a preview, so an unencrypted topic created only under `pulumi up` passed it. Such a program is judged as `pulumi
up` runs it, with a warning naming where it asked; a program that never asks is run once, as a preview."""

from __future__ import annotations

import pytest

from preflight.engine import run_stack

from .gate_helpers import gate_json, mandatory, write_program

KEY = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789"


@pytest.mark.parametrize("body", [
    "import pulumi\nimport pulumi_aws as aws\n"
    "if not pulumi.runtime.is_dry_run():\n    aws.sns.Topic('sneaky')\n",
    "import pulumi_aws as aws\nfrom pulumi.runtime.settings import is_dry_run\n"
    "if not is_dry_run():\n    aws.sns.Topic('sneaky')\n",
    "import pulumi_aws as aws\nfrom pulumi.runtime import is_dry_run as preview\n"
    f"aws.sns.Topic('sneaky', kms_master_key_id='{KEY}' if preview() else None)\n",
], ids=["created-only-on-up", "imported-from-settings", "key-only-in-preview"])
def test_what_up_would_deploy_is_judged(tmp_path, body):
    code, report = gate_json("--stack", "test", "--program", str(write_program(tmp_path, body=body)))
    assert (code, mandatory(report)) == (1, [("sns-topic-encrypted", "sneaky")])
    [warning] = [w for w in report["warnings"] if "is_dry_run" in w]
    assert "__main__.py:" in warning and "judged as `pulumi up` runs it" in warning


def test_a_program_that_never_asks_is_judged_as_a_preview(tmp_path):
    # Reading the flag any other way (SETTINGS.dry_run) counts as asking: tests/policies/test_gaps_dry_run.py.
    body = ("import pulumi\nimport pulumi_aws as aws\n"
            f"aws.sns.Topic('t', kms_master_key_id='{KEY}')\n"
            "pulumi.export('stack', pulumi.get_stack())\n")
    run = run_stack("test", write_program(tmp_path, body=body))
    assert run.exports["stack"] == "test"
    assert not [w for w in run.warnings if "is_dry_run" in w]
