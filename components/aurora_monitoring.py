"""What watches the Aurora cluster: encrypted log groups for its log exports, an encrypted SNS topic, RDS event
subscriptions for the cluster and its instances, CloudWatch alarms, and the enhanced monitoring role.

Functions here create children of the AuroraCluster component; they take plain values and Outputs, never settings
objects from other components.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from .settings.database import DatabaseSettings

# What a db-cluster / db-instance subscription reports (RDS event categories): failover and failure are the reason
# the topic exists; maintenance and notification say what AWS is about to do to the cluster.
CLUSTER_EVENT_CATEGORIES = ["failover", "failure", "maintenance", "notification"]
INSTANCE_EVENT_CATEGORIES = ["availability", "failover", "failure", "maintenance", "notification", "recovery"]
ENHANCED_MONITORING_POLICY = "policy/service-role/AmazonRDSEnhancedMonitoringRole"


def log_group_names(cluster_identifier: str, settings: DatabaseSettings) -> list[str]:
    """Where RDS writes each exported log: /aws/rds/cluster/<cluster identifier>/<log>."""
    return [f"/aws/rds/cluster/{cluster_identifier}/{log}" for log in settings.engine_spec.log_exports]


def log_groups(name: str, cluster_identifier: str, settings: DatabaseSettings, key_arn: pulumi.Input[str],
               tags: Mapping[str, str], opts: pulumi.ResourceOptions, *,
               protect: bool) -> list[aws.cloudwatch.LogGroup]:
    """One log group per exported log, named where RDS writes (/aws/rds/cluster/<id>/<log>), created before the
    cluster so RDS does not create an unencrypted, never-expiring group of its own. Protected with the cluster: the
    audit and error logs are records deleting the group would lose."""
    return [aws.cloudwatch.LogGroup(
        f"{name}-{log}", name=group, retention_in_days=settings.log_retention_days, kms_key_id=key_arn,
        tags={**tags, "Name": f"{cluster_identifier}-{log}"},
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=protect)))
        for log, group in zip(settings.engine_spec.log_exports, log_group_names(cluster_identifier, settings),
                              strict=True)]


def monitoring_trust_policy(partition: str, region: str, account_id: str, instance_identifiers: Sequence[str],
                            autoscaled: bool = False) -> dict:
    """Enhanced Monitoring may assume the role only for this account (aws:SourceAccount) and only for the cluster's
    own instances (aws:SourceArn), as "Setting up and enabling Enhanced Monitoring" (Protecting against the confused
    deputy problem) recommends. The instance identifiers are known before the instances exist."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "monitoring.rds.amazonaws.com"}, "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnEquals": {"aws:SourceArn": [f"arn:{partition}:rds:{region}:{account_id}:db:{identifier}"
                                                for identifier in instance_identifiers]},
            },
        }],
    }
    if autoscaled:
        # Readers added by Aurora Auto Scaling are named application-autoscaling-<id>, unknown in advance. AWS documents
        # only the class and promotion tier they take; if they carry the cluster's Enhanced Monitoring, the role must
        # let them in by that prefix (still this account only), or their monitoring would silently fail.
        policy["Statement"].append({
            "Effect": "Allow", "Principal": {"Service": "monitoring.rds.amazonaws.com"}, "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": f"arn:{partition}:rds:{region}:{account_id}:db:application-autoscaling-*"},
            },
        })
    return policy


def monitoring_role(name: str, partition: pulumi.Input[str], region: pulumi.Input[str],
                    account_id: pulumi.Input[str], instance_identifiers: Sequence[str], tags: Mapping[str, str],
                    opts: pulumi.ResourceOptions, autoscaled: bool = False) -> aws.iam.Role:
    trust = pulumi.Output.all(partition, region, account_id).apply(
        lambda values: json.dumps(monitoring_trust_policy(*values, instance_identifiers, autoscaled)))
    role = aws.iam.Role(f"{name}-monitoring", assume_role_policy=trust,
                        description="Enhanced monitoring of the Aurora instances",
                        tags={**tags, "Name": f"{name}-monitoring"}, opts=opts)
    aws.iam.RolePolicyAttachment(
        f"{name}-monitoring", role=role.name,
        policy_arn=pulumi.Output.concat("arn:", partition, ":iam::aws:", ENHANCED_MONITORING_POLICY), opts=opts)
    return role


def events_topic(name: str, key_arn: pulumi.Input[str], account_id: pulumi.Input[str], tags: Mapping[str, str],
                 alarm_email: str | None, opts: pulumi.ResourceOptions) -> aws.sns.Topic:
    """The topic RDS events and CloudWatch alarms go to, encrypted with the database key."""
    topic = aws.sns.Topic(f"{name}-events", kms_master_key_id=key_arn, tags={**tags, "Name": f"{name}-events"},
                          opts=opts)
    aws.sns.TopicPolicy(f"{name}-events", arn=topic.arn, policy=pulumi.Output.all(topic.arn, account_id).apply(
        lambda values: json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "RdsEventsAndAlarmsOfThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": ["events.rds.amazonaws.com", "cloudwatch.amazonaws.com"]},
                "Action": "sns:Publish",
                "Resource": values[0],
                "Condition": {"StringEquals": {"aws:SourceAccount": values[1]}},
            }],
        })), opts=opts)
    if alarm_email:
        aws.sns.TopicSubscription(f"{name}-events-email", topic=topic.arn, protocol="email", endpoint=alarm_email,
                                  opts=opts)
    return topic


def event_subscriptions(name: str, topic: aws.sns.Topic, cluster: aws.rds.Cluster,
                        instances: Sequence[aws.rds.ClusterInstance], tags: Mapping[str, str],
                        opts: pulumi.ResourceOptions) -> list[aws.rds.EventSubscription]:
    return [
        aws.rds.EventSubscription(
            f"{name}-cluster-events", sns_topic=topic.arn, source_type="db-cluster", source_ids=[cluster.id],
            event_categories=CLUSTER_EVENT_CATEGORIES, enabled=True, tags={**tags, "Name": f"{name}-cluster-events"},
            opts=opts),
        aws.rds.EventSubscription(
            f"{name}-instance-events", sns_topic=topic.arn, source_type="db-instance",
            source_ids=[i.identifier for i in instances], event_categories=INSTANCE_EVENT_CATEGORIES, enabled=True,
            tags={**tags, "Name": f"{name}-instance-events"}, opts=opts),
    ]


def alarms(name: str, settings: DatabaseSettings, cluster: aws.rds.Cluster, topic: aws.sns.Topic,
           tags: Mapping[str, str], opts: pulumi.ResourceOptions) -> list[aws.cloudwatch.MetricAlarm]:
    """CloudWatch alarms that notify the topic when they fire and when they clear.

    Load alarms are per role (dimensions DBClusterIdentifier + Role=WRITER / READER): the cluster-wide aggregate
    averages the writer with the readers, so a saturated writer beside two idle readers would read as 33% CPU and never
    alarm. Replica lag is the writer's metric for the whole cluster (AuroraReplicaLagMaximum, DBClusterIdentifier).
    """
    limits = settings.alarms
    # (suffix, metric, statistic, comparison, threshold, description)
    per_role: list[tuple[str, str, str, str, float, str]] = [
        ("cpu", "CPUUtilization", "Average", "GreaterThanThreshold", limits.cpu_percent,
         f"CPU above {limits.cpu_percent}% for 15 minutes"),
        ("connections", "DatabaseConnections", "Maximum", "GreaterThanThreshold", limits.connections,
         f"more than {limits.connections} client connections"),
    ]
    if settings.serverless_v2:
        per_role.append(("capacity", "ACUUtilization", "Average", "GreaterThanThreshold",
                         limits.serverless_capacity_percent,
                         f"Serverless v2 capacity above {limits.serverless_capacity_percent}% of maxCapacity: raise "
                         f"serverless.maxCapacity"))
    else:
        per_role.append(("memory", "FreeableMemory", "Minimum", "LessThanThreshold",
                         limits.freeable_memory_mb * 1024 * 1024,
                         f"less than {limits.freeable_memory_mb} MiB free memory"))
    roles = ["WRITER"] + (["READER"] if settings.readers else [])
    specs = [(f"{role.lower()}-{suffix}", metric, statistic, comparison, threshold, f"{role.lower()}: {text}",
              {"Role": role})
             for role in roles for suffix, metric, statistic, comparison, threshold, text in per_role]
    if settings.readers:
        specs.append(("replica-lag", "AuroraReplicaLagMaximum", "Maximum", "GreaterThanThreshold",
                      limits.replica_lag_ms, f"a reader more than {limits.replica_lag_ms} ms behind the writer", {}))
    return [aws.cloudwatch.MetricAlarm(
        f"{name}-{suffix}", namespace="AWS/RDS", metric_name=metric, statistic=statistic,
        comparison_operator=comparison, threshold=threshold, period=300, evaluation_periods=3,
        datapoints_to_alarm=3, treat_missing_data="notBreaching",
        dimensions={"DBClusterIdentifier": cluster.id, **role},
        alarm_description=f"{name}: {description}", alarm_actions=[topic.arn], ok_actions=[topic.arn],
        tags={**tags, "Name": f"{name}-{suffix}"}, opts=opts)
        for suffix, metric, statistic, comparison, threshold, description, role in specs]
