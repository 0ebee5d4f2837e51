"""The isolated tier's only ways out: to S3 and to Lambda, for Aurora's `aws_s3` and `aws_lambda` extensions.

The isolated route table has no route beyond the VPC, so without these the extensions' calls time out (the roles of
components/aurora_sql.py grant the permission; these give the path):

- S3 (`database.s3Export` or `s3Import`): a gateway endpoint on the isolated route table (free), its policy limited
  to the export and import buckets' prefixes (what the roles may do, so the path cannot carry data to any other
  bucket even with other credentials), and HTTPS out of the database's security group to S3's prefix list.
- Lambda (`database.lambdaInvoke`): an interface endpoint in the isolated subnets (billed per zone-hour) with private
  DNS, so `lambda.<region>.amazonaws.com` resolves to it inside the VPC, its policy limited to invoking the named
  functions; its own security group admits HTTPS from the database's security group only, and the database's group
  may send HTTPS to that group only.

The isolated tier's NACL (components/network_acls.py) admits exactly these paths when they exist.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

HTTPS = 443


def s3_endpoint_policy(partition: str, export: tuple[str, str] | None, import_: tuple[str, str] | None) -> dict:
    """`export`/`import_`: (bucket, prefix). The same actions and objects as the features' roles."""
    statements: list[dict] = []
    if export is not None:
        bucket, prefix = export
        statements.append({"Sid": "AuroraExports", "Effect": "Allow", "Principal": "*",
                           "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
                           "Resource": f"arn:{partition}:s3:::{bucket}/{prefix}*"})
    if import_ is not None:
        bucket, prefix = import_
        statements += [{"Sid": "AuroraImports", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                        "Resource": f"arn:{partition}:s3:::{bucket}/{prefix}*"},
                       {"Sid": "AuroraImportsList", "Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket",
                        "Resource": f"arn:{partition}:s3:::{bucket}"}]
    return {"Version": "2012-10-17", "Statement": statements}


def lambda_endpoint_policy(partition: str, region: str, account: str, functions: tuple[str, ...]) -> dict:
    """Invoke exactly the named functions (with or without a version or alias qualifier), as the role may."""
    arns = [f"arn:{partition}:lambda:{region}:{account}:function:{f}" for f in functions]
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "AuroraInvokesNamedFunctions", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
        "Resource": arns + [f"{arn}:*" for arn in arns]}]}


class IsolatedServicePaths:
    """Built by the program when SQL may call S3 or Lambda; `s3_endpoint`/`lambda_endpoint` are None when not."""

    def __init__(self, name: str, *, vpc_id: pulumi.Input[str], region: str,
                 isolated_route_table_ids: Sequence[pulumi.Input[str]],
                 isolated_subnet_ids: Sequence[pulumi.Input[str]], database_security_group_id: pulumi.Input[str],
                 export_bucket: pulumi.Input[str] | None, export_prefix: str,
                 import_bucket: str | None, import_prefix: str, lambda_functions: tuple[str, ...],
                 tags: Mapping[str, str], parent: pulumi.Resource):
        opts = pulumi.ResourceOptions(parent=parent)
        self.s3_endpoint: aws.ec2.VpcEndpoint | None = None
        self.lambda_endpoint: aws.ec2.VpcEndpoint | None = None
        self.lambda_security_group: aws.ec2.SecurityGroup | None = None

        def tag(suffix: str) -> dict[str, str]:
            return {**tags, "Name": f"{name}-{suffix}"}

        if export_bucket is not None or import_bucket is not None:
            partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=parent)).partition
            policy = pulumi.Output.all(partition, export_bucket).apply(lambda v: json.dumps(s3_endpoint_policy(
                v[0], (v[1], export_prefix) if v[1] is not None else None,
                (import_bucket, import_prefix) if import_bucket is not None else None)))
            self.s3_endpoint = aws.ec2.VpcEndpoint(
                f"{name}-s3", vpc_id=vpc_id, service_name=f"com.amazonaws.{region}.s3", vpc_endpoint_type="Gateway",
                route_table_ids=list(isolated_route_table_ids), policy=policy, tags=tag("s3"), opts=opts)
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-database-to-s3", security_group_id=database_security_group_id, ip_protocol="tcp",
                from_port=HTTPS, to_port=HTTPS, prefix_list_id=self.s3_endpoint.prefix_list_id,
                description="HTTPS to S3 through the isolated tier's gateway endpoint (aws_s3)",
                tags=tag("database-to-s3"), opts=opts)

        if lambda_functions:
            self.lambda_security_group = aws.ec2.SecurityGroup(
                f"{name}-lambda-endpoint", vpc_id=vpc_id,
                description="Lambda interface endpoint: HTTPS from the database's security group only",
                tags=tag("lambda-endpoint"), opts=opts)
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-lambda-endpoint-from-database", security_group_id=self.lambda_security_group.id,
                ip_protocol="tcp", from_port=HTTPS, to_port=HTTPS,
                referenced_security_group_id=database_security_group_id,
                description="HTTPS from the database (aws_lambda)", tags=tag("lambda-endpoint-from-database"),
                opts=opts)
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-database-to-lambda", security_group_id=database_security_group_id, ip_protocol="tcp",
                from_port=HTTPS, to_port=HTTPS, referenced_security_group_id=self.lambda_security_group.id,
                description="HTTPS to the Lambda interface endpoint (aws_lambda)", tags=tag("database-to-lambda"),
                opts=opts)
            invoke = pulumi.InvokeOutputOptions(parent=parent)
            lambda_policy = pulumi.Output.all(aws.get_partition_output(opts=invoke).partition,
                                              aws.get_caller_identity_output(opts=invoke).account_id).apply(
                lambda v: json.dumps(lambda_endpoint_policy(v[0], region, v[1], lambda_functions)))
            self.lambda_endpoint = aws.ec2.VpcEndpoint(
                f"{name}-lambda", vpc_id=vpc_id, service_name=f"com.amazonaws.{region}.lambda",
                vpc_endpoint_type="Interface", private_dns_enabled=True, subnet_ids=list(isolated_subnet_ids),
                security_group_ids=[self.lambda_security_group.id], policy=lambda_policy, tags=tag("lambda"),
                opts=opts)
