"""AppService without the Aurora component: a stand-in database (one security group, its own grants) and the load
balancer seam in use. Proves the component depends only on `DatabaseConnection`, and what attaching a target group
changes (tests/test_app.py)."""

import json

import pulumi
import pulumi_aws as aws

from components.app import AppService, AppServiceArgs, DatabaseConnection, LoadBalancerAttachment
from components.settings.app import AppSettings

TAGS = {"Project": "app-load-balancer", "Stack": "test", "Environment": "development", "ManagedBy": "pulumi"}

vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16", tags=TAGS)
database_group = aws.ec2.SecurityGroup("database", vpc_id=vpc.id, description="stand-in database", tags=TAGS)
balancer_group = aws.ec2.SecurityGroup("balancer", vpc_id=vpc.id, description="stand-in load balancer", tags=TAGS)
key = aws.kms.Key("key", enable_key_rotation=True, tags=TAGS)
# A stand-in value, still passed as a secret so no recorded input holds a password in plain text.
password = aws.ssm.Parameter("password", name="/stand-in/password", type="SecureString",
                             value=pulumi.Output.secret("not-a-real-one"), key_id=key.arn, tags=TAGS)


def allow(name, source, description):
    return aws.vpc.SecurityGroupIngressRule(
        f"database-from-{name}", security_group_id=database_group.id, referenced_security_group_id=source,
        ip_protocol="tcp", from_port=3306, to_port=3306, description=description, tags=TAGS)


def grant_password_read(name, role):
    return aws.iam.RolePolicy(f"{name}-password", role=role.id, policy=pulumi.Output.all(password.arn, key.arn).apply(
        lambda v: json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": v[0]},
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": v[1]}]})))


def grant_connect(name, role, user):
    raise AssertionError("not asked for")


service = AppService("web", AppServiceArgs(
    settings=AppSettings(image="ghcr.io/aurora-platform/blog:1.0.0", container_name="blog", container_port=8080,
                         desired_count=2, secrets={"SESSION_KEY": "/blog/session"}),
    family="app-load-balancer-web", vpc_id=vpc.id, subnet_ids=["subnet-a", "subnet-b"], log_key_arn=key.arn,
    database=DatabaseConnection(
        engine="aurora-mysql", port=3306, database_name="blog", master_username="admin",
        writer_host="writer.example", reader_host="reader.example", password_value_from=password.arn,
        kms_key_arn=key.arn, allow_application_from=allow, grant_password_read=grant_password_read,
        grant_connect=grant_connect),
    tags=TAGS,
    load_balancer=LoadBalancerAttachment(
        target_group_arn="arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/blog/0123456789abcdef",
        security_group_id=balancer_group.id, health_check_grace_period_seconds=90),
))
pulumi.export("serviceName", service.service_name)
