"""`secure:` values in a real `Pulumi.<stack>.yaml`, through `python -m preflight --program DIR` and `preflight diff`.

Offline nothing can be decrypted: the engine hands the program a placeholder for each ciphertext and marks the
top-level key secret, as the CLI marks it. Neither the placeholder nor the file's ciphertext may show up in an error,
a report or a diff; and a `secure:` value under a key the settings know stops the real program with a settings error.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from preflight.diff import main as diff_main
from preflight.engine import SECURE_PLACEHOLDER
from tests.preflight.gate_helpers import run_gate, write_program

REPO_ROOT = Path(__file__).resolve().parent.parent
# What `pulumi config set --secret` writes: ciphertext only the stack's secrets provider can read.
CIPHERTEXT = "v1:Q2lwaGVydGV4dE9ubHlJblRoZUZpbGU9PQ=="


def real_program(directory: Path, change) -> Path:
    """This repository's program with the dev stack's settings changed by `change(config)`."""
    directory.mkdir()
    # The Dockerfile and what it sends too: the stack builds its image from them.
    for name in ("Pulumi.yaml", "__main__.py", "Dockerfile", ".dockerignore"):
        shutil.copy(REPO_ROOT / name, directory / name)
    for folder in ("components", "blog"):
        shutil.copytree(REPO_ROOT / folder, directory / folder, ignore=shutil.ignore_patterns("__pycache__"))
    config = yaml.safe_load((REPO_ROOT / "Pulumi.dev.yaml").read_text())
    change(config["config"])
    (directory / "Pulumi.dev.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return directory


def secure() -> dict:
    return {"secure": CIPHERTEXT}


def leaks(text: str) -> list[str]:
    return [s for s in (CIPHERTEXT, SECURE_PLACEHOLDER, CIPHERTEXT.split(":", 1)[1]) if s in text]


def app_environment(config: dict) -> None:
    config["aurora-platform:app"]["environment"] = {"FEATURE_FLAGS": secure()}


def whole_network(config: dict) -> None:
    config["aurora-platform:network"] = secure()


def database_parameter(config: dict) -> None:
    config["aurora-platform:database"]["parameters"] = {"rds.force_ssl": secure()}


def region(config: dict) -> None:
    config["aws:region"] = secure()


def malformed_secure(config: dict) -> None:
    config["aurora-platform:app"]["environment"] = {"FEATURE_FLAGS": {"secure": CIPHERTEXT, "note": "rotated"}}


CASES = {
    "app-environment": (app_environment, [
        "aurora-platform:app: holds a secure: value (Pulumi then treats the whole key as secret); no app setting "
        "takes a secret value, and environment values are plain text in the task definition: put the secret in SSM "
        "Parameter Store as a SecureString and name the parameter under aurora-platform:app.secrets"]),
    "whole-network": (whole_network, [
        "aurora-platform:network: holds a secure: value (Pulumi then treats the whole key as secret); no network "
        "setting is a secret; write them in plain text"]),
    "database-parameter": (database_parameter, [
        "aurora-platform:database: holds a secure: value", "aurora-platform:database.parameters.rds.force_ssl: got "
        "[secret]; rds.force_ssl is always 1"]),
    "region": (region, ["aws:region: is a secure: value; the region is not a secret"]),
    # Not a secure value for Pulumi (two keys): a plain object, refused as one, its ciphertext not quoted.
    "malformed-secure": (malformed_secure, [
        "aurora-platform:app.environment.FEATURE_FLAGS: got [secret]; allowed: a string (quote numbers); a secure: "
        "value is a mapping with the one key secure"]),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_a_secure_setting_stops_the_real_program_without_showing_it(tmp_path, case, fmt):
    change, expected = CASES[case]
    program = real_program(tmp_path / "program", change)
    code, out, err = run_gate("--stack", "dev", "--program", str(program), "--format", fmt)
    assert code == 2 and out == ""
    assert err.startswith("preflight: Stack settings for 'dev' have ")
    for text in expected:
        assert text in err, err
    assert "Traceback" not in err and not leaks(out + err)


def test_the_whole_network_secret_is_one_problem_not_also_a_wrong_type(tmp_path):
    program = real_program(tmp_path / "program", whole_network)
    _, _, err = run_gate("--stack", "dev", "--program", str(program))
    assert err.count("aurora-platform:network") == 1 and "an object" not in err


def test_as_a_real_process(tmp_path):
    program = real_program(tmp_path / "program", app_environment)
    done = subprocess.run([sys.executable, "-m", "preflight", "--stack", "dev", "--program", str(program)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert "aurora-platform:app: holds a secure: value" in done.stderr
    assert "Traceback" not in done.stderr and not leaks(done.stderr)


def test_the_same_value_in_plain_text_still_passes_the_gate(tmp_path):
    """Only the secret mark is refused: the unchanged program with a plain environment entry evaluates."""
    def plain(config: dict) -> None:
        config["aurora-platform:app"]["environment"] = {"FEATURE_FLAGS": "beta"}
    program = real_program(tmp_path / "program", plain)
    code, out, err = run_gate("--stack", "dev", "--program", str(program), "--format", "json")
    assert code == 0, err
    definitions = [r["inputs"]["containerDefinitions"] for r in json.loads(out)["resources"]
                   if r["type"] == "aws:ecs/taskDefinition:TaskDefinition" and r["name"] == "app"]
    assert len(definitions) == 1
    assert {"name": "FEATURE_FLAGS", "value": "beta"} in json.loads(definitions[0])[0]["environment"]


# ---- a program that carries a secure value as a Pulumi secret: report and diff mask it ------------------------------
CARRIER = '''
import pulumi
import pulumi_aws as aws

token = pulumi.Config().get_secret("token")
aws.ssm.Parameter("token", type="SecureString", value=token, tags={"Environment": "development"})
pulumi.export("token", token)
'''


def test_a_secret_carried_as_a_secret_is_masked_in_every_report_format_and_in_the_diff(tmp_path):
    # One stack in two checkouts, as a pull request compares them: the token plain in BASE, `secure:` in HEAD.
    reports = {}
    for side, token in (("base", "before"), ("head", f"\n    secure: {CIPHERTEXT}")):
        program = write_program(tmp_path / side, body=CARRIER)
        (program / "Pulumi.test.yaml").write_text(f"config:\n  aws:region: us-east-1\n  gate-test:token: {token}\n")
        for fmt in ("text", "json", "markdown"):
            _, out, err = run_gate("--stack", "test", "--program", str(program), "--format", fmt)
            assert not err and not leaks(out), (side, fmt)
            if fmt == "json":
                reports[side] = tmp_path / f"{side}.json"
                reports[side].write_text(out)
    head = json.loads(reports["head"].read_text())
    assert head["exports"]["token"] == "[secret]"
    for fmt in ("text", "markdown"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert diff_main([str(reports["base"]), str(reports["head"]), "--format", fmt]) == 0
        # A masked value cannot be compared, so the diff does not claim a change it cannot see; it shows no secret.
        assert "gate-test/test" in out.getvalue() and not leaks(out.getvalue()), out.getvalue()
