"""A customer-managed KMS key with rotation on, an alias, and a key policy that names the services allowed to use it.

The account root keeps administration (the AWS default, so IAM policies can grant use of the key); each AWS service
that encrypts on our behalf (CloudWatch Logs, SNS publishers, RDS events...) is named explicitly, and CloudWatch Logs
is bound to exactly the stack's log groups through the encryption context (`kms:EncryptionContext:aws:logs:arn`), as
the CloudWatch Logs documentation prescribes ("Encrypt log data in CloudWatch Logs using AWS KMS").
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

# Service principals that only need to produce and read data keys (publishing to an encrypted SNS topic, etc.).
DATA_KEY_ACTIONS = ["kms:GenerateDataKey*", "kms:Decrypt"]
LOGS_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
# CloudWatch Logs group names: 1-512 of letters, digits, '_', '-', '/', '.', '#'. No '*' or '?', so a name in the
# key policy can never widen into a pattern.
LOG_GROUP_NAME = re.compile(r"[A-Za-z0-9_\-/.#]{1,512}")


@dataclass
class EncryptionKeyArgs:
    description: str
    alias: str
    tags: Mapping[str, str]
    # The log groups CloudWatch Logs (this account and region) may encrypt with the key, by exact name; none: Logs may
    # not use the key at all. A log group must be named here before it is created with the key.
    log_group_names: Sequence[str] = field(default_factory=list)
    # Service principals (e.g. "events.rds.amazonaws.com") allowed DATA_KEY_ACTIONS, for encrypted SNS topics.
    allow_services: Sequence[str] = field(default_factory=list)
    deletion_window_days: int = 30
    protect: bool = False


def stack_log_group_name(purpose: str) -> str:
    """`/<project>/<stack>/<purpose>`: a log group name known before the group exists, so the key policy that must
    allow it (CloudWatch Logs checks the key when the group is created) can name it exactly."""
    return f"/{pulumi.get_project()}/{pulumi.get_stack()}/{purpose}"


class EncryptionKey(pulumi.ComponentResource):
    key: aws.kms.Key
    arn: pulumi.Output[str]
    key_id: pulumi.Output[str]

    def __init__(self, name: str, args: EncryptionKeyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("aurora-platform:security:EncryptionKey", name, None, opts)
        check_log_group_names(args.log_group_names)
        identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self))
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))

        policy = pulumi.Output.all(identity.account_id, region.region, partition.partition).apply(
            lambda values: key_policy(*values, args))
        self.key = aws.kms.Key(
            name,
            description=args.description,
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_days,
            policy=policy,
            tags={**args.tags, "Name": args.alias},
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.alias = aws.kms.Alias(
            name, name=f"alias/{args.alias}", target_key_id=self.key.key_id,
            opts=pulumi.ResourceOptions(parent=self))
        self.arn = self.key.arn
        self.key_id = self.key.key_id
        self.register_outputs({"arn": self.arn, "keyId": self.key_id, "alias": self.alias.name})


def check_log_group_names(names: Sequence[str]) -> None:
    """One clear error for a name that is not a CloudWatch Logs group name (a pattern such as `*` included)."""
    if isinstance(names, str):
        raise ValueError(f"EncryptionKeyArgs.log_group_names: got the single string {names!r}; allowed: a list of "
                         f"log group names")
    for name in names:
        if not isinstance(name, str) or not LOG_GROUP_NAME.fullmatch(name):
            raise ValueError(f"EncryptionKeyArgs.log_group_names: got {name!r}; allowed: an exact log group name, "
                             f"1-512 of letters, digits and _ - / . # (no wildcards)")


def key_policy(account_id: str, region: str, partition: str, args: EncryptionKeyArgs) -> str:
    check_log_group_names(args.log_group_names)
    root = f"arn:{partition}:iam::{account_id}:root"
    statements: list[dict] = [{
        "Sid": "AccountAdministration",
        "Effect": "Allow",
        "Principal": {"AWS": root},
        "Action": "kms:*",
        "Resource": "*",
    }]
    if args.log_group_names:
        arns = [f"arn:{partition}:logs:{region}:{account_id}:log-group:{name}"
                for name in sorted(set(args.log_group_names))]
        statements.append({
            "Sid": "CloudWatchLogsForTheStacksLogGroups",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": LOGS_ACTIONS,
            "Resource": "*",
            "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": arns}},
        })
    if args.allow_services:
        # Amazon SNS developer guide, "Enable compatibility between event sources from AWS services and encrypted
        # topics": the publishing service (cloudwatch.amazonaws.com, events.rds.amazonaws.com) needs
        # kms:GenerateDataKey* and kms:Decrypt, and aws:SourceAccount / aws:SourceArn are the documented
        # confused-deputy guards, except for EventBridge, whose requests to KMS carry none of them: a condition on
        # them drops every event silently, so EventBridge is refused here rather than conditioned.
        unconditionable = sorted(s for s in args.allow_services if s.strip().lower() == "events.amazonaws.com")
        if unconditionable:
            raise ValueError(f"allow_services: {', '.join(unconditionable)} does not send aws:SourceAccount to KMS "
                             "when publishing to an encrypted SNS topic; give it a statement of its own")
        statements.append({
            "Sid": "ServicesPublishingEncryptedData",
            "Effect": "Allow",
            "Principal": {"Service": sorted(args.allow_services)},
            "Action": DATA_KEY_ACTIONS,
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        })
    return json.dumps({"Version": "2012-10-17", "Statement": statements})
