"""A Network Load Balancer with a plain TCP (or UDP) listener in front of the app answers in plaintext, which
elb-http-redirects-to-https used to pass (it judged HTTP listeners only). Only TLS passes through: a TLS listener, or
TCP on 443 forwarding to target groups on 443 (the targets terminate TLS).

And aurora-backup-plan credits a selection for a cluster only when its `resources` name that cluster's ARN, not when
the selection merely depends on the cluster and names another ARN."""

import pytest

from .policy_helpers import check_stack, resource, urn

NO_PLAINTEXT = "elb-http-redirects-to-https"
LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
NLB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/app/50dc6c495c0c9188"
TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/app/73e2d6bc24d8a067"


def nlb():
    return resource(LB, "app", {"loadBalancerType": "network", "arn": NLB_ARN, "subnets": ["subnet-a", "subnet-b"]})


def target_group(port=8080.0, protocol="TCP"):
    return resource(TARGET_GROUP, "app", {"port": port, "protocol": protocol, "arn": TG_ARN, "targetType": "ip"})


def listener(port, protocol="TCP", actions=None, linked=True, **props):
    actions = [{"type": "forward", "targetGroupArn": TG_ARN}] if actions is None else actions
    deps = {"loadBalancerArn": [urn(LB, "app")]}
    if linked:
        deps["defaultActions"] = [urn(TARGET_GROUP, "app")]
    values = {"loadBalancerArn": NLB_ARN, "port": port, "defaultActions": actions, **props}
    if protocol is not None:
        values["protocol"] = protocol
    return resource(LISTENER, "front", values, property_dependencies=deps)


def plaintext(protocol, port, why):
    return (f"Listener 'front' ({protocol} on a network load balancer) answers in plaintext on port {port}: {why}; "
            "use a TLS listener (certificateArn and a TLS 1.3 sslPolicy), or pass TLS through (TCP on 443 to "
            "targets on 443).")


@pytest.mark.parametrize(("protocol", "shown"), [("TCP", "TCP"), ("tcp", "TCP"), (None, "TCP"), ("UDP", "UDP"),
                                                 ("TCP_UDP", "TCP_UDP"), (" Tcp ", "TCP")])
def test_a_plain_listener_in_front_of_the_app_fails(protocol, shown):
    found = check_stack(NO_PLAINTEXT, [nlb(), target_group(), listener(80.0, protocol)])
    assert found == [plaintext(shown, 80, "it is not on 443")]


def test_tcp_on_443_to_a_plain_target_port_fails():
    found = check_stack(NO_PLAINTEXT, [nlb(), target_group(8080.0), listener(443.0)])
    assert found == [plaintext("TCP", 443, "TargetGroup 'app' listens on 8080, not 443")]


def test_tcp_on_443_to_a_target_group_outside_the_stack_fails():
    found = check_stack(NO_PLAINTEXT, [nlb(), listener(443.0, linked=False, actions=[
        {"type": "forward", "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/other/1"}])])
    assert found == [plaintext("TCP", 443, "its target groups are not in the stack, so no TLS passthrough shows")]


def test_tcp_on_443_to_a_tls_target_group_is_still_plaintext_at_the_client():
    found = check_stack(NO_PLAINTEXT, [nlb(), target_group(443.0, "TLS"), listener(443.0)])
    assert found == [plaintext("TCP", 443, "TargetGroup 'app' speaks TLS, not TCP")]


def test_weighted_forward_names_every_target_group():
    actions = [{"type": "forward", "forward": {"targetGroups": [{"arn": TG_ARN, "weight": 1.0}]}}]
    found = check_stack(NO_PLAINTEXT, [nlb(), target_group(8080.0), listener(443.0, actions=actions)])
    assert found == [plaintext("TCP", 443, "TargetGroup 'app' listens on 8080, not 443")]


def test_tls_listener_and_tls_passthrough_pass():
    tls = listener(443.0, "TLS", sslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
                   certificateArn="arn:aws:acm:us-east-1:123456789012:certificate/1")
    assert check_stack(NO_PLAINTEXT, [nlb(), target_group(8080.0), tls]) == []
    assert check_stack(NO_PLAINTEXT, [nlb(), target_group(443.0), listener(443.0)]) == []


# ---- aurora-backup-plan: the selection must name the cluster -----------------------------------------------------
BACKUP = "aurora-backup-plan"
CLUSTER = "aws:rds/cluster:Cluster"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
CLUSTER_ARN = "arn:aws:rds:us-east-1:123456789012:cluster:aurora-platform-prod"


def cluster():
    return resource(CLUSTER, "database", {"arn": CLUSTER_ARN, "tags": {"Environment": "production"}})


def plan():
    return resource(PLAN, "plan", {"id": "plan-1", "rules": [{"ruleName": "daily"}]})


def selection(resources, linked=True):
    deps = {"planId": [urn(PLAN, "plan")]}
    if linked:
        deps["resources"] = [urn(CLUSTER, "database")]
    return resource(SELECTION, "selection", {"planId": "plan-1", "resources": resources},
                    property_dependencies=deps)


@pytest.mark.parametrize("named", [["arn:aws:rds:us-east-1:123456789012:cluster:another"],
                                   ["arn:aws:rds:us-east-1:123456789012:cluster:aurora-platform-prod-old"], [],
                                   ["arn:aws:rds:us-east-1:123456789012:db:aurora-platform-prod"]])
def test_a_selection_computed_from_the_cluster_but_naming_another_arn_does_not_count(named):
    found = check_stack(BACKUP, [cluster(), plan(), selection(named)])
    assert found == ["Cluster 'database' is in no AWS Backup selection (resources naming its ARN, or a selection tag "
                     "it carries); turn on aurora-platform:database.awsBackup."]


@pytest.mark.parametrize("named", [[CLUSTER_ARN], ["arn:aws:rds:us-east-1:123456789012:cluster:*"],
                                   ["arn:aws:rds:us-east-1:123456789012:cluster:other", CLUSTER_ARN]])
def test_a_selection_naming_the_cluster_arn_counts(named):
    assert check_stack(BACKUP, [cluster(), plan(), selection(named)]) == []


def test_an_unknown_arn_computed_from_the_cluster_counts():
    from preflight.policy_eval import UNKNOWN

    assert check_stack(BACKUP, [cluster(), plan(), selection([UNKNOWN])]) == []
