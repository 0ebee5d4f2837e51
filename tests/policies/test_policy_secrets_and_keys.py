"""KMS, SSM, Secrets Manager, log group, SNS and IAM rules (one change per test)."""

import json

import pytest

from .policy_helpers import changed, check

KEY = "aws:kms/key:Key"
PARAM = "aws:ssm/parameter:Parameter"
SECRET = "aws:secretsmanager/secret:Secret"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
TOPIC = "aws:sns/topic:Topic"
POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE = "aws:iam/role:Role"
KEY_ARN = "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e"

GOOD_KEY = {"description": "aurora", "enableKeyRotation": True, "deletionWindowInDays": 30.0}


def test_key_with_rotation_passes():
    assert check("kms-key-rotation", KEY, GOOD_KEY) == []


@pytest.mark.parametrize("value", [False, None])
def test_key_without_rotation(value):
    assert check("kms-key-rotation", KEY, changed(GOOD_KEY, enableKeyRotation=value)) == [
        "enableKeyRotation must be true."]


def test_symmetric_key_spelt_out_must_rotate():
    props = changed(GOOD_KEY, enableKeyRotation=False, customerMasterKeySpec="SYMMETRIC_DEFAULT")
    assert check("kms-key-rotation", KEY, props) == ["enableKeyRotation must be true."]


def test_asymmetric_key_cannot_rotate_and_is_out_of_scope():
    props = changed(GOOD_KEY, enableKeyRotation=False, customerMasterKeySpec="RSA_2048", keyUsage="SIGN_VERIFY")
    assert check("kms-key-rotation", KEY, props) == []


GOOD_PARAM = {"name": "/aurora/dev/master-password", "type": "SecureString", "value": "s3cret", "keyId": KEY_ARN}


def test_secure_string_with_cmk_passes():
    assert check("ssm-secret-parameter-secure-cmk", PARAM, GOOD_PARAM) == []


def test_secure_string_without_key_uses_the_aws_managed_key():
    assert check("ssm-secret-parameter-secure-cmk", PARAM, changed(GOOD_PARAM, keyId=None)) == [
        "keyId must name a customer-managed KMS key; without it SSM uses the AWS-managed aws/ssm key."]


@pytest.mark.parametrize("key_id", ["", "   "])
def test_secure_string_with_an_empty_key_is_unset(key_id):
    # The provider sends no key for "" (the SDK's GetOk), so SSM falls back to aws/ssm.
    assert check("ssm-secret-parameter-secure-cmk", PARAM, changed(GOOD_PARAM, keyId=key_id)) == [
        "keyId must name a customer-managed KMS key; without it SSM uses the AWS-managed aws/ssm key."]


@pytest.mark.parametrize("key_id", [
    "alias/aws/ssm",
    "arn:aws:kms:eu-west-1:123456789012:alias/aws/ssm",
    "arn:aws-us-gov:kms:us-gov-west-1:123456789012:alias/aws/ssm",
    "arn:aws-cn:kms:cn-north-1:123456789012:alias/aws/ssm",
    "ALIAS/AWS/SSM",
    "Alias/Aws/ssm",
    "ARN:AWS:KMS:eu-west-1:123456789012:alias/aws/ssm",
    " alias/aws/ssm\n",
    "alias/aws/secretsmanager",
])
def test_secure_string_with_an_aws_managed_key_in_any_spelling(key_id):
    assert check("ssm-secret-parameter-secure-cmk", PARAM, changed(GOOD_PARAM, keyId=key_id)) == [
        f"keyId {key_id.strip()} is an AWS-managed key; name a customer-managed KMS key (its ARN, id or alias)."]


@pytest.mark.parametrize("key_id", [
    "alias/aurora-platform-dev-database",
    "alias/aws-platform",  # a customer alias that only starts with "aws"
    "arn:aws:kms:eu-west-1:123456789012:alias/awsome",
    "0b1c2d3e-1111-2222-3333-444455556666",
    "mrk-1234abcd12ab34cd56ef1234567890ab",
    KEY_ARN,
])
def test_secure_string_with_a_customer_key_in_any_spelling_passes(key_id):
    assert check("ssm-secret-parameter-secure-cmk", PARAM, changed(GOOD_PARAM, keyId=key_id)) == []


def test_password_in_a_plain_string():
    assert check("ssm-secret-parameter-secure-cmk", PARAM, changed(GOOD_PARAM, type="String", keyId=None)) == [
        "parameter /aurora/dev/master-password looks like a secret and must be type SecureString, not String."]


def test_plain_string_that_is_not_a_secret_passes():
    props = changed(GOOD_PARAM, name="/aurora/dev/endpoint", type="String", keyId=None)
    assert check("ssm-secret-parameter-secure-cmk", PARAM, props) == []


def test_secrets_manager_secret_with_cmk_passes():
    assert check("secretsmanager-secret-cmk", SECRET, {"name": "db", "kmsKeyId": KEY_ARN}) == []


def test_secrets_manager_secret_without_cmk():
    assert check("secretsmanager-secret-cmk", SECRET, {"name": "db"}) == [
        "kmsKeyId must name a customer-managed KMS key; without it Secrets Manager uses the AWS-managed "
        "aws/secretsmanager key."]


@pytest.mark.parametrize("key_id", ["alias/aws/secretsmanager",
                                    "arn:aws:kms:us-east-1:123456789012:alias/aws/secretsmanager"])
def test_secrets_manager_secret_with_the_aws_managed_key(key_id):
    assert check("secretsmanager-secret-cmk", SECRET, {"name": "db", "kmsKeyId": key_id}) == [
        f"kmsKeyId {key_id} is an AWS-managed key; name a customer-managed KMS key (its ARN, id or alias)."]


def test_secrets_manager_replica_without_its_own_key():
    props = {"name": "db", "kmsKeyId": KEY_ARN, "replicas": [
        {"region": "eu-central-1", "kmsKeyId": "arn:aws:kms:eu-central-1:123456789012:key/0b1c2d3e"},
        {"region": "us-east-1"}]}
    assert check("secretsmanager-secret-cmk", SECRET, props) == [
        "replicas[1] kmsKeyId must name a customer-managed KMS key; without it Secrets Manager uses the AWS-managed "
        "aws/secretsmanager key of us-east-1."]


def test_secrets_manager_replica_with_the_aws_managed_key():
    props = {"name": "db", "kmsKeyId": KEY_ARN, "replicas": [{"region": "us-east-1",
                                                              "kmsKeyId": "alias/aws/secretsmanager"}]}
    assert check("secretsmanager-secret-cmk", SECRET, props) == [
        "replicas[0] kmsKeyId alias/aws/secretsmanager is an AWS-managed key; name a customer-managed KMS key (its "
        "ARN, id or alias)."]


SECRET_POLICY = "aws:secretsmanager/secretPolicy:SecretPolicy"
SECRET_HINT = ("name the principals, or add a condition on aws:PrincipalAccount or aws:PrincipalOrgID that limits "
               "callers to known accounts.")
READ_SECRET = {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}


@pytest.mark.parametrize("type_", [SECRET_POLICY, SECRET])
@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["*"]}])
def test_secret_policy_open_to_everyone(type_, principal):
    props = {"secretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
             "policy": json.dumps({"Statement": [{**READ_SECRET, "Principal": principal}]})}
    assert check("secretsmanager-secret-policy-not-public", type_, props) == [
        f'Statement[0] allows Principal "*" without a restricting condition; {SECRET_HINT}']


def test_secret_policy_for_a_named_role_or_the_organisation_passes():
    statements = [{**READ_SECRET, "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"}},
                  {**READ_SECRET, "Principal": "*",
                   "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]
    assert check("secretsmanager-secret-policy-not-public", SECRET_POLICY,
                 {"policy": json.dumps({"Statement": statements})}) == []


def test_log_group_encrypted_passes():
    assert check("log-group-encrypted", LOG_GROUP, {"retentionInDays": 30.0, "kmsKeyId": KEY_ARN}) == []


def test_log_group_without_key():
    assert check("log-group-encrypted", LOG_GROUP, {"retentionInDays": 30.0}) == [
        "kmsKeyId must name a customer-managed KMS key; without it CloudWatch Logs encrypts with a key AWS owns."]


def test_log_group_with_an_aws_managed_key_alias_arn():
    arn = "arn:aws:kms:eu-west-1:123456789012:alias/aws/logs"
    assert check("log-group-encrypted", LOG_GROUP, {"retentionInDays": 30.0, "kmsKeyId": arn}) == [
        f"kmsKeyId {arn} is an AWS-managed key; name a customer-managed KMS key (its ARN, id or alias)."]


def test_topic_encrypted_passes():
    assert check("sns-topic-encrypted", TOPIC, {"kmsMasterKeyId": KEY_ARN}) == []


def test_topic_without_key():
    assert check("sns-topic-encrypted", TOPIC, {"name": "alarms"}) == [
        "kmsMasterKeyId must name a customer-managed KMS key; without it the topic is not encrypted with KMS."]


@pytest.mark.parametrize("key_id", ["alias/aws/sns", "arn:aws:kms:eu-west-1:123456789012:alias/aws/sns"])
def test_topic_with_the_aws_managed_sns_key(key_id):
    assert check("sns-topic-encrypted", TOPIC, {"kmsMasterKeyId": key_id}) == [
        f"kmsMasterKeyId {key_id} is an AWS-managed key; name a customer-managed KMS key (its ARN, id or alias)."]


def test_topic_with_an_empty_key_is_unencrypted():
    assert check("sns-topic-encrypted", TOPIC, {"kmsMasterKeyId": ""}) == [
        "kmsMasterKeyId must name a customer-managed KMS key; without it the topic is not encrypted with KMS."]


# --- iam-sensitive-actions-scoped (was iam-no-wildcard-ssm-kms) ----------------------------------------------------

RULE = "iam-sensitive-actions-scoped"


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


SCOPED = {"Effect": "Allow", "Action": ["ssm:GetParameters", "kms:Decrypt"],
          "Resource": ["arn:aws:ssm:eu-west-1:123456789012:parameter/aurora/dev/master-password", KEY_ARN]}


def test_scoped_policy_passes():
    assert check(RULE, POLICY, {"policy": doc(SCOPED)}) == []


def test_ssm_action_on_every_resource():
    statement = changed(SCOPED, Action="ssm:GetParameter", Resource="*")
    assert check(RULE, POLICY, {"policy": doc(SCOPED, statement)}) == [
        'Statement[1] allows ssm:GetParameter on Resource "*"; scope it to exact resource ARNs.']


def test_the_ssm_agent_heartbeat_is_the_one_ssm_action_allowed_on_every_resource():
    """AWS's Session Manager instance policy grants ssm:UpdateInstanceInformation on "*"; only that exact name."""
    heartbeat = {"Effect": "Allow", "Action": "ssm:UpdateInstanceInformation", "Resource": "*"}
    assert check(RULE, ROLE_POLICY, {"role": "r", "policy": doc(heartbeat)}) == []
    for action in ("ssm:Update*", "ssm:UpdateInstance*", "ssm:UpdateInstanceInformation*", "ssm:*Information"):
        assert check(RULE, ROLE_POLICY, {"role": "r", "policy": doc(changed(heartbeat, Action=action))}) == [
            f'Statement[0] allows {action} on Resource "*"; scope it to exact resource ARNs.'], action


def test_kms_wildcard_action_on_every_resource_in_a_role_policy():
    statement = changed(SCOPED, Action=["kms:*"], Resource=["*"])
    assert check(RULE, ROLE_POLICY, {"role": "r", "policy": doc(statement)}) == [
        'Statement[0] allows kms:* on Resource "*"; scope it to exact resource ARNs.']


def test_star_action_on_every_resource_in_an_inline_role_policy():
    statement = changed(SCOPED, Action="*", Resource="*")
    props = {"assumeRolePolicy": doc(), "inlinePolicies": [{"name": "all", "policy": doc(statement)}]}
    assert check(RULE, ROLE, props) == [
        'inlinePolicies[0] Statement[0] allows * on Resource "*"; scope it to exact resource ARNs.']


def test_describe_actions_on_every_resource_pass():
    statement = changed(SCOPED, Action=["ssm:DescribeParameters", "kms:ListAliases"], Resource="*")
    assert check(RULE, POLICY, {"policy": doc(statement)}) == []


def test_deny_on_every_resource_passes():
    statement = changed(SCOPED, Effect="Deny", Action="kms:*", Resource="*")
    assert check(RULE, POLICY, {"policy": doc(statement)}) == []


def test_policy_given_as_an_object_is_read_too():
    statement = changed(SCOPED, Action="ssm:PutParameter", Resource="*")
    assert check(RULE, POLICY, {"policy": {"Statement": statement}}) == [
        'Statement[0] allows ssm:PutParameter on Resource "*"; scope it to exact resource ARNs.']


@pytest.mark.parametrize("type_", ["aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"])
def test_user_and_group_policies_are_checked_too(type_):
    statement = changed(SCOPED, Action="ssm:GetParametersByPath", Resource="*")
    assert check(RULE, type_, {"policy": doc(statement)}) == [
        'Statement[0] allows ssm:GetParametersByPath on Resource "*"; scope it to exact resource ARNs.']


@pytest.mark.parametrize("action", ["*:*", "km?:Decrypt", "SSM:Get*", "s*:*"])
def test_action_patterns_are_judged_by_what_they_match(action):
    statement = changed(SCOPED, Action=action, Resource="*")
    assert check(RULE, POLICY, {"policy": doc(statement)}) == [
        f'Statement[0] allows {action} on Resource "*"; scope it to exact resource ARNs.']


def test_other_services_with_an_ssm_prefix_pass():
    # Session Manager's channel actions cannot be scoped to a resource and read no parameter or key.
    statement = changed(SCOPED, Action=["ssmmessages:OpenDataChannel", "ssm:Describe*", "kms:List*"], Resource="*")
    assert check(RULE, POLICY, {"policy": doc(statement)}) == []


def test_not_resource_is_every_other_resource():
    statement = {"Effect": "Allow", "Action": "kms:Decrypt", "NotResource": KEY_ARN}
    assert check(RULE, POLICY, {"policy": doc(statement)}) == [
        f'Statement[0] allows kms:Decrypt on NotResource ["{KEY_ARN}"] (every other resource); scope it to exact '
        f'resource ARNs.']


def test_not_action_on_every_resource_grants_what_it_does_not_exclude():
    statement = {"Effect": "Allow", "NotAction": ["iam:*", "kms:*"], "Resource": "*"}
    assert check(RULE, POLICY, {"policy": doc(statement)}) == [
        'Statement[0] allows every action except ["iam:*", "kms:*"] on Resource "*", which includes '
        'ssm:GetParameter, ssm:GetParameters, ssm:GetParametersByPath; scope it to exact resource ARNs.']


def test_not_action_that_excludes_only_ssm_and_kms_still_grants_secrets_manager():
    statement = {"Effect": "Allow", "NotAction": ["ssm:*", "kms:*"], "Resource": "*"}
    assert check(RULE, POLICY, {"policy": doc(statement)}) == [
        'Statement[0] allows every action except ["ssm:*", "kms:*"] on Resource "*", which includes '
        'secretsmanager:GetSecretValue, secretsmanager:PutSecretValue, secretsmanager:PutResourcePolicy; scope it '
        'to exact resource ARNs.']


def test_not_action_that_excludes_every_sensitive_action_passes():
    statement = {"Effect": "Allow", "NotAction": ["ssm:*", "kms:*", "secretsmanager:*", "iam:*", "s3:*", "rds-db:*"],
                 "Resource": "*"}
    assert check(RULE, POLICY, {"policy": doc(statement)}) == []
