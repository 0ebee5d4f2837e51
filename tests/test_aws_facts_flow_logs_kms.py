"""Two AWS facts in other owners' components: the flow-log delivery role's actions, and the condition the key policy
puts on the services that publish to the encrypted events topic. Expected values are the documented ones (sources in
docs/aws-facts.md), written out as literals."""

from __future__ import annotations

import json

import pytest

from components.kms import EncryptionKeyArgs, key_policy

ACCOUNT, REGION, PARTITION = "123456789012", "us-east-1", "aws"


# ---- VPC flow logs to CloudWatch Logs -------------------------------------------------------------------------------
def flow_log_policy(run) -> dict:
    (policy,) = [p for p in run.of_type("aws:iam/rolePolicy:RolePolicy") if p.name.endswith("-flow-logs")]
    return json.loads(policy.inputs["policy"])


def granted(document: dict) -> dict[str, list[str]]:
    actions: dict[str, list[str]] = {}
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        names = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for name in names:
            actions.setdefault(name, []).extend(resources)
    return actions


def test_flow_log_role_has_every_action_of_the_documented_minimum(any_stack):
    # VPC user guide, "IAM role for publishing flow logs to CloudWatch Logs".
    assert set(granted(flow_log_policy(any_stack))) == {
        "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups",
        "logs:DescribeLogStreams"}


def test_flow_log_role_writes_only_to_its_own_group(any_stack):
    (group,) = [g for g in any_stack.of_type("aws:cloudwatch/logGroup:LogGroup") if g.name.endswith("-flow-logs")]
    arn = group.outputs["arn"]
    actions = granted(flow_log_policy(any_stack))
    for action in ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"):
        assert sorted(actions[action]) == sorted([arn, f"{arn}:*"]), action
    # Listing groups cannot be scoped to one group: the account's and region's log groups, never "*".
    (describe,) = actions["logs:DescribeLogGroups"]
    assert describe.endswith(":log-group:*") and describe.startswith("arn:aws:logs:us-east-1:")
    assert describe.split(":")[4].isdigit() and len(describe.split(":")[4]) == 12


# ---- the key policy for the services publishing to the encrypted SNS topic -----------------------------------------
def publishers_statement(services: list[str]) -> dict:
    document = json.loads(key_policy(ACCOUNT, REGION, PARTITION, EncryptionKeyArgs(
        description="d", alias="a", tags={}, allow_services=services)))
    (statement,) = [s for s in document["Statement"] if s["Sid"] == "ServicesPublishingEncryptedData"]
    return statement


def test_rds_events_and_cloudwatch_alarms_get_the_documented_actions_and_source_account():
    # Amazon SNS developer guide, "Enable compatibility between event sources from AWS services and encrypted topics".
    statement = publishers_statement(["events.rds.amazonaws.com", "cloudwatch.amazonaws.com"])
    assert statement["Principal"] == {"Service": ["cloudwatch.amazonaws.com", "events.rds.amazonaws.com"]}
    assert statement["Action"] == ["kms:GenerateDataKey*", "kms:Decrypt"]
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_the_program_names_exactly_those_two_publishers(any_stack):
    for key in any_stack.of_type("aws:kms/key:Key"):
        for statement in json.loads(key.inputs["policy"])["Statement"]:
            if statement["Sid"] == "ServicesPublishingEncryptedData":
                assert statement["Principal"]["Service"] == ["cloudwatch.amazonaws.com", "events.rds.amazonaws.com"]
                assert list(statement["Condition"]["StringEquals"]) == ["aws:SourceAccount"]


@pytest.mark.parametrize(("services", "named"), [
    (["events.amazonaws.com"], "events.amazonaws.com"),
    (["events.rds.amazonaws.com", "events.amazonaws.com"], "events.amazonaws.com"),
    (["Events.AmazonAWS.com"], "Events.AmazonAWS.com"),
    ([" events.amazonaws.com"], " events.amazonaws.com"),
    # every one named, in order, in one message
    (["events.amazonaws.com", "Events.AmazonAWS.com"], "Events.AmazonAWS.com, events.amazonaws.com"),
])
def test_eventbridge_is_refused_because_it_sends_no_source_account_to_kms(services, named):
    with pytest.raises(ValueError) as caught:
        publishers_statement(services)
    assert str(caught.value) == (f"allow_services: {named} does not send aws:SourceAccount to KMS when "
                                 "publishing to an encrypted SNS topic; give it a statement of its own")


def test_rds_events_is_not_mistaken_for_eventbridge():
    assert publishers_statement(["events.rds.amazonaws.com"])["Principal"] == {"Service": ["events.rds.amazonaws.com"]}
