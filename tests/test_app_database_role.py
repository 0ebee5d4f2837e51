"""The application's own database login under mocks: blog_app's password, its parameter and grant, and that the
app task can no longer read the master password (components/app_database_role.py)."""

from __future__ import annotations

import json

import pytest

from preflight.engine import Secret, StackRun

from .iam_eval import allows
from .test_app import container, policies_of, roles, run_with_app

PARAMETER = "aws:ssm/parameter:Parameter"
PASSWORD = "random:index/randomPassword:RandomPassword"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def can(documents, action: str, resource: str) -> bool:
    return any(allows(d, action, resource) for d in documents)


def _app_role(run: StackRun, token: str):
    [found] = [r for r in run.of_type(token) if r.name.startswith("app-database-role")]
    return found


def _master_parameter(run: StackRun):
    [found] = [p for p in run.of_type(PARAMETER) if p.name == "database-password"]
    return found


def test_the_app_password_is_generated_and_kept_as_a_securestring_under_the_database_key(any_stack):
    password, parameter = _app_role(any_stack, PASSWORD), _app_role(any_stack, PARAMETER)
    assert password.inputs["length"] == 32 and password.inputs["special"] is True
    assert isinstance(password.outputs["result"], Secret)
    assert parameter.inputs["name"] == f"/aurora-platform/{any_stack.stack}/database/app-password"
    assert parameter.inputs["type"] == "SecureString"
    assert parameter.inputs["keyId"] == any_stack.exports["kmsKeyArn"]
    # Write-only, like the master's: the provider never reads the value back.
    assert "value" not in parameter.inputs
    value = parameter.inputs["valueWo"]
    assert isinstance(value, Secret)
    same = value.value == password.outputs["result"].value  # compared aside: a failure must not print the value
    assert same, "the parameter does not hold the generated password"
    assert any_stack.exports["appPasswordParameterName"] == parameter.inputs["name"]
    assert any_stack.exports["appDatabaseUser"] == "blog_app"


def test_prod_protects_the_app_password_parameter(dev, prod):
    assert _app_role(dev, PARAMETER).protect is False
    assert _app_role(prod, PARAMETER).protect is True


def test_the_task_logs_in_as_blog_app_with_its_own_password(any_stack):
    app = container(any_stack)
    env = {e["name"]: e["value"] for e in app["environment"]}
    assert env["PGUSER"] == "blog_app"
    assert app["secrets"] == [{"name": "PGPASSWORD", "valueFrom": _app_role(any_stack, PARAMETER).outputs["arn"]}]
    text = json.dumps(container(any_stack))
    assert _master_parameter(any_stack).outputs["arn"] not in text
    assert _app_role(any_stack, PASSWORD).outputs["result"].value not in text


def test_no_role_of_the_app_can_read_or_decrypt_the_master_password(any_stack):
    master = _master_parameter(any_stack).outputs["arn"]
    mine = _app_role(any_stack, PARAMETER).outputs["arn"]
    execution, task = roles(any_stack)
    for role in (execution, task):
        documents = policies_of(any_stack, role)
        for action in ("ssm:GetParameter", "ssm:GetParameters", "SSM:GetParameter", "ssm:GetParameterHistory",
                       "ssm:GetParametersByPath"):
            assert not can(documents, action, master), (role.name, action)
    assert can(policies_of(any_stack, execution), "ssm:GetParameters", mine)
    assert not can(policies_of(any_stack, task), "ssm:GetParameters", mine)


def test_the_app_grant_decrypts_only_its_parameter_through_ssm(any_stack):
    execution, _ = roles(any_stack)
    [document] = [d for d in policies_of(any_stack, execution)
                  if d["Statement"][0].get("Sid") == "ReadTheDatabasePassword"]
    mine = _app_role(any_stack, PARAMETER).outputs["arn"]
    assert document["Statement"][0]["Resource"] == mine
    assert document["Statement"][1]["Resource"] == any_stack.exports["kmsKeyArn"]
    assert document["Statement"][1]["Condition"] == {"StringEquals": {
        "kms:ViaService": "ssm.us-east-1.amazonaws.com", "kms:EncryptionContext:PARAMETER_ARN": mine}}


def test_the_bastion_still_reads_the_master_password(any_stack):
    # Administrators and migrations keep the master login: the bastion's grant is unchanged.
    master = _master_parameter(any_stack).outputs["arn"]
    bastion = [p for p in any_stack.of_type(ROLE_POLICY) if p.name == "database-bastion-password-read"]
    assert [json.loads(p.inputs["policy"])["Statement"][0]["Resource"] for p in bastion] == [master]


@pytest.mark.parametrize("database, app", [
    ({"engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.08.0", "masterUsername": "blog_admin"}, {}),
    (None, {"iamDatabaseAuth": True, "iamDatabaseUser": "blog_app"}),
    # A proxy with password logins authenticates with the master's secret only.
    ({"proxy": {"enabled": True, "iamAuth": False}}, {}),
], ids=["mysql", "iam-auth", "password-proxy"])
def test_no_app_role_password_where_it_does_not_apply(evaluate, database, app):
    run = run_with_app(evaluate, database=database, **app)
    assert [r.name for r in run.of_type(PARAMETER) if r.name.startswith("app-database-role")] == []
    assert "appPasswordParameterName" not in run.exports
