"""A program that reads the stack's dry-run flag some other way than `pulumi.runtime.is_dry_run()` - the settings
object's attribute, its context variable, the language host's PULUMI_DRY_RUN variable - can build one thing in a
preview and deploy another. The gate runs such a program as `pulumi up` runs it: it watches reads of the settings
attribute at run time and looks for the flag's names in the source of the program's own modules (the entry point
and every module of the program directory it imports)."""

from __future__ import annotations

import pytest

from preflight.engine import run_stack
from tests.preflight.gate_helpers import gate_json, mandatory, write_program

KEY = "arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
SNEAKY = "aws.sns.Topic('sneaky')\n"


@pytest.mark.parametrize("body", [
    "import pulumi\nimport pulumi_aws as aws\nif not pulumi.runtime.settings.SETTINGS.dry_run:\n    " + SNEAKY,
    "import pulumi_aws as aws\nfrom pulumi.runtime.settings import SETTINGS\nif not SETTINGS.dry_run:\n    " + SNEAKY,
    "import pulumi_aws as aws\nfrom pulumi.runtime import settings as s\n"
    "if not getattr(s.SETTINGS, 'dry' + '_run'):\n    " + SNEAKY,
    "import os\nimport pulumi_aws as aws\nif os.environ.get('PULUMI_DRY_RUN') == 'false':\n    " + SNEAKY,
    "import contextvars\nimport pulumi_aws as aws\n"
    "flags = [v for k, v in contextvars.copy_context().items() if k.name.endswith('run')]\n"
    "if flags and not flags[0]:\n    " + SNEAKY,
], ids=["settings-attribute", "imported-settings", "getattr-spelled-apart", "environment", "context-variable"])
def test_reading_the_flag_directly_is_judged_as_up(tmp_path, body):
    code, report = gate_json("--stack", "test", "--program", str(write_program(tmp_path, body=body)))
    assert (code, mandatory(report)) == (1, [("sns-topic-encrypted", "sneaky")])
    [warning] = [w for w in report["warnings"] if "judged as `pulumi up`" in w]
    assert "__main__.py:" in warning


def test_a_module_of_the_program_that_reads_the_flag_is_named(tmp_path):
    program = write_program(tmp_path, body="import pulumi_aws as aws\nimport helpers\nhelpers.build()\n")
    (program / "helpers.py").write_text(
        "import pulumi\nimport pulumi_aws as aws\n\n\ndef build():\n"
        "    if not pulumi.runtime.settings.SETTINGS.dry_run:\n        aws.sns.Topic('sneaky')\n")
    code, report = gate_json("--stack", "test", "--program", str(program))
    assert (code, mandatory(report)) == (1, [("sns-topic-encrypted", "sneaky")])
    [warning] = [w for w in report["warnings"] if "judged as `pulumi up`" in w]
    assert "helpers.py:" in warning


def test_a_program_that_never_reads_the_flag_runs_once_as_a_preview(tmp_path):
    body = ("import pulumi\nimport pulumi_aws as aws\n"
            f"aws.sns.Topic('t', kms_master_key_id='{KEY}')\n"
            "pulumi.export('stack', pulumi.get_stack())\n")
    run = run_stack("test", write_program(tmp_path, body=body))
    assert not [w for w in run.warnings if "judged as `pulumi up`" in w]


def test_a_comment_about_a_dry_run_does_not_count(tmp_path):
    body = ("# Nothing here depends on whether this is a dry_run.\nimport pulumi_aws as aws\n"
            f"aws.sns.Topic('t', kms_master_key_id='{KEY}')\n")
    run = run_stack("test", write_program(tmp_path, body=body))
    assert not [w for w in run.warnings if "judged as `pulumi up`" in w]


def test_a_package_module_imported_lazily_and_relatively_is_scanned(tmp_path):
    program = write_program(tmp_path, body="import pulumi_aws as aws\n\n\ndef main():\n    from infra import app\n"
                                           "    app.build()\n\n\nmain()\n")
    (program / "infra").mkdir()
    (program / "infra" / "__init__.py").write_text("")
    (program / "infra" / "app.py").write_text("from .flags import build\n")
    (program / "infra" / "flags.py").write_text(
        "import os\nimport pulumi_aws as aws\n\n\ndef build():\n"
        "    if os.environ.get('PULUMI_DRY_RUN') == 'false':\n"
        "        aws.sns.Topic('sneaky')\n")
    code, report = gate_json("--stack", "test", "--program", str(program))
    assert (code, mandatory(report)) == (1, [("sns-topic-encrypted", "sneaky")])
    [warning] = [w for w in report["warnings"] if "judged as `pulumi up`" in w]
    assert "infra/flags.py:6" in warning


@pytest.mark.parametrize("read", ["os.environ.get('PULUMI_' + 'DRY' + '_RUN')", "os.getenv('PULUMI_' + 'DRY_RUN')",
                                  "dict(os.environ).get('PULUMI_' + 'DRY_RUN')"])
def test_the_environment_variable_named_at_run_time_is_seen(tmp_path, read):
    body = f"import os\nimport pulumi_aws as aws\nif {read} == 'false':\n    " + SNEAKY
    code, report = gate_json("--stack", "test", "--program", str(write_program(tmp_path, body=body)))
    assert (code, mandatory(report)) == (1, [("sns-topic-encrypted", "sneaky")])


def test_every_attribute_of_the_settings_read_in_a_loop_is_seen(tmp_path):
    body = ("import pulumi_aws as aws\nfrom pulumi.runtime import settings as s\n"
            "values = {k: getattr(s.SETTINGS, k) for k in dir(s.SETTINGS) if not k.startswith('_')}\n"
            "if values.get(''.join(['dry', '_', 'run'])) is False:\n    " + SNEAKY)
    code, report = gate_json("--stack", "test", "--program", str(write_program(tmp_path, body=body)))
    assert (code, mandatory(report)) == (1, [("sns-topic-encrypted", "sneaky")])
