"""Custom endpoints of the Aurora cluster (`database.customEndpoints`), children of the AuroraCluster component."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

from .settings.database_endpoints import CustomEndpoint, member_index


def custom_endpoints(name: str, cluster_identifier: str, endpoints: Sequence[CustomEndpoint],
                     cluster: aws.rds.Cluster, instances: Sequence[aws.rds.ClusterInstance],
                     instance_identifier, tags: Mapping[str, str],
                     parent: pulumi.Resource) -> dict[str, aws.rds.ClusterEndpoint]:
    """One `aws.rds.ClusterEndpoint` per setting. Members are instance identifiers (known in advance); the endpoint
    waits for the instances, because RDS refuses a member that does not exist yet."""
    created = {}
    for endpoint in endpoints:
        identifier = endpoint.identifier(cluster_identifier)
        members: dict = {}
        if endpoint.static_members:
            members["static_members"] = [instance_identifier(cluster_identifier, member_index(m))
                                         for m in endpoint.static_members]
        if endpoint.excluded_members:
            members["excluded_members"] = [instance_identifier(cluster_identifier, member_index(m))
                                           for m in endpoint.excluded_members]
        created[endpoint.name] = aws.rds.ClusterEndpoint(
            f"{name}-endpoint-{endpoint.name}", cluster_identifier=cluster.id,
            cluster_endpoint_identifier=identifier, custom_endpoint_type=endpoint.endpoint_type,
            tags={**tags, "Name": identifier}, **members,
            opts=pulumi.ResourceOptions(parent=parent, depends_on=list(instances)))
    return created
