"""The blog's public entry: an internet-facing Application Load Balancer that speaks HTTPS only.

- In the network's public subnets (every zone), with its own security group: 443 and 80 in from the world (80 only to
  be redirected), out only to the application tasks' security group on the container port (`allow_to_targets`).
- HTTPS listener (port 443) with an ACM certificate for the stack's domain, validated by DNS in the Route 53 hosted
  zone the settings name, and a TLS 1.3 policy (settings: `sslPolicy`); it forwards to the target group (target type
  `ip`, the container port, health checks on `healthCheckPath`). The HTTP listener (port 80) only redirects to HTTPS
  (301): nothing is ever served in plaintext. An alias record points the domain at the load balancer.
- Invalid header fields dropped, desync mitigation `defensive` or `strictest`, deletion protection in production.
- Access logs to a bucket of the stack: private (public access blocked, ACLs disabled), TLS-only policy, SSE-S3 (the
  only encryption ALB log delivery supports: "Enable access logs for your Application Load Balancer", Step 1,
  https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html), expiring after
  `accessLogExpirationDays`; only the ELB log delivery principal of the region may write, and only under
  `alb/AWSLogs/<account>/`.

`attachment` is what `AppService` takes (components/app.py's `LoadBalancerAttachment`): the target group and this
security group, which alone may reach the container port.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from .app import LoadBalancerAttachment
from .aurora_sql import tls_only_bucket_policy
from .private_bucket import lock_down
from .settings.app_load_balancer import LoadBalancerSettings

HTTP, HTTPS = 80, 443
WORLD_IPV4 = "0.0.0.0/0"
LOG_PREFIX = "alb"
BUCKET_PREFIX_MAX = 37  # S3's limit for bucket_prefix (63 minus the provider's unique suffix)
# The accounts Elastic Load Balancing writes access logs from, in the Regions available before August 2022 (the same
# page, Step 2, "Regions available before August 2022"); every later Region uses the log delivery service principal
# instead. A bucket policy naming the wrong one silently receives no logs.
ELB_LOG_ACCOUNTS = {
    "us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980",
    "us-west-2": "797873946194", "af-south-1": "098369216593", "ap-east-1": "754344448648",
    "ap-southeast-3": "589379963580", "ap-south-1": "718504428378", "ap-northeast-3": "383597477331",
    "ap-northeast-2": "600734575887", "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864", "ca-central-1": "985666609251", "eu-central-1": "054676820928",
    "eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-south-1": "635631232127",
    "eu-west-3": "009996457667", "eu-north-1": "897822967062", "me-south-1": "076674570225",
    "sa-east-1": "507241528517", "us-gov-west-1": "048591011584", "us-gov-east-1": "190560391635",
    "cn-north-1": "638102146993", "cn-northwest-1": "037604701340",
}
ELB_LOG_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"


def log_delivery_principal(region: str, partition: str = "aws") -> dict:
    """Who writes the region's ALB access logs: the ELB account of an older Region, else the service principal."""
    account = ELB_LOG_ACCOUNTS.get(region)
    if account:
        return {"AWS": f"arn:{partition}:iam::{account}:root"}
    return {"Service": ELB_LOG_SERVICE}


def access_log_bucket_policy(bucket_arn: str, region: str, account_id: str, partition: str = "aws") -> dict:
    """TLS only for everyone, and PutObject for the log delivery principal under this account's log prefix only."""
    policy = tls_only_bucket_policy(bucket_arn)
    policy["Statement"].append({
        "Sid": "ElbAccessLogDelivery", "Effect": "Allow", "Principal": log_delivery_principal(region, partition),
        "Action": "s3:PutObject", "Resource": f"{bucket_arn}/{LOG_PREFIX}/AWSLogs/{account_id}/*"})
    return policy


@dataclass
class PublicLoadBalancerArgs:
    settings: LoadBalancerSettings
    region: str
    vpc_id: pulumi.Input[str]
    # The network's public subnets, one per zone (ELB.13 wants two zones at least; the network has two or more).
    subnet_ids: Sequence[pulumi.Input[str]]
    container_port: int
    # The bucket's name starts with this (lower-cased, cut to S3's prefix limit): "<project>-<stack>".
    name_prefix: str
    tags: Mapping[str, str]
    # Production: the logs bucket is protected too (it holds the access record).
    production: bool = False


class PublicLoadBalancer(pulumi.ComponentResource):
    load_balancer: aws.lb.LoadBalancer
    target_group: aws.lb.TargetGroup
    security_group: aws.ec2.SecurityGroup
    https_listener: aws.lb.Listener
    http_listener: aws.lb.Listener
    certificate: aws.acm.Certificate
    log_bucket: aws.s3.Bucket

    def __init__(self, name: str, args: PublicLoadBalancerArgs, opts: pulumi.ResourceOptions | None = None):
        settings = args.settings
        # Checked before anything is registered.
        if not (settings.enabled and settings.domain and settings.hosted_zone_id):
            # The settings refuse this; a direct caller gets the same rule: no domain, no public load balancer.
            raise pulumi.RunError("aurora-platform:app.loadBalancer: a public load balancer needs enabled, domain "
                                  "and hostedZoneId (HTTPS only; there is no plaintext mode)")
        if len(list(args.subnet_ids)) < 2:
            raise pulumi.RunError("aurora-platform:network.availabilityZones: an Application Load Balancer needs "
                                  "public subnets in two availability zones at least")
        super().__init__("aurora-platform:app:PublicLoadBalancer", name, None, opts)
        self._name = name
        self._tags = dict(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        partition = aws.get_partition_output(opts=invoke).partition

        self.log_bucket, bucket_ready = self._log_bucket(args, account, partition)
        self.security_group = aws.ec2.SecurityGroup(
            name, vpc_id=args.vpc_id,
            description=f"{name}: HTTPS (and HTTP, redirected) from the internet; out to the app tasks only",
            tags=self._tag(name), opts=child)
        for label, port, text in (("https", HTTPS, "HTTPS from the internet"),
                                  ("http", HTTP, "HTTP from the internet, answered with a redirect to HTTPS")):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-{label}", security_group_id=self.security_group.id, ip_protocol="tcp", from_port=port,
                to_port=port, cidr_ipv4=WORLD_IPV4, description=text, tags=self._tag(f"{name}-{label}"),
                opts=child)

        self.certificate, validated_arn = self._certificate(settings)
        self.load_balancer = aws.lb.LoadBalancer(
            name, load_balancer_type="application", internal=False, ip_address_type="ipv4",
            subnets=list(args.subnet_ids), security_groups=[self.security_group.id],
            drop_invalid_header_fields=True, desync_mitigation_mode=settings.desync_mitigation_mode,
            enable_deletion_protection=settings.deletion_protection,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(bucket=self.log_bucket.id, prefix=LOG_PREFIX,
                                                          enabled=True),
            tags=self._tag(name),
            # ELB checks it may write to the bucket when access logs are turned on: the policy must exist first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=bucket_ready))
        self.target_group = aws.lb.TargetGroup(
            name, target_type="ip", protocol="HTTP", port=args.container_port, vpc_id=args.vpc_id,
            deregistration_delay=30,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True, protocol="HTTP", path=settings.health_check_path, port="traffic-port",
                matcher="200", interval=15, timeout=5, healthy_threshold=2, unhealthy_threshold=3),
            tags=self._tag(name), opts=child)
        self.https_listener = aws.lb.Listener(
            f"{name}-https", load_balancer_arn=self.load_balancer.arn, port=HTTPS, protocol="HTTPS",
            ssl_policy=settings.ssl_policy, certificate_arn=validated_arn,
            default_actions=[aws.lb.ListenerDefaultActionArgs(type="forward",
                                                              target_group_arn=self.target_group.arn)],
            tags=self._tag(f"{name}-https"), opts=child)
        self.http_listener = aws.lb.Listener(
            f"{name}-http", load_balancer_arn=self.load_balancer.arn, port=HTTP, protocol="HTTP",
            default_actions=[aws.lb.ListenerDefaultActionArgs(
                type="redirect", redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                    protocol="HTTPS", port=str(HTTPS), status_code="HTTP_301"))],
            tags=self._tag(f"{name}-http"), opts=child)
        aws.route53.Record(
            f"{name}-alias", zone_id=settings.hosted_zone_id, name=settings.domain, type="A",
            aliases=[aws.route53.RecordAliasArgs(name=self.load_balancer.dns_name,
                                                 zone_id=self.load_balancer.zone_id, evaluate_target_health=True)],
            opts=child)

        self.url = settings.url
        self.dns_name = self.load_balancer.dns_name
        self.security_group_id = self.security_group.id
        # ECS refuses a service whose target group is on no load balancer yet: the ARN handed out carries the HTTPS
        # listener as a dependency, so the service waits for it without components/app.py knowing listeners.
        target_group_arn = pulumi.Output.all(self.target_group.arn, self.https_listener.arn).apply(lambda v: v[0])
        self.attachment = LoadBalancerAttachment(target_group_arn=target_group_arn,
                                                 security_group_id=self.security_group.id)
        self._port = args.container_port
        self.register_outputs({"url": self.url, "dnsName": self.dns_name,
                               "securityGroupId": self.security_group_id,
                               "targetGroupArn": self.target_group.arn})

    def allow_to_targets(self, target_security_group_id: pulumi.Input[str]) -> aws.vpc.SecurityGroupEgressRule:
        """The load balancer's only way out: the tasks' security group on the container port (traffic and health
        checks). Called once the application exists, since its group is created with it."""
        return aws.vpc.SecurityGroupEgressRule(
            f"{self._name}-to-targets", security_group_id=self.security_group.id, ip_protocol="tcp",
            from_port=self._port, to_port=self._port, referenced_security_group_id=target_security_group_id,
            description="The application tasks on the container port", tags=self._tag(f"{self._name}-to-targets"),
            opts=pulumi.ResourceOptions(parent=self))

    def _tag(self, name: str) -> dict[str, str]:
        return {**self._tags, "Name": name}

    def _certificate(self, settings: LoadBalancerSettings) -> tuple[aws.acm.Certificate, pulumi.Output[str]]:
        """The domain's certificate, DNS-validated in the named zone; the ARN returned is known only once ACM has
        issued it, so the HTTPS listener never starts with a pending certificate."""
        name, child = self._name, pulumi.ResourceOptions(parent=self)
        certificate = aws.acm.Certificate(
            name, domain_name=settings.domain, validation_method="DNS",
            tags=self._tag(name), opts=child)
        option = certificate.domain_validation_options[0]
        record = aws.route53.Record(
            f"{name}-certificate-validation", zone_id=settings.hosted_zone_id,
            name=option.resource_record_name, type=option.resource_record_type,
            records=[option.resource_record_value], ttl=300,
            # A re-created certificate for the same name asks for the same record.
            allow_overwrite=True, opts=child)
        validation = aws.acm.CertificateValidation(
            name, certificate_arn=certificate.arn, validation_record_fqdns=[record.fqdn], opts=child)
        return certificate, validation.certificate_arn

    def _log_bucket(self, args: PublicLoadBalancerArgs, account: pulumi.Output[str],
                    partition: pulumi.Output[str]) -> tuple[aws.s3.Bucket, list[pulumi.Resource]]:
        name = f"{self._name}-logs"
        child = pulumi.ResourceOptions(parent=self)
        prefix = f"{args.name_prefix.lower()}-alb-logs-"[:BUCKET_PREFIX_MAX]
        bucket = aws.s3.Bucket(name, bucket_prefix=prefix, tags=self._tag(name),
                               opts=pulumi.ResourceOptions(parent=self, protect=args.production))
        ready = lock_down(name, bucket, encryption=aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
            # ALB access log delivery writes only to SSE-S3 buckets (docs/app-service.md).
            apply_server_side_encryption_by_default=aws.s3
            .BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                sse_algorithm="AES256")),
            policy=pulumi.Output.all(bucket.arn, account, partition).apply(
                lambda v: json.dumps(access_log_bucket_policy(v[0], args.region, v[1], v[2]))),
            expiration=("expire-access-logs", args.settings.access_log_expiration_days), opts=child)
        return bucket, ready
