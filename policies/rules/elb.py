"""Load balancers: nothing served in plaintext, a modern TLS policy, hardened HTTP parsing, logs, zones, protection.

pulumi-aws registers Elastic Load Balancing v2 under two modules that are aliases of each other (`aws.lb` and
`aws.alb`: `aws:lb/loadBalancer:LoadBalancer` and `aws:alb/loadBalancer:LoadBalancer`, and so on for listeners and
listener rules); every rule reads both. The Classic Load Balancer (`aws:elb/loadBalancer:LoadBalancer`) is read where
Security Hub has the same control for it (ELB.3, ELB.5, ELB.10, ELB.14).

Values are read the way the provider and AWS read them, not byte for byte: protocols and action types in any case
(`http`, `Http`), flags and numbers given as strings (`"true"`, `"80"`), a load balancer without
`loadBalancerType` is an Application Load Balancer, a listener without `protocol` on one is HTTP, a redirect without
`protocol` keeps the request's (`#{protocol}`: HTTP stays HTTP) and without `port` keeps the listener's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource

from ._base import (
    ADVISORY,
    MANDATORY,
    ResourceRule,
    StackRule,
    as_list,
    config_value,
    flag,
    fmt,
    known_values,
    label,
    number,
)
from .protection import _production

LOAD_BALANCERS = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
LISTENERS = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")
LISTENER_RULES = ("aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule")
CLASSIC = "aws:elb/loadBalancer:LoadBalancer"
TARGET_GROUPS = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
# Network Load Balancer listener protocols that carry the client's bytes as they are: TLS only if the targets
# terminate it (passthrough), which the program shows as TCP on 443 to target groups on 443.
PLAIN_TRANSPORT = ("tcp", "udp", "tcp_udp")

HTTPS_PORT = 443
# A listener policy that offers TLS 1.3 and refuses anything older than TLS 1.2: the TLS13-1-2 and TLS13-1-3 families
# of "Security policies for your Application Load Balancer" (2021-06, FIPS 2023-04, post-quantum 2025-09 and
# their Res/Ext variants). Everything else - ELBSecurityPolicy-2016-08 (the API's default), -2015-05, TLS-1-0/1-1/
# 1-2 (no TLS 1.3), FS-*, TLS13-1-0/1-1 - allows TLS 1.0/1.1 or lacks TLS 1.3. Names are matched ignoring case.
MODERN_TLS_POLICY = re.compile(r"ELBSecurityPolicy-TLS13-1-[23](?:-[A-Za-z0-9]+)*-20\d\d-\d\d", re.IGNORECASE)
API_DEFAULT_TLS_POLICY = "ELBSecurityPolicy-2016-08"
DESYNC_MODES = ("defensive", "strictest")


def _fold(value: Any) -> str | None:
    return None if value is None else str(value).strip().casefold()


def _lb_type(props: Mapping[str, Any]) -> str:
    return _fold(props.get("loadBalancerType")) or "application"


def _owners(resource: PolicyResource, prop: str, candidates: list[PolicyResource]) -> list[PolicyResource]:
    """The resources of `candidates` that `prop` may name: the one whose `arn` or `id` equals its value when that is
    known, else every one it was computed from (a value picked out of several listeners by an `apply` depends on
    all of them: each is a possible owner)."""
    value = known_values(resource.props).get(prop)
    if isinstance(value, str) and value:
        found = [c for c in candidates if value in (known_values(c.props).get("arn"), known_values(c.props).get("id"))]
        if found:
            return found
    dependencies = {dep.urn for dep in resource.property_dependencies.get(prop, [])}
    return [c for c in candidates if c.urn in dependencies]


# ---- ELB.1 (and ELB.3 for classic): nothing answered in plaintext -------------------------------------------------

def _listener_protocol(listener: PolicyResource, balancers: list[PolicyResource]) -> str:
    protocol = _fold(listener.props.get("protocol"))
    if protocol:
        return protocol
    # The provider's default on an Application Load Balancer (and on one this rule cannot see) is HTTP.
    network = balancers and all(_lb_type(b.props) in ("network", "gateway") for b in balancers)
    return "tcp" if network else "http"


def _plaintext_actions(actions: Any, listener_port: float | None) -> Iterator[str]:
    """What in `actions` would answer an HTTP request with anything but a redirect to HTTPS."""
    items = [a for a in as_list(actions) if isinstance(a, Mapping)]
    if not items:
        yield "has no action; an HTTP listener must redirect to HTTPS"
        return
    for index, action in enumerate(items, start=1):
        kind = _fold(action.get("type")) or "none"
        if kind != "redirect":
            yield (f"action {index} is {kind}: over HTTP it answers in plaintext; an HTTP listener may only "
                   "redirect to HTTPS")
            continue
        redirect = action.get("redirect")
        redirect = redirect if isinstance(redirect, Mapping) else {}
        protocol = _fold(redirect.get("protocol")) or "#{protocol}"
        if protocol != "https":
            kept = " (#{protocol} keeps HTTP)" if protocol == "#{protocol}" else ""
            yield f"action {index} redirects to protocol {protocol}{kept}; set the redirect's protocol to HTTPS"
            continue
        port = redirect.get("port")
        keeps_port = port is None or _fold(port) == "#{port}"
        if keeps_port and listener_port is not None and listener_port != HTTPS_PORT:
            yield (f"action {index} redirects to HTTPS on the listener's own port {fmt(listener_port)} (#{{port}}), "
                   "where nothing speaks TLS; set the redirect's port to 443")


def _forwarded_groups(listener: PolicyResource, groups: list[PolicyResource]) -> tuple[list[PolicyResource], bool]:
    """The stack's target groups the listener's default actions forward to, and whether every one it names is in
    the stack (matched by `arn`/`id`, else by the `defaultActions` dependency)."""
    named: list[str] = []
    for action in as_list(known_values(listener.props).get("defaultActions")):
        if not isinstance(action, Mapping):
            continue
        named += [action.get("targetGroupArn")]
        forward = action.get("forward")
        for group in as_list(forward.get("targetGroups") if isinstance(forward, Mapping) else None):
            named += [group.get("arn") if isinstance(group, Mapping) else None]
    dependencies = {dep.urn for dep in listener.property_dependencies.get("defaultActions", [])}
    found: list[PolicyResource] = []
    complete = bool(named)
    for value in named:
        by_value = [g for g in groups if isinstance(value, str) and value in
                    (known_values(g.props).get("arn"), known_values(g.props).get("id"))]
        if not by_value and not isinstance(value, str):  # unknown before deployment: the dependency names it
            by_value = [g for g in groups if g.urn in dependencies]
        if not by_value:
            complete = False
        found += [g for g in by_value if g not in found]
    return found, complete


def _plain_transport(listener: PolicyResource, protocol: str, groups: list[PolicyResource]) -> str | None:
    """Why a TCP/UDP listener of a network load balancer answers in plaintext; None for TLS passthrough."""
    port = number(listener.props.get("port"))
    if port != HTTPS_PORT:
        return "it is not on 443"
    if protocol != "tcp":
        return f"{protocol.upper()} is not TCP, so no TLS passes through"
    forwarded, complete = _forwarded_groups(listener, groups)
    if not complete:
        return "its target groups are not in the stack, so no TLS passthrough shows"
    for group in forwarded:
        group_protocol = _fold(group.props.get("protocol")) or "tcp"
        if group_protocol != "tcp":
            return f"{label(group)} speaks {group_protocol.upper()}, not TCP"
        group_port = number(group.props.get("port"))
        if group_port != HTTPS_PORT:
            return f"{label(group)} listens on {fmt(group_port)}, not 443"
    return None


def _no_plaintext(resources: list[PolicyResource], _args: Any) -> Iterator[tuple[str, str | None]]:
    balancers = [r for r in resources if r.resource_type in LOAD_BALANCERS]
    listeners = [r for r in resources if r.resource_type in LISTENERS]
    groups = [r for r in resources if r.resource_type in TARGET_GROUPS]
    protocols = {}
    for listener in listeners:
        protocol = protocols[listener.urn] = _listener_protocol(
            listener, _owners(listener, "loadBalancerArn", balancers))
        if protocol in PLAIN_TRANSPORT:
            why = _plain_transport(listener, protocol, groups)
            if why:
                yield (f"{label(listener)} ({protocol.upper()} on a network load balancer) answers in plaintext on "
                       f"port {fmt(listener.props.get('port'))}: {why}; use a TLS listener (certificateArn and a TLS "
                       "1.3 sslPolicy), or pass TLS through (TCP on 443 to targets on 443).", listener.urn)
            continue
        if protocol != "http":
            continue
        port = number(listener.props.get("port"))
        for problem in _plaintext_actions(listener.props.get("defaultActions"), port):
            yield f"{label(listener)} (HTTP) {problem}.", listener.urn
    for rule in resources:
        if rule.resource_type not in LISTENER_RULES:
            continue
        owners = _owners(rule, "listenerArn", listeners)
        if not owners:
            problems = list(_plaintext_actions(rule.props.get("actions"), None))
            if problems:
                yield (f"{label(rule)} belongs to a listener outside the stack, so whether it answers HTTP cannot "
                       f"be verified, and its {problems[0]}; define the rule with its listener in this stack.",
                       rule.urn)
            continue
        for listener in owners:
            if protocols[listener.urn] != "http":
                continue
            for problem in _plaintext_actions(rule.props.get("actions"), number(listener.props.get("port"))):
                yield f"{label(rule)} on HTTP {label(listener)}: {problem}.", rule.urn
    for classic in resources:
        if classic.resource_type != CLASSIC:
            continue
        for index, item in enumerate(as_list(classic.props.get("listeners")), start=1):
            protocol = _fold(item.get("lbProtocol")) if isinstance(item, Mapping) else None
            if protocol in ("http", "tcp"):
                yield (f"{label(classic)} listener {index} is {protocol.upper()} on port "
                       f"{fmt(item.get('lbPort'))}: a Classic Load Balancer cannot redirect, so it answers in "
                       "plaintext; use HTTPS/SSL listeners only, or an Application Load Balancer.", classic.urn)


# ---- TLS policy of HTTPS and TLS listeners (Security Hub ELB.17) ------------------------------------------------

def _tls_policy(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if _fold(props.get("protocol")) not in ("https", "tls"):
        return
    policy = props.get("sslPolicy")
    if policy is None or not str(policy).strip():
        yield (f"sslPolicy is not set, so AWS uses {API_DEFAULT_TLS_POLICY}, which allows TLS 1.0; set a TLS 1.3 "
               "policy such as ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09 or ELBSecurityPolicy-TLS13-1-2-2021-06.")
    elif not MODERN_TLS_POLICY.fullmatch(str(policy).strip()):
        yield (f"sslPolicy {str(policy).strip()} is not a TLS 1.3 policy with TLS 1.2 at the least (an "
               "ELBSecurityPolicy-TLS13-1-2-* or -TLS13-1-3-* policy); older policies allow TLS 1.0/1.1 or lack "
               "TLS 1.3.")


# ---- ELB.4 ---------------------------------------------------------------------------------------------------

def _drop_invalid_headers(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if _lb_type(props) == "application" and flag(props, "dropInvalidHeaderFields") is not True:
        yield ("dropInvalidHeaderFields must be true: otherwise header fields that are not valid HTTP reach the "
               "targets.")


# ---- ELB.5 ---------------------------------------------------------------------------------------------------

def _access_logs(props: Mapping[str, Any], args: Any) -> Iterator[str]:
    classic = args.resource_type == CLASSIC
    if not classic and _lb_type(props) != "application":
        return
    logs = props.get("accessLogs")
    logs = logs if isinstance(logs, Mapping) else {}
    bucket = logs.get("bucket")
    # The provider's default for `enabled`: false on ELBv2 even with a bucket, true on a classic load balancer.
    enabled = flag(logs, "enabled")
    if enabled is None:
        enabled = classic and bool(logs)
    if not enabled or not isinstance(bucket, str) or not bucket.strip():
        yield "accessLogs must be enabled (enabled: true) with a bucket."


# ---- ELB.6 ---------------------------------------------------------------------------------------------------

def _deletion_protection(resources: list[PolicyResource], args: Any) -> Iterator[tuple[str, str | None]]:
    forced = flag(args.get_config(), "requireDeletionProtection") is True
    if not forced and not any(_production(r) for r in resources):
        return
    why = "policy config requireDeletionProtection is true" if forced else \
        "the stack is tagged Environment=production"
    for balancer in resources:
        if balancer.resource_type in LOAD_BALANCERS and flag(balancer.props, "enableDeletionProtection") is not True:
            yield f"{label(balancer)} must set enableDeletionProtection true ({why}).", balancer.urn


# ---- ELB.12 / ELB.14 -----------------------------------------------------------------------------------------

def _desync(props: Mapping[str, Any], args: Any) -> Iterator[str]:
    if args.resource_type != CLASSIC and _lb_type(props) != "application":
        return
    mode = props.get("desyncMitigationMode")
    if mode is not None and _fold(mode) not in DESYNC_MODES:
        yield (f"desyncMitigationMode {str(mode).strip()} lets ambiguous requests through; use defensive (AWS's "
               "default) or strictest.")


# ---- ELB.13 / ELB.10 -----------------------------------------------------------------------------------------

def _zones(props: Mapping[str, Any], args: Any) -> Iterator[str]:
    minimum = int(number(config_value(args, "minimumSubnets", 2)) or 2)
    subnets = [s for s in as_list(props.get("subnets")) if s is not None]
    subnets += [m.get("subnetId") for m in as_list(props.get("subnetMappings")) if isinstance(m, Mapping)]
    places = {str(s).strip() for s in subnets if s is not None and str(s).strip()}
    if args.resource_type == CLASSIC:
        places |= {str(z).strip() for z in as_list(props.get("availabilityZones")) if z is not None}
    if len(places) < minimum:
        yield (f"spans {len(places)} distinct subnet{'s' if len(places) != 1 else ''}; give it subnets in at least "
               f"{minimum} availability zones, so one zone's outage does not take it down.")


POLICIES = [
    StackRule(
        "elb-http-redirects-to-https",
        "HTTP listeners of load balancers (and their listener rules) only redirect to HTTPS, and Classic Load "
        "Balancers have no HTTP or TCP listener",
        ("Security Hub ELB.1", "Security Hub ELB.3"), MANDATORY,
        (*LOAD_BALANCERS, *LISTENERS, *LISTENER_RULES, *TARGET_GROUPS, CLASSIC), _no_plaintext),
    ResourceRule(
        "elb-tls-policy-modern",
        "HTTPS and TLS listeners use a TLS 1.3 security policy that refuses TLS 1.0 and 1.1",
        ("Security Hub ELB.17",), MANDATORY, LISTENERS, _tls_policy),
    ResourceRule(
        "elb-drop-invalid-headers",
        "Application Load Balancers drop invalid HTTP header fields",
        ("Security Hub ELB.4",), MANDATORY, LOAD_BALANCERS, _drop_invalid_headers),
    ResourceRule(
        "elb-access-logging",
        "Application and Classic Load Balancers write access logs to S3",
        ("Security Hub ELB.5",), ADVISORY, (*LOAD_BALANCERS, CLASSIC), _access_logs),
    StackRule(
        "elb-deletion-protection",
        "In production stacks, load balancers have deletion protection",
        ("Security Hub ELB.6",), MANDATORY, LOAD_BALANCERS, _deletion_protection,
        config={"requireDeletionProtection": {
            "type": "boolean", "default": False,
            "description": "Require deletion protection even without an Environment=production tag."}}),
    ResourceRule(
        "elb-desync-mitigation",
        "Application and Classic Load Balancers use defensive or strictest desync mitigation",
        ("Security Hub ELB.12", "Security Hub ELB.14"), MANDATORY, (*LOAD_BALANCERS, CLASSIC), _desync),
    ResourceRule(
        "elb-multi-az",
        "Load balancers span at least two availability zones",
        ("Security Hub ELB.13", "Security Hub ELB.10"), ADVISORY, (*LOAD_BALANCERS, CLASSIC), _zones,
        config={"minimumSubnets": {"type": "integer", "minimum": 1, "default": 2,
                                   "description": "Distinct subnets (one per zone) a load balancer must span."}}),
]
