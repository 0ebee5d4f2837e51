"""Aurora Auto Scaling of the replica count (`database.readerAutoScaling`): an Application Auto Scaling target on
`rds:cluster:ReadReplicaCount` and a target-tracking policy on the readers' average CPU or connections."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from .settings.database_scaling import ReaderAutoScaling

DIMENSION = "rds:cluster:ReadReplicaCount"


def reader_auto_scaling(name: str, cluster_identifier: str, scaling: ReaderAutoScaling, cluster: aws.rds.Cluster,
                        instances: list[aws.rds.ClusterInstance],
                        parent: pulumi.Resource) -> tuple[aws.appautoscaling.Target, aws.appautoscaling.Policy] | None:
    if not scaling.enabled:
        return None
    # Registered after the instances: Aurora scales only a cluster whose instances are all available, and the
    # fixed readers must exist before the replica count is measured against minCapacity.
    target = aws.appautoscaling.Target(
        f"{name}-readers", service_namespace="rds", scalable_dimension=DIMENSION,
        resource_id=cluster.cluster_identifier.apply(lambda identifier: f"cluster:{identifier}"),
        min_capacity=scaling.min_capacity, max_capacity=scaling.max_capacity,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(instances)))
    policy = aws.appautoscaling.Policy(
        f"{name}-readers", name=f"{cluster_identifier}-readers-{scaling.metric}",
        policy_type="TargetTrackingScaling", service_namespace=target.service_namespace,
        scalable_dimension=target.scalable_dimension, resource_id=target.resource_id,
        target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
            predefined_metric_specification=aws.appautoscaling
            .PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                predefined_metric_type=scaling.predefined_metric),
            target_value=float(scaling.target_value),
            scale_in_cooldown=scaling.scale_in_cooldown_seconds,
            scale_out_cooldown=scaling.scale_out_cooldown_seconds),
        opts=pulumi.ResourceOptions(parent=parent))
    return target, policy
