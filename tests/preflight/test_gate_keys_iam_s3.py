"""Whole programs through `python -m preflight`: statements hidden in source or override documents, AWS-managed keys,
public key policies, admin attachments and S3 buckets reach the rules and fail the gate; the correct spellings
pass."""

import json

import pytest

from .gate_helpers import gate_json, mandatory, run_gate, write_program

HEADER = '''
import json

import pulumi
import pulumi_aws as aws

role = aws.iam.Role("app", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
key = aws.kms.Key("key", enable_key_rotation=True)
'''

SCOPED = {"Sid": "Decrypt", "Effect": "Allow", "Action": "kms:Decrypt",
          "Resource": "arn:aws:kms:us-east-1:123456789012:key/k"}
BROAD = {"Sid": "Decrypt", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}


def gate(tmp_path, body):
    code, report = gate_json("--stack", "test", "--program", str(write_program(tmp_path, body=HEADER + body)))
    return code, mandatory(report), report


def messages(report, policy):
    return [v["message"].split("\n", 1)[1] for v in report["violations"] if v["policy"] == policy]


def document(**args):
    return f'''
doc = aws.iam.get_policy_document(**{args!r})
aws.iam.RolePolicy("app", role=role.id, policy=doc.json)
'''


def own(statement):
    return {"sid": statement["Sid"], "actions": [statement["Action"]], "resources": [statement["Resource"]]}


def test_scoped_document_passes(tmp_path):
    assert gate(tmp_path, document(statements=[own(SCOPED)]))[:2] == (0, [])


def test_a_broad_statement_in_a_source_document_fails(tmp_path):
    body = document(source_policy_documents=[json.dumps({"Statement": [{**BROAD, "Sid": "Hidden"}]})],
                    statements=[own(SCOPED)])
    code, failures, report = gate(tmp_path, body)
    assert (code, failures) == (1, [("iam-sensitive-actions-scoped", "app")])
    assert messages(report, "iam-sensitive-actions-scoped") == [
        'Statement[0] (Sid "Hidden") allows kms:Decrypt on Resource "*"; scope it to exact resource ARNs.']


def test_an_override_that_replaces_a_scoped_statement_by_sid_fails(tmp_path):
    body = document(statements=[own(SCOPED)], override_policy_documents=[json.dumps({"Statement": [BROAD]})])
    code, failures, report = gate(tmp_path, body)
    assert (code, failures) == (1, [("iam-sensitive-actions-scoped", "app")])
    assert messages(report, "iam-sensitive-actions-scoped") == [
        'Statement[0] (Sid "Decrypt") allows kms:Decrypt on Resource "*"; scope it to exact resource ARNs.']


def test_an_override_that_replaces_a_broad_source_statement_passes(tmp_path):
    # The broad statement is gone from what the provider returns, so nothing is granted on "*".
    body = document(source_policy_documents=[json.dumps({"Statement": [BROAD]})],
                    override_policy_documents=[json.dumps({"Statement": [SCOPED]})])
    assert gate(tmp_path, body)[:2] == (0, [])


def test_a_lower_case_source_document_is_read_as_the_provider_reads_it(tmp_path):
    hidden = json.dumps({"statement": [{"effect": "Allow", "action": "secretsmanager:GetSecretValue",
                                        "resource": "arn:aws:secretsmanager:*:*:secret:*"}]})
    code, failures, report = gate(tmp_path, document(source_policy_documents=[hidden]))
    assert (code, failures) == (1, [("iam-sensitive-actions-scoped", "app")])
    assert messages(report, "iam-sensitive-actions-scoped") == [
        'Statement[0] allows secretsmanager:GetSecretValue on Resource "arn:aws:secretsmanager:*:*:secret:*" '
        "(any account); scope it to exact resource ARNs."]


def test_a_source_document_the_provider_cannot_read_fails_the_run(tmp_path):
    body = document(source_policy_documents=['{"Statement": {"Effect": "Allow"}}'])
    code, _, err = run_gate("--stack", "test", "--program", str(write_program(tmp_path, body=HEADER + body)))
    assert code == 2
    assert "writing IAM Policy Document: merging source document 0: json: cannot unmarshal object" in err


@pytest.mark.parametrize(("body", "rule", "name"), [
    ('aws.ssm.Parameter("p", name="/db/password", type="SecureString", value="x", key_id="alias/aws/ssm")\n',
     "ssm-secret-parameter-secure-cmk", "p"),
    ('aws.secretsmanager.Secret("s", kms_key_id="arn:aws:kms:us-east-1:123456789012:alias/aws/secretsmanager")\n',
     "secretsmanager-secret-cmk", "s"),
    ('aws.sns.Topic("t", kms_master_key_id="alias/aws/sns")\n', "sns-topic-encrypted", "t"),
    ('aws.cloudwatch.LogGroup("l", retention_in_days=30, kms_key_id="")\n', "log-group-encrypted", "l"),
    ('aws.kms.KeyPolicy("open", key_id=key.id, policy=json.dumps({"Statement": [{"Effect": "Allow", '
     '"Principal": {"AWS": ["*"]}, "Action": "kms:*", "Resource": "*"}]}))\n',
     "kms-key-policy-no-public-principal", "open"),
    ('aws.iam.RolePolicyAttachment("admin", role=role.name, policy_arn=aws.iam.ManagedPolicy.ADMINISTRATOR_ACCESS)\n',
     "iam-no-admin-managed-policy", "admin"),
    ('aws.iam.RolePolicyAttachmentsExclusive("all", role_name=role.name, '
     'policy_arns=["arn:aws:iam::aws:policy/AmazonS3FullAccess"])\n', "iam-no-admin-managed-policy", "all"),
])
def test_each_weak_resource_fails_the_gate_naming_its_rule(tmp_path, body, rule, name):
    code, failures, _ = gate(tmp_path, body)
    assert (code, failures) == (1, [(rule, name)])


def test_customer_keys_in_every_service_pass(tmp_path):
    body = '''
aws.ssm.Parameter("p", name="/db/password", type="SecureString", value="x", key_id=key.arn)
aws.secretsmanager.Secret("s", kms_key_id=key.key_id)
aws.sns.Topic("t", kms_master_key_id=key.arn)
aws.cloudwatch.LogGroup("l", retention_in_days=30, kms_key_id=key.arn)
aws.kms.KeyPolicy("mine", key_id=key.id, policy=json.dumps({"Statement": [{"Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}]}))
'''
    assert gate(tmp_path, body)[:2] == (0, [])


BUCKET = '''
bucket = aws.s3.Bucket("exports", bucket="aurora-exports")
'''
BLOCK = '''
aws.s3.BucketPublicAccessBlock("exports", bucket=bucket.id, block_public_acls=True, block_public_policy=True,
                               ignore_public_acls=True, restrict_public_buckets={restrict})
'''
TLS = '''
aws.s3.BucketPolicy("exports", bucket=bucket.id, policy=bucket.arn.apply(lambda arn: json.dumps({{"Statement": [{{
    "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [arn, arn + "/*"],
    "Condition": {{"Bool": {{"aws:SecureTransport": "{secure}"}}}}}}]}})))
'''
SSE = '''
aws.s3.BucketServerSideEncryptionConfiguration("exports", bucket=bucket.id, rules=[
    aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
        apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm="aws:kms", kms_master_key_id={key}))])
aws.rds.ExportTask("snapshot", export_task_identifier="e1", source_arn="arn:aws:rds:us-east-1:123456789012:snapshot:s",
                   s3_bucket_name=bucket.id, iam_role_arn=role.arn, kms_key_id=key.arn)
'''


def bucket_program(restrict="True", secure="false", key="key.arn"):
    return BUCKET + BLOCK.format(restrict=restrict) + TLS.format(secure=secure) + SSE.format(key=key)


def test_a_fully_configured_export_bucket_passes(tmp_path):
    assert gate(tmp_path, bucket_program())[:2] == (0, [])


@pytest.mark.parametrize(("knobs", "rule", "name"), [
    ({"restrict": "False"}, "s3-bucket-public-access-blocked", "exports"),
    ({"secure": "true"}, "s3-bucket-tls-only", "exports"),
    ({"key": '"alias/aws/s3"'}, "s3-export-bucket-cmk", "exports"),
])
def test_each_weakened_bucket_setting_fails(tmp_path, knobs, rule, name):
    code, failures, _ = gate(tmp_path, bucket_program(**knobs))
    assert (code, failures) == (1, [(rule, name)])


def test_a_bare_bucket_fails_public_access_and_tls(tmp_path):
    code, failures, _ = gate(tmp_path, BUCKET)
    assert (code, sorted(failures)) == (1, [("s3-bucket-public-access-blocked", "exports"),
                                            ("s3-bucket-tls-only", "exports")])


def test_an_auto_named_bucket_passes_with_its_own_arn_in_the_tls_policy(tmp_path):
    body = bucket_program().replace('aws.s3.Bucket("exports", bucket="aurora-exports")', 'aws.s3.Bucket("exports")')
    assert 'bucket="aurora-exports"' not in body
    assert gate(tmp_path, body)[:2] == (0, [])


def test_a_tls_policy_for_another_bucket_arn_fails(tmp_path):
    body = bucket_program().replace('"Resource": [arn, arn + "/*"]',
                                    '"Resource": ["arn:aws:s3:::other", "arn:aws:s3:::other/*"]')
    code, failures, _ = gate(tmp_path, body)
    assert (code, failures) == (1, [("s3-bucket-tls-only", "exports")])


def test_a_key_policy_opened_by_an_override_document_fails(tmp_path):
    body = '''
root = {"sid": "Admin", "actions": ["kms:*"], "resources": ["*"],
        "principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::123456789012:root"]}]}
opened = json.dumps({"Statement": [{"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "*"},
                                    "Action": "kms:*", "Resource": "*"}]})
doc = aws.iam.get_policy_document(statements=[root], override_policy_documents=[opened])
aws.kms.Key("open", enable_key_rotation=True, policy=doc.json)
'''
    code, failures, report = gate(tmp_path, body)
    assert (code, failures) == (1, [("kms-key-policy-no-public-principal", "open")])
    assert messages(report, "kms-key-policy-no-public-principal") == [
        'Statement[0] (Sid "Admin") allows Principal "*" without a restricting condition; name the principals, or '
        "add a condition on kms:CallerAccount, aws:PrincipalAccount or aws:PrincipalOrgID that limits callers to "
        "known accounts."]


def test_an_aws_managed_alias_assembled_from_outputs_fails(tmp_path):
    body = ('aws.ssm.Parameter("p", name="/db/password", type="SecureString", value="x",\n'
            '                  key_id=pulumi.Output.concat("alias/", "aws", "/ssm"))\n')
    code, failures, _ = gate(tmp_path, body)
    assert (code, failures) == (1, [("ssm-secret-parameter-secure-cmk", "p")])

