"""The blog's migrations as a one-off Fargate task: a task definition, its roles, security group and log group.

No service: `python -m ops migrate --stack S apply --via ecs` runs it on demand (`ecs.run_task` with the exported
family, subnets and security group) and waits for it. It runs the application's image (the repository's Dockerfile
ships `db/` next to the blog) with `python -m db` as the entry point and `apply` as the default command; ops
overrides the command for `plan` and `status`.

- It logs in as the master user (administrator: CREATEROLE, member of blog_owner; migrations run as blog_owner).
  The master password reaches the container only through `secrets` (`PGPASSWORD`), and only this task's execution
  role may read it (`grant_password_read`: exactly that parameter or secret, exactly its key, through the service).
  The application's task cannot. When the app has its own login (components/app_database_role.py), this task also
  gets blog_app's password (`BLOG_APP_PASSWORD`), so `apply` sets it on the role as the tunnel path does: the master
  login may set any role's password anyway, so that adds nothing it could not do.
- It connects to the cluster's writer endpoint directly, never through an RDS Proxy: the migration lock is a
  session-level advisory lock, which a proxy would pin anyway, and a proxy may accept IAM logins only. Its own
  security group is admitted into the cluster's group on the database port (`allow_from`).
- Same network path as the application: the private subnets, egress to the database port and to HTTPS only (the
  image registry, SSM or Secrets Manager, CloudWatch Logs), no ingress, no public address.
- Its own log group, `/<project>/<stack>/migrations`, under the platform key (the key's policy names it: `__main__.py`
  passes `migration_log_group_name` to `EncryptionKeyArgs.log_group_names`).
- Read-only root filesystem (a `/tmp` volume for whatever a library writes there), the app's non-root user, every
  Linux capability dropped, an init process.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import pulumi
import pulumi_aws as aws

from .app import HTTPS, ecs_trust_policy, execution_policy
from .kms import stack_log_group_name

if TYPE_CHECKING:
    from .app_database_role import DatabaseLogin

CONTAINER_NAME = "migrate"
ENTRY_POINT = ["python", "-m", "db"]
DEFAULT_COMMAND = ["apply"]
TMP_VOLUME = "tmp"
# The migrations are a short burst of SQL on the server; the client needs little. The smallest Fargate size.
CPU, MEMORY = 256, 512
ROOT_USERS = {"root"}


class _Database(Protocol):
    """What `MigrationDatabase.of` reads from components/aurora.py's AuroraCluster."""

    port: int
    database_name: str
    master_username: str
    writer_endpoint: pulumi.Output[str]
    password_value_from: pulumi.Output[str]

    def allow_from(self, name: str, source_security_group_id: pulumi.Input[str],
                   description: str) -> aws.vpc.SecurityGroupIngressRule: ...

    def grant_password_read(self, name: str, role: aws.iam.Role) -> aws.iam.RolePolicy: ...


@dataclass
class MigrationDatabase:
    """The cluster as the migration task needs it: the writer itself (not a proxy) and the master login."""

    port: int
    database_name: str
    master_username: str
    writer_host: pulumi.Input[str]
    password_value_from: pulumi.Input[str]
    # (name, source security group id, description) -> the ingress rule into the cluster's own group.
    allow_from: Callable[[str, pulumi.Input[str], str], aws.vpc.SecurityGroupIngressRule]
    # (name, role) -> read exactly the master password, decrypt exactly it.
    grant_password_read: Callable[[str, aws.iam.Role], aws.iam.RolePolicy]

    @classmethod
    def of(cls, database: _Database) -> MigrationDatabase:
        return cls(port=database.port, database_name=database.database_name,
                   master_username=database.master_username, writer_host=database.writer_endpoint,
                   password_value_from=database.password_value_from, allow_from=database.allow_from,
                   grant_password_read=database.grant_password_read)


@dataclass
class MigrationTaskArgs:
    # Task definition family: account- and region-wide, so it names project and stack.
    family: str
    # The application's image, architecture and non-root user (aurora-platform:app). The image is the app's
    # reference, or what the stack builds (components/app_image.py): then `repository_arn` is the one ECR repository
    # the execution role may pull from.
    image: pulumi.Input[str]
    user: str
    cpu_architecture: str
    ca_bundle_path: str
    log_retention_days: int
    environment: str  # aurora-platform:environment; `production` makes the runner refuse --seed
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    log_key_arn: pulumi.Input[str]
    database: MigrationDatabase
    tags: Mapping[str, str]
    # blog_app's login (components/app_database_role.py): its password is set on the role by `apply`.
    app_login: DatabaseLogin | None = None
    repository_arn: pulumi.Input[str] | None = None


def migration_log_group_name(name: str = "migrations") -> str:
    """The task's log group, named in advance so the platform key's policy can name it (components/kms.py)."""
    return stack_log_group_name(name)


def is_root(user: str) -> bool:
    name = user.split(":")[0]
    # "00" is uid 0 too (the runtime reads a number, not the text).
    return name in ROOT_USERS or (name.isdigit() and int(name) == 0)


def migration_container_definitions(*, image: str, user: str, writer_host: str, port: int, database_name: str,
                                    master_username: str, ca_bundle_path: str, environment: str,
                                    master_password_value_from: str, app_password_value_from: str | None,
                                    log_group_name: str, region: str) -> list[dict]:
    """The task's one container, as a pure function of plain values."""
    if is_root(user):
        raise ValueError(f"the migration task must not run as root; the app's user is {user!r}")
    variables = {
        "PGHOST": writer_host, "PGPORT": str(port), "PGDATABASE": database_name, "PGUSER": master_username,
        "PGSSLMODE": "verify-full", "PGSSLROOTCERT": ca_bundle_path, "AURORA_ENVIRONMENT": environment,
    }
    secrets = {"PGPASSWORD": master_password_value_from}
    if app_password_value_from is not None:
        secrets["BLOG_APP_PASSWORD"] = app_password_value_from
    return [{
        "name": CONTAINER_NAME,
        "image": image,
        "essential": True,
        "entryPoint": ENTRY_POINT,
        "command": DEFAULT_COMMAND,
        "user": user,
        "readonlyRootFilesystem": True,
        "environment": [{"name": k, "value": v} for k, v in sorted(variables.items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(secrets.items())],
        "mountPoints": [{"sourceVolume": TMP_VOLUME, "containerPath": "/tmp", "readOnly": False}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": log_group_name, "awslogs-region": region, "awslogs-stream-prefix": CONTAINER_NAME}},
        "linuxParameters": {"initProcessEnabled": True, "capabilities": {"drop": ["ALL"]}},
    }]


class MigrationTask(pulumi.ComponentResource):
    task_definition: aws.ecs.TaskDefinition
    security_group: aws.ec2.SecurityGroup
    execution_role: aws.iam.Role
    task_role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup

    def __init__(self, name: str, args: MigrationTaskArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("aurora-platform:app:MigrationTask", name, None, opts)
        if is_root(args.user):
            # The task runs the app's image as the app's user; the settings refuse "0" and "root", not every spelling.
            raise pulumi.RunError(f"aurora-platform:app.user: {args.user!r} is uid 0 (root), and the migration task "
                                  "runs as the app's user; allowed: a non-root user, e.g. \"1000\"")
        self._name = name
        self._tags = dict(args.tags)
        database = args.database
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region
        partition = aws.get_partition_output(opts=invoke).partition

        self.log_group = aws.cloudwatch.LogGroup(
            name, name=migration_log_group_name(name), retention_in_days=args.log_retention_days,
            kms_key_id=args.log_key_arn, tags=self._tag(f"{name}-logs"), opts=child)

        self.security_group = aws.ec2.SecurityGroup(
            name, vpc_id=args.vpc_id, description=f"{name}: out to the database writer and HTTPS only",
            tags=self._tag(name), opts=child)
        into_database = database.allow_from(name, self.security_group.id, f"{name} task to the database port")
        rules: list[pulumi.Resource] = [into_database, aws.vpc.SecurityGroupEgressRule(
            f"{name}-to-database", security_group_id=self.security_group.id, ip_protocol="tcp",
            from_port=database.port, to_port=database.port,
            referenced_security_group_id=into_database.security_group_id,
            description="The database writer on its port", tags=self._tag(f"{name}-to-database"), opts=child),
            aws.vpc.SecurityGroupEgressRule(
            f"{name}-https", security_group_id=self.security_group.id, ip_protocol="tcp", from_port=HTTPS,
            to_port=HTTPS, cidr_ipv4="0.0.0.0/0", description="HTTPS: image registry, SSM, CloudWatch Logs",
            tags=self._tag(f"{name}-https"), opts=child)]

        trust = account.apply(lambda a: json.dumps(ecs_trust_policy(a)))
        self.execution_role = aws.iam.Role(
            f"{name}-execution", assume_role_policy=trust,
            description=f"ECS agent for {name}: pull the image, write logs, resolve the master password",
            tags=self._tag(f"{name}-execution"), opts=child)
        rules.append(aws.iam.RolePolicy(
            f"{name}-execution", role=self.execution_role.id,
            policy=pulumi.Output.all(partition, self.log_group.arn, args.image, args.repository_arn).apply(
                lambda v: json.dumps(execution_policy(v[2], v[0], v[1], v[3]))), opts=child))
        # The master password: this role is the only ECS role that may read it.
        rules.append(database.grant_password_read(name, self.execution_role))
        if args.app_login is not None:
            rules.append(args.app_login.grant_password_read(name, self.execution_role))
        # The container itself calls no AWS API: a task role without any policy (ECS requires none; one is given so
        # nothing inherits a default).
        self.task_role = aws.iam.Role(
            f"{name}-task", assume_role_policy=pulumi.Output.all(account, partition, region).apply(
                lambda v: json.dumps(ecs_trust_policy(*v))),
            description=f"{name}: no AWS permissions (the runner only talks to the database)",
            tags=self._tag(f"{name}-task"), opts=child)

        definitions = pulumi.Output.all(
            writer=database.writer_host, master=database.password_value_from,
            app=args.app_login.password_value_from if args.app_login else None,
            group=self.log_group.name, region=region, image=args.image,
        ).apply(lambda v: json.dumps(migration_container_definitions(
            image=v["image"], user=args.user, writer_host=v["writer"], port=database.port,
            database_name=database.database_name, master_username=database.master_username,
            ca_bundle_path=args.ca_bundle_path, environment=args.environment,
            master_password_value_from=v["master"], app_password_value_from=v["app"],
            log_group_name=v["group"], region=v["region"])))
        self.task_definition = aws.ecs.TaskDefinition(
            name, family=args.family, requires_compatibilities=["FARGATE"], network_mode="awsvpc",
            cpu=str(CPU), memory=str(MEMORY),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture=args.cpu_architecture),
            execution_role_arn=self.execution_role.arn, task_role_arn=self.task_role.arn,
            container_definitions=definitions, volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=TMP_VOLUME)],
            tags=self._tag(name),
            # Registered once the task could run: it reaches the database and may read its secrets.
            opts=pulumi.ResourceOptions(parent=self, depends_on=rules))

        self.family = self.task_definition.family
        self.task_definition_arn = self.task_definition.arn
        self.subnet_ids = list(args.subnet_ids)
        self.security_group_id = self.security_group.id
        self.log_group_name = self.log_group.name
        self.register_outputs({
            "family": self.family, "taskDefinitionArn": self.task_definition_arn, "subnetIds": self.subnet_ids,
            "securityGroupId": self.security_group_id, "logGroupName": self.log_group_name,
        })

    def _tag(self, name: str) -> dict[str, str]:
        return {**self._tags, "Name": name}


def applies(settings: Any) -> bool:
    """Whether a stack gets the migration task: an application, Aurora PostgreSQL (the migrations are PostgreSQL
    only), and a master password of its own (a global secondary's lives with the primary, where the task runs)."""
    return (settings.app is not None and settings.database.engine == "aurora-postgresql"
            and not settings.database.is_secondary)


__all__ = ["CONTAINER_NAME", "MigrationDatabase", "MigrationTask", "MigrationTaskArgs", "applies",
           "migration_container_definitions", "migration_log_group_name"]
