"""The application's ECS wiring: cluster, Fargate task definition, roles, security group, log group and service.

The component knows nothing of the Aurora component's class: it takes a `DatabaseConnection` (plain values, outputs
and three callables: allow a security group in, grant reading the password, grant IAM database connect), so any
database offering those can be wired the same way. `__main__.py` builds it with `DatabaseConnection.of(database)`.

- The password enters the container only through `secrets` (`valueFrom` = the parameter ARN); `environment` holds the
  non-secret connection settings (components/app_container.py).
- Execution role (used by the ECS agent: pull the image, write logs, resolve `secrets`) and task role (the
  application's own AWS permissions, none by default) are separate roles. The execution role has exactly the calls the
  agent makes ("Amazon ECS task execution IAM role"): ECR pulls only when the image is in ECR (the authorization token
  on `*`, which cannot be scoped, the layer reads on that repository only), log writes to the task's log group only,
  and the secrets' reads; not AmazonECSTaskExecutionRolePolicy (ECR and logs on `*`).
- The task security group has no ingress (unless a load balancer is attached) and egress only to the database (or
  proxy) security group on the database port and to HTTPS (image registry, SSM, CloudWatch Logs endpoints).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import pulumi
import pulumi_aws as aws

from .app_container import container_definitions, names_for, reader_host
from .kms import stack_log_group_name
from .settings.app import AppSettings, volume_name

if TYPE_CHECKING:  # only the type: the application does not import the database's modules
    from .app_database_role import DatabaseLogin

# What the ECS agent calls to pull from a private ECR repository; GetAuthorizationToken has no resource to scope to.
ECR_PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
# What the awslogs driver calls (the group exists: the agent does not create it).
LOG_WRITE_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]
# A private ECR image: <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repository>[:tag | @digest].
ECR_IMAGE = re.compile(r"(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
                       r"(?P<repository>[a-z0-9._/-]+?)(?::[\w.-]+)?(?:@sha256:[0-9a-f]{64})?")
# ECS Exec: the SSM agent inside the task opens its channels with the task role. These actions have no resource
# to scope to (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html).
EXEC_ACTIONS = ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"]
HTTPS = 443


class _Database(Protocol):
    """What `DatabaseConnection.of` reads from a database component (components/aurora.py's AuroraCluster)."""

    engine: str
    port: int
    database_name: str
    master_username: str
    password_value_from: pulumi.Output[str]
    kms_key_arn: pulumi.Output[str]

    @property
    def application_endpoints(self) -> tuple[pulumi.Output[str], pulumi.Output[str]]: ...

    def allow_application_from(self, name: str, source_security_group_id: pulumi.Input[str],
                               description: str) -> aws.vpc.SecurityGroupIngressRule: ...

    def grant_password_read(self, name: str, role: aws.iam.Role) -> aws.iam.RolePolicy: ...

    def grant_connect(self, name: str, role: aws.iam.Role, db_user: str) -> aws.iam.RolePolicy: ...


@dataclass
class DatabaseConnection:
    """Everything the application needs from the database, and the three things it may ask of it."""

    engine: str
    port: int
    database_name: str
    master_username: str
    writer_host: pulumi.Input[str]
    reader_host: pulumi.Input[str]
    # What `secrets[].valueFrom` holds for the password: the SSM parameter ARN (or a Secrets Manager reference);
    # None when the database has no password to hand out (then only IAM database authentication is possible).
    password_value_from: pulumi.Input[str] | None
    kms_key_arn: pulumi.Input[str]
    # (name, source security group id, description) -> the ingress rule into the database (or proxy) group.
    allow_application_from: Callable[[str, pulumi.Input[str], str], aws.vpc.SecurityGroupIngressRule]
    # (name, role) -> inline policy: read exactly the password parameter, decrypt with exactly its key.
    grant_password_read: Callable[[str, aws.iam.Role], aws.iam.RolePolicy]
    # (name, role, database user) -> inline policy: rds-db:connect as exactly that user.
    grant_connect: Callable[[str, aws.iam.Role, str], aws.iam.RolePolicy]
    # The database's custom endpoints, name -> host (app.readerEndpoint picks one for the reader host).
    custom_endpoints: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, database: _Database) -> DatabaseConnection:
        writer, reader = database.application_endpoints
        try:
            password = database.password_value_from
        except ValueError:
            # e.g. a global database secondary: no password of its own; only IAM authentication can work there.
            password = None
        return cls(engine=database.engine, port=database.port, database_name=database.database_name,
                   master_username=database.master_username, writer_host=writer, reader_host=reader,
                   password_value_from=password, kms_key_arn=database.kms_key_arn,
                   allow_application_from=database.allow_application_from,
                   grant_password_read=database.grant_password_read, grant_connect=database.grant_connect,
                   custom_endpoints=dict(getattr(database, "custom_endpoints", {})))


@dataclass
class LoadBalancerAttachment:
    """The seam for a load balancer (not used by the program today): a target group (target type `ip`) the service
    registers its tasks in, and the load balancer's security group, which alone may reach the container port."""

    target_group_arn: pulumi.Input[str]
    security_group_id: pulumi.Input[str]
    health_check_grace_period_seconds: int = 60


@dataclass
class BuiltImage:
    """An image the stack builds (components/app_image.py's AppImage): what the task runs, by digest, and the one
    ECR repository the execution role may pull from. Replaces `settings.image`."""

    reference: pulumi.Input[str]
    repository_arn: pulumi.Input[str]


@dataclass
class AppServiceArgs:
    settings: AppSettings
    # Task definition family; families are account- and region-wide, so include project and stack.
    family: str
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    # The platform key (its policy lets CloudWatch Logs in this account use it) encrypts the log group.
    log_key_arn: pulumi.Input[str]
    database: DatabaseConnection
    tags: Mapping[str, str]
    load_balancer: LoadBalancerAttachment | None = None
    # The application's own database role (components/app_database_role.py): when given, the task logs in as it
    # with its password, and can no longer read the master password.
    database_login: DatabaseLogin | None = None
    # The image the stack builds (aurora-platform:app.image.build); None: run `settings.image` as it is.
    image: BuiltImage | None = None


class AppService(pulumi.ComponentResource):
    cluster: aws.ecs.Cluster
    task_definition: aws.ecs.TaskDefinition
    service: aws.ecs.Service | None
    security_group: aws.ec2.SecurityGroup
    execution_role: aws.iam.Role
    task_role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup

    def __init__(self, name: str, args: AppServiceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("aurora-platform:app:AppService", name, None, opts)
        settings, database = args.settings, args.database
        if not settings.image and args.image is None:
            raise ValueError("AppService needs settings.image or args.image (aurora-platform:app.image)")
        if database.password_value_from is None and not settings.iam_database_auth:
            raise pulumi.RunError("aurora-platform:app.iamDatabaseAuth: the database has no password to hand out "
                                  "(a global database secondary); set iamDatabaseAuth: true and iamDatabaseUser")
        self._name = name
        self._tags = dict(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region
        partition = aws.get_partition_output(opts=invoke).partition

        self.log_group = aws.cloudwatch.LogGroup(
            name, name=app_log_group_name(name), retention_in_days=settings.log_retention_days,
            kms_key_id=args.log_key_arn,
            tags=self._tag(f"{name}-logs"), opts=child)
        self.cluster = aws.ecs.Cluster(
            name, settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value=settings.container_insights)],
            tags=self._tag(name), opts=child)

        self.security_group, network_rules = self._network(args)
        self.execution_role, execution_policies = self._execution_role(args, account, region, partition)
        self.task_role, task_policies = self._task_role(args, account, region, partition)

        login = args.database_login
        user = settings.iam_database_user if settings.iam_database_auth else (
            login.user if login else database.master_username)
        # With IAM database authentication the task connects with a token: the master password stays out of it.
        password = None if settings.iam_database_auth else (
            login.password_value_from if login else database.password_value_from)
        self.secret_parameter_arns = pulumi.Output.all(partition, region, account).apply(
            lambda v: _parameter_arns(settings.secrets, *v))
        definitions = pulumi.Output.all(
            writer=database.writer_host, reader=reader_host(settings, database), password=password,
            extra=self.secret_parameter_arns, group=self.log_group.name, region=region,
            image=args.image.reference if args.image else settings.image,
        ).apply(lambda v: json.dumps(container_definitions(
            dataclasses.replace(settings, image=v["image"]), engine=database.engine, writer_host=v["writer"],
            reader_host=v["reader"], port=database.port,
            database_name=database.database_name, user=user, password_value_from=v["password"],
            extra_secret_arns=v["extra"], log_group_name=v["group"], region=v["region"])))

        self.task_definition = aws.ecs.TaskDefinition(
            name, family=args.family, requires_compatibilities=["FARGATE"], network_mode="awsvpc",
            cpu=str(settings.cpu), memory=str(settings.memory),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture=settings.cpu_architecture),
            execution_role_arn=self.execution_role.arn, task_role_arn=self.task_role.arn,
            container_definitions=definitions,
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=volume_name(p)) for p in settings.writable_paths]
            if settings.readonly_root_filesystem else None,
            tags=self._tag(name), opts=child)

        self.service = None
        if settings.create_service:
            self.service = self._service(args, [*network_rules, *execution_policies, *task_policies])

        self.cluster_name = self.cluster.name
        self.task_definition_arn = self.task_definition.arn
        self.service_name = self.service.name if self.service else None
        self.task_security_group_id = self.security_group.id
        self.log_group_name = self.log_group.name
        self.register_outputs({
            "clusterName": self.cluster_name,
            "taskDefinitionArn": self.task_definition_arn,
            "serviceName": self.service_name,
            "taskSecurityGroupId": self.task_security_group_id,
            "logGroupName": self.log_group_name,
        })

    def _tag(self, name: str) -> dict[str, str]:
        return {**self._tags, "Name": name}

    def _network(self, args: AppServiceArgs) -> tuple[aws.ec2.SecurityGroup, list[pulumi.Resource]]:
        name, database = self._name, args.database
        child = pulumi.ResourceOptions(parent=self)
        group = aws.ec2.SecurityGroup(
            f"{name}-task", vpc_id=args.vpc_id, description=f"{name} tasks: out to the database and HTTPS only",
            tags=self._tag(f"{name}-task"), opts=child)
        # The database side: only this group may reach the database (or proxy) port from the application tier.
        into_database = database.allow_application_from(
            f"{name}-task", group.id, f"{name} tasks to the database port")
        rules: list[pulumi.Resource] = [into_database]
        rules.append(aws.vpc.SecurityGroupEgressRule(
            f"{name}-task-to-database", security_group_id=group.id, ip_protocol="tcp",
            from_port=database.port, to_port=database.port,
            referenced_security_group_id=into_database.security_group_id,
            description="The database (or its proxy) on its port", tags=self._tag(f"{name}-task-to-database"),
            opts=child))
        # Image pulls (ECR / registry), SSM and CloudWatch Logs endpoints are HTTPS; through NAT or VPC endpoints.
        rules.append(aws.vpc.SecurityGroupEgressRule(
            f"{name}-task-https", security_group_id=group.id, ip_protocol="tcp", from_port=HTTPS, to_port=HTTPS,
            cidr_ipv4="0.0.0.0/0", description="HTTPS: image registry, SSM, CloudWatch Logs",
            tags=self._tag(f"{name}-task-https"), opts=child))
        if args.load_balancer is not None:
            port = args.settings.container_port
            rules.append(aws.vpc.SecurityGroupIngressRule(
                f"{name}-task-from-load-balancer", security_group_id=group.id, ip_protocol="tcp",
                from_port=port, to_port=port, referenced_security_group_id=args.load_balancer.security_group_id,
                description="The load balancer to the container port",
                tags=self._tag(f"{name}-task-from-load-balancer"), opts=child))
        return group, rules

    def _trust(self, account: pulumi.Output[str], partition: pulumi.Output[str] | None = None,
               region: pulumi.Output[str] | None = None) -> pulumi.Output[str]:
        return pulumi.Output.all(account, partition, region).apply(lambda v: json.dumps(ecs_trust_policy(*v)))

    def _execution_role(self, args: AppServiceArgs, account: pulumi.Output[str], region: pulumi.Output[str],
                        partition: pulumi.Output[str]) -> tuple[aws.iam.Role, list[pulumi.Resource]]:
        name, settings, database = self._name, args.settings, args.database
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-execution", assume_role_policy=self._trust(account),
            description=f"ECS agent for {name}: pull the image, write logs, resolve the task's secrets",
            tags=self._tag(f"{name}-execution"), opts=child)
        # The image pull (ECR only) and the log writes, to exactly this task's log group.
        built = args.image.repository_arn if args.image else None
        policies: list[pulumi.Resource] = [aws.iam.RolePolicy(
            f"{name}-execution", role=role.id,
            policy=pulumi.Output.all(partition, self.log_group.arn, built).apply(
                lambda v: json.dumps(execution_policy(settings.image or "", v[0], v[1], v[2]))), opts=child)]
        if not settings.iam_database_auth:
            grant = args.database_login.grant_password_read if args.database_login else database.grant_password_read
            policies.append(grant(f"{name}-execution", role))
        if settings.secrets:
            key_arn = settings.secrets_kms_key_arn or database.kms_key_arn
            document = pulumi.Output.all(partition, region, account, key_arn).apply(
                lambda v: json.dumps(_secrets_policy(settings.secrets, *v)))
            policies.append(aws.iam.RolePolicy(f"{name}-execution-secrets", role=role.id, policy=document,
                                               opts=child))
        return role, policies

    def _task_role(self, args: AppServiceArgs, account: pulumi.Output[str], region: pulumi.Output[str],
                   partition: pulumi.Output[str]) -> tuple[aws.iam.Role, list[Any]]:
        name, settings = self._name, args.settings
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-task", assume_role_policy=self._trust(account, partition, region),
            description=f"The {name} application's own AWS permissions (none unless a setting grants one)",
            tags=self._tag(f"{name}-task"), opts=child)
        policies: list[Any] = []
        if settings.iam_database_auth and settings.iam_database_user:
            policies.append(args.database.grant_connect(f"{name}-task", role, settings.iam_database_user))
        if settings.enable_execute_command:
            policies.append(aws.iam.RolePolicy(f"{name}-task-exec", role=role.id, policy=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": EXEC_ACTIONS, "Resource": "*"}],
            }), opts=child))
        return role, policies

    def _service(self, args: AppServiceArgs, wait_for: list[pulumi.Resource]) -> aws.ecs.Service:
        name, settings, balancer = self._name, args.settings, args.load_balancer
        return aws.ecs.Service(
            name, cluster=self.cluster.arn, task_definition=self.task_definition.arn, launch_type="FARGATE",
            platform_version="LATEST", desired_count=settings.desired_count,
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=list(args.subnet_ids), security_groups=[self.security_group.id], assign_public_ip=False),
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
            deployment_minimum_healthy_percent=100, deployment_maximum_percent=200,
            enable_execute_command=settings.enable_execute_command,
            enable_ecs_managed_tags=True, propagate_tags="SERVICE",
            load_balancers=[aws.ecs.ServiceLoadBalancerArgs(
                target_group_arn=balancer.target_group_arn, container_name=settings.container_name,
                container_port=settings.container_port)] if balancer else None,
            health_check_grace_period_seconds=balancer.health_check_grace_period_seconds if balancer else None,
            tags=self._tag(name),
            # Tasks start only once they may reach the database and read their secrets.
            opts=pulumi.ResourceOptions(parent=self, depends_on=wait_for))


def app_log_group_name(service_name: str) -> str:
    """The task's log group, named in advance so the platform key's policy can name it (components/kms.py)."""
    return stack_log_group_name(service_name)


def ecs_trust_policy(account_id: str, partition: str | None = None, region: str | None = None) -> dict:
    """ECS tasks of this account (aws:SourceAccount); with a partition and region, also only ECS resources of this
    account and region (aws:SourceArn), as "Amazon ECS task IAM role" shows for the task role. The execution role
    keeps aws:SourceAccount alone: the task execution role page documents no aws:SourceArn for the agent."""
    condition: dict = {"StringEquals": {"aws:SourceAccount": account_id}}
    if partition is not None and region is not None:
        condition["ArnLike"] = {"aws:SourceArn": f"arn:{partition}:ecs:{region}:{account_id}:*"}
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": condition}]}


def ecr_repository_arn(image: str, partition: str) -> str | None:
    """The repository ARN of a private ECR image, or None for any other registry (Docker Hub, ghcr.io, ECR Public)."""
    match = ECR_IMAGE.fullmatch(image)
    if match is None:
        return None
    return f"arn:{partition}:ecr:{match['region']}:{match['account']}:repository/{match['repository']}"


def execution_policy(image: str, partition: str, log_group_arn: str, repository_arn: str | None = None) -> dict:
    """The ECS agent's own calls: pull the image when it is in ECR (`repository_arn`: the stack's own repository,
    for an image it builds), write the container's log streams."""
    statements: list[dict] = []
    repository = repository_arn or ecr_repository_arn(image, partition)
    if repository is not None:
        statements += [
            {"Sid": "EcrAuthorizationToken", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken",
             "Resource": "*"},
            {"Sid": "PullTheImage", "Effect": "Allow", "Action": ECR_PULL_ACTIONS, "Resource": repository},
        ]
    statements.append({"Sid": "WriteTheTaskLogs", "Effect": "Allow", "Action": LOG_WRITE_ACTIONS,
                       "Resource": [log_group_arn, f"{log_group_arn}:log-stream:*"]})
    return {"Version": "2012-10-17", "Statement": statements}


def parameter_arn(partition: str, region: str, account: str, parameter_name: str) -> str:
    """`/blog/key` -> `arn:aws:ssm:<region>:<account>:parameter/blog/key` (the ARN drops the name's leading /)."""
    return f"arn:{partition}:ssm:{region}:{account}:parameter/{parameter_name.lstrip('/')}"


def _parameter_arns(secrets: Mapping[str, str], partition: str, region: str, account: str) -> dict[str, str]:
    return {variable: parameter_arn(partition, region, account, parameter)
            for variable, parameter in secrets.items()}


def _secrets_policy(secrets: Mapping[str, str], partition: str, region: str, account: str, key_arn: str) -> dict:
    arns = sorted(set(_parameter_arns(secrets, partition, region, account).values()))
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadTheTaskSecrets", "Effect": "Allow", "Action": ["ssm:GetParameters"], "Resource": arns},
            {"Sid": "DecryptThemThroughSsm", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [key_arn],
             "Condition": {"StringEquals": {"kms:ViaService": f"ssm.{region}.amazonaws.com",
                                            "kms:EncryptionContext:PARAMETER_ARN": arns}}},
        ],
    }


__all__ = ["AppService", "AppServiceArgs", "BuiltImage", "DatabaseConnection", "LoadBalancerAttachment",
           "app_log_group_name", "names_for", "parameter_arn"]
