"""The offline answer of `aws.iam.get_policy_document`, checked against the provider's documented and coded behaviour
(terraform-provider-aws `aws_iam_policy_document`): sources merged first (a Sid twice is an error), then the data
source's own statements, then overrides, a statement with a known Sid replaced in place. Expected values are literal
JSON, as the provider writes it."""

import json
import zlib

import pytest

from preflight.policy_document import PolicyDocumentError, render


def statements(args):
    return json.loads(render(args)["json"]).get("Statement")


def source(*stmts, **top):
    return json.dumps({"Version": "2012-10-17", **top, "Statement": list(stmts)})


SCOPED = {"Sid": "Read", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:eu-west-1:1:key/k"}
BROAD = {"Sid": "Read", "Effect": "Allow", "Action": "kms:*", "Resource": "*"}


def test_sources_come_first_then_own_statements():
    args = {"sourcePolicyDocuments": [source(SCOPED), source({"Effect": "Allow", "Action": "s3:GetObject",
                                                              "Resource": "*"})],
            "statements": [{"actions": ["ec2:DescribeInstances"], "resources": ["*"]}]}
    assert statements(args) == [
        SCOPED,
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"},
    ]


def test_an_own_statement_replaces_a_source_statement_with_its_sid_in_place():
    args = {"sourcePolicyDocuments": [source(SCOPED, {"Sid": "Other", "Effect": "Allow", "Action": "s3:ListBucket",
                                                      "Resource": "*"})],
            "statements": [{"sid": "Read", "actions": ["kms:*"], "resources": ["*"]}]}
    assert statements(args) == [
        {"Sid": "Read", "Effect": "Allow", "Action": "kms:*", "Resource": "*"},
        {"Sid": "Other", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"},
    ]


def test_an_override_replaces_the_statement_with_its_sid_and_appends_the_rest():
    args = {"statements": [{"sid": "Read", "actions": ["kms:Decrypt"], "resources": ["arn:aws:kms:eu-west-1:1:key/k"]}],
            "overridePolicyDocuments": [source(BROAD, {"Effect": "Allow", "Action": "iam:PassRole",
                                                       "Resource": "*"})]}
    assert statements(args) == [BROAD, {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]


def test_later_overrides_win():
    args = {"statements": [{"sid": "Read", "actions": ["kms:Decrypt"], "resources": ["*"]}],
            "overridePolicyDocuments": [source(BROAD), source(SCOPED)]}
    assert statements(args) == [SCOPED]


def test_the_same_sid_in_two_sources_is_an_error():
    with pytest.raises(PolicyDocumentError) as error:
        render({"sourcePolicyDocuments": [source(SCOPED), source(BROAD)]})
    assert str(error.value) == ("writing IAM Policy Document: merging source document 1: duplicate Sid (Read) in "
                                "source_policy_documents (statement 0). Remove the Sid or ensure Sids are unique.")


def test_the_same_sid_twice_in_own_statements_is_an_error():
    with pytest.raises(PolicyDocumentError) as error:
        render({"statements": [{"sid": "A", "actions": ["s3:GetObject"]}, {"sid": "A", "actions": ["s3:PutObject"]}]})
    assert str(error.value) == ("writing IAM Policy Document: duplicate Sid (A). Remove the Sid or ensure the Sid is "
                                "unique.")


def test_source_element_names_match_in_any_case_and_the_last_duplicate_wins():
    text = ('{"statement": [{"EFFECT": "Allow", "action": "s3:GetObject", "Action": "kms:*", '
            '"resource": "*"}]}')
    assert statements({"sourcePolicyDocuments": [text]}) == [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]


def test_own_sets_are_deduplicated_and_sorted_in_reverse():
    args = {"statements": [{"actions": ["s3:GetObject", "kms:Decrypt", "s3:GetObject"],
                            "resources": ["arn:aws:s3:::b/*", "arn:aws:s3:::a/*"]}]}
    assert statements(args) == [{"Effect": "Allow", "Action": ["s3:GetObject", "kms:Decrypt"],
                                 "Resource": ["arn:aws:s3:::b/*", "arn:aws:s3:::a/*"]}]


@pytest.mark.parametrize(("principals", "rendered"), [
    ([{"type": "*", "identifiers": ["*"]}], "*"),
    ([{"type": "AWS", "identifiers": ["*"]}], {"AWS": "*"}),
    ([{"type": "AWS", "identifiers": ["arn:aws:iam::1:root", "arn:aws:iam::2:root"]}],
     {"AWS": ["arn:aws:iam::2:root", "arn:aws:iam::1:root"]}),
    ([{"type": "AWS", "identifiers": ["arn:aws:iam::1:root"]}, {"type": "AWS", "identifiers": ["*"]}],
     {"AWS": ["arn:aws:iam::1:root", "*"]}),
    ([{"type": "*", "identifiers": ["*"]}, {"type": "Service", "identifiers": ["logs.amazonaws.com"]}],
     {"*": "*", "Service": "logs.amazonaws.com"}),
])
def test_principals_as_the_provider_writes_them(principals, rendered):
    [statement] = statements({"statements": [{"actions": ["kms:Decrypt"], "principals": principals}]})
    assert statement["Principal"] == rendered


def test_a_source_principal_that_is_any_string_becomes_everyone():
    [statement] = statements({"sourcePolicyDocuments": [source({"Effect": "Allow", "Action": "kms:Decrypt",
                                                                "Principal": "arn:aws:iam::1:root"})]})
    assert statement["Principal"] == "*"


def test_source_conditions_booleans_become_strings_and_numbers_are_dropped():
    condition = {"Bool": {"aws:SecureTransport": False}, "NumericLessThan": {"s3:TlsVersion": 1.2},
                 "StringEquals": {"aws:SourceAccount": ["123456789012"]}}
    [statement] = statements({"sourcePolicyDocuments": [source({"Effect": "Deny", "Action": "s3:*",
                                                                "Condition": condition})]})
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"},
                                      "StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_own_conditions_on_one_key_are_joined():
    args = {"statements": [{"actions": ["kms:Decrypt"], "conditions": [
        {"test": "StringEquals", "variable": "kms:CallerAccount", "values": ["1"]},
        {"test": "StringEquals", "variable": "kms:CallerAccount", "values": ["2"]}]}]}
    assert statements(args)[0]["Condition"] == {"StringEquals": {"kms:CallerAccount": ["1", "2"]}}


def test_variables_written_with_an_ampersand_become_policy_variables():
    args = {"statements": [{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::b/home/&{aws:username}/*"]}]}
    assert statements(args)[0]["Resource"] == "arn:aws:s3:::b/home/${aws:username}/*"


def test_version_is_raised_by_a_later_document_and_id_adopted_from_the_last():
    args = {"sourcePolicyDocuments": [json.dumps({"Version": "2008-10-17", "Id": "first", "Statement": []})],
            "policyId": "mine", "overridePolicyDocuments": [json.dumps({"Id": "override"})]}
    assert json.loads(render(args)["json"]) == {"Version": "2012-10-17", "Id": "override"}


def test_an_empty_document_has_no_statement_key():
    assert render({})["json"] == '{\n  "Version": "2012-10-17"\n}'


def test_json_is_go_json_and_the_id_its_crc32():
    result = render({"statements": [{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::a&b<c>/*"]}]})
    expected = ('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Allow",\n'
                '      "Action": "s3:GetObject",\n      "Resource": "arn:aws:s3:::a\\u0026b\\u003cc\\u003e/*"\n'
                '    }\n  ]\n}')
    assert result["json"] == expected
    assert result["id"] == str(zlib.crc32(expected.encode()))
    assert result["minifiedJson"] == ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
                                      '"Action":"s3:GetObject","Resource":"arn:aws:s3:::a\\u0026b\\u003cc\\u003e/*"}]}')


@pytest.mark.parametrize(("text", "message"), [
    ("[]", "writing IAM Policy Document: merging source document 0: json: cannot unmarshal array into Go value of "
           "type iam.IAMPolicyDoc"),
    ('{"Statement": {"Effect": "Allow"}}', "writing IAM Policy Document: merging source document 0: json: cannot "
                                           "unmarshal object into Go struct field IAMPolicyDoc.Statement of type "
                                           "[]*iam.IAMPolicyStatement"),
    ('{"Statement": [{"Sid": 1}]}', "writing IAM Policy Document: merging source document 0: json: cannot "
                                    "unmarshal number into Go struct field Sid of type string"),
])
def test_source_documents_the_provider_cannot_read_are_errors(text, message):
    with pytest.raises(PolicyDocumentError) as error:
        render({"sourcePolicyDocuments": [text]})
    assert str(error.value) == message


@pytest.mark.parametrize(("args", "message"), [
    ({"sourceJson": "{}"}, 'expected "source_json" to be an empty string, got {}'),
    ({"statements": [{"effect": "allow"}]}, 'expected statement.0.effect to be one of ["Allow" "Deny"], got allow'),
    ({"statements": [{"sid": "not ok"}]}, "statement.0.sid: must only include alphanumeric characters"),
])
def test_arguments_the_provider_refuses(args, message):
    with pytest.raises(PolicyDocumentError) as error:
        render(args)
    assert str(error.value) == message
