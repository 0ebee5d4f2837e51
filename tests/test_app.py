"""The ECS wiring (AppService), asserted from what the real program registers, links followed through dependencies."""

import json
import re

import pytest

from preflight.engine import ProgramError, Secret, StackRun
from preflight.policy_eval import Analyzer

from .conftest import REPO_ROOT

APP = "aurora-platform:app:AppService"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
SECRET_NAME = re.compile(r"PASSWORD|PASSWD|PGPASS|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL", re.IGNORECASE)
POSTGRES_ENV = {"PGHOST", "PGHOST_READER", "PGPORT", "PGDATABASE", "PGUSER", "PGSSLMODE", "PGSSLROOTCERT"}
MYSQL_ENV = {"DB_HOST", "DB_HOST_READER", "DB_PORT", "DB_NAME", "DB_USER", "DB_SSL_MODE", "DB_SSL_CA"}
SESSION_KEY_ARN = "arn:aws:ssm:us-east-1:123456789012:parameter/blog/dev/session-key"
OTHER_KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


# ---- following links -------------------------------------------------------------------------------------------
def linked(run: StackRun, resource, prop: str) -> list:
    return [run.by_urn(u) for u in resource.property_dependencies.get(prop, [])]


def app_task(run: StackRun):
    """The application's task definition (PostgreSQL stacks also have the migration task's)."""
    [definition] = [d for d in run.of_type(TASK_DEFINITION) if f"{APP}$" in d.urn]
    return definition


def container(run: StackRun) -> dict:
    [definition] = json.loads(app_task(run).inputs["containerDefinitions"])
    return definition


def environment(run: StackRun) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container(run)["environment"]}


def secrets(run: StackRun) -> dict[str, str]:
    return {s["name"]: s["valueFrom"] for s in container(run)["secrets"]}


def roles(run: StackRun) -> tuple:
    definition = app_task(run)
    [execution] = linked(run, definition, "executionRoleArn")
    [task] = linked(run, definition, "taskRoleArn")
    return execution, task


def policies_of(run: StackRun, role) -> list[dict]:
    return [json.loads(p.inputs["policy"]) for p in run.of_type(ROLE_POLICY)
            if p.property_dependencies.get("role") == [role.urn]]


def statements(documents: list[dict]) -> list[dict]:
    return [s for d in documents for s in d["Statement"]]


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def database_parts(run: StackRun):
    cluster = run.one("aws:rds/cluster:Cluster")
    # The password the task reads: on PostgreSQL its own role's (components/app_database_role.py), not the master's;
    # on MySQL (no app role) still the master's; None with IAM database authentication.
    secure = [p for p in run.of_type("aws:ssm/parameter:Parameter") if p.inputs.get("type") == "SecureString"]
    parameter = next((p for p in secure if p.name.startswith("app-database-role")), secure[0] if secure else None)
    [key] = linked(run, cluster, "kmsKeyId")
    [group] = linked(run, cluster, "vpcSecurityGroupIds")
    return cluster, parameter, key, group


def run_with_app(evaluate, stack: str = "dev", database: dict | None = None, **app) -> StackRun:
    from preflight.engine import read_project, read_stack_config

    config = read_stack_config(REPO_ROOT, read_project(REPO_ROOT), stack)
    overrides = {"aurora-platform:app": {**config["aurora-platform:app"], **app}}
    if database is not None:
        overrides["aurora-platform:database"] = {**config["aurora-platform:database"], **database}
    return evaluate(stack, overrides)


# ---- the container definition ----------------------------------------------------------------------------------
def test_the_password_is_a_secret_from_the_parameter_arn_and_never_in_the_environment(any_stack):
    _, parameter, _, _ = database_parts(any_stack)
    assert secrets(any_stack) == {"PGPASSWORD": parameter.outputs["arn"]}
    assert not [name for name in environment(any_stack) if SECRET_NAME.search(name)]
    # The value itself appears nowhere in the task definition.
    [password] = [p.outputs["result"].value for p in any_stack.of_type("random:index/randomPassword:RandomPassword")
                  if p.name.startswith("app-database-role")]
    assert isinstance(password, str) and len(password) >= 16 and parameter.input("valueWo") == password
    assert password not in json.dumps(app_task(any_stack).inputs)


def test_the_environment_holds_only_the_connection_settings(any_stack):
    cluster, _, _, _ = database_parts(any_stack)
    env = environment(any_stack)
    assert set(env) == POSTGRES_ENV
    assert env["PGHOST"] == cluster.outputs["endpoint"]
    assert env["PGHOST_READER"] == cluster.outputs["readerEndpoint"]
    assert env["PGPORT"] == "5432" and any_stack.exports["port"] == 5432
    assert env["PGDATABASE"] == any_stack.exports["databaseName"] == "blog"
    assert env["PGUSER"] == any_stack.exports["appDatabaseUser"] == "blog_app"
    assert env["PGSSLMODE"] == "verify-full"
    assert env["PGSSLROOTCERT"] == "/etc/ssl/certs/rds-global-bundle.pem"


def test_the_container_is_hardened_and_logs_to_an_encrypted_retained_group(any_stack):
    app = container(any_stack)
    # The stack builds the blog's image and runs it by digest (unknown until pushed, as in a real preview).
    stack = any_stack.stack
    assert app["image"] == f"123456789012.dkr.ecr.us-east-1.amazonaws.com/aurora-platform/{stack}/app@[unknown]"
    assert app["essential"] is True and app["readonlyRootFilesystem"] is True and app["user"] == "1000:1000"
    # all capabilities dropped; an init process (PID 1) forwards signals and reaps zombies (both valid on Fargate)
    assert "privileged" not in app and app["linuxParameters"] == {"initProcessEnabled": True,
                                                                  "capabilities": {"drop": ["ALL"]}}
    assert app["portMappings"] == [{"containerPort": 3000, "protocol": "tcp"}]
    definition = app_task(any_stack)
    assert {m["containerPath"]: m["sourceVolume"] for m in app["mountPoints"]} == {"/tmp": "tmp"}
    assert sorted(v["name"] for v in definition.inputs["volumes"]) == ["tmp"]

    [group] = [g for g in any_stack.of_type("aws:cloudwatch/logGroup:LogGroup") if g.parent.endswith(f"{APP}::app")]
    assert app["logConfiguration"] == {"logDriver": "awslogs", "options": {
        "awslogs-group": group.outputs["name"], "awslogs-region": "us-east-1", "awslogs-stream-prefix": "app"}}
    [key] = linked(any_stack, group, "kmsKeyId")
    assert key.outputs["arn"] == any_stack.exports["platformKeyArn"]
    assert group.inputs["retentionInDays"] == {"dev": 30, "prod": 365}[any_stack.stack]


def test_the_task_is_fargate_sized_per_stack(dev, prod):
    for run, (cpu, memory) in ((dev, ("256", "512")), (prod, ("512", "1024"))):
        definition = app_task(run)
        assert definition.inputs["requiresCompatibilities"] == ["FARGATE"]
        assert definition.inputs["networkMode"] == "awsvpc"
        assert (definition.inputs["cpu"], definition.inputs["memory"]) == (cpu, memory)
        assert definition.inputs["family"] == f"aurora-platform-{run.stack}-app"


# ---- IAM -------------------------------------------------------------------------------------------------------
def test_execution_and_task_roles_are_separate_and_trust_only_ecs_tasks_of_this_account(any_stack):
    execution, task = roles(any_stack)
    assert execution.urn != task.urn
    for role in (execution, task):
        [statement] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    # the task role also names ECS of this account and region (aws:SourceArn), as the task role page shows
    [statement] = json.loads(task.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Condition"]["ArnLike"] == {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"}


def test_the_execution_role_reads_exactly_the_password_parameter_with_exactly_its_key(any_stack):
    execution, _ = roles(any_stack)
    _, parameter, key, _ = database_parts(any_stack)
    found = statements(policies_of(any_stack, execution))
    ssm = {r for s in found for a in as_list(s["Action"]) if a.startswith("ssm:") for r in as_list(s["Resource"])}
    kms = {r for s in found for a in as_list(s["Action"]) if a.startswith("kms:") for r in as_list(s["Resource"])}
    assert ssm == {parameter.outputs["arn"]} and kms == {key.outputs["arn"]}
    # The only "*" is ECR's authorization token, which has no resource to scope to.
    assert {a for s in found if "*" in as_list(s["Resource"]) for a in as_list(s["Action"])} == {
        "ecr:GetAuthorizationToken"}
    # no AmazonECSTaskExecutionRolePolicy (ECR and logs on "*"): pulls from the stack's own repository only
    assert [a for a in any_stack.of_type(ATTACHMENT) if a.property_dependencies.get("role") == [execution.urn]] == []
    ecr = {r for s in found for a in as_list(s["Action"]) if a.startswith("ecr:") for r in as_list(s["Resource"])}
    assert ecr == {"*", f"arn:aws:ecr:us-east-1:123456789012:repository/aurora-platform/{any_stack.stack}/app"}


def test_the_task_role_has_no_permissions_by_default(any_stack):
    _, task = roles(any_stack)
    assert policies_of(any_stack, task) == []
    assert not [a for a in any_stack.of_type(ATTACHMENT) if a.property_dependencies.get("role") == [task.urn]]


def test_extra_secrets_get_exactly_their_parameter_arns_and_the_database_key(evaluate):
    run = run_with_app(evaluate, secrets={"SESSION_KEY": "/blog/dev/session-key"})
    assert secrets(run)["SESSION_KEY"] == SESSION_KEY_ARN
    assert "SESSION_KEY" not in environment(run)
    execution, _ = roles(run)
    _, _, key, _ = database_parts(run)
    [extra] = [d for d in policies_of(run, execution) if d["Statement"][0].get("Sid") == "ReadTheTaskSecrets"]
    assert extra["Statement"][0] == {"Sid": "ReadTheTaskSecrets", "Effect": "Allow", "Action": ["ssm:GetParameters"],
                                     "Resource": [SESSION_KEY_ARN]}
    assert extra["Statement"][1]["Resource"] == [key.outputs["arn"]]
    # decrypt only through SSM and only for those parameters (SSM's encryption context is PARAMETER_ARN)
    assert extra["Statement"][1]["Condition"] == {"StringEquals": {
        "kms:ViaService": "ssm.us-east-1.amazonaws.com", "kms:EncryptionContext:PARAMETER_ARN": [SESSION_KEY_ARN]}}


def test_extra_secrets_may_name_their_own_key(evaluate):
    run = run_with_app(evaluate, secrets={"SESSION_KEY": "/blog/dev/session-key"}, secretsKmsKeyArn=OTHER_KEY)
    execution, _ = roles(run)
    [extra] = [d for d in policies_of(run, execution) if d["Statement"][0].get("Sid") == "ReadTheTaskSecrets"]
    assert extra["Statement"][1]["Resource"] == [OTHER_KEY]


def test_iam_database_auth_connects_as_the_app_user_without_the_master_password(evaluate):
    run = run_with_app(evaluate, iamDatabaseAuth=True, iamDatabaseUser="blog_app")
    assert "PGPASSWORD" not in secrets(run) and environment(run)["PGUSER"] == "blog_app"
    execution, task = roles(run)
    assert not [s for s in statements(policies_of(run, execution)) if "ssm:GetParameters" in as_list(s["Action"])]
    [connect] = statements(policies_of(run, task))
    cluster, _, _, _ = database_parts(run)
    assert connect["Action"] == "rds-db:connect"
    assert connect["Resource"] == [f"arn:aws:rds-db:us-east-1:123456789012:dbuser:"
                                   f"{cluster.outputs['clusterResourceId']}/blog_app"]


# ---- network ---------------------------------------------------------------------------------------------------
def task_group(run: StackRun):
    [task_sg] = [g for g in run.of_type("aws:ec2/securityGroup:SecurityGroup")
                 if g.id == run.exports["taskSecurityGroupId"]]
    return task_sg


def test_only_the_task_group_is_let_into_the_database_on_its_port(any_stack):
    _, _, _, db_group = database_parts(any_stack)
    task_sg = task_group(any_stack)
    into_db = [r for r in any_stack.of_type(INGRESS) if r.property_dependencies["securityGroupId"] == [db_group.urn]]
    from_task = [r for r in into_db if r.property_dependencies.get("referencedSecurityGroupId") == [task_sg.urn]]
    assert len(from_task) == 1
    assert (from_task[0].inputs["fromPort"], from_task[0].inputs["toPort"]) == (5432, 5432)
    assert all("cidrIpv4" not in r.inputs and "cidrIpv6" not in r.inputs for r in into_db)


def test_the_task_group_has_no_ingress_and_egress_only_to_the_database_and_https(any_stack):
    _, _, _, db_group = database_parts(any_stack)
    task_sg = task_group(any_stack)
    assert task_sg.inputs["vpcId"] == any_stack.exports["vpcId"]
    assert "ingress" not in task_sg.inputs and "egress" not in task_sg.inputs
    ingress = [r for r in any_stack.of_type(INGRESS) if r.property_dependencies["securityGroupId"] == [task_sg.urn]]
    # With a public load balancer (prod), its security group alone, on the container port (tests/test_load_balancer.py).
    balancers = [g.urn for g in any_stack.of_type("aws:ec2/securityGroup:SecurityGroup") if g.name == "app-lb"]
    assert [(r.inputs["fromPort"], r.property_dependencies["referencedSecurityGroupId"]) for r in ingress] == \
        [(3000, balancers)] * len(balancers)
    egress = [r for r in any_stack.of_type(EGRESS) if r.property_dependencies["securityGroupId"] == [task_sg.urn]]
    rules = sorted((r.inputs["fromPort"], r.inputs["toPort"], r.inputs.get("cidrIpv4"),
                    r.inputs.get("referencedSecurityGroupId")) for r in egress)
    assert rules == [(443, 443, "0.0.0.0/0", None), (5432, 5432, None, db_group.id)]


def test_the_service_runs_in_the_private_subnets_without_public_ip_and_rolls_back(dev, prod):
    for run, count in ((dev, 1), (prod, 3)):
        service = run.one(SERVICE)
        private = {s.urn for s in run.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["Tier"] == "private"}
        network = service.inputs["networkConfiguration"]
        assert network["assignPublicIp"] is False
        assert network["subnets"] == run.exports["privateSubnetIds"] and len(private) == 3
        assert network["securityGroups"] == [run.exports["taskSecurityGroupId"]]
        assert service.inputs["launchType"] == "FARGATE" and service.inputs["desiredCount"] == count
        assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
        # new tasks start before old ones stop; the 8/16 vCPU Fargate sizes need platform 1.4.0+, which LATEST is
        assert (service.inputs["deploymentMinimumHealthyPercent"], service.inputs["deploymentMaximumPercent"]) == \
            (100, 200)
        assert service.inputs["platformVersion"] == "LATEST"
        # tasks carry the service's tags (cost allocation per stack) and ECS's own cluster/service tags
        assert service.inputs["propagateTags"] == "SERVICE" and service.inputs["enableEcsManagedTags"] is True
        assert service.inputs["enableExecuteCommand"] is False
        # dev has no load balancer; prod's is asserted in tests/test_load_balancer.py
        assert ("loadBalancers" in service.inputs) == (run.stack == "prod")
        assert linked(run, service, "taskDefinition") == [app_task(run)]
        [cluster] = linked(run, service, "cluster")
        assert cluster.inputs["settings"] == [{"name": "containerInsights",
                                               "value": {"dev": "enabled", "prod": "enhanced"}[run.stack]}]
        # tasks start only after the database lets them in and the execution role may read the password
        waits = {run.by_urn(u).type for u in service.dependencies}
        assert {INGRESS, ROLE_POLICY} <= waits and ATTACHMENT not in waits


def test_exports_name_the_cluster_task_definition_service_group_and_log_group(any_stack):
    exports = any_stack.exports
    assert exports["ecsClusterName"] == any_stack.one("aws:ecs/cluster:Cluster").outputs["name"]
    assert exports["taskDefinitionArn"] == app_task(any_stack).outputs["arn"]
    assert exports["serviceName"] == any_stack.one(SERVICE).outputs["name"]
    assert exports["taskSecurityGroupId"].startswith("sg-")
    assert exports["appLogGroupName"] == container(any_stack)["logConfiguration"]["options"]["awslogs-group"]


def test_the_policy_pack_finds_nothing_wrong_with_the_app(any_stack):
    app_urns = {r.urn for r in any_stack.resources if r.parent and APP in r.parent}
    evaluation = Analyzer().evaluate(any_stack.resources)
    assert app_urns and not [v for v in evaluation.violations if v.urn in app_urns]


# ---- variants --------------------------------------------------------------------------------------------------
def test_mysql_gets_the_db_names_and_identity_verification(evaluate):
    run = run_with_app(evaluate, database={"engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.08.0",
                                           "masterUsername": "blog_admin"})
    cluster, parameter, _, db_group = database_parts(run)
    env = environment(run)
    assert set(env) == MYSQL_ENV
    assert env["DB_SSL_MODE"] == "VERIFY_IDENTITY" and env["DB_PORT"] == "3306"
    assert env["DB_HOST"] == cluster.outputs["endpoint"] and env["DB_SSL_CA"].endswith(".pem")
    assert secrets(run) == {"DB_PASSWORD": parameter.outputs["arn"]}
    task_sg = task_group(run)
    egress = [r for r in run.of_type(EGRESS) if r.property_dependencies["securityGroupId"] == [task_sg.urn]
              and r.inputs.get("referencedSecurityGroupId") == db_group.id]
    assert [(r.inputs["fromPort"], r.inputs["toPort"]) for r in egress] == [(3306, 3306)]


def test_without_a_service_the_task_definition_is_still_there(evaluate):
    run = run_with_app(evaluate, createService=False)
    assert run.of_type(SERVICE) == [] and run.exports.get("serviceName") is None
    assert app_task(run) and run.exports["taskDefinitionArn"]


def test_a_stack_without_an_app_section_has_no_application_tier(evaluate):
    run = evaluate("dev", {"aurora-platform:app": None})
    assert not [r for r in run.resources if r.type.startswith("aws:ecs/") or r.type == APP]
    assert "ecsClusterName" not in run.exports


def test_the_proxy_needs_iam_auth_and_then_the_app_talks_to_the_proxy(evaluate):
    with pytest.raises(ProgramError) as caught:
        run_with_app(evaluate, database={"proxy": {"enabled": True}})
    assert caught.value.kind == "settings" and caught.value.resources == []
    assert ("aurora-platform:app.iamDatabaseAuth: must be true: the database's RDS Proxy "
            "(aurora-platform:database.proxy) accepts only IAM authentication tokens") in str(caught.value)

    run = run_with_app(evaluate, database={"proxy": {"enabled": True}}, iamDatabaseAuth=True,
                       iamDatabaseUser="blog_app")
    proxy = run.one("aws:rds/proxy:Proxy")
    assert environment(run)["PGHOST"] == proxy.outputs["endpoint"]
    [proxy_group] = linked(run, proxy, "vpcSecurityGroupIds")
    task_sg = task_group(run)
    assert [r for r in run.of_type(INGRESS) if r.property_dependencies["securityGroupId"] == [proxy_group.urn]
            and r.property_dependencies.get("referencedSecurityGroupId") == [task_sg.urn]]
    egress = {r.inputs.get("referencedSecurityGroupId") for r in run.of_type(EGRESS)
              if r.property_dependencies["securityGroupId"] == [task_sg.urn]}
    assert egress == {None, proxy_group.id}


@pytest.mark.parametrize(("app", "expected"), [
    ({"image": None}, "aurora-platform:app.image: is required"),
    ({"cpu": 256, "memory": 4096}, "aurora-platform:app.memory: got 4096; allowed: with cpu 256 on Fargate: 512, "
                                   "1024 or 2048 (MiB)"),
    ({"secrets": {"DATABASE_URL": "my/param"}}, 'aurora-platform:app.secrets.DATABASE_URL: got "my/param"; allowed: '
                                                'an absolute SSM parameter name starting with "/"'),
    ({"environment": {"node_env": "x"}}, 'aurora-platform:app.environment.node_env: the name "node_env" is not '
                                         "allowed; allowed: an environment variable name matching [A-Z_][A-Z0-9_]*"),
    ({"desiredCount": 101}, "aurora-platform:app.desiredCount: got 101; allowed: a whole number from 0 to 100"),
    ({"containerPort": 0}, "aurora-platform:app.containerPort: got 0; allowed: a whole number from 1 to 65535"),
    ({"containerPort": 70000}, "aurora-platform:app.containerPort: got 70000; allowed: a whole number from 1 to 65535"),
])
def test_a_misconfigured_app_stops_the_program_naming_the_key(evaluate, app, expected):
    with pytest.raises(ProgramError) as caught:
        run_with_app(evaluate, "prod", **app)
    assert caught.value.kind == "settings" and caught.value.resources == []
    assert expected in str(caught.value)


# ---- the load balancer seam, with a stand-in database (no Aurora component at all) ----------------------------
def test_a_load_balancer_opens_only_the_container_port_from_its_group(evaluate):
    run = evaluate("test", program_dir=REPO_ROOT / "tests" / "programs" / "app_load_balancer")
    balancer = run.named("balancer")
    service = run.one(SERVICE)
    assert service.inputs["loadBalancers"] == [{
        "targetGroupArn": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/blog/0123456789abcdef",
        "containerName": "blog", "containerPort": 8080}]
    assert service.inputs["healthCheckGracePeriodSeconds"] == 90
    [task_sg] = [g for g in run.of_type("aws:ec2/securityGroup:SecurityGroup") if g.name == "web-task"]
    [ingress] = [r for r in run.of_type(INGRESS) if r.property_dependencies["securityGroupId"] == [task_sg.urn]]
    assert ingress.property_dependencies["referencedSecurityGroupId"] == [balancer.urn]
    assert (ingress.inputs["fromPort"], ingress.inputs["toPort"]) == (8080, 8080)
    # the stand-in database is wired like Aurora: MySQL names, its own grant, its own security group
    assert secrets(run) == {"DB_PASSWORD": run.named("password").outputs["arn"],
                            "SESSION_KEY": "arn:aws:ssm:eu-west-1:123456789012:parameter/blog/session"}
    assert container(run)["logConfiguration"]["options"]["awslogs-region"] == "eu-west-1"
    # even the stand-in's value is recorded as a secret, never as plain text
    assert isinstance(run.named("password").inputs["value"], Secret)
