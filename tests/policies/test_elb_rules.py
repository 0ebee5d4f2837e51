"""The load balancer rules (policies/rules/elb.py): what each flags and passes, in the spellings that try to get past.

Every expected message is a literal; the inputs are what a program could set (both `aws:lb` and `aws:alb` tokens).
"""

import pytest

from preflight.policy_eval import UNKNOWN

from .policy_helpers import changed, check, check_stack, resource, urn

LB = "aws:lb/loadBalancer:LoadBalancer"
ALB = "aws:alb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
ALB_LISTENER = "aws:alb/listener:Listener"
RULE = "aws:lb/listenerRule:ListenerRule"
ALB_RULE = "aws:alb/listenerRule:ListenerRule"
CLASSIC = "aws:elb/loadBalancer:LoadBalancer"
BUCKET = "aws:s3/bucket:Bucket"

LB_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188"
HTTP_ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2"
GOOD_LB = {"loadBalancerType": "application", "internal": False, "subnets": ["subnet-a", "subnet-b", "subnet-c"],
           "dropInvalidHeaderFields": True, "desyncMitigationMode": "defensive", "enableDeletionProtection": True,
           "accessLogs": {"bucket": "web-logs", "prefix": "alb", "enabled": True}, "arn": LB_ARN,
           "tags": {"Environment": "production"}}
REDIRECT = [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}]
FORWARD = [{"type": "forward", "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/1"}]
HTTPS_LISTENER = {"loadBalancerArn": LB_ARN, "port": 443, "protocol": "HTTPS",
                  "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
                  "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/1", "defaultActions": FORWARD}
HTTP_LISTENER = {"loadBalancerArn": LB_ARN, "port": 80, "protocol": "HTTP", "defaultActions": REDIRECT,
                 "arn": HTTP_ARN}
NO_PLAINTEXT = "elb-http-redirects-to-https"


def balancer(type_=LB, name="web", **props):
    return resource(type_, name, changed(GOOD_LB, **props))


def listener(props, type_=LISTENER, name="http", on=LB, lb_name="web"):
    """A listener whose loadBalancerArn was computed from the load balancer (a recorded property dependency)."""
    return resource(type_, name, props, property_dependencies={"loadBalancerArn": [urn(on, lb_name)]})


def http_stack(actions=REDIRECT, **http):
    return [balancer(), listener(changed(HTTP_LISTENER, defaultActions=actions, **http)),
            listener(HTTPS_LISTENER, name="https")]


# ---- ELB.1: HTTP only redirects to HTTPS ---------------------------------------------------------------------
def test_the_redirecting_http_listener_and_the_https_listener_pass():
    assert check_stack(NO_PLAINTEXT, http_stack()) == []


def test_a_forwarding_http_listener_is_flagged():
    assert check_stack(NO_PLAINTEXT, http_stack(FORWARD)) == [
        "Listener 'http' (HTTP) action 1 is forward: over HTTP it answers in plaintext; an HTTP listener may only "
        "redirect to HTTPS."]


@pytest.mark.parametrize("kind", ["fixed-response", "Forward", "authenticate-oidc"])
def test_any_other_action_on_http_is_flagged_in_any_case(kind):
    actions = [{"type": kind}]
    assert check_stack(NO_PLAINTEXT, http_stack(actions)) == [
        f"Listener 'http' (HTTP) action 1 is {kind.lower()}: over HTTP it answers in plaintext; an HTTP listener "
        "may only redirect to HTTPS."]


def test_a_redirect_after_a_forward_does_not_hide_the_forward():
    assert check_stack(NO_PLAINTEXT, http_stack([*FORWARD, *REDIRECT])) == [
        "Listener 'http' (HTTP) action 1 is forward: over HTTP it answers in plaintext; an HTTP listener may only "
        "redirect to HTTPS."]


@pytest.mark.parametrize("redirect, shown", [
    ({"protocol": "HTTP", "port": "80", "statusCode": "HTTP_301"}, "http"),
    ({"protocol": "#{protocol}", "port": "443", "statusCode": "HTTP_301"}, "#{protocol} (#{protocol} keeps HTTP)"),
    ({"port": "443", "statusCode": "HTTP_302"}, "#{protocol} (#{protocol} keeps HTTP)"),
])
def test_a_redirect_to_plain_http_is_flagged(redirect, shown):
    assert check_stack(NO_PLAINTEXT, http_stack([{"type": "redirect", "redirect": redirect}])) == [
        f"Listener 'http' (HTTP) action 1 redirects to protocol {shown}; set the redirect's protocol to HTTPS."]


def test_a_redirect_block_missing_entirely_keeps_http():
    assert check_stack(NO_PLAINTEXT, http_stack([{"type": "redirect"}])) == [
        "Listener 'http' (HTTP) action 1 redirects to protocol #{protocol} (#{protocol} keeps HTTP); set the "
        "redirect's protocol to HTTPS."]


@pytest.mark.parametrize("port", [None, "#{port}"])
def test_a_redirect_to_https_on_port_80_is_flagged(port):
    redirect = {"protocol": "https", "statusCode": "HTTP_301"} | ({"port": port} if port else {})
    assert check_stack(NO_PLAINTEXT, http_stack([{"type": "REDIRECT", "redirect": redirect}])) == [
        "Listener 'http' (HTTP) action 1 redirects to HTTPS on the listener's own port 80 (#{port}), where nothing "
        "speaks TLS; set the redirect's port to 443."]


def test_lower_case_and_string_spellings_of_a_good_redirect_pass():
    actions = [{"type": "Redirect", "redirect": {"protocol": "https", "port": "443", "statusCode": "HTTP_302"}}]
    assert check_stack(NO_PLAINTEXT, http_stack(actions, protocol="http", port="80")) == []


def test_a_listener_without_protocol_on_an_alb_is_http():
    props = changed(HTTP_LISTENER, protocol=None, defaultActions=FORWARD)
    assert check_stack(NO_PLAINTEXT, [balancer(loadBalancerType=None), listener(props)]) == [
        "Listener 'http' (HTTP) action 1 is forward: over HTTP it answers in plaintext; an HTTP listener may only "
        "redirect to HTTPS."]


def test_a_listener_of_a_load_balancer_outside_the_stack_without_protocol_counts_as_http():
    props = changed(HTTP_LISTENER, protocol=None, defaultActions=FORWARD, loadBalancerArn="arn:elsewhere")
    assert check_stack(NO_PLAINTEXT, [resource(LISTENER, "http", props)]) == [
        "Listener 'http' (HTTP) action 1 is forward: over HTTP it answers in plaintext; an HTTP listener may only "
        "redirect to HTTPS."]


def test_the_alb_alias_tokens_are_read_too():
    stack = [balancer(ALB), listener(changed(HTTP_LISTENER, defaultActions=FORWARD), type_=ALB_LISTENER, on=ALB)]
    assert check_stack(NO_PLAINTEXT, stack) == [
        "Listener 'http' (HTTP) action 1 is forward: over HTTP it answers in plaintext; an HTTP listener may only "
        "redirect to HTTPS."]


def test_an_http_listener_without_actions_is_flagged():
    assert check_stack(NO_PLAINTEXT, http_stack([])) == [
        "Listener 'http' (HTTP) has no action; an HTTP listener must redirect to HTTPS."]


def test_an_nlb_tcp_listener_to_a_target_group_outside_the_stack_is_not_passthrough():
    # TLS passthrough (TCP on 443 to targets on 443) must show in the stack; tests/policies/test_gaps_elb_backup.py
    # has the other spellings.
    nlb = balancer(loadBalancerType="network")
    tcp = listener({"loadBalancerArn": LB_ARN, "port": 443, "protocol": "TCP", "defaultActions": FORWARD})
    assert check_stack(NO_PLAINTEXT, [nlb, tcp]) == [
        "Listener 'http' (TCP on a network load balancer) answers in plaintext on port 443: its target groups are "
        "not in the stack, so no TLS passthrough shows; use a TLS listener (certificateArn and a TLS 1.3 sslPolicy), "
        "or pass TLS through (TCP on 443 to targets on 443)."]


def forwarding_rule(type_=RULE, deps=True, **props):
    base = {"listenerArn": HTTP_ARN, "priority": 10, "actions": FORWARD,
            "conditions": [{"pathPattern": {"values": ["/admin/*"]}}]}
    return resource(type_, "admin", changed(base, **props),
                    property_dependencies={"listenerArn": [urn(LISTENER, "http")]} if deps else {})


def test_a_listener_rule_that_forwards_on_the_http_listener_is_flagged():
    assert check_stack(NO_PLAINTEXT, [*http_stack(), forwarding_rule()]) == [
        "ListenerRule 'admin' on HTTP Listener 'http': action 1 is forward: over HTTP it answers in plaintext; an "
        "HTTP listener may only redirect to HTTPS."]


def test_a_listener_rule_found_by_the_listener_arn_value_and_the_alb_token():
    assert check_stack(NO_PLAINTEXT, [*http_stack(), forwarding_rule(ALB_RULE, deps=False)]) == [
        "ListenerRule 'admin' on HTTP Listener 'http': action 1 is forward: over HTTP it answers in plaintext; an "
        "HTTP listener may only redirect to HTTPS."]


def test_a_forwarding_rule_on_the_https_listener_passes():
    rule = resource(RULE, "admin", {"listenerArn": "x", "actions": FORWARD},
                    property_dependencies={"listenerArn": [urn(LISTENER, "https")]})
    assert check_stack(NO_PLAINTEXT, [*http_stack(), rule]) == []


def test_a_forwarding_rule_of_a_listener_outside_the_stack_cannot_be_verified():
    rule = forwarding_rule(deps=False, listenerArn="arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/x")
    assert check_stack(NO_PLAINTEXT, [rule]) == [
        "ListenerRule 'admin' belongs to a listener outside the stack, so whether it answers HTTP cannot be "
        "verified, and its action 1 is forward: over HTTP it answers in plaintext; an HTTP listener may only "
        "redirect to HTTPS; define the rule with its listener in this stack."]


def test_a_redirecting_rule_of_a_listener_outside_the_stack_passes():
    assert check_stack(NO_PLAINTEXT, [forwarding_rule(deps=False, listenerArn="arn:x", actions=REDIRECT)]) == []


def test_classic_load_balancer_http_and_tcp_listeners_are_plaintext():
    classic = resource(CLASSIC, "old", {"listeners": [
        {"lbProtocol": "https", "lbPort": 443, "instancePort": 80, "instanceProtocol": "http",
         "sslCertificateId": "arn:aws:acm:us-east-1:123456789012:certificate/1"},
        {"lbProtocol": "http", "lbPort": 80.0, "instancePort": 80, "instanceProtocol": "http"},
        {"lbProtocol": "TCP", "lbPort": "8080", "instancePort": 80, "instanceProtocol": "tcp"}]})
    assert check_stack(NO_PLAINTEXT, [classic]) == [
        "LoadBalancer 'old' listener 2 is HTTP on port 80: a Classic Load Balancer cannot redirect, so it answers "
        "in plaintext; use HTTPS/SSL listeners only, or an Application Load Balancer.",
        "LoadBalancer 'old' listener 3 is TCP on port 8080: a Classic Load Balancer cannot redirect, so it answers "
        "in plaintext; use HTTPS/SSL listeners only, or an Application Load Balancer."]


# ---- TLS policy ----------------------------------------------------------------------------------------------
TLS = "elb-tls-policy-modern"


@pytest.mark.parametrize("policy", ["ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
                                    "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
                                    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09"])
def test_tls13_policies_pass(policy):
    assert check(TLS, LISTENER, changed(HTTPS_LISTENER, sslPolicy=policy)) == []


@pytest.mark.parametrize("policy", ["ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-TLS-1-2-2017-01",
                                    "ELBSecurityPolicy-FS-1-2-Res-2020-10", "ELBSecurityPolicy-TLS13-1-0-2021-06",
                                    "ELBSecurityPolicy-TLS13-1-1-2021-06", "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
                                    "ELBSecurityPolicy-TLS13-1-2-2021-06x", "TLS13-1-2-2021-06"])
def test_old_or_unknown_policies_are_flagged(policy):
    assert check(TLS, ALB_LISTENER, changed(HTTPS_LISTENER, sslPolicy=policy)) == [
        f"sslPolicy {policy} is not a TLS 1.3 policy with TLS 1.2 at the least (an ELBSecurityPolicy-TLS13-1-2-* or "
        "-TLS13-1-3-* policy); older policies allow TLS 1.0/1.1 or lack TLS 1.3."]


@pytest.mark.parametrize("protocol, policy", [("HTTPS", None), ("https", ""), ("TLS", "  ")])
def test_no_policy_means_the_api_default_2016_08(protocol, policy):
    assert check(TLS, LISTENER, changed(HTTPS_LISTENER, protocol=protocol, sslPolicy=policy)) == [
        "sslPolicy is not set, so AWS uses ELBSecurityPolicy-2016-08, which allows TLS 1.0; set a TLS 1.3 policy such "
        "as ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09 or ELBSecurityPolicy-TLS13-1-2-2021-06."]


def test_http_listeners_have_no_tls_policy_to_judge():
    assert check(TLS, LISTENER, HTTP_LISTENER) == []


# ---- ELB.4, ELB.5, ELB.12, ELB.13 ----------------------------------------------------------------------------
HEADERS = "elb-drop-invalid-headers"
LOGS = "elb-access-logging"
DESYNC = "elb-desync-mitigation"
ZONES = "elb-multi-az"


def test_the_hardened_load_balancer_passes_every_resource_rule():
    for rule in (HEADERS, LOGS, DESYNC, ZONES):
        for type_ in (LB, ALB):
            assert check(rule, type_, GOOD_LB) == [], (rule, type_)


@pytest.mark.parametrize("value", [None, False, "false", "0"])
def test_invalid_headers_must_be_dropped(value):
    assert check(HEADERS, ALB, changed(GOOD_LB, dropInvalidHeaderFields=value)) == [
        "dropInvalidHeaderFields must be true: otherwise header fields that are not valid HTTP reach the targets."]


def test_invalid_headers_given_as_a_string_true_pass_and_an_nlb_is_not_judged():
    assert check(HEADERS, LB, changed(GOOD_LB, dropInvalidHeaderFields="TRUE")) == []
    assert check(HEADERS, LB, changed(GOOD_LB, loadBalancerType="network", dropInvalidHeaderFields=None)) == []


@pytest.mark.parametrize("logs", [None, {}, {"bucket": "web-logs"}, {"bucket": "web-logs", "enabled": "false"},
                                  {"bucket": " ", "enabled": True}, {"enabled": True}])
def test_access_logs_must_be_enabled_with_a_bucket(logs):
    assert check(LOGS, LB, changed(GOOD_LB, accessLogs=logs)) == [
        "accessLogs must be enabled (enabled: true) with a bucket."]


def test_access_logs_enabled_as_a_string_pass_and_classic_defaults_to_enabled():
    assert check(LOGS, LB, changed(GOOD_LB, accessLogs={"bucket": "b", "enabled": "true"})) == []
    assert check(LOGS, CLASSIC, {"accessLogs": {"bucket": "b", "interval": 5}}) == []
    assert check(LOGS, CLASSIC, {"accessLogs": {"bucket": "b", "enabled": False}}) == [
        "accessLogs must be enabled (enabled: true) with a bucket."]
    assert check(LOGS, CLASSIC, {}) == ["accessLogs must be enabled (enabled: true) with a bucket."]


@pytest.mark.parametrize("mode", ["monitor", "Monitor", " MONITOR "])
def test_desync_monitor_is_flagged_in_any_spelling(mode):
    assert check(DESYNC, LB, changed(GOOD_LB, desyncMitigationMode=mode)) == [
        f"desyncMitigationMode {mode.strip()} lets ambiguous requests through; use defensive (AWS's default) or "
        "strictest."]
    assert check(DESYNC, CLASSIC, {"desyncMitigationMode": mode}) == [
        f"desyncMitigationMode {mode.strip()} lets ambiguous requests through; use defensive (AWS's default) or "
        "strictest."]


@pytest.mark.parametrize("mode", [None, "defensive", "Strictest"])
def test_desync_defensive_strictest_or_the_default_pass(mode):
    assert check(DESYNC, ALB, changed(GOOD_LB, desyncMitigationMode=mode)) == []


@pytest.mark.parametrize("props, count", [
    ({"subnets": ["subnet-a"]}, "1 distinct subnet"),
    ({"subnets": ["subnet-a", "subnet-a", " subnet-a "]}, "1 distinct subnet"),
    ({"subnets": None, "subnetMappings": [{"subnetId": "subnet-a"}, {"subnetId": "subnet-a"}]}, "1 distinct subnet"),
    ({"subnets": []}, "0 distinct subnets"),
])
def test_a_load_balancer_in_one_zone_is_flagged(props, count):
    assert check(ZONES, LB, changed(GOOD_LB, **props)) == [
        f"spans {count}; give it subnets in at least 2 availability zones, so one zone's outage does not take it "
        "down."]


def test_two_subnet_mappings_or_two_classic_zones_pass():
    mappings = [{"subnetId": "subnet-a", "allocationId": "eipalloc-1"}, {"subnetId": "subnet-b"}]
    assert check(ZONES, LB, changed(GOOD_LB, subnets=None, subnetMappings=mappings, loadBalancerType="network")) == []
    assert check(ZONES, CLASSIC, {"availabilityZones": ["us-east-1a", "us-east-1b"]}) == []
    assert check(ZONES, CLASSIC, {"availabilityZones": ["us-east-1a"]}) == [
        "spans 1 distinct subnet; give it subnets in at least 2 availability zones, so one zone's outage does not "
        "take it down."]


def test_the_zone_minimum_is_configurable():
    assert check(ZONES, LB, GOOD_LB, {ZONES: {"minimumSubnets": 4}}) == [
        "spans 3 distinct subnets; give it subnets in at least 4 availability zones, so one zone's outage does not "
        "take it down."]


# ---- ELB.6 ---------------------------------------------------------------------------------------------------
PROTECTION = "elb-deletion-protection"


@pytest.mark.parametrize("value", [None, False, "false"])
def test_production_load_balancers_need_deletion_protection(value):
    stack = [balancer(enableDeletionProtection=value), balancer(ALB, "other", enableDeletionProtection="true")]
    assert check_stack(PROTECTION, stack) == [
        "LoadBalancer 'web' must set enableDeletionProtection true (the stack is tagged Environment=production)."]


def test_one_production_tag_anywhere_makes_the_stack_production():
    untagged = balancer(tags=None, enableDeletionProtection=False)
    bucket = resource(BUCKET, "logs", {"tags": {"environment": " Prod "}})
    assert check_stack(PROTECTION, [untagged, bucket]) == [
        "LoadBalancer 'web' must set enableDeletionProtection true (the stack is tagged Environment=production)."]


def test_development_stacks_need_no_deletion_protection_unless_the_config_says_so():
    dev = balancer(tags={"Environment": "development"}, enableDeletionProtection=False)
    assert check_stack(PROTECTION, [dev]) == []
    assert check_stack(PROTECTION, [dev], {PROTECTION: {"requireDeletionProtection": True}}) == [
        "LoadBalancer 'web' must set enableDeletionProtection true (policy config requireDeletionProtection is "
        "true)."]


def test_an_unknown_subnet_list_cannot_be_judged_during_preview():
    # The SDK reports that the rule cannot run (preflight fails a mandatory gate on that): never a silent pass.
    assert check(ZONES, LB, changed(GOOD_LB, subnets=UNKNOWN)) == [
        "can't run policy 'elb-multi-az' from policy pack 'aurora-platform-policies@v0.0.1' during preview: string "
        "value at .subnets can't be known during preview"]


def test_a_rule_whose_listener_was_picked_among_several_is_judged_against_each():
    # listener_arn=Output.all(https.arn, http.arn).apply(lambda v: v[1]) depends on both listeners; before the
    # value is known, the HTTP one is a possible owner.
    deps = {"listenerArn": [urn(LISTENER, "https"), urn(LISTENER, "http")]}
    rule = resource(RULE, "admin", {"listenerArn": UNKNOWN, "actions": FORWARD}, property_dependencies=deps)
    assert check_stack(NO_PLAINTEXT, [*http_stack(), rule]) == [
        "ListenerRule 'admin' on HTTP Listener 'http': action 1 is forward: over HTTP it answers in plaintext; an "
        "HTTP listener may only redirect to HTTPS."]
    # once the value is known, it names the listener
    https_arn = HTTP_ARN.replace("f2f7dc8efc522ab2", "0123456789abcdef")
    on_https = resource(RULE, "admin", {"listenerArn": https_arn, "actions": FORWARD}, property_dependencies=deps)
    stack = [balancer(), listener(changed(HTTP_LISTENER)), listener(changed(HTTPS_LISTENER, arn=https_arn),
                                                                     name="https")]
    assert check_stack(NO_PLAINTEXT, [*stack, on_https]) == []
    on_http = resource(RULE, "admin", {"listenerArn": HTTP_ARN, "actions": FORWARD}, property_dependencies=deps)
    assert check_stack(NO_PLAINTEXT, [*stack, on_http]) == [
        "ListenerRule 'admin' on HTTP Listener 'http': action 1 is forward: over HTTP it answers in plaintext; an "
        "HTTP listener may only redirect to HTTPS."]


def test_an_unknown_listener_arn_during_preview_still_judges_the_listener():
    props = changed(HTTP_LISTENER, loadBalancerArn=UNKNOWN, arn=UNKNOWN, defaultActions=FORWARD)
    assert check_stack(NO_PLAINTEXT, [balancer(arn=UNKNOWN), listener(props)]) == [
        "Listener 'http' (HTTP) action 1 is forward: over HTTP it answers in plaintext; an HTTP listener may only "
        "redirect to HTTPS."]


def test_a_listener_without_protocol_on_an_nlb_is_tcp_not_http():
    nlb = balancer(loadBalancerType="Network")
    props = changed(HTTP_LISTENER, protocol=None, port=8080, defaultActions=FORWARD)
    assert check_stack(NO_PLAINTEXT, [nlb, listener(props)]) == [
        "Listener 'http' (TCP on a network load balancer) answers in plaintext on port 8080: it is not on 443; use a "
        "TLS listener (certificateArn and a TLS 1.3 sslPolicy), or pass TLS through (TCP on 443 to targets on 443)."]


def test_a_single_action_object_instead_of_a_list_is_still_read():
    assert check_stack(NO_PLAINTEXT, http_stack(FORWARD[0])) == [
        "Listener 'http' (HTTP) action 1 is forward: over HTTP it answers in plaintext; an HTTP listener may only "
        "redirect to HTTPS."]


# ---- through the whole gate: a real program with pulumi_aws's own classes (both module spellings) ---------------
WEB = '''
lb = aws.{module}.LoadBalancer("web", load_balancer_type="application", subnets=["subnet-a", "subnet-b"],
    drop_invalid_header_fields={drop}, desync_mitigation_mode="defensive", enable_deletion_protection=True,
    access_logs={{"bucket": "web-logs", "enabled": True}}, tags=tags)
tg = aws.{module}.TargetGroup("web", port=3000, protocol="HTTP", target_type="ip", vpc_id="vpc-0123", tags=tags)
aws.{module}.Listener("https", load_balancer_arn=lb.arn, port=443, protocol="HTTPS", ssl_policy="{policy}",
    certificate_arn="arn:aws:acm:us-east-1:123456789012:certificate/1",
    default_actions=[{{"type": "forward", "target_group_arn": tg.arn}}], tags=tags)
http = aws.{module}.Listener("http", load_balancer_arn=lb.arn, port=80, protocol="{protocol}",
    default_actions=[{http_action}], tags=tags)
'''
GOOD_WEB = {"module": "lb", "drop": "True", "policy": "ELBSecurityPolicy-TLS13-1-2-2021-06", "protocol": "HTTP",
            "http_action": '{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", '
                           '"status_code": "HTTP_301"}}'}


def gate_with_web(tmp_path, extra: str = "", **knobs):
    from tests.preflight.gate_helpers import PROGRAM, SAFE, gate_json, mandatory, write_program

    body = PROGRAM.format(**SAFE) + WEB.format(**{**GOOD_WEB, **knobs}) + extra
    code, report = gate_json("--stack", "test", "--program", str(write_program(tmp_path, body=body)))
    return code, [item for item in mandatory(report) if item[0].startswith("elb-")]


@pytest.mark.parametrize("module", ["lb", "alb"])
def test_the_gate_passes_the_good_load_balancer_in_both_modules(tmp_path, module):
    assert gate_with_web(tmp_path, module=module) == (0, [])


@pytest.mark.parametrize("knobs, found", [
    ({"module": "alb", "http_action": '{"type": "forward", "target_group_arn": tg.arn}'},
     [("elb-http-redirects-to-https", "http")]),
    ({"protocol": "http", "http_action": '{"type": "redirect", "redirect": {"protocol": "#{protocol}", '
                                         '"status_code": "HTTP_301"}}'},
     [("elb-http-redirects-to-https", "http")]),
    ({"policy": "ELBSecurityPolicy-2016-08"}, [("elb-tls-policy-modern", "https")]),
    ({"drop": '"false"'}, [("elb-drop-invalid-headers", "web")]),
])
def test_the_gate_fails_each_weak_spelling(tmp_path, knobs, found):
    assert gate_with_web(tmp_path, **knobs) == (1, found)


def test_the_gate_fails_a_listener_rule_forwarding_on_port_80(tmp_path):
    rule = '''aws.lb.ListenerRule("admin", listener_arn=http.arn, priority=10,
    actions=[{"type": "forward", "target_group_arn": tg.arn}],
    conditions=[{"path_pattern": {"values": ["/admin/*"]}}], tags=tags)
'''
    assert gate_with_web(tmp_path, rule) == (1, [("elb-http-redirects-to-https", "admin")])
