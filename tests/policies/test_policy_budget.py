"""The `stack-monthly-budget` rule through the SDK's own analyzer: it prices the stack the rule sees and compares the
total with the budget in its config, at the level the stack picks."""

from __future__ import annotations

import pytest

from preflight.policy_eval import UNKNOWN, PolicyConfigError

from .policy_helpers import analyzer, messages, resource

POLICY = "stack-monthly-budget"
NAT = "aws:ec2/natGateway:NatGateway"


def stack(nats: int = 1) -> list:
    return [resource(NAT, f"nat-{i}", {"subnetId": f"subnet-{i}"}) for i in range(nats)] + [
        resource("aurora-platform:network:Network", "network", {}),  # a component: not billed
        resource("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"})]


def evaluate(config: dict, resources: list) -> list:
    return [v for v in analyzer({POLICY: config}).evaluate(resources).violations if v.policy == POLICY]


def test_over_budget_is_reported_with_the_figures():
    [violation] = evaluate({"monthlyMaximumUsd": 50, "region": "us-east-1", "usage": {"natGbPerMonth": 0}}, stack(2))
    assert violation.enforcement_level == "advisory"  # the default
    # Two NAT gateways: 2 x 730 h x $0.045 = $65.70 with no traffic.
    assert violation.detail.startswith("estimated monthly cost $65.70 (fixed $65.70 + usage $0.00, us-east-1) "
                                       "exceeds this stack's budget of $50.00; largest: nat-0 (NatGateway) $32.85")
    assert violation.urn == ""


def test_under_budget_and_no_budget_pass():
    assert evaluate({"monthlyMaximumUsd": 100, "region": "us-east-1"}, stack(2)) == []
    assert evaluate({"region": "us-east-1"}, stack(5)) == []


def test_the_stack_picks_the_level():
    [violation] = evaluate({"enforcementLevel": "mandatory", "monthlyMaximumUsd": 1, "region": "us-east-1"}, stack())
    assert violation.enforcement_level == "mandatory"


def test_a_region_without_prices_cannot_pass_silently():
    [violation] = evaluate({"monthlyMaximumUsd": 1000, "region": "ap-south-1"}, stack())
    assert violation.detail.startswith("no prices for ap-south-1: the budget of $1,000.00 cannot be checked")


def test_an_unknown_region_asks_for_one():
    [violation] = evaluate({"monthlyMaximumUsd": 1000}, stack())
    assert "the stack's region is unknown" in violation.detail


@pytest.mark.parametrize("config, fragment", [
    ({"monthlyMaximumUsd": -1}, "monthlyMaximumUsd"),
    ({"monthlyMaximumUsd": "lots"}, "monthlyMaximumUsd"),
    ({"usage": {"natGb": 1}}, "natGb"),
    ({"usage": {"natGbPerMonth": -1}}, "natGbPerMonth"),
    ({"region": "Mars"}, "region"),
])
def test_bad_config_is_refused_naming_the_key(config, fragment):
    with pytest.raises(PolicyConfigError, match=fragment):
        analyzer({POLICY: config})


def test_unpriced_resources_are_said_not_counted():
    resources = stack() + [resource("aws:dynamodb/table:Table", "t", {})]
    [violation] = evaluate({"monthlyMaximumUsd": 1, "region": "us-east-1"}, resources)
    assert "1 item(s) have no price and are not counted" in violation.detail


def test_messages_helper_sees_the_rule_by_name():
    evaluation = analyzer({POLICY: {"monthlyMaximumUsd": 1, "region": "us-east-1"}}).evaluate(stack())
    assert len(messages(evaluation, POLICY)) == 1


def test_a_value_unknown_during_preview_makes_its_line_unpriced_not_a_guess():
    instance = resource("aws:rds/clusterInstance:ClusterInstance", "db", {"instanceClass": UNKNOWN})
    [violation] = evaluate({"monthlyMaximumUsd": 1, "region": "us-east-1", "usage": {"natGbPerMonth": 0}},
                           stack() + [instance])
    assert violation.detail.startswith("estimated monthly cost $32.85 ")  # the NAT gateway only
    assert "1 item(s) have no price and are not counted" in violation.detail
