"""The aurora-platform stack: settings -> keys -> Network -> (Bastion, AuroraCluster) -> AppService -> exports.

This is the only module that knows every component; components take what they need from each other as arguments.
"""

import pulumi

from components.app import AppService, AppServiceArgs, BuiltImage, DatabaseConnection, app_log_group_name
from components.app_database_role import AppDatabaseRole, AppDatabaseRoleArgs
from components.app_image import AppImage, AppImageArgs
from components.aurora import AuroraCluster, AuroraClusterArgs, DatabaseNetwork
from components.aurora_backup import AuroraBackup
from components.bastion import Bastion, BastionArgs, DatabaseAccess
from components.isolated_endpoints import IsolatedServicePaths
from components.kms import EncryptionKey, EncryptionKeyArgs
from components.load_balancer import PublicLoadBalancer, PublicLoadBalancerArgs
from components.migration_task import MigrationDatabase, MigrationTask, MigrationTaskArgs, migration_log_group_name
from components.migration_task import applies as migration_task_applies
from components.network import Network, NetworkArgs, flow_log_group_name
from components.network_acls import protect_isolated_tier
from components.settings import load_from_pulumi_config

# Every problem in Pulumi.<stack>.yaml is reported here, at once, before any resource is registered.
settings = load_from_pulumi_config()
tags = settings.tags()
has_migration_task = migration_task_applies(settings)

# The stack's key for what is not the database's own data: flow logs, the bastion's volume, application logs and
# the application's image repository.
platform_key = EncryptionKey("platform", EncryptionKeyArgs(
    description=f"{settings.project}/{settings.stack}: logs and volumes",
    alias=f"{settings.project}-{settings.stack}-platform",
    tags=tags,
    # CloudWatch Logs may use it for exactly these groups: flow logs, the application's and the migration task's.
    log_group_names=[flow_log_group_name("network")] + ([app_log_group_name("app")] if settings.app else [])
    + ([migration_log_group_name("migrations")] if has_migration_task else []),
    protect=settings.is_production,
))

network = Network("network", NetworkArgs(settings=settings.network, log_key_arn=platform_key.arn, tags=tags))

# --- database: the AuroraCluster, before everything that connects to it ---
database = AuroraCluster("database", AuroraClusterArgs(
    settings=settings.database,
    network=DatabaseNetwork(vpc_id=network.vpc_id, subnet_ids=network.subnet_ids["isolated"],
                            db_subnet_group_name=network.db_subnet_group_name,
                            availability_zones=network.availability_zones),
    tags=tags, project=settings.project, stack=settings.stack, protect=settings.database.protect,
))

# --- the isolated tier: its NACL, its paths to S3 and Lambda, and AWS Backup of the cluster ---
sql = settings.database
if settings.network.isolated_acl:
    protect_isolated_tier(network, port=sql.port,
                          bastion_tier=settings.bastion.subnet_tier if settings.bastion.enabled else None,
                          lambda_endpoint=sql.lambda_invoke.enabled,
                          s3_path=sql.s3_export.enabled or sql.s3_import.enabled, tags=tags)
if sql.s3_export.enabled or sql.s3_import.enabled or sql.lambda_invoke.enabled:
    IsolatedServicePaths(
        "isolated", vpc_id=network.vpc_id, region=settings.region,
        isolated_route_table_ids=[table.id for table in network.route_tables["isolated"]],
        isolated_subnet_ids=network.subnet_ids["isolated"], database_security_group_id=database.security_group_id,
        export_bucket=database.export_bucket_name, export_prefix=sql.s3_export.prefix,
        import_bucket=sql.s3_import.bucket_name if sql.s3_import.enabled else None,
        import_prefix=sql.s3_import.prefix,
        lambda_functions=sql.lambda_invoke.functions if sql.lambda_invoke.enabled else (), tags=tags, parent=network)
backup = None
if sql.aws_backup.enabled:
    backup = AuroraBackup("database", identifier=database.identifier, settings=sql.aws_backup,
                          cluster_arn=database.cluster_arn, key_arn=database.kms_key_arn, tags=tags, parent=database,
                          protect=sql.protect)

# --- bastion ---
# The administrators' way in: SSM Session Manager (no inbound rule unless SSH is listed), port forwarding to the writer.
bastion = None
if settings.bastion.enabled:
    bastion = Bastion("bastion", BastionArgs(
        settings=settings.bastion, region=settings.region, vpc_id=network.vpc_id,
        subnet_ids=network.subnet_ids[settings.bastion.subnet_tier], has_nat=network.has_nat,
        private_subnet_ids=network.subnet_ids["private"],
        private_route_table_ids=[table.id for table in network.route_tables["private"]],
        volume_key_arn=platform_key.arn, tags=tags, database=DatabaseAccess.of(database),
    ))

# --- app ---
# The blog's Fargate task in the private subnets; the only application source allowed into the database.
app = None
app_role = None
app_image = None
if settings.app is not None and settings.app.image_build is not None:
    # The blog's image, built from this repository's Dockerfile into the stack's own ECR repository.
    app_image = AppImage("app-image", AppImageArgs(
        build=settings.app.image_build, repository_name=f"{settings.project}/{settings.stack}/app",
        kms_key_arn=platform_key.arn, cpu_architecture=settings.app.cpu_architecture, tags=tags,
        production=settings.is_production,
    ))
load_balancer = None
if settings.app is not None:
    # The blog's own login (blog_app, docs/blog-database.md) instead of the master user, on PostgreSQL stacks whose
    # app logs in with a password straight to the cluster (an RDS Proxy with password logins knows only the master's
    # secret); `python -m ops migrate` sets it on the role from this parameter.
    if (settings.database.engine == "aurora-postgresql" and settings.database.generates_password
            and not settings.app.iam_database_auth and not settings.database.proxy.enabled):
        app_role = AppDatabaseRole("app-database-role", AppDatabaseRoleArgs(
            project=settings.project, stack=settings.stack, kms_key_arn=database.kms_key_arn, tags=tags,
            protect=settings.database.protect,
        ))
    # The public HTTPS entry (docs/app-service.md): only with a domain; the tasks then admit only its security group.
    if settings.app.load_balancer.enabled:
        load_balancer = PublicLoadBalancer("app-lb", PublicLoadBalancerArgs(
            settings=settings.app.load_balancer, region=settings.region, vpc_id=network.vpc_id,
            subnet_ids=network.subnet_ids["public"], container_port=settings.app.container_port,
            name_prefix=f"{settings.project}-{settings.stack}", tags=tags, production=settings.is_production,
        ))
    app = AppService("app", AppServiceArgs(
        settings=settings.app, family=f"{settings.project}-{settings.stack}-app", vpc_id=network.vpc_id,
        subnet_ids=network.subnet_ids["private"], log_key_arn=platform_key.arn,
        database=DatabaseConnection.of(database), tags=tags,
        database_login=app_role.login() if app_role else None,
        image=BuiltImage(app_image.image_reference, app_image.repository_arn) if app_image else None,
        load_balancer=load_balancer.attachment if load_balancer else None,
    ))
    if load_balancer is not None:
        load_balancer.allow_to_targets(app.task_security_group_id)

# The migrations as a one-off task (components/migration_task.py): `python -m ops migrate ... --via ecs` runs it.
migration_task = None
if has_migration_task:
    migration_task = MigrationTask("migrations", MigrationTaskArgs(
        family=f"{settings.project}-{settings.stack}-migrations", user=settings.app.user,
        image=app_image.image_reference if app_image else settings.app.image,
        repository_arn=app_image.repository_arn if app_image else None,
        cpu_architecture=settings.app.cpu_architecture, ca_bundle_path=settings.app.ca_bundle_path,
        log_retention_days=settings.app.log_retention_days, environment=settings.environment,
        vpc_id=network.vpc_id, subnet_ids=network.subnet_ids["private"], log_key_arn=platform_key.arn,
        database=MigrationDatabase.of(database), tags=tags, app_login=app_role.login() if app_role else None,
    ))

pulumi.export("region", settings.region)
pulumi.export("environment", settings.environment)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("availabilityZones", network.availability_zones)
pulumi.export("publicSubnetIds", network.subnet_ids["public"])
pulumi.export("privateSubnetIds", network.subnet_ids["private"])
pulumi.export("isolatedSubnetIds", network.subnet_ids["isolated"])
pulumi.export("dbSubnetGroupName", network.db_subnet_group_name)
pulumi.export("platformKeyArn", platform_key.arn)
# database: what ops tools and people connecting through the bastion need; never the password itself.
pulumi.export("engine", database.engine)
pulumi.export("clusterIdentifier", database.cluster_identifier)
pulumi.export("clusterArn", database.cluster_arn)
pulumi.export("clusterResourceId", database.cluster_resource_id)
pulumi.export("writerEndpoint", database.writer_endpoint)
pulumi.export("readerEndpoint", database.reader_endpoint)
pulumi.export("port", database.port)
pulumi.export("databaseName", database.database_name)
pulumi.export("masterUsername", database.master_username)
pulumi.export("databaseSecurityGroupId", database.security_group_id)
pulumi.export("passwordParameterName", database.password_parameter_name)
pulumi.export("passwordParameterArn", database.password_parameter_arn)
pulumi.export("kmsKeyArn", database.kms_key_arn)
pulumi.export("snsTopicArn", database.sns_topic_arn)
pulumi.export("finalSnapshotIdentifier", database.final_snapshot_identifier)
pulumi.export("databaseDashboardUrl", database.dashboard_url)
if database.global_cluster_identifier is not None:
    pulumi.export("globalClusterIdentifier", database.global_cluster_identifier)
if database.proxy is not None:
    pulumi.export("proxyEndpoint", database.proxy.endpoint)
    if database.proxy.reader_endpoint is not None:
        pulumi.export("proxyReaderEndpoint", database.proxy.reader_endpoint)
if backup is not None:
    pulumi.export("backupVaultName", backup.vault_name)
    pulumi.export("backupPlanId", backup.plan_id)
# bastion: null when the stack has no bastion (aurora-platform:bastion.enabled: false).
pulumi.export("bastionInstanceId", bastion.instance_id if bastion else None)
pulumi.export("bastionSecurityGroupId", bastion.security_group_id if bastion else None)
pulumi.export("bastionSessionCommand", bastion.session_command if bastion else None)
# app: where the tasks run and what they run as.
if app is not None:
    pulumi.export("ecsClusterName", app.cluster_name)
    pulumi.export("taskDefinitionArn", app.task_definition_arn)
    pulumi.export("serviceName", app.service_name)
    pulumi.export("taskSecurityGroupId", app.task_security_group_id)
    pulumi.export("appLogGroupName", app.log_group_name)
if app_image is not None:
    pulumi.export("imageRepositoryUrl", app_image.repository_url)
    pulumi.export("imageReference", app_image.image_reference)
if load_balancer is not None:
    pulumi.export("url", load_balancer.url)
    pulumi.export("loadBalancerDnsName", load_balancer.dns_name)
if app_role is not None:
    pulumi.export("appDatabaseUser", app_role.user)
    pulumi.export("appPasswordParameterName", app_role.parameter_name)
# migrations: what `ops migrate --via ecs` runs (ecs.run_task in ecsClusterName with these).
if migration_task is not None:
    pulumi.export("migrationTaskFamily", migration_task.family)
    pulumi.export("migrationTaskDefinitionArn", migration_task.task_definition_arn)
    pulumi.export("migrationSubnetIds", migration_task.subnet_ids)
    pulumi.export("migrationSecurityGroupId", migration_task.security_group_id)
    pulumi.export("migrationLogGroupName", migration_task.log_group_name)
