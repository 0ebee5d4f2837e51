"""The README's least-privilege claims, asserted on what the real program registers, and attacked.

Expected documents are literals from the requirement and the AWS pages it cites (Session Manager's minimum instance
permissions, kms:ViaService + the services' encryption contexts, confused-deputy conditions on service trusts, the
ECS agent's calls, CloudWatch Logs' encryption context). `tests/iam_eval.py` then tries other spellings of the same
request against the recorded documents: another parameter, a path read, another service, no encryption context,
another account.
"""

from __future__ import annotations

import json

import pytest

from components.app import ecr_repository_arn, execution_policy
from components.kms import EncryptionKeyArgs, key_policy
from preflight.engine import RecordedResource, StackRun
from tests.iam_eval import allows, as_list, trusts

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
REGION = "us-east-1"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
KEY = "aws:kms/key:Key"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SESSION_CHANNELS = ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]


def password_arn(stack: str) -> str:
    return f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/aurora-platform/{stack}/database/password"


def with_setting(run: StackRun, section: str, **values) -> dict:
    return {f"aurora-platform:{section}": {**(run.config.get(f"aurora-platform:{section}") or {}), **values}}


def role_named(run: StackRun, name: str) -> RecordedResource:
    [role] = [r for r in run.of_type(ROLE) if r.name == name]
    return role


def inline(run: StackRun, role: RecordedResource) -> dict[str, dict]:
    return {p.name: json.loads(p.inputs["policy"]) for p in run.of_type(ROLE_POLICY)
            if p.property_dependencies.get("role") == [role.urn]}


def trust(role: RecordedResource) -> dict:
    return json.loads(role.inputs["assumeRolePolicy"])


def can(documents, action: str, resource: str, **context: str) -> bool:
    return any(allows(d, action, resource, context) for d in documents)


def via(service: str, **context: str) -> dict[str, str]:
    return {"kms:ViaService": f"{service}.{REGION}.amazonaws.com", **context}


# ---- the bastion --------------------------------------------------------------------------------------------------
def test_the_bastion_has_exactly_session_manager_and_the_password(any_stack):
    stack, key = any_stack.stack, any_stack.exports["kmsKeyArn"]
    role = role_named(any_stack, "bastion")
    assert [a for a in any_stack.of_type(ATTACHMENT) if a.property_dependencies.get("role") == [role.urn]] == []
    assert inline(any_stack, role) == {
        "bastion-session-manager": {"Version": "2012-10-17", "Statement": [
            {"Sid": "RegisterWithSystemsManager", "Effect": "Allow", "Action": "ssm:UpdateInstanceInformation",
             "Resource": "*"},
            {"Sid": "SessionManagerChannels", "Effect": "Allow", "Action": SESSION_CHANNELS, "Resource": "*"}]},
        "database-bastion-password-read": {"Version": "2012-10-17", "Statement": [
            {"Sid": "ReadTheDatabasePassword", "Effect": "Allow",
             "Action": ["ssm:GetParameter", "ssm:GetParameters"], "Resource": password_arn(stack)},
            {"Sid": "DecryptTheDatabasePassword", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key,
             "Condition": {"StringEquals": {"kms:ViaService": f"ssm.{REGION}.amazonaws.com",
                                            "kms:EncryptionContext:PARAMETER_ARN": password_arn(stack)}}}]},
    }
    # EC2 sends no aws:SourceArn for instance roles; aws:SourceAccount is refused when it names another account
    assert trust(role) == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}}]}


def test_the_bastion_cannot_read_any_other_parameter_in_any_spelling(dev):
    documents = list(inline(dev, role_named(dev, "bastion")).values())
    mine = password_arn("dev")
    assert can(documents, "ssm:GetParameter", mine) and can(documents, "SSM:getparameters", mine)
    parameter = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter"
    for action, resource in [
        ("ssm:GetParameter", f"{parameter}/aurora-platform/prod/database/password"),
        ("ssm:GetParameter", f"{parameter}/aurora-platform/dev/database/password-previous"),
        ("ssm:GetParameter", f"{parameter}/aurora-platform/dev/database"),
        ("ssm:GetParametersByPath", f"{parameter}/aurora-platform/dev/database"),
        ("ssm:GetParametersByPath", f"{parameter}/aurora-platform"),
        ("ssm:GetParametersByPath", mine),
        ("ssm:GetParameterHistory", mine),
        ("ssm:DescribeParameters", "*"),
        ("ssm:PutParameter", mine),
        ("ssm:GetParameter", f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/aurora-platform/dev/database/password"),
        ("ssm:GetParameter", "*"),
        ("secretsmanager:GetSecretValue", "*"),
    ]:
        assert not can(documents, action, resource), (action, resource)


def test_the_bastion_decrypts_only_its_parameter_only_through_ssm(dev):
    documents = list(inline(dev, role_named(dev, "bastion")).values())
    key, mine = dev.exports["kmsKeyArn"], password_arn("dev")
    context = {"kms:EncryptionContext:PARAMETER_ARN": mine}
    assert can(documents, "kms:Decrypt", key, **via("ssm", **context))
    for attempt in [
        {},                                                                 # straight to KMS with the role
        context,                                                            # the right context, no service
        via("ssm"),                                                         # through SSM, no context
        via("ssm", **{"kms:EncryptionContext:PARAMETER_ARN": password_arn("prod")}),  # another parameter
        via("secretsmanager", **context),                                   # another service
        via("rds", **context),
        {"kms:ViaService": "ssm.eu-west-1.amazonaws.com", **context},       # another region
        via("ssm", **{"kms:EncryptionContext:SecretARN": mine}),            # another context key
    ]:
        assert not can(documents, "kms:Decrypt", key, **attempt), attempt
    for action in ("kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant", "kms:DecryptX"):
        assert not can(documents, action, key, **via("ssm", **context)), action


def test_the_bastion_runs_no_commands_and_starts_no_sessions_itself(dev):
    documents = list(inline(dev, role_named(dev, "bastion")).values())
    # Registration as AWS documents it (on "*"), the four session channels, and nothing else of SSM.
    assert can(documents, "ssm:UpdateInstanceInformation", "*")
    assert all(can(documents, action, "*") for action in SESSION_CHANNELS)
    for action in ("ssm:SendCommand", "ssm:StartSession", "ssm:ListInstanceAssociations", "ssm:PutInventory",
                   "ssm:GetDocument", "ec2messages:GetMessages", "ssm:UpdateAssociationStatus"):
        assert not can(documents, action, "*"), action


def test_with_an_rds_managed_password_the_bastion_decrypts_only_that_secret_through_secrets_manager(evaluate, dev):
    run = evaluate("dev", with_setting(dev, "database", manageMasterUserPassword=True))
    secret = run.one("aws:rds/cluster:Cluster").outputs["masterUserSecrets"][0]["secretArn"]
    key = run.exports["kmsKeyArn"]
    documents = inline(run, role_named(run, "bastion"))
    assert documents["database-bastion-password-read"] == {"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadTheDatabasePassword", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
         "Resource": secret},
        {"Sid": "DecryptTheDatabasePassword", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": key,
         "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{REGION}.amazonaws.com",
                                        "kms:EncryptionContext:SecretARN": secret}}}]}
    documents = list(documents.values())
    assert can(documents, "kms:Decrypt", key, **via("secretsmanager", **{"kms:EncryptionContext:SecretARN": secret}))
    assert not can(documents, "kms:Decrypt", key, **via("ssm", **{"kms:EncryptionContext:SecretARN": secret}))
    assert not can(documents, "secretsmanager:GetSecretValue", f"{secret}-other")
    assert not can(documents, "ssm:GetParameter", password_arn("dev"))


# ---- the application's roles --------------------------------------------------------------------------------------
def app_roles(run: StackRun) -> tuple[RecordedResource, RecordedResource]:
    return role_named(run, "app-execution"), role_named(run, "app-task")


def test_the_execution_role_has_only_the_agents_calls_and_no_ecr_for_a_non_ecr_image(any_stack, evaluate):
    # The stacks build their image into ECR; a stack naming an image elsewhere gets no ECR right at all.
    stack = any_stack.stack
    any_stack = evaluate(stack, with_setting(any_stack, "app", image="ghcr.io/aurora-platform/blog:1.0.0"))
    execution, _ = app_roles(any_stack)
    assert [a for a in any_stack.of_type(ATTACHMENT) if a.property_dependencies.get("role") == [execution.urn]] == []
    group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aurora-platform/{stack}/app"
    documents = inline(any_stack, execution)
    assert documents["app-execution"] == {"Version": "2012-10-17", "Statement": [
        {"Sid": "WriteTheTaskLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": [group, f"{group}:log-stream:*"]}]}
    # The task logs in as its own role (blog_app): it reads that password, and can no longer read the master's.
    app_password = password_arn(stack).replace("/database/password", "/database/app-password")
    assert documents["app-database-role-app-execution-password-read"]["Statement"][1]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"ssm.{REGION}.amazonaws.com",
                         "kms:EncryptionContext:PARAMETER_ARN": app_password}}
    documents = list(documents.values())
    assert can(documents, "ssm:GetParameters", app_password)
    assert not can(documents, "ssm:GetParameters", password_arn(stack))
    assert not can(documents, "ssm:GetParameter", password_arn(stack))
    assert can(documents, "logs:PutLogEvents", f"{group}:log-stream:app/blog/0123")
    assert not can(documents, "logs:PutLogEvents", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:other:log-stream:x")
    assert not can(documents, "logs:CreateLogGroup", group)
    for action in ("ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"):
        assert not can(documents, action, "*")


def test_the_execution_role_pulls_only_its_own_ecr_repository(evaluate, dev):
    image = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/blog/web:1.0.0"
    run = evaluate("dev", with_setting(dev, "app", image=image))
    execution, _ = app_roles(run)
    document = inline(run, execution)["app-execution"]
    repository = "arn:aws:ecr:eu-west-1:111122223333:repository/blog/web"
    assert document["Statement"][:2] == [
        {"Sid": "EcrAuthorizationToken", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {"Sid": "PullTheImage", "Effect": "Allow",
         "Action": ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
         "Resource": repository}]
    assert can([document], "ecr:BatchGetImage", repository)
    for resource in ("arn:aws:ecr:eu-west-1:111122223333:repository/blog/web-admin",
                     "arn:aws:ecr:eu-west-1:111122223333:repository/blog",
                     f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/blog/web", "*"):
        assert not can([document], "ecr:BatchGetImage", resource), resource
    assert not can([document], "ecr:PutImage", repository)


@pytest.mark.parametrize("image, expected", [
    ("111122223333.dkr.ecr.eu-west-1.amazonaws.com/blog:1.0.0",
     "arn:aws:ecr:eu-west-1:111122223333:repository/blog"),
    ("111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/blog@sha256:" + "a" * 64,
     "arn:aws:ecr:eu-west-1:111122223333:repository/team/blog"),
    ("111122223333.dkr.ecr.us-gov-west-1.amazonaws.com/blog", "arn:aws:ecr:us-gov-west-1:111122223333:repository/blog"),
    ("111122223333.dkr.ecr-fips.us-east-1.amazonaws.com/blog:1", "arn:aws:ecr:us-east-1:111122223333:repository/blog"),
    # not private ECR: no ECR rights at all
    ("ghcr.io/aurora-platform/blog:1.0.0", None),
    ("public.ecr.aws/nginx/nginx:1.27", None),
    ("docker.io/library/nginx:1.27", None),
    ("111122223333.dkr.ecr.eu-west-1.amazonaws.com.evil.example/blog:1", None),
    ("evil.example/111122223333.dkr.ecr.eu-west-1.amazonaws.com/blog:1", None),
    ("11112222333.dkr.ecr.eu-west-1.amazonaws.com/blog:1", None),
    ("111122223333.dkr.ecr.eu-west-1.amazonaws.com/*:1", None),
])
def test_ecr_images_and_lookalikes(image, expected):
    assert ecr_repository_arn(image, "aws") == expected


def test_a_lookalike_registry_gets_no_ecr_statement():
    document = execution_policy("111122223333.dkr.ecr.eu-west-1.amazonaws.com.evil.example/blog:1", "aws",
                                "arn:aws:logs:us-east-1:123456789012:log-group:/p/s/app")
    assert [s["Sid"] for s in document["Statement"]] == ["WriteTheTaskLogs"]


def test_the_roles_trust_ecs_tasks_of_this_account_and_region_only(any_stack):
    execution, task = app_roles(any_stack)
    assert trust(execution) == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]}
    assert trust(task) == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                      "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:*"}}}]}
    ours = {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/app/0abc"}
    assert trusts(trust(task), "ecs-tasks.amazonaws.com", ours)
    assert not trusts(trust(task), "ecs-tasks.amazonaws.com", {**ours, "aws:SourceAccount": OTHER_ACCOUNT})
    assert not trusts(trust(task), "ecs-tasks.amazonaws.com",
                      {**ours, "aws:SourceArn": f"arn:aws:ecs:{REGION}:{OTHER_ACCOUNT}:task/app/0abc"})
    assert not trusts(trust(task), "ecs-tasks.amazonaws.com", {"aws:SourceAccount": ACCOUNT})
    assert not trusts(trust(execution), "ecs-tasks.amazonaws.com", {"aws:SourceAccount": OTHER_ACCOUNT})
    assert not trusts(trust(task), "ec2.amazonaws.com", ours)


# ---- the other service roles --------------------------------------------------------------------------------------
def test_flow_logs_assume_their_role_only_for_this_accounts_flow_logs(any_stack):
    role = role_named(any_stack, "network-flow-logs")
    assert trust(role) == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                      "ArnLike": {"aws:SourceArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-flow-log/*"}}}]}
    ours = {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-flow-log/fl-1"}
    assert trusts(trust(role), "vpc-flow-logs.amazonaws.com", ours)
    assert not trusts(trust(role), "vpc-flow-logs.amazonaws.com",
                      {**ours, "aws:SourceArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/i-1"})
    assert not trusts(trust(role), "vpc-flow-logs.amazonaws.com", {"aws:SourceAccount": ACCOUNT})


def test_enhanced_monitoring_assumes_its_role_only_for_the_clusters_own_instances(prod):
    role = role_named(prod, "database-monitoring")
    instances = [f"arn:aws:rds:{REGION}:{ACCOUNT}:db:aurora-platform-prod-{n}" for n in (1, 2, 3)]
    assert trust(role) == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "monitoring.rds.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnEquals": {"aws:SourceArn": instances}}}]}
    # the identifiers the program gives its instances are exactly those
    assert sorted(i.inputs["identifier"] for i in prod.of_type("aws:rds/clusterInstance:ClusterInstance")) == [
        "aurora-platform-prod-1", "aurora-platform-prod-2", "aurora-platform-prod-3"]
    for other in ("aurora-platform-prod-4", "aurora-platform-prod-1x", "aurora-platform-dev-1"):
        assert not trusts(trust(role), "monitoring.rds.amazonaws.com", {
            "aws:SourceAccount": ACCOUNT, "aws:SourceArn": f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{other}"}), other


def test_the_proxy_role_trusts_rds_of_this_account_and_decrypts_only_its_secret(evaluate, prod):
    run = evaluate("prod", with_setting(prod, "database", proxy={"enabled": True, "iamAuth": False}))
    role = role_named(run, "database-proxy")
    assert trust(role) == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "rds.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]}
    [secret] = run.of_type("aws:secretsmanager/secret:Secret")
    [document] = inline(run, role).values()
    context = {"kms:EncryptionContext:SecretARN": secret.outputs["arn"]}
    key = run.exports["kmsKeyArn"]
    assert can([document], "kms:Decrypt", key, **via("secretsmanager", **context))
    assert not can([document], "kms:Decrypt", key, **via("secretsmanager"))
    assert not can([document], "kms:Decrypt", key, **via("ssm", **context))


# ---- program-wide invariants --------------------------------------------------------------------------------------
VARIANTS = {
    "as configured": {},
    "rds-managed password": {"database": {"manageMasterUserPassword": True}},
    "proxy with passwords": {"database": {"proxy": {"enabled": True, "iamAuth": False}}},
    "extra app secrets": {"app": {"secrets": {"SESSION_KEY": "/blog/session"}}},
}


@pytest.fixture(params=sorted(VARIANTS))
def variant(request, evaluate, prod) -> StackRun:
    overrides: dict = {}
    for section, values in VARIANTS[request.param].items():
        overrides.update(with_setting(prod, section, **values))
    return evaluate("prod", overrides) if overrides else prod


def test_every_decrypt_in_the_program_names_a_key_a_service_and_an_encryption_context(variant):
    found = 0
    for policy in variant.of_type(ROLE_POLICY):
        for statement in as_list(json.loads(policy.inputs["policy"])["Statement"]):
            if not any(a.lower().startswith("kms:") for a in as_list(statement["Action"])):
                continue
            found += 1
            assert "*" not in as_list(statement["Resource"]), policy.name
            keys = set(statement["Condition"]["StringEquals"])
            assert "kms:ViaService" in keys, policy.name
            assert any(k.startswith("kms:EncryptionContext:") for k in keys), policy.name
    assert found >= 2  # the bastion's and the execution role's password reads at least


def test_every_service_trust_binds_the_source_account_and_no_managed_policy_but_enhanced_monitoring(variant):
    for role in variant.of_type(ROLE):
        for statement in trust(role)["Statement"]:
            # AWS Backup documents aws:SourceAccount for resource policies, not for the role it is passed
            # (components/aurora_backup.py); the role reaches it only through iam:PassRole in this account.
            if "Service" in statement["Principal"] and statement["Principal"]["Service"] != "backup.amazonaws.com":
                operators = statement["Condition"]
                assert any(keys.get("aws:SourceAccount") == ACCOUNT for keys in operators.values()), role.name
    attached = {a.inputs["policyArn"] for a in variant.of_type(ATTACHMENT)}
    assert attached == {"arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"}


# ---- keys: CloudWatch Logs only for the stack's log groups --------------------------------------------------------
def logs_statement(key: RecordedResource) -> dict:
    [statement] = [s for s in json.loads(key.inputs["policy"])["Statement"] if "Principal" in s
                   and s["Principal"].get("Service") == f"logs.{REGION}.amazonaws.com"]
    return statement


def group_arn(name: str) -> str:
    return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"


def test_the_keys_let_cloudwatch_logs_encrypt_exactly_the_stacks_log_groups(dev):
    keys = {k.outputs["arn"]: k for k in dev.of_type(KEY)}
    platform, database = keys[dev.exports["platformKeyArn"]], keys[dev.exports["kmsKeyArn"]]
    assert logs_statement(platform)["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": [
        group_arn("/aurora-platform/dev/app"), group_arn("/aurora-platform/dev/migrations"),
        group_arn("/aurora-platform/dev/network-flow-logs")]}}
    assert logs_statement(database)["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": [
        group_arn("/aws/rds/cluster/aurora-platform-dev/postgresql")]}}
    for statement in (logs_statement(platform), logs_statement(database)):
        assert not trusts_logs(statement, group_arn("/aurora-platform/prod/app"))
        assert not trusts_logs(statement, group_arn("/aurora-platform/dev/app-2"))
        assert not trusts_logs(statement, f"arn:aws:logs:{REGION}:{OTHER_ACCOUNT}:log-group:/aurora-platform/dev/app")


def trusts_logs(statement: dict, log_group: str) -> bool:
    return allows({"Statement": [{k: v for k, v in statement.items() if k != "Principal"}]},
                  "kms:GenerateDataKey", "*", {"kms:EncryptionContext:aws:logs:arn": log_group})


@pytest.mark.parametrize("stack_overrides", [
    {}, {"database": {"engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.08.0"}},
    {"database": {"proxy": {"enabled": True, "iamAuth": False}}},
], ids=["postgresql", "mysql", "proxy"])
def test_every_encrypted_log_group_is_named_in_its_keys_policy(evaluate, prod, stack_overrides):
    overrides: dict = {}
    for section, values in stack_overrides.items():
        overrides.update(with_setting(prod, section, **values))
    run = evaluate("prod", overrides) if overrides else prod
    keys = {k.outputs["arn"]: k for k in run.of_type(KEY)}
    groups = run.of_type(LOG_GROUP)
    assert len(groups) >= 3
    for group in groups:
        key = keys[group.inputs["kmsKeyId"]]
        allowed = logs_statement(key)["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]
        assert group_arn(group.inputs["name"]) in allowed, group.inputs["name"]


@pytest.mark.parametrize("names, shown", [
    (["*"], "'*'"), (["/aurora-platform/dev/*"], "'/aurora-platform/dev/*'"), (["app?"], "'app?'"),
    ([""], "''"), (["a b"], "'a b'"), ("/aurora-platform/dev/app", "the single string"),
])
def test_a_key_refuses_log_group_patterns(names, shown):
    args = EncryptionKeyArgs(description="d", alias="a", tags={}, log_group_names=names)
    with pytest.raises(ValueError) as raised:
        key_policy(ACCOUNT, REGION, "aws", args)
    assert str(raised.value).startswith("EncryptionKeyArgs.log_group_names: got ") and shown in str(raised.value)


def test_a_key_without_log_groups_has_no_logs_statement():
    document = json.loads(key_policy(ACCOUNT, REGION, "aws", EncryptionKeyArgs(description="d", alias="a", tags={})))
    assert [s["Sid"] for s in document["Statement"]] == ["AccountAdministration"]
