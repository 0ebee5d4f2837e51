"""RDS Proxy in front of the Aurora cluster: pools connections (protects the cluster from connection storms), fails
over faster, and spreads read traffic over the readers through a read-only endpoint.

The proxy always requires TLS from clients. How it logs in to the cluster depends on `proxy.iamAuth`:

- `iamAuth: true` (the default): end-to-end IAM authentication (`default_auth_scheme: IAM_AUTH`). Clients log in to
  the proxy with an IAM token and the proxy logs in to the cluster with IAM as the same database user, so there is no
  password to store. With the classic scheme (IAM to the proxy, a Secrets Manager secret from the proxy to the
  database) the proxy needs one secret per database user, with that user's password: an application user created
  for IAM authentication (`GRANT rds_iam`) has no password, so the classic scheme cannot serve it. The proxy's role
  may `rds-db:connect` only as the users granted with `allow_login` (AuroraCluster.grant_connect does it).
- `iamAuth: false`: clients log in with the master user's password; the proxy reads it from a Secrets Manager secret
  encrypted with the database key (its own secret holding the generated password, or the RDS-managed master secret
  with `manageMasterUserPassword`). Its role may read exactly that secret and decrypt exactly with that key, through
  Secrets Manager only and for that secret only (encryption context `SecretARN`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from .settings.database import DatabaseSettings

if TYPE_CHECKING:
    from .aurora import DatabaseNetwork

CLIENT_PASSWORD_AUTH = {"POSTGRESQL": "POSTGRES_SCRAM_SHA_256", "MYSQL": "MYSQL_CACHING_SHA2_PASSWORD"}


def proxy_name_of(cluster_identifier: str) -> str:
    """The proxy's name (at most 63 characters), known before the proxy exists."""
    return _name_within_63(cluster_identifier, "-proxy")


def proxy_reader_endpoint_name(proxy_name: str) -> str:
    return _name_within_63(proxy_name, "-ro")


def _name_within_63(base: str, suffix: str) -> str:
    # The base is cut, never the suffix: a reader endpoint cut back to its proxy's name would be the same name. RDS
    # refuses a name that ends with a hyphen or holds two in a row, which cutting the base can leave.
    return f"{base[:63 - len(suffix)].rstrip('-')}{suffix}"


def proxy_log_group_name(proxy_name: str) -> str:
    """Where RDS Proxy writes its log; the database key's policy names it, so it must be known in advance."""
    return f"/aws/rds/proxy/{proxy_name}"


class AuroraProxy:
    """Not a component of its own: its resources are children of the AuroraCluster (one tree per database)."""

    def __init__(self, *, name: str, identifier: str, settings: DatabaseSettings, cluster: aws.rds.Cluster,
                 instances: Sequence[aws.rds.ClusterInstance], cluster_security_group: aws.ec2.SecurityGroup,
                 network: DatabaseNetwork, key_arn: pulumi.Input[str], password: pulumi.Output[str] | None,
                 master_secret_arn: pulumi.Output[str] | None, cluster_resource_id: pulumi.Input[str],
                 partition: pulumi.Input[str], region: pulumi.Input[str], account_id: pulumi.Input[str],
                 tags: Mapping[str, str], parent: pulumi.Resource):
        child = pulumi.ResourceOptions(parent=parent)
        proxy_settings = settings.proxy
        engine = settings.engine_spec
        proxy_name = proxy_name_of(identifier)

        def tag(suffix: str) -> dict[str, str]:
            return {**tags, "Name": f"{identifier}-{suffix}"}

        self._name = name
        self._parent = parent
        self._partition, self._region, self._account_id = partition, region, account_id
        self._cluster_resource_id = cluster_resource_id
        self.iam_auth = proxy_settings.iam_auth
        # aws:SourceAccount: only RDS acting for this account may assume the role (cross-service confused deputy).
        self.role = aws.iam.Role(f"{name}-proxy", assume_role_policy=pulumi.Output.from_input(account_id).apply(
            lambda account: json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": "rds.amazonaws.com"},
                               "Action": "sts:AssumeRole",
                               "Condition": {"StringEquals": {"aws:SourceAccount": account}}}],
            })), description=f"RDS Proxy {proxy_name}: log in to {identifier}", tags=tag("proxy"), opts=child)

        # ---- how the proxy logs in to the cluster -------------------------------------------------------------
        auth: dict
        if self.iam_auth:
            # End to end IAM: no secret; the role gains rds-db:connect per user through allow_login.
            auth = dict(default_auth_scheme="IAM_AUTH")
        else:
            secret_arn: pulumi.Output[str]
            if master_secret_arn is not None:
                secret_arn = master_secret_arn
            else:
                if password is None:
                    raise ValueError("the proxy needs the master password or the RDS-managed secret")
                secret = aws.secretsmanager.Secret(
                    f"{name}-proxy", name_prefix=f"{identifier}-proxy-", kms_key_id=key_arn,
                    description=f"Credentials RDS Proxy {proxy_name} uses to log in to {identifier}",
                    recovery_window_in_days=7, tags=tag("proxy"), opts=child)
                aws.secretsmanager.SecretVersion(
                    f"{name}-proxy", secret_id=secret.id,
                    secret_string_wo=pulumi.Output.secret(pulumi.Output.json_dumps(
                        {"username": settings.master_username, "password": password})),
                    secret_string_wo_version=settings.password_version, opts=child)
                secret_arn = secret.arn
            aws.iam.RolePolicy(f"{name}-proxy", role=self.role.id, policy=pulumi.Output.all(
                secret_arn, key_arn, region).apply(lambda values: json.dumps({
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Sid": "ReadTheLoginSecret", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                         "Resource": values[0]},
                        {"Sid": "DecryptTheLoginSecret", "Effect": "Allow", "Action": "kms:Decrypt",
                         "Resource": values[1],
                         "Condition": {"StringEquals": {
                             "kms:ViaService": f"secretsmanager.{values[2]}.amazonaws.com",
                             "kms:EncryptionContext:SecretARN": values[0]}}},
                    ],
                })), opts=child)
            auth = dict(auths=[aws.rds.ProxyAuthArgs(
                auth_scheme="SECRETS", secret_arn=secret_arn, description="master user", iam_auth="DISABLED",
                client_password_auth_type=CLIENT_PASSWORD_AUTH[engine.proxy_engine_family])])

        # ---- network: app -> proxy (allow_application_from), proxy -> cluster only ----------------------------
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-proxy", vpc_id=network.vpc_id,
            description=f"RDS Proxy {proxy_name}: port {settings.port} from named security groups only",
            tags=tag("proxy"), opts=child)
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-proxy-to-cluster", security_group_id=self.security_group.id,
            referenced_security_group_id=cluster_security_group.id, ip_protocol="tcp", from_port=settings.port,
            to_port=settings.port, description=f"RDS Proxy to Aurora {identifier}", tags=tag("proxy-to-cluster"),
            opts=child)

        # RDS Proxy writes its logs to this group name; created first, encrypted and retained.
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-proxy", name=proxy_log_group_name(proxy_name), retention_in_days=settings.log_retention_days,
            kms_key_id=key_arn, tags=tag("proxy"), opts=child)

        self.proxy = aws.rds.Proxy(
            f"{name}-proxy", name=proxy_name, engine_family=engine.proxy_engine_family, role_arn=self.role.arn,
            vpc_subnet_ids=list(network.subnet_ids), vpc_security_group_ids=[self.security_group.id],
            require_tls=True, idle_client_timeout=proxy_settings.idle_client_timeout_seconds,
            debug_logging=proxy_settings.debug_logging, **auth, tags=tag("proxy"),
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[self.log_group]))
        self.endpoint = self.proxy.endpoint
        # The proxy's resource id (prx-...), what rds-db:connect ARNs name for IAM authentication through the proxy.
        self.resource_id = self.proxy.arn.apply(lambda arn: arn.split(":")[-1])

        target_group = aws.rds.ProxyDefaultTargetGroup(
            f"{name}-proxy", db_proxy_name=self.proxy.name,
            connection_pool_config=aws.rds.ProxyDefaultTargetGroupConnectionPoolConfigArgs(
                max_connections_percent=proxy_settings.max_connections_percent,
                max_idle_connections_percent=min(50, proxy_settings.max_connections_percent),
                connection_borrow_timeout=120),
            opts=child)
        aws.rds.ProxyTarget(
            f"{name}-proxy", db_proxy_name=self.proxy.name, target_group_name=target_group.name,
            db_cluster_identifier=cluster.id,
            # The cluster must have an available instance before it can be registered.
            opts=pulumi.ResourceOptions(parent=parent, depends_on=list(instances)))

        self.reader_endpoint: pulumi.Output[str] | None = None
        if proxy_settings.reader_endpoint:
            reader = aws.rds.ProxyEndpoint(
                f"{name}-proxy-read-only", db_proxy_name=self.proxy.name,
                db_proxy_endpoint_name=proxy_reader_endpoint_name(proxy_name), vpc_subnet_ids=list(network.subnet_ids),
                vpc_security_group_ids=[self.security_group.id], target_role="READ_ONLY", tags=tag("proxy-ro"),
                opts=child)
            self.reader_endpoint = reader.endpoint

    def allow_login(self, name: str, db_user: str) -> aws.iam.RolePolicy | None:
        """With end-to-end IAM, let the proxy log in to the cluster as `db_user` (rds-db:connect on the cluster's
        resource id, as the AWS guide for end-to-end IAM authentication says); nothing to do with a login secret."""
        if not self.iam_auth:
            return None
        document = pulumi.Output.all(self._partition, self._region, self._account_id,
                                     self._cluster_resource_id).apply(
            lambda values: json.dumps({"Version": "2012-10-17", "Statement": [{
                "Sid": "LogInToTheClusterWithIam", "Effect": "Allow", "Action": "rds-db:connect",
                "Resource": f"arn:{values[0]}:rds-db:{values[1]}:{values[2]}:dbuser:{values[3]}/{db_user}",
            }]}))
        return aws.iam.RolePolicy(f"{self._name}-proxy-{name}-login", role=self.role.id, policy=document,
                                  opts=pulumi.ResourceOptions(parent=self._parent))
