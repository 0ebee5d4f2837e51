"""Two readers, one pinned and one placed by AWS: only the pinned zone is known before deployment."""

import pulumi
import pulumi_aws as aws

cluster = aws.rds.Cluster(
    "db", engine="aurora-postgresql", engine_version="16.4", master_username="app",
    manage_master_user_password=True, storage_encrypted=True, backup_retention_period=7)
pinned = aws.rds.ClusterInstance("db-1", cluster_identifier=cluster.id, instance_class="db.r6g.large",
                                 engine="aurora-postgresql", availability_zone="eu-west-1a")
placed = aws.rds.ClusterInstance("db-2", cluster_identifier=cluster.id, instance_class="db.r6g.large",
                                 engine="aurora-postgresql")
pulumi.export("placedZone", placed.availability_zone)
