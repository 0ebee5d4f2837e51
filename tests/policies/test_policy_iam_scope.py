"""IAM identity policies beyond SSM and KMS, and AWS-managed admin attachments: each bypass spelling fails, each
correct spelling passes (messages asserted exactly)."""

import json

import pytest

from .policy_helpers import check

RULE = "iam-sensitive-actions-scoped"
ADMIN = "iam-no-admin-managed-policy"
POLICY = "aws:iam/policy:Policy"
ROLE = "aws:iam/role:Role"
FIX = "scope it to exact resource ARNs."


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def findings(*statements, type_=POLICY):
    return check(RULE, type_, {"policy": doc(*statements)})


# --- sensitive actions of other services on every resource -------------------------------------------------------

@pytest.mark.parametrize("action", [
    "secretsmanager:GetSecretValue", "secretsmanager:*", "SecretsManager:getsecretvalue", "iam:PassRole",
    "iam:Pass*", "s3:GetObject", "s3:Get*", "s3:*Object", "s3:PutObject", "s3:PutBucketPolicy", "rds-db:connect",
    "kms:ReEncrypt*", "kms:Sign", "ssm:GetDocument", "*Decrypt", "*GetSecretValue", "kms*",
])
def test_sensitive_actions_on_every_resource(action):
    assert findings(allow(action)) == [f'Statement[0] allows {action} on Resource "*"; {FIX}']


@pytest.mark.parametrize("action", [
    "secretsmanager:ListSecrets", "secretsmanager:DescribeSecret", "secretsmanager:GetRandomPassword",
    "s3:ListAllMyBuckets", "s3:GetBucketLocation", "iam:GetRole", "ec2:Describe*", "logs:CreateLogStream",
    "ecr:GetAuthorizationToken", "ssmmessages:CreateControlChannel", "sts:GetCallerIdentity",
])
def test_actions_that_read_no_secret_on_every_resource_pass(action):
    assert findings(allow(action)) == []


def test_action_as_a_string_and_as_a_list_read_the_same():
    assert findings(allow("iam:PassRole")) == findings(allow(["iam:PassRole"]))
    assert findings(allow(["s3:ListAllMyBuckets", "s3:GetObject"])) == [
        f'Statement[0] allows s3:GetObject on Resource "*"; {FIX}']


# --- resources that wildcard the account or the id ---------------------------------------------------------------

@pytest.mark.parametrize(("resource", "why"), [
    ("arn:aws:kms:*:*:key/*", "any account"),
    ("arn:aws:kms:eu-west-1:*:key/0b1c2d3e", "any account"),
    ("arn:aws:kms:eu-west-1:123456789012:key/*", "every key"),
    ("arn:aws:kms:eu-west-1:123456789012:alias/*", "every alias"),
    ("arn:aws:secretsmanager:eu-west-1:123456789012:secret:*", "every secret"),
    ("arn:aws:ssm:eu-west-1:123456789012:parameter/*", "every parameter"),
    ("arn:aws:iam::123456789012:role/*", "every role"),
    ("arn:aws:s3:::*/*", "every resource"),
    ("arn:aws:s3:::*-exports/*", "any resource name"),
    ("arn:aws:secretsmanager:eu-west-1:123456789012:secret:*-AbCdEf", "any secret name"),
    ("arn:aws:kms:eu-west-1:123456789012:key/*mrk*", "any key name"),
    ("arn:aws:s3:::*", "every resource"),
    ("arn:aws:kms:*", "every resource"),
    ("arn:*", "every resource"),
    ("arn:aws:kms:eu-west-1:123456789012:*", "every resource"),
    ("*:*", "every resource"),
    ("**", "every resource"),
    (" * ", "every resource"),
])
def test_wildcard_account_or_id_is_every_resource(resource, why):
    assert findings(allow("kms:Decrypt", resource)) == [
        f"Statement[0] allows kms:Decrypt on Resource {json.dumps(resource)} ({why}); {FIX}"]


@pytest.mark.parametrize("resource", [
    "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e",
    "arn:aws:ssm:eu-west-1:123456789012:parameter/aurora/dev/*",  # a path of this stack
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:aurora-dev-??????",  # the random suffix of a secret
    "arn:aws:s3:::aurora-exports/*",
    "arn:aws:s3:::aurora-exports",
    "arn:aws:rds-db:eu-west-1:123456789012:dbuser:cluster-ABC/app",
])
def test_exact_or_path_scoped_resources_pass(resource):
    action = {"kms": "kms:Decrypt", "ssm": "ssm:GetParameter", "secretsmanager": "secretsmanager:GetSecretValue",
              "s3": "s3:GetObject", "rds-db": "rds-db:connect"}[resource.split(":")[2]]
    assert findings(allow(action, resource)) == []


def test_each_broad_resource_of_a_statement_is_named():
    statement = allow("secretsmanager:GetSecretValue",
                      ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf", "*"])
    assert findings(statement) == [f'Statement[0] allows secretsmanager:GetSecretValue on Resource "*"; {FIX}']


# --- spellings of the document -----------------------------------------------------------------------------------

def test_lower_case_element_names_and_effect_are_read():
    statement = {"effect": "allow", "action": "kms:Decrypt", "resource": "*"}
    raw = json.dumps({"version": "2012-10-17", "statement": [statement]})
    assert check(RULE, POLICY, {"policy": raw}) == [f'Statement[0] allows kms:Decrypt on Resource "*"; {FIX}']


def test_a_key_given_twice_counts_with_both_values():
    raw = ('{"Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", '
           '"Resource": "arn:aws:kms:eu-west-1:123456789012:key/k", "Resource": "*"}]}')
    assert check(RULE, POLICY, {"policy": raw}) == [f'Statement[0] allows kms:Decrypt on Resource "*"; {FIX}']


def test_statement_as_a_single_object():
    raw = json.dumps({"Version": "2012-10-17", "Statement": allow("iam:PassRole")})
    assert check(RULE, POLICY, {"policy": raw}) == [f'Statement[0] allows iam:PassRole on Resource "*"; {FIX}']


def test_a_sid_is_named_in_the_message():
    assert findings(allow("iam:PassRole", Sid="PassAnyRole")) == [
        f'Statement[0] (Sid "PassAnyRole") allows iam:PassRole on Resource "*"; {FIX}']


def test_a_condition_does_not_make_every_key_a_scoped_resource():
    statement = allow("kms:Decrypt", Condition={"StringEquals": {"kms:ViaService": "ssm.eu-west-1.amazonaws.com"}})
    assert findings(statement) == [f'Statement[0] allows kms:Decrypt on Resource "*"; {FIX}']


def test_not_action_on_a_wildcard_account_arn():
    statement = {"Effect": "Allow", "NotAction": "ec2:*", "Resource": "arn:aws:iam::*:role/*"}
    assert findings(statement) == [
        'Statement[0] allows every action except ["ec2:*"] on Resource "arn:aws:iam::*:role/*" (any account), which '
        f"includes ssm:GetParameter, ssm:GetParameters, ssm:GetParametersByPath; {FIX}"]


def test_not_resource_with_pass_role():
    statement = {"Effect": "Allow", "Action": "iam:PassRole", "NotResource": "arn:aws:iam::123456789012:role/admin"}
    assert findings(statement) == [
        'Statement[0] allows iam:PassRole on NotResource ["arn:aws:iam::123456789012:role/admin"] (every other '
        f"resource); {FIX}"]


def test_deny_in_any_case_is_not_judged():
    assert findings({"Effect": "DENY", "Action": "*", "Resource": "*"}) == []


def test_policy_given_as_an_object_with_lower_case_names():
    props = {"policy": {"statement": [{"effect": "Allow", "action": ["s3:GetObject"], "resource": ["*"]}]}}
    assert check(RULE, POLICY, props) == [f'Statement[0] allows s3:GetObject on Resource "*"; {FIX}']


def test_inline_role_policy_with_secrets_manager():
    props = {"assumeRolePolicy": doc(), "inlinePolicies": [
        {"name": "ok", "policy": doc(allow("logs:PutLogEvents"))},
        {"name": "bad", "policy": doc(allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:*:*:secret:*"))},
    ]}
    assert check(RULE, ROLE, props) == [
        'inlinePolicies[1] Statement[0] allows secretsmanager:GetSecretValue on Resource '
        f'"arn:aws:secretsmanager:*:*:secret:*" (any account); {FIX}']


def test_a_trust_policy_is_not_an_identity_policy():
    trust = doc({"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"})
    assert check(RULE, ROLE, {"assumeRolePolicy": trust}) == []


# --- iam-no-admin-managed-policy ----------------------------------------------------------------------------------

ATTACHMENTS = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
    "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
}
EXCLUSIVE = ("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
             "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive",
             "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive")


def admin_message(key, arn):
    return (f"{key} attaches {arn}, an AWS-managed administrator or full-access policy; attach a policy that grants "
            f"only the actions and resources this identity needs.")


@pytest.mark.parametrize("arn", [
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/PowerUserAccess",
    "arn:aws:iam::aws:policy/AmazonS3FullAccess",
    "arn:aws:iam::aws:policy/IAMFullAccess",
    "arn:aws:iam::aws:policy/AWSKeyManagementServicePowerUser",
    "arn:aws:iam::aws:policy/job-function/SystemAdministrator",
    "arn:aws:iam::aws:policy/job-function/DatabaseAdministrator",
    "arn:aws:iam::aws:policy/AdministratorAccess-Amplify",
    "arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
    "arn:aws-cn:iam::aws:policy/AmazonRDSFullAccess",
    "arn:aws:iam::aws:policy/administratoraccess",
])
@pytest.mark.parametrize("type_", list(ATTACHMENTS))
def test_admin_policy_attachments(type_, arn):
    assert check(ADMIN, type_, {"role": "r", "policyArn": arn}) == [admin_message("policyArn", arn)]


@pytest.mark.parametrize("type_", EXCLUSIVE)
def test_exclusive_attachments(type_):
    arns = ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
            "arn:aws:iam::aws:policy/AdministratorAccess"]
    assert check(ADMIN, type_, {"policyArns": arns}) == [admin_message("policyArns", arns[1])]


def test_role_managed_policy_arns():
    props = {"assumeRolePolicy": doc(), "managedPolicyArns": ["arn:aws:iam::aws:policy/PowerUserAccess"]}
    assert check(ADMIN, ROLE, props) == [admin_message("managedPolicyArns", "arn:aws:iam::aws:policy/PowerUserAccess")]


ATTACHMENT_TYPE = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"


def test_padded_arn_is_still_admin():
    arn = " arn:aws:iam::aws:policy/AdministratorAccess "
    assert check(ADMIN, ATTACHMENT_TYPE, {"role": "r", "policyArn": arn}) == [
        admin_message("policyArn", arn.strip())]


@pytest.mark.parametrize("arn", [
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "arn:aws:iam::123456789012:policy/AdministratorAccess",  # a customer policy: judged by its content
])
def test_scoped_or_customer_policies_pass(arn):
    assert check(ADMIN, ATTACHMENT_TYPE, {"role": "r", "policyArn": arn}) == []


# --- iam-role-trust-not-public ------------------------------------------------------------------------------------

TRUST = "iam-role-trust-not-public"
TRUST_HINT = ("name the principals (accounts, roles or services), or add a condition on aws:PrincipalAccount or "
              "aws:PrincipalOrgID that limits who may assume the role.")


def trust(principal, **extra):
    return {"assumeRolePolicy": doc({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra})}


@pytest.mark.parametrize(("principal", "shown"), [
    ("*", "*"), ({"AWS": "*"}, "*"), ({"AWS": ["arn:aws:iam::123456789012:root", "*"]}, "*"),
    ({"AWS": "arn:aws:iam::*:root"}, "arn:aws:iam::*:root"), ({"Federated": "*"}, "*"),
])
def test_a_role_anyone_may_assume(principal, shown):
    assert check(TRUST, ROLE, trust(principal)) == [
        f"assumeRolePolicy Statement[0] allows Principal {json.dumps(shown)} without a restricting condition; "
        f"{TRUST_HINT}"]


def test_an_external_id_alone_does_not_restrict_who_assumes():
    props = trust({"AWS": "*"}, Condition={"StringEquals": {"sts:ExternalId": "shared-secret"}})
    assert check(TRUST, ROLE, props) == [
        f'assumeRolePolicy Statement[0] allows Principal "*" without a restricting condition; {TRUST_HINT}']


@pytest.mark.parametrize("props", [
    trust({"Service": "ecs-tasks.amazonaws.com"}, Condition={"StringEquals": {"aws:SourceAccount": "123456789012"}}),
    trust({"AWS": "arn:aws:iam::210987654321:root"}),
    trust({"AWS": "*"}, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}),
])
def test_roles_with_named_or_restricted_principals_pass(props):
    assert check(TRUST, ROLE, props) == []


# --- IAM Identity Center permission sets ---------------------------------------------------------------------------

def test_permission_set_inline_policy_is_an_identity_policy():
    props = {"instanceArn": "arn:aws:sso:::instance/ssoins-1", "permissionSetArn": "arn:aws:sso:::permissionSet/x",
             "inlinePolicy": doc(allow("secretsmanager:GetSecretValue"))}
    assert check(RULE, "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy", props) == [
        f'Statement[0] allows secretsmanager:GetSecretValue on Resource "*"; {FIX}']


def test_permission_set_admin_attachments():
    arn = "arn:aws:iam::aws:policy/AdministratorAccess"
    assert check(ADMIN, "aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment",
                 {"managedPolicyArn": arn}) == [admin_message("managedPolicyArn", arn)]
    assert check(ADMIN, "aws:ssoadmin/managedPolicyAttachmentsExclusive:ManagedPolicyAttachmentsExclusive",
                 {"managedPolicyArns": [arn]}) == [admin_message("managedPolicyArns", arn)]
