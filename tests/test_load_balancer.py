"""The public load balancer (components/load_balancer.py) as the real program registers it, and its settings.

prod has one (an example domain in an example zone), dev has none; links are followed through property dependencies,
and every expected value is a literal from the requirement (HTTPS only, 301 to 443, /healthz, SSE-S3 logs, ...).
"""

import json

import pytest

from components.load_balancer import access_log_bucket_policy, log_delivery_principal
from components.settings import SettingsError, load_settings
from preflight.engine import ProgramError

from .conftest import REPO_ROOT

COMPONENT = "aurora-platform:app:PublicLoadBalancer"
LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
CERTIFICATE = "aws:acm/certificate:Certificate"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
RECORD = "aws:route53/record:Record"
SERVICE = "aws:ecs/service:Service"
BUCKET = "aws:s3/bucket:Bucket"
ZONE = "Z0123456789EXAMPLE0A"
DOMAIN = "blog.example.com"


def linked(run, resource, prop):
    return [run.by_urn(u) for u in resource.property_dependencies.get(prop, [])]


def mine(run, token):
    [component] = run.of_type(COMPONENT)
    return [r for r in run.descendants(component.urn) if r.type == token]


def listeners(run):
    return {r.inputs["protocol"]: r for r in mine(run, LISTENER)}


def rules_on(run, token, group):
    return [r for r in run.of_type(token) if r.property_dependencies["securityGroupId"] == [group.urn]]


def task_group(run):
    return run.by_urn(run.one(SERVICE).property_dependencies["networkConfiguration"][0])


def of_bucket(run, token, bucket):
    return [r for r in run.of_type(token) if r.property_dependencies.get("bucket") == [bucket.urn]]


# ---- dev: none -------------------------------------------------------------------------------------------------
def test_dev_has_no_public_load_balancer_and_exports_no_url(dev):
    assert dev.of_type(COMPONENT) == [] and dev.of_type(LB) == [] and dev.of_type(CERTIFICATE) == []
    assert "url" not in dev.exports and "loadBalancerDnsName" not in dev.exports
    assert "loadBalancers" not in dev.one(SERVICE).inputs


# ---- prod: the load balancer ---------------------------------------------------------------------------------
def test_prod_exports_the_https_url_and_the_load_balancer_dns_name(prod):
    balancer = prod.one(LB)
    assert prod.exports["url"] == "https://blog.example.com"
    assert prod.exports["loadBalancerDnsName"] == balancer.outputs["dnsName"]


def test_an_internet_facing_alb_in_every_public_subnet_with_its_own_group(prod):
    balancer = prod.one(LB)
    assert balancer.inputs["loadBalancerType"] == "application" and balancer.inputs["internal"] is False
    assert balancer.inputs["subnets"] == prod.exports["publicSubnetIds"] and len(balancer.inputs["subnets"]) == 3
    public = {s.urn for s in prod.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["Tier"] == "public"}
    assert set(balancer.property_dependencies["subnets"]) == public
    [group] = linked(prod, balancer, "securityGroups")
    assert group.name == "app-lb" and group.inputs["vpcId"] == prod.exports["vpcId"]


def test_the_alb_drops_invalid_headers_mitigates_desync_and_is_protected_in_prod(prod):
    inputs = prod.one(LB).inputs
    assert inputs["dropInvalidHeaderFields"] is True
    assert inputs["desyncMitigationMode"] == "defensive"
    assert inputs["enableDeletionProtection"] is True


def test_the_alb_group_lets_the_world_in_on_443_and_80_only_and_out_only_to_the_tasks(prod):
    [group] = linked(prod, prod.one(LB), "securityGroups")
    assert "ingress" not in group.inputs and "egress" not in group.inputs
    ingress = sorted((r.inputs["ipProtocol"], r.inputs["fromPort"], r.inputs["toPort"], r.inputs.get("cidrIpv4"),
                      r.inputs.get("cidrIpv6")) for r in rules_on(prod, INGRESS, group))
    assert ingress == [("tcp", 80, 80, "0.0.0.0/0", None), ("tcp", 443, 443, "0.0.0.0/0", None)]
    [egress] = rules_on(prod, EGRESS, group)
    assert (egress.inputs["ipProtocol"], egress.inputs["fromPort"], egress.inputs["toPort"]) == ("tcp", 3000, 3000)
    assert "cidrIpv4" not in egress.inputs and "cidrIpv6" not in egress.inputs
    assert linked(prod, egress, "referencedSecurityGroupId") == [task_group(prod)]


def test_the_task_group_admits_only_the_alb_group_on_the_container_port(prod):
    [group] = linked(prod, prod.one(LB), "securityGroups")
    [rule] = rules_on(prod, INGRESS, task_group(prod))
    assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == ("tcp", 3000, 3000)
    assert linked(prod, rule, "referencedSecurityGroupId") == [group]
    assert "cidrIpv4" not in rule.inputs and "cidrIpv6" not in rule.inputs


def test_https_listener_forwards_with_a_tls13_policy_and_the_validated_certificate(prod):
    https = listeners(prod)["HTTPS"]
    assert https.inputs["port"] == 443
    assert https.inputs["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
    assert linked(prod, https, "loadBalancerArn") == [prod.one(LB)]
    # the certificate ARN comes from the validation: the listener waits until ACM has issued it
    assert linked(prod, https, "certificateArn") == [prod.one(VALIDATION)]
    [action] = https.inputs["defaultActions"]
    assert action["type"] == "forward" and action["targetGroupArn"] == prod.one(TARGET_GROUP).outputs["arn"]


def test_http_listener_only_redirects_to_https_with_301(prod):
    http = listeners(prod)["HTTP"]
    assert http.inputs["port"] == 80
    assert http.inputs["defaultActions"] == [
        {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}]
    assert set(listeners(prod)) == {"HTTP", "HTTPS"}


def test_the_certificate_is_for_the_domain_and_validated_by_dns_in_the_named_zone(prod):
    certificate = prod.one(CERTIFICATE)
    assert certificate.inputs["domainName"] == DOMAIN and certificate.inputs["validationMethod"] == "DNS"
    assert "subjectAlternativeNames" not in certificate.inputs
    validation = prod.one(VALIDATION)
    assert linked(prod, validation, "certificateArn") == [certificate]
    [record] = linked(prod, validation, "validationRecordFqdns")
    option = certificate.outputs["domainValidationOptions"][0]
    assert record.inputs["zoneId"] == ZONE and record.inputs["type"] == option["resourceRecordType"] == "CNAME"
    assert record.inputs["name"] == option["resourceRecordName"]
    assert record.inputs["records"] == [option["resourceRecordValue"]]


def test_the_domain_is_an_alias_of_the_load_balancer(prod):
    balancer = prod.one(LB)
    [alias] = [r for r in mine(prod, RECORD) if "aliases" in r.inputs]
    assert (alias.inputs["zoneId"], alias.inputs["name"], alias.inputs["type"]) == (ZONE, DOMAIN, "A")
    assert alias.inputs["aliases"] == [{"name": balancer.outputs["dnsName"], "zoneId": balancer.outputs["zoneId"],
                                        "evaluateTargetHealth": True}]


def test_the_target_group_is_the_container_port_with_healthz_checks(prod):
    group = prod.one(TARGET_GROUP)
    assert (group.inputs["targetType"], group.inputs["protocol"], group.inputs["port"]) == ("ip", "HTTP", 3000)
    assert group.inputs["vpcId"] == prod.exports["vpcId"]
    check = group.inputs["healthCheck"]
    assert (check["path"], check["matcher"], check["protocol"], check["port"]) == \
        ("/healthz", "200", "HTTP", "traffic-port")


def test_the_service_registers_in_the_target_group_once_the_https_listener_exists(prod):
    service = prod.one(SERVICE)
    assert service.inputs["loadBalancers"] == [{"targetGroupArn": prod.one(TARGET_GROUP).outputs["arn"],
                                                "containerName": "app", "containerPort": 3000}]
    # ECS refuses a target group that is on no load balancer yet: the service depends on the HTTPS listener
    assert listeners(prod)["HTTPS"].urn in service.property_dependencies["loadBalancers"]
    assert service.inputs["healthCheckGracePeriodSeconds"] == 60
    assert service.inputs["networkConfiguration"]["assignPublicIp"] is False


# ---- access logs -----------------------------------------------------------------------------------------------
def test_access_logs_go_to_a_private_sse_s3_bucket_of_the_stack(prod):
    balancer = prod.one(LB)
    logs = balancer.inputs["accessLogs"]
    [bucket] = linked(prod, balancer, "accessLogs")
    assert bucket.type == BUCKET and logs == {"bucket": bucket.id, "prefix": "alb", "enabled": True}
    assert bucket.id == bucket.outputs["bucket"]
    assert bucket.inputs["bucketPrefix"] == "aurora-platform-prod-alb-logs-"
    assert bucket.protect is True  # prod: the access record survives a careless destroy
    [block] = of_bucket(prod, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket)
    assert all(block.inputs[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                                 "restrictPublicBuckets"))
    [ownership] = of_bucket(prod, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", bucket)
    assert ownership.inputs["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    [sse] = of_bucket(prod, "aws:s3/bucketServerSideEncryptionConfiguration:"
                            "BucketServerSideEncryptionConfiguration", bucket)
    # ALB log delivery supports SSE-S3 only (a KMS-encrypted bucket receives no logs)
    assert sse.inputs["rules"] == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]
    [lifecycle] = of_bucket(prod, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", bucket)
    assert lifecycle.inputs["rules"][0]["expiration"] == {"days": 90}
    assert lifecycle.inputs["rules"][0]["status"] == "Enabled"


def test_the_bucket_policy_is_tls_only_and_lets_only_the_regions_elb_account_write_the_logs(prod):
    [bucket] = linked(prod, prod.one(LB), "accessLogs")
    [policy] = of_bucket(prod, "aws:s3/bucketPolicy:BucketPolicy", bucket)
    arn = bucket.outputs["arn"]
    assert json.loads(policy.inputs["policy"])["Statement"] == [
        {"Sid": "DenyWithoutTls", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "ElbAccessLogDelivery", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::127311923021:root"},
         "Action": "s3:PutObject", "Resource": f"{arn}/alb/AWSLogs/123456789012/*"}]
    # the load balancer is created after the policy: ELB checks it may write when logging is turned on
    assert policy.urn in prod.one(LB).dependencies


@pytest.mark.parametrize("region, principal", [
    ("eu-west-1", {"AWS": "arn:aws:iam::156460612806:root"}),
    ("ap-southeast-3", {"AWS": "arn:aws:iam::589379963580:root"}),
    # Regions opened after August 2022 name the log delivery service instead of an account
    ("eu-south-2", {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}),
    ("ca-west-1", {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}),
])
def test_the_log_delivery_principal_per_region(region, principal):
    assert log_delivery_principal(region) == principal
    statement = access_log_bucket_policy("arn:aws:s3:::b", region, "111122223333")["Statement"][1]
    assert statement["Principal"] == principal and statement["Resource"] == "arn:aws:s3:::b/alb/AWSLogs/111122223333/*"


def test_the_real_stacks_pass_the_gate_with_the_load_balancer(any_stack):
    from preflight.policy_eval import Analyzer, load_policy_config

    config = load_policy_config(REPO_ROOT / "policies" / "config" / f"{any_stack.stack}.json")
    violations = Analyzer(config).evaluate(any_stack.resources).violations
    assert [v for v in violations if v.policy.startswith("elb-")] == []


# ---- a dev variant with a load balancer ------------------------------------------------------------------------
def app_with(dev_config: dict, **load_balancer) -> dict:
    return {"aurora-platform:app": {**dev_config["aurora-platform:app"], "loadBalancer": load_balancer}}


@pytest.fixture
def dev_app(dev):
    return dev.config


def test_dev_with_a_domain_gets_one_without_deletion_protection(evaluate, dev_app):
    run = evaluate("dev", app_with(dev_app, domain="blog.dev.example.com", hostedZoneId="Z2FDTNDATAQYW2",
                                   healthCheckPath="/api/health", accessLogExpirationDays=14,
                                   desyncMitigationMode="strictest", sslPolicy="ELBSecurityPolicy-TLS13-1-3-2021-06"))
    balancer = run.one(LB)
    assert balancer.inputs["enableDeletionProtection"] is False and balancer.inputs["desyncMitigationMode"] == \
        "strictest"
    assert run.exports["url"] == "https://blog.dev.example.com"
    assert run.one(TARGET_GROUP).inputs["healthCheck"]["path"] == "/api/health"
    assert listeners(run)["HTTPS"].inputs["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-3-2021-06"
    [bucket] = linked(run, balancer, "accessLogs")
    assert bucket.protect is False
    [lifecycle] = of_bucket(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", bucket)
    assert lifecycle.inputs["rules"][0]["expiration"] == {"days": 14}


def test_enabled_false_keeps_the_settings_and_builds_nothing(evaluate, dev_app):
    run = evaluate("dev", app_with(dev_app, enabled=False, domain="blog.dev.example.com"))
    assert run.of_type(LB) == [] and "url" not in run.exports


def test_a_section_without_a_domain_is_refused_by_the_program(evaluate, dev_app):
    with pytest.raises(ProgramError) as error:
        evaluate("dev", app_with(dev_app, healthCheckPath="/healthz"))
    assert "aurora-platform:app.loadBalancer.domain: is required when aurora-platform:app.loadBalancer.enabled" \
        in str(error.value)


# ---- settings --------------------------------------------------------------------------------------------------
KEY = "aurora-platform:app.loadBalancer"


def problems(load_balancer, environment="development"):
    values = {"environment": environment, "network": {}, "database": {},
              "app": {"image": "ghcr.io/aurora-platform/blog:1.0.0", "loadBalancer": load_balancer}}
    with pytest.raises(SettingsError) as error:
        load_settings(values, "test", "us-east-1")
    return error.value.problems


def parsed(load_balancer, environment="development"):
    values = {"environment": environment, "network": {}, "database": {},
              "app": {"image": "ghcr.io/aurora-platform/blog:1.4.2", "loadBalancer": load_balancer}}
    return load_settings(values, "test", "us-east-1").app.load_balancer


def test_no_section_means_no_load_balancer():
    values = {"network": {}, "database": {}, "app": {"image": "ghcr.io/aurora-platform/blog:1.0.0"}}
    assert load_settings(values, "test", "us-east-1").app.load_balancer.enabled is False


def test_defaults_once_the_section_is_written():
    settings = parsed({"domain": DOMAIN, "hostedZoneId": ZONE})
    assert (settings.enabled, settings.domain, settings.hosted_zone_id, settings.url) == \
        (True, DOMAIN, ZONE, "https://blog.example.com")
    assert (settings.health_check_path, settings.ssl_policy, settings.desync_mitigation_mode) == \
        ("/healthz", "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", "defensive")
    assert settings.deletion_protection is False and settings.access_log_expiration_days == 90
    assert parsed({"domain": DOMAIN, "hostedZoneId": ZONE}, "production").deletion_protection is True
    # `pulumi config set --path` writes strings
    assert parsed({"enabled": "false"}).enabled is False


def test_enabled_without_domain_and_zone_names_both():
    assert problems({"enabled": True}) == [
        f"{KEY}.domain: is required when {KEY}.enabled is true (the default once the section is written): the blog "
        "is served over HTTPS only, with an ACM certificate validated through DNS; allowed: a fully qualified domain "
        "name for the blog in lower case, without a trailing dot or a wildcard, e.g. \"blog.example.com\" (253 "
        f"characters at most); or set {KEY}.enabled: false (no public load balancer)",
        f"{KEY}.hostedZoneId: is required when {KEY}.enabled is true (the default once the section is written): the "
        "blog is served over HTTPS only, with an ACM certificate validated through DNS; allowed: the id of the "
        "public Route 53 hosted zone that holds the domain, e.g. \"Z0123456789ABCDEFGHIJ\" (`aws route53 "
        f"list-hosted-zones-by-name`; without the /hostedzone/ prefix); or set {KEY}.enabled: false (no public load "
        "balancer)"]


DOMAIN_ALLOWED = ("allowed: a fully qualified domain name for the blog in lower case, without a trailing dot or a "
                  "wildcard, e.g. \"blog.example.com\" (253 characters at most)")


@pytest.mark.parametrize("domain, hint", [
    ("https://blog.example.com", "; this is a URL: give the host name alone (the stack exports the URL, "
                                 "https://<domain>)"),
    ("blog.example.com.", "; drop the trailing dot"),
    ("*.example.com", "; the certificate and the alias record are for one name, not a wildcard"),
    ("Blog.Example.COM", "; write it in lower case: blog.example.com (ACM stores names in lower case)"),
    ("203.0.113.10", ""),
    ("localhost", ""),
    ("-blog.example.com", ""),
    ("blog_1.example.com", ""),
    ("a" * 64 + ".example.com", ""),
    (("a" * 63 + ".") * 4 + "com", ""),
])
def test_a_domain_acm_cannot_issue_for_is_refused(domain, hint):
    assert problems({"domain": domain, "hostedZoneId": ZONE}) == [
        f"{KEY}.domain: got {json.dumps(domain)}; {DOMAIN_ALLOWED}{hint}"]


@pytest.mark.parametrize("zone", ["/hostedzone/Z0123456789EXAMPLE0A", "z0123456789example0a", "Z", "Z-1",
                                  "Z" + "A" * 32])
def test_a_hosted_zone_id_in_another_spelling_is_refused(zone):
    assert problems({"domain": DOMAIN, "hostedZoneId": zone}) == [
        f"{KEY}.hostedZoneId: got {json.dumps(zone)}; allowed: the id of the public Route 53 hosted zone that holds "
        "the domain, e.g. \"Z0123456789ABCDEFGHIJ\" (`aws route53 list-hosted-zones-by-name`; without the "
        "/hostedzone/ prefix)"]


def test_every_problem_at_once_with_did_you_mean():
    found = problems({"domain": DOMAIN, "hostedZoneId": ZONE, "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-6",
                      "desyncMitigationMode": "monitor", "healthCheckPath": "healthz",
                      "accessLogExpirationDays": 0, "deletionProtection": False, "healthcheckPath": "/x"},
                     "production")
    assert found == [
        f"{KEY}.healthCheckPath: got \"healthz\"; allowed: an absolute URL path the container answers with 200 when "
        "healthy, e.g. \"/healthz\" (no query string, 1024 characters at most)",
        f"{KEY}.sslPolicy: got \"ELBSecurityPolicy-TLS13-1-2-2021-6\"; allowed: "
        "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09, ELBSecurityPolicy-TLS13-1-2-PQ-2025-09, "
        "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09, ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09, "
        "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09, ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09, "
        "ELBSecurityPolicy-TLS13-1-2-2021-06, ELBSecurityPolicy-TLS13-1-2-Res-2021-06, "
        "ELBSecurityPolicy-TLS13-1-3-2021-06. Did you mean \"ELBSecurityPolicy-TLS13-1-2-2021-06\" or "
        "\"ELBSecurityPolicy-TLS13-1-3-2021-06\" or \"ELBSecurityPolicy-TLS13-1-2-Res-2021-06\"?",
        f"{KEY}.desyncMitigationMode: got \"monitor\"; allowed: defensive, strictest",
        f"{KEY}.accessLogExpirationDays: got 0; allowed: a whole number from 1 to 3650",
        f"{KEY}.deletionProtection: got false; allowed: true in production (the default there): deleting the load "
        "balancer takes the blog off the internet",
        f"{KEY}.healthcheckPath: unknown setting; known settings here: accessLogExpirationDays, deletionProtection, "
        "desyncMitigationMode, domain, enabled, healthCheckPath, hostedZoneId, sslPolicy. Did you mean "
        "\"healthCheckPath\"?"]


@pytest.mark.parametrize("policy", ["ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-TLS13-1-0-2021-06",
                                    "ELBSecurityPolicy-FS-1-2-Res-2020-10"])
def test_old_tls_policies_are_refused(policy):
    [problem] = problems({"domain": DOMAIN, "hostedZoneId": ZONE, "sslPolicy": policy})
    assert problem.startswith(f"{KEY}.sslPolicy: got {json.dumps(policy)}; allowed: "
                              "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09, ")


@pytest.mark.parametrize("section", [{}, {"healthCheckPath": "/healthz"}])
def test_an_empty_or_partial_section_still_asks_for_the_domain(section):
    assert [p.split(": ", 1)[0] for p in problems(section)] == [f"{KEY}.domain", f"{KEY}.hostedZoneId"]


def test_a_null_section_is_no_load_balancer():
    assert parsed(None).enabled is False


def test_a_section_written_as_json_text_is_a_load_balancer_wanted():
    # `pulumi config set aurora-platform:app '{"loadBalancer": "{...}"}'` leaves the section as JSON text: it is read
    # as the mapping it spells, and a written section turns the load balancer on.
    settings = parsed(json.dumps({"domain": DOMAIN, "hostedZoneId": ZONE}))
    assert (settings.enabled, settings.domain, settings.hosted_zone_id) == (True, DOMAIN, ZONE)


def test_the_section_must_be_an_object():
    assert problems("blog.example.com") == [
        f"{KEY}: got \"blog.example.com\"; allowed: an object (a YAML mapping of settings)"]


def test_a_secret_app_section_never_quotes_the_domain_nor_its_lower_case_hint():
    values = {"network": {}, "database": {}, "app": {"image": "ghcr.io/aurora-platform/blog:1.0.0", "loadBalancer": {
        "domain": "Private.Example.COM", "hostedZoneId": ZONE}}}
    with pytest.raises(SettingsError) as error:
        load_settings(values, "test", "us-east-1", secret_keys=["aurora-platform:app"])
    text = str(error.value)
    assert f"{KEY}.domain: got [secret]; {DOMAIN_ALLOWED}\n" in text + "\n"
    assert "private" not in text.lower()


def test_the_component_itself_refuses_a_load_balancer_without_a_domain():
    import pulumi

    from components.load_balancer import PublicLoadBalancer, PublicLoadBalancerArgs
    from components.settings.app_load_balancer import LoadBalancerSettings

    args = PublicLoadBalancerArgs(settings=LoadBalancerSettings(enabled=True), region="us-east-1", vpc_id="vpc-1",
                                  subnet_ids=["subnet-a", "subnet-b"], container_port=3000, name_prefix="p-s",
                                  tags={})
    with pytest.raises(pulumi.RunError, match=r"^aurora-platform:app\.loadBalancer: a public load balancer needs "
                                              r"enabled, domain and hostedZoneId \(HTTPS only; there is no "
                                              r"plaintext mode\)$"):
        PublicLoadBalancer("lb", args)


# ACM's RequestCertificate takes a DomainName of 1 to 253 characters
# (https://docs.aws.amazon.com/acm/latest/APIReference/API_RequestCertificate.html); labels of 63 at most.
def domain_of(length: int) -> str:
    return "a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * (length - 196) + ".com"


def test_a_domain_of_exactly_253_characters_is_taken():
    domain = domain_of(253)
    assert len(domain) == 253
    assert parsed({"domain": domain, "hostedZoneId": ZONE}).domain == domain


def test_a_domain_of_254_characters_is_refused_though_every_label_fits():
    domain = domain_of(254)
    assert len(domain) == 254
    assert problems({"domain": domain, "hostedZoneId": ZONE}) == [
        f"{KEY}.domain: got {json.dumps(domain)}; {DOMAIN_ALLOWED}"]


@pytest.mark.parametrize("domain, hint", [
    ("http://blog.example.com", "; this is a URL: give the host name alone (the stack exports the URL, "
                                "https://<domain>)"),
    ("BLOG.EXAMPLE.COM", "; write it in lower case: blog.example.com (ACM stores names in lower case)"),
    # Lower case alone would not make it a domain ACM issues for: no advice to write it so.
    ("Blog_1.Example.com", ""),
    (["blog.example.com"], ""),
])
def test_other_near_misses_of_a_domain_get_the_hint_that_fits(domain, hint):
    assert problems({"domain": domain, "hostedZoneId": ZONE}) == [
        f"{KEY}.domain: got {json.dumps(domain)}; {DOMAIN_ALLOWED}{hint}"]
