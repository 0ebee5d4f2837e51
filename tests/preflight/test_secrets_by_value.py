"""Secrets found by value through the whole gate: a password built inside an apply lands somewhere AWS shows in plain
text, under any name and in several spellings; each run fails naming the rule and the place, and neither the report
nor the message ever prints the secret (or its encodings, or the engine's placeholder for a secure value)."""

import base64
import json
from pathlib import Path
from urllib.parse import quote

import pytest

from preflight.engine import run_stack

from .gate_helpers import PROGRAM, SAFE, gate_json, mandatory, run_gate, write_program

PLAIN_TEXT = "secret-value-not-in-plain-text"
EXPORT = "secret-value-not-in-plain-export"
HARD_CODED = "database-password-not-hard-coded"

# The gate's small program (its master password is a secure config value) plus a generated password with the
# characters URL-encoding changes, both only ever reached through apply.
SOURCES = '''
import base64
import gzip
import urllib.parse
import pulumi_random as random

config_password = pulumi.Config().require_secret("dbPassword")
generated = random.RandomPassword("pw", length=24, override_special="@:/%+", min_special=4, min_upper=2).result
'''

ENVIRONMENT = '''
aws.ecs.TaskDefinition("leak", family="leak", container_definitions={source}.apply(lambda p: json.dumps([{{
    "name": "web", "image": "web:1", "logConfiguration": {{"logDriver": "awslogs"}},
    {field}: {value},
}}])))
'''

LEAKS = {
    # where: (snippet, resource or export name, expected path in the message)
    "task-environment-db-pw": (ENVIRONMENT.format(source="config_password", field='"environment"',
                                                  value='[{"name": "DB_PW", "value": p}]'),
                               "leak", "containerDefinitions[web].environment[DB_PW].value"),
    "task-environment-dsn": (ENVIRONMENT.format(source="config_password", field='"environment"',
                                                value='[{"name": "DATABASE", "value": f"host=db port=5432 '
                                                      'user=app password={p} sslmode=require"}]'),
                             "leak", "containerDefinitions[web].environment[DATABASE].value"),
    "task-command": (ENVIRONMENT.format(source="generated", field='"command"',
                                        value='["migrate", "--password", p]'),
                     "leak", "containerDefinitions[web].command[2]"),
    "task-entry-point": (ENVIRONMENT.format(source="generated", field='"entryPoint"',
                                            value='["sh", "-c", f"PGPASSWORD={p} exec web"]'),
                         "leak", "containerDefinitions[web].entryPoint[2]"),
    "ec2-user-data": ('''
aws.ec2.Instance("leak", ami="ami-0123456789abcdef0", instance_type="t4g.micro",
    metadata_options={"http_tokens": "required"}, root_block_device={"encrypted": True},
    user_data=config_password.apply(lambda p: f"#!/bin/sh\\necho 'dbpass={p}' > /etc/app.conf\\n"))
''', "leak", "userData"),
    "launch-template-user-data-gzip-base64": ('''
aws.ec2.LaunchTemplate("leak", image_id="ami-0123456789abcdef0", instance_type="t4g.micro",
    metadata_options={"http_tokens": "required"},
    block_device_mappings=[{"device_name": "/dev/xvda", "ebs": {"encrypted": "true"}}],
    user_data=generated.apply(lambda p: base64.b64encode(gzip.compress(f"#!/bin/sh\\nAPP_KEY={p}\\n".encode(),
                                                                       mtime=0)).decode()))
''', "leak", "userData"),
    "tags": ('''
aws.sns.Topic("leak", kms_master_key_id=key.arn,
              tags=generated.apply(lambda p: {"Environment": "development", "Note": f"rotate {p} monthly"}))
''', "leak", "tags.Note"),
    "description": ('''
aws.ec2.SecurityGroup("leak", vpc_id="vpc-0123", tags=tags,
                      description=config_password.apply(lambda p: f"app (db password {p})"))
''', "leak", "description"),
    "ssm-string-parameter": ('''
aws.ssm.Parameter("leak", name="/app/database-url", type="String", tags=tags,
                  value=generated.apply(lambda p: f"postgres://app:{urllib.parse.quote(p, safe='')}@db:5432/app"))
''', "leak", "value"),
    "provider-default-tags": ('''
aws.Provider("leak", region="us-east-1",
             default_tags={"tags": config_password.apply(lambda p: {"Environment": "development", "Owner": p})})
''', "leak", "defaultTags.tags.Owner"),
    "export-not-secret": ('''
pulumi.export("connection", pulumi.Output.unsecret(config_password.apply(lambda p: f"host=db password={p}")))
''', "", "export connection"),
    "export-base64": ('''
pulumi.export("bootstrap", pulumi.Output.unsecret(generated.apply(lambda p: base64.b64encode(p.encode()).decode())))
''', "", "export bootstrap"),
}


def program(tmp_path: Path, snippet: str) -> Path:
    return write_program(tmp_path, body=PROGRAM.format(**SAFE) + SOURCES + snippet)


def generated_password(directory: Path) -> str:
    """The RandomPassword's value this run generates: only to prove the report never prints it."""
    return run_stack("test", directory).named("pw").outputs["result"].value


def spellings(secret: str) -> list[str]:
    return [secret, quote(secret, safe=""), base64.b64encode(secret.encode()).decode().rstrip("=")]


@pytest.mark.parametrize("case", list(LEAKS), ids=list(LEAKS))
def test_a_secret_in_a_plain_text_place_fails_naming_rule_and_place_never_the_value(tmp_path, case):
    snippet, name, path = LEAKS[case]
    directory = program(tmp_path, snippet)
    code, report = gate_json("--stack", "test", "--program", str(directory))
    assert code == 1
    policy = EXPORT if name == "" else PLAIN_TEXT
    assert (policy, name) in mandatory(report)
    [message] = [v["message"] for v in report["violations"] if v["policy"] == policy]
    assert path in message
    assert "secure config gate-test:dbPassword" in message or "RandomPassword 'pw' result" in message
    # Nothing prints the secret: not the JSON report, not the text report, in no spelling.
    text_code, out, err = run_gate("--stack", "test", "--program", str(directory))
    assert text_code == 1
    printed = json.dumps(report) + out + err
    assert "preflight-placeholder-secret" not in printed
    for spelling in spellings(generated_password(directory)):
        assert spelling not in printed


def test_the_message_names_the_variable_the_origin_and_the_fix(tmp_path):
    snippet, _, _ = LEAKS["task-environment-db-pw"]
    code, report = gate_json("--stack", "test", "--program", str(program(tmp_path, snippet)))
    # DB_PW is no name the name-based rule knows: only the value gives it away.
    assert (code, mandatory(report)) == (1, [(PLAIN_TEXT, "leak")])
    [violation] = report["violations"]
    assert violation["message"] == (
        "A secret's value must never land in a property AWS shows in plain text, whatever it is called "
        "(aurora-platform, related Security Hub ECS.8, related Checkov CKV_AWS_46).\n"
        "containerDefinitions[web].environment[DB_PW].value holds the secret from secure config "
        "gate-test:dbPassword; AWS shows this property in plain text. Pass the secret by reference instead "
        "(ECS secrets[].valueFrom, an SSM SecureString or Secrets Manager secret read at run time).")


def test_an_encoded_secret_is_named_with_its_encoding(tmp_path):
    snippet, _, _ = LEAKS["ssm-string-parameter"]
    _, report = gate_json("--stack", "test", "--program", str(program(tmp_path, snippet)))
    [message] = [v["message"] for v in report["violations"] if v["policy"] == PLAIN_TEXT]
    assert "value holds the secret from RandomPassword 'pw' result (URL-encoded);" in message


def test_gzip_base64_user_data_is_decoded_before_searching(tmp_path):
    snippet, _, _ = LEAKS["launch-template-user-data-gzip-base64"]
    _, report = gate_json("--stack", "test", "--program", str(program(tmp_path, snippet)))
    [message] = [v["message"] for v in report["violations"] if v["policy"] == PLAIN_TEXT]
    assert "userData holds the secret from RandomPassword 'pw' result (as written, inside base64);" in message


def test_the_same_secret_in_its_secret_places_passes(tmp_path):
    snippet = '''
aws.ssm.Parameter("stored", name="/app/db-password", type="SecureString", key_id=key.arn, value=generated, tags=tags)
version_secret = aws.secretsmanager.Secret("login", kms_key_id=key.arn, tags=tags)
aws.secretsmanager.SecretVersion("login", secret_id=version_secret.id,
    secret_string=pulumi.Output.json_dumps({"username": "app", "password": config_password}))
pulumi.export("connection", config_password.apply(lambda p: f"host=db password={p}"))  # secret: pulumi keeps it so
'''
    code, report = gate_json("--stack", "test", "--program", str(program(tmp_path, snippet)))
    assert (code, report["violations"]) == (0, [])
    assert report["exports"]["connection"] == "[secret]"


def test_a_value_the_program_wrapped_in_output_secret_is_a_known_secret_too(tmp_path):
    snippet = '''
api_key = pulumi.Output.secret("sk-live-0123456789abcdef")
aws.ecs.TaskDefinition("leak", family="leak", container_definitions=api_key.apply(lambda k: json.dumps([{
    "name": "web", "image": "web:1", "logConfiguration": {"logDriver": "awslogs"},
    "environment": [{"name": "UPSTREAM", "value": f"https://api.example.com/?key={k}"}]}])))
'''
    code, out, err = run_gate("--stack", "test", "--program", str(program(tmp_path, snippet)))
    assert code == 1
    line = 1 + (PROGRAM.format(**SAFE) + SOURCES + snippet).splitlines().index(
        'api_key = pulumi.Output.secret("sk-live-0123456789abcdef")')
    assert (f"containerDefinitions[web].environment[UPSTREAM].value holds the secret from Output.secret at "
            f"__main__.py:{line};") in out
    assert "sk-live-0123456789abcdef" not in out + err


def test_a_secret_read_at_deploy_time_is_a_known_secret(tmp_path):
    snippet = '''
token = aws.secretsmanager.get_secret_version_output(secret_id="app/upstream-token").secret_string
parameter = aws.ssm.get_parameter_output(name="/app/db/password", with_decryption=True).value
aws.ssm.Parameter("leak", name="/app/settings", type="String", tags=tags,
                  value=pulumi.Output.all(token, parameter).apply(lambda v: json.dumps({"token": v[0], "db": v[1]})))
'''
    code, report = gate_json("--stack", "test", "--program", str(program(tmp_path, snippet)))
    assert code == 1
    messages = sorted(v["message"].split("\n")[1] for v in report["violations"] if v["policy"] == PLAIN_TEXT)
    assert [m.split(";")[0] for m in messages] == [
        "value.db holds the secret from invoke getParameter(/app/db/password) value",
        "value.token holds the secret from invoke getSecretVersion(app/upstream-token) secretString",
    ]


def test_a_string_parameter_value_is_no_secret_although_the_sdk_marks_it_so(tmp_path):
    """pulumi_aws wraps every parameter value in Output.secret; an endpoint in a String parameter and in user data
    is no leak."""
    snippet = '''
aws.ssm.Parameter("endpoint", name="/app/db-endpoint", type="String", value=cluster.endpoint, tags=tags)
aws.ec2.Instance("bastion", ami="ami-0123456789abcdef0", instance_type="t4g.micro", tags=tags,
    metadata_options={"http_tokens": "required"}, root_block_device={"encrypted": True},
    user_data=cluster.endpoint.apply(lambda e: f"#!/bin/sh\\necho 'host={e}' > /etc/db.conf\\n"))
'''
    code, report = gate_json("--stack", "test", "--program", str(program(tmp_path, snippet)))
    assert (code, report["violations"]) == (0, [])


def test_public_aws_parameters_are_not_secrets(tmp_path):
    """The latest-AMI parameters are String parameters every account reads: an AMI id in user data is fine."""
    snippet = '''
ami = aws.ssm.get_parameter_output(name="/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64").value
aws.ssm.Parameter("ami", name="/app/ami", type="String", value=ami, tags=tags)
'''
    code, report = gate_json("--stack", "test", "--program", str(program(tmp_path, snippet)))
    assert (code, report["violations"]) == (0, [])


# --- hard-coded master passwords ------------------------------------------------------------------------------------
SECURE_MASTER = 'master_password=pulumi.Config().require_secret("dbPassword")'


@pytest.mark.parametrize(("password", "extra_config"), [
    ('master_password="correct-horse-battery"', ""),
    ('master_password=pulumi.Output.secret("correct-horse-battery")', ""),
    ('master_password=pulumi.Output.secret("correct-horse-battery").apply(lambda p: p.upper())', ""),
    ('master_password=pulumi.Config().require("plainPassword")', "  gate-test:plainPassword: correct-horse-battery\n"),
    ('master_password_wo=pulumi.Output.secret("correct-horse-battery"), master_password_wo_version=1', ""),
], ids=["literal", "literal-wrapped-secret", "literal-through-apply", "plain-config", "write-only"])
def test_a_hard_coded_master_password_fails(tmp_path, password, extra_config):
    body = PROGRAM.format(**SAFE).replace(SECURE_MASTER, password)
    assert password in body
    directory = write_program(tmp_path, body=body)
    stack_file = directory / "Pulumi.test.yaml"
    stack_file.write_text(stack_file.read_text() + extra_config)
    code, report = gate_json("--stack", "test", "--program", str(directory))
    assert (code, mandatory(report)) == (1, [(HARD_CODED, "db")])
    [violation] = report["violations"]
    field = "masterPasswordWo" if "wo=" in password else "masterPassword"
    assert violation["message"].endswith(
        f"\n{field} is not from a secret source: it is written in the program or its plain config. Set "
        f"manageMasterUserPassword, or take it from a RandomPassword or a secure config value.")
    _, out, err = run_gate("--stack", "test", "--program", str(directory))
    for printed in (json.dumps(report), out, err):
        assert "correct-horse-battery" not in printed and "CORRECT-HORSE-BATTERY" not in printed


@pytest.mark.parametrize("password", [
    SECURE_MASTER,
    'master_password=random.RandomPassword("pw", length=32, special=False).result',
    'master_password=random.RandomString("pw", length=32, special=False).result',
    'master_password=pulumi.Config().require_secret("dbPassword").apply(lambda p: "v2-" + p)',
    "manage_master_user_password=True, master_user_secret_kms_key_id=key.arn",
], ids=["secure-config", "random-password", "random-string", "derived-from-secure-config", "rds-managed"])
def test_a_master_password_from_a_secret_source_passes(tmp_path, password):
    body = "import pulumi_random as random\n" + PROGRAM.format(**SAFE).replace(SECURE_MASTER, password)
    body = body.replace('pulumi.export("masterPassword", cluster.master_password)\n', "")
    code, report = gate_json("--stack", "test", "--program", str(write_program(tmp_path, body=body)))
    assert (code, report["violations"]) == (0, [])


def test_a_hard_coded_password_that_also_leaks_fails_both_ways(tmp_path):
    """Nothing marks the literal secret but its place: being a master password makes it a known secret."""
    body = PROGRAM.format(**SAFE).replace(SECURE_MASTER, 'master_password="correct-horse-battery"')
    body = body.replace('"environment": [{"name": "PGHOST", "value": "db"}]',
                        '"environment": [{"name": "PGHOST", "value": "db"}, {"name": "DB", "value": '
                        '"host=db password=correct-horse-battery"}]')
    assert "password=correct-horse-battery" in body
    directory = write_program(tmp_path, body=body)
    code, report = gate_json("--stack", "test", "--program", str(directory))
    assert (code, mandatory(report)) == (1, [(HARD_CODED, "db"), (PLAIN_TEXT, "app")])
    [leak] = [v["message"] for v in report["violations"] if v["policy"] == PLAIN_TEXT]
    assert "containerDefinitions[app].environment[DB].value holds the secret from Cluster 'db' masterPassword;" in leak
    _, out, err = run_gate("--stack", "test", "--program", str(directory))
    assert "correct-horse-battery" not in json.dumps(report) + out + err


def test_an_access_key_secret_in_a_task_environment_is_found(tmp_path):
    """The key's secret exists only as the provider's secret output: known although the program never touched it."""
    snippet = '''
user = aws.iam.User("deployer", tags=tags)
access_key = aws.iam.AccessKey("deployer", user=user.name)
aws.ecs.TaskDefinition("leak", family="leak", container_definitions=access_key.secret.apply(lambda s: json.dumps([{
    "name": "web", "image": "web:1", "logConfiguration": {"logDriver": "awslogs"},
    "environment": [{"name": "UPLOADS", "value": f"s3://uploads?secret={s}"}]}])))
'''
    code, report = gate_json("--stack", "test", "--program", str(program(tmp_path, snippet)))
    assert (code, mandatory(report)) == (1, [(PLAIN_TEXT, "leak")])
    assert ("containerDefinitions[web].environment[UPLOADS].value holds the secret from AccessKey 'deployer' secret;"
            in report["violations"][0]["message"])
