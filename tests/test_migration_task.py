"""The migrations' one-off ECS task under mocks (components/migration_task.py): what it runs, what it may read, where
it logs, how it reaches the database, and which stacks get it. Expected values are literals from the requirement
(docs/blog-database.md), not computed by the component."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from components.migration_task import migration_container_definitions
from preflight.engine import StackRun

from .iam_eval import allows
from .test_app import app_task, linked, policies_of, run_with_app

ROOT = Path(__file__).resolve().parents[1]
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
COMPONENT = "aurora-platform:app:MigrationTask"
PARAMETER = "aws:ssm/parameter:Parameter"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KEY = "aws:kms/key:Key"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|PGPASS|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL", re.IGNORECASE)
READS = ("ssm:GetParameter", "ssm:GetParameters", "ssm:getparameters", "ssm:GetParameterHistory",
         "ssm:GetParametersByPath")


def migration_task(run: StackRun):
    [definition] = [d for d in run.of_type(TASK_DEFINITION) if f"{COMPONENT}$" in d.urn]
    return definition


def migration_container(run: StackRun) -> dict:
    [container] = json.loads(migration_task(run).inputs["containerDefinitions"])
    return container


def env_of(container: dict) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container["environment"]}


def secrets_of(container: dict) -> dict[str, str]:
    return {s["name"]: s["valueFrom"] for s in container["secrets"]}


def parameter(run: StackRun, name: str):
    [found] = [p for p in run.of_type(PARAMETER) if p.name == name]
    return found


def migration_roles(run: StackRun):
    definition = migration_task(run)
    [execution] = linked(run, definition, "executionRoleArn")
    [task] = linked(run, definition, "taskRoleArn")
    return execution, task


def app_roles(run: StackRun):
    definition = app_task(run)
    return linked(run, definition, "executionRoleArn")[0], linked(run, definition, "taskRoleArn")[0]


def can(run: StackRun, role, action: str, resource: str, context: dict | None = None) -> bool:
    return any(allows(d, action, resource, context or {}) for d in policies_of(run, role))


# ---- what it runs ---------------------------------------------------------------------------------------------------
def test_runs_the_apps_image_with_the_migration_entry_point(any_stack):
    container = migration_container(any_stack)
    # The stacks build the blog's image into their own repository; offline its digest is unknown.
    stack = any_stack.stack
    assert container["image"] == f"123456789012.dkr.ecr.us-east-1.amazonaws.com/aurora-platform/{stack}/app@[unknown]"
    assert container["image"] == json.loads(app_task(any_stack).inputs["containerDefinitions"])[0]["image"]
    assert container["entryPoint"] == ["python", "-m", "db"]
    assert container["command"] == ["apply"]
    assert (ROOT / "db" / "__main__.py").is_file()
    definition = migration_task(any_stack)
    assert definition.inputs["family"] == f"aurora-platform-{any_stack.stack}-migrations"
    assert definition.inputs["requiresCompatibilities"] == ["FARGATE"]
    assert definition.inputs["networkMode"] == "awsvpc"
    assert (definition.inputs["cpu"], definition.inputs["memory"]) == ("256", "512")


def test_is_hardened_non_root_read_only_no_capabilities(any_stack):
    container = migration_container(any_stack)
    assert container["user"] == "1000:1000"  # the app's user: the blog Dockerfile's USER
    assert container["readonlyRootFilesystem"] is True
    assert container["linuxParameters"] == {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}}
    assert container["mountPoints"] == [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}]
    assert migration_task(any_stack).inputs["volumes"] == [{"name": "tmp"}]
    assert "portMappings" not in container


@pytest.mark.parametrize("user", ["0", "root", "0:0", "root:1000", "00", "0000:1000"])
def test_root_is_refused_in_any_spelling(user):
    with pytest.raises(ValueError, match="must not run as root"):
        migration_container_definitions(
            image="i", user=user, writer_host="h", port=5432, database_name="blog", master_username="blog_admin",
            ca_bundle_path="/ca.pem", environment="development", master_password_value_from="arn:p",
            app_password_value_from=None, log_group_name="/g", region="us-east-1")


def test_connects_to_the_writer_as_the_master_user_with_verify_full(any_stack):
    env = env_of(migration_container(any_stack))
    cluster = any_stack.one("aws:rds/cluster:Cluster")
    assert env == {
        "PGHOST": cluster.outputs["endpoint"], "PGPORT": "5432", "PGDATABASE": "blog", "PGUSER": "blog_admin",
        "PGSSLMODE": "verify-full", "PGSSLROOTCERT": "/etc/ssl/certs/rds-global-bundle.pem",
        "AURORA_ENVIRONMENT": "production" if any_stack.stack == "prod" else "development"}
    assert env["PGHOST"] == any_stack.exports["writerEndpoint"]
    assert not [name for name in env if SECRET_NAME.search(name)]


def test_secrets_are_the_master_password_and_blog_apps_and_no_value_is_in_the_definition(any_stack):
    master = parameter(any_stack, "database-password")
    app = parameter(any_stack, "app-database-role-password")
    assert secrets_of(migration_container(any_stack)) == {
        "PGPASSWORD": master.outputs["arn"], "BLOG_APP_PASSWORD": app.outputs["arn"]}
    text = json.dumps(migration_task(any_stack).inputs, default=str)
    for password in any_stack.of_type("random:index/randomPassword:RandomPassword"):
        same = password.outputs["result"].value in text  # compared aside: a failure must not print the value
        assert not same, f"the value of {password.name} is in the task definition"


def test_a_uid_zero_spelt_with_leading_zeros_is_refused_naming_the_key(evaluate):
    from preflight.engine import ProgramError

    with pytest.raises(ProgramError) as error:
        run_with_app(evaluate, user="00")
    assert 'aurora-platform:app.user: got "00"; allowed: a non-root user' in str(error.value)
    assert "Traceback" not in str(error.value)


# ---- who may read the master password ------------------------------------------------------------------------------
def test_only_this_tasks_execution_role_reads_the_master_password(any_stack):
    master = parameter(any_stack, "database-password").outputs["arn"]
    key = any_stack.exports["kmsKeyArn"]
    execution, task = migration_roles(any_stack)
    assert can(any_stack, execution, "ssm:GetParameters", master)
    assert can(any_stack, execution, "kms:Decrypt", key, {
        "kms:ViaService": "ssm.us-east-1.amazonaws.com", "kms:EncryptionContext:PARAMETER_ARN": master})
    # Not through another service, not for another parameter's context.
    assert not can(any_stack, execution, "kms:Decrypt", key, {
        "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com", "kms:EncryptionContext:PARAMETER_ARN": master})
    assert not can(any_stack, execution, "kms:Decrypt", key, {
        "kms:ViaService": "ssm.us-east-1.amazonaws.com",
        "kms:EncryptionContext:PARAMETER_ARN": f"{master}-other"})
    assert not can(any_stack, execution, "ssm:GetParametersByPath", master)
    assert not can(any_stack, execution, "ssm:PutParameter", master)
    assert policies_of(any_stack, task) == []
    # The application's roles still cannot, in any spelling of the read.
    for role in app_roles(any_stack):
        for action in READS:
            assert not can(any_stack, role, action, master), (role.name, action)


def test_no_ecs_role_but_the_migration_tasks_reads_the_master_password(any_stack):
    master = parameter(any_stack, "database-password").outputs["arn"]
    execution, _ = migration_roles(any_stack)
    ecs_roles = [r for r in any_stack.of_type(ROLE) if "ecs-tasks.amazonaws.com" in r.inputs["assumeRolePolicy"]]
    readers = [r.name for r in ecs_roles if any(can(any_stack, r, a, master) for a in READS)]
    assert readers == [execution.name] == ["migrations-execution"]


def test_the_execution_role_reads_blog_apps_password_too_and_nothing_else(any_stack):
    app = parameter(any_stack, "app-database-role-password").outputs["arn"]
    master = parameter(any_stack, "database-password").outputs["arn"]
    execution, _ = migration_roles(any_stack)
    assert can(any_stack, execution, "ssm:GetParameters", app)
    resources = {r for d in policies_of(any_stack, execution) for s in d["Statement"]
                 for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])}
    group = any_stack.exports["migrationLogGroupName"]
    arn = f"arn:aws:logs:us-east-1:123456789012:log-group:{group}"
    # The stacks build their image into their own repository: the agent pulls from exactly that one ("*" is
    # ecr:GetAuthorizationToken, which takes no resource).
    repository = f"arn:aws:ecr:us-east-1:123456789012:repository/aurora-platform/{any_stack.stack}/app"
    assert resources == {master, app, any_stack.exports["kmsKeyArn"], arn, f"{arn}:log-stream:*", repository, "*"}
    star = [s for d in policies_of(any_stack, execution) for s in d["Statement"] if s["Resource"] == "*"]
    assert [s["Action"] for s in star] == ["ecr:GetAuthorizationToken"]


# ---- logs -----------------------------------------------------------------------------------------------------------
def test_logs_to_its_own_group_under_the_platform_key_which_names_it(any_stack):
    stack = any_stack.stack
    [group] = [g for g in any_stack.of_type(LOG_GROUP) if f"{COMPONENT}$" in g.urn]
    assert group.inputs["name"] == f"/aurora-platform/{stack}/migrations"
    assert group.inputs["kmsKeyId"] == any_stack.exports["platformKeyArn"]
    assert group.inputs["retentionInDays"] == (365 if stack == "prod" else 30)
    options = migration_container(any_stack)["logConfiguration"]
    assert options == {"logDriver": "awslogs", "options": {
        "awslogs-group": f"/aurora-platform/{stack}/migrations", "awslogs-region": "us-east-1",
        "awslogs-stream-prefix": "migrate"}}
    keys = {k.outputs["arn"]: k for k in any_stack.of_type(KEY)}
    policy = json.loads(keys[any_stack.exports["platformKeyArn"]].inputs["policy"])
    arn = f"arn:aws:logs:us-east-1:123456789012:log-group:/aurora-platform/{stack}/migrations"
    assert any(allows({"Statement": [{k: v for k, v in s.items() if k != "Principal"}]}, "kms:GenerateDataKey", "*",
                      {"kms:EncryptionContext:aws:logs:arn": arn})
               for s in policy["Statement"] if "logs" in json.dumps(s.get("Principal", "")))
    execution, _ = migration_roles(any_stack)
    assert can(any_stack, execution, "logs:PutLogEvents", f"{arn}:log-stream:migrate/migrate/abc")
    app_group = f"arn:aws:logs:us-east-1:123456789012:log-group:/aurora-platform/{stack}/app"
    assert not can(any_stack, execution, "logs:PutLogEvents", f"{app_group}:log-stream:blog/blog/abc")


# ---- network --------------------------------------------------------------------------------------------------------
def test_same_network_path_as_the_app_admitted_into_the_clusters_group(any_stack):
    [group] = [g for g in any_stack.of_type(SECURITY_GROUP) if f"{COMPONENT}$" in g.urn]
    cluster = any_stack.one("aws:rds/cluster:Cluster")
    [cluster_group] = linked(any_stack, cluster, "vpcSecurityGroupIds")
    ingress = [r for r in any_stack.of_type(INGRESS)
               if r.property_dependencies.get("referencedSecurityGroupId") == [group.urn]]
    assert [(r.property_dependencies["securityGroupId"], r.inputs["fromPort"], r.inputs["toPort"]) for r in ingress] \
        == [([cluster_group.urn], 5432, 5432)]
    # Nothing may reach the task.
    assert not [r for r in any_stack.of_type(INGRESS) if r.property_dependencies.get("securityGroupId") == [group.urn]]
    egress = sorted((r.inputs["fromPort"], r.inputs["toPort"], r.inputs.get("cidrIpv4"),
                     r.inputs.get("referencedSecurityGroupId")) for r in any_stack.of_type(EGRESS)
                    if r.property_dependencies.get("securityGroupId") == [group.urn])
    assert egress == [(443, 443, "0.0.0.0/0", None), (5432, 5432, None, cluster_group.id)]
    assert any_stack.exports["migrationSubnetIds"] == any_stack.exports["privateSubnetIds"]
    assert any_stack.exports["migrationSecurityGroupId"] == group.id


def test_exports_what_run_task_needs(any_stack):
    stack = any_stack.stack
    exports = any_stack.exports
    assert exports["migrationTaskFamily"] == f"aurora-platform-{stack}-migrations"
    assert exports["migrationTaskDefinitionArn"] == migration_task(any_stack).outputs["arn"]
    assert exports["migrationLogGroupName"] == f"/aurora-platform/{stack}/migrations"
    assert exports["ecsClusterName"]


def test_the_policy_pack_finds_nothing_on_the_migration_resources(any_stack):
    from preflight.policy_eval import Analyzer

    urns = {r.urn for r in any_stack.resources if r.parent and COMPONENT in r.parent}
    evaluation = Analyzer().evaluate(any_stack.resources)
    assert len(urns) == 8
    assert not [(v.policy, v.urn) for v in evaluation.violations if v.urn in urns]


# ---- which stacks get it -------------------------------------------------------------------------------------------
def _no_migration_task(run: StackRun) -> None:
    assert not [r for r in run.resources if f"{COMPONENT}" in r.urn]
    assert not [name for name in run.exports if name.startswith("migration")]
    keys = json.dumps([k.inputs["policy"] for k in run.of_type(KEY)])
    assert "/migrations" not in keys


def test_mysql_stacks_get_no_migration_task(evaluate):
    run = run_with_app(evaluate, database={"engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.08.0",
                                           "masterUsername": "blog_admin"})
    _no_migration_task(run)


def test_a_stack_without_an_app_gets_no_migration_task(evaluate):
    _no_migration_task(evaluate("dev", {"aurora-platform:app": None}))


def test_a_password_proxy_stack_migrates_on_the_writer_with_the_master_login_only(evaluate):
    run = run_with_app(evaluate, database={"proxy": {"enabled": True, "iamAuth": False}})
    container = migration_container(run)
    assert env_of(container)["PGHOST"] == run.exports["writerEndpoint"] != run.exports["proxyEndpoint"]
    assert secrets_of(container) == {"PGPASSWORD": parameter(run, "database-password").outputs["arn"]}
    [group] = [g for g in run.of_type(SECURITY_GROUP) if f"{COMPONENT}$" in g.urn]
    [cluster_group] = linked(run, run.one("aws:rds/cluster:Cluster"), "vpcSecurityGroupIds")
    [ingress] = [r for r in run.of_type(INGRESS)
                 if r.property_dependencies.get("referencedSecurityGroupId") == [group.urn]]
    assert ingress.property_dependencies["securityGroupId"] == [cluster_group.urn]


def test_an_rds_managed_password_is_read_from_its_secret(evaluate):
    run = run_with_app(evaluate, database={"manageMasterUserPassword": True})
    value_from = secrets_of(migration_container(run))["PGPASSWORD"]
    assert re.fullmatch(r"arn:aws:secretsmanager:us-east-1:123456789012:secret:.+:password::", value_from)
    execution, _ = migration_roles(run)
    secret = value_from[: -len(":password::")]
    assert can(run, execution, "secretsmanager:GetSecretValue", secret)
    # No blog_app login here (components/app_database_role.py needs a generated password): the app's task keeps the
    # master login, as before this task existed; the migration task then gets no BLOG_APP_PASSWORD.
    assert set(secrets_of(migration_container(run))) == {"PGPASSWORD"}


# ---- the image ------------------------------------------------------------------------------------------------------
def _pins(text: str) -> dict[str, tuple[str, frozenset[str]]]:
    found = {}
    for block in re.split(r"\n(?=[a-z0-9])", text):
        match = re.match(r"([a-z0-9-]+)==(\S+)", block)
        if match:
            found[match.group(1)] = (match.group(2), frozenset(re.findall(r"sha256:([0-9a-f]{64})", block)))
    return found


def test_the_image_ships_db_and_its_locked_packages():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY db/ /app/db/" in dockerfile
    assert "--require-hashes -r /tmp/db-requirements.txt" in dockerfile
    assert re.search(r"compileall -q [^\n]*/app/db", dockerfile)
    ignore = (ROOT / ".dockerignore").read_text().split()
    assert "!db/" in ignore and "!.db/" not in ignore and "!.db" not in ignore
    image = _pins((ROOT / "db" / "requirements.txt").read_text())
    assert set(image) == {"yoyo-migrations", "sqlparse", "tabulate", "importlib-metadata", "zipp"}
    project = _pins((ROOT / "requirements.txt").read_text())
    for name, (version, hashes) in image.items():
        assert hashes, name
        assert project[name] == (version, hashes), name
    assert "psycopg" in _pins((ROOT / "blog" / "requirements.txt").read_text())
