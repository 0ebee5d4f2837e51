"""A database, a cache and a task that connects to both; the container definitions exist only inside an apply."""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
password = config.require_secret("dbPassword")
password_in = config.require("passwordIn")

key = aws.kms.Key("app", enable_key_rotation=True)
tls = aws.rds.ParameterGroup("db-tls", family="mysql8.0", parameters=[
    aws.rds.ParameterGroupParameterArgs(name="require_secure_transport", value="1")])
db = aws.rds.Instance(
    "db", engine="mysql", instance_class="db.t3.micro", allocated_storage=20, username="app", password=password,
    storage_encrypted=True, kms_key_id=key.arn, backup_retention_period=7, parameter_group_name=tls.name,
    deletion_protection=True, monitoring_interval=60,
    monitoring_role_arn="arn:aws:iam::123456789012:role/rds-monitoring", skip_final_snapshot=True)
cache = aws.elasticache.Cluster("cache", engine="redis", node_type="cache.t3.micro", num_cache_nodes=1)
secret = aws.secretsmanager.Secret("db-password", kms_key_id=key.arn)
aws.secretsmanager.SecretVersion("db-password", secret_id=secret.id, secret_string=password)
logs = aws.cloudwatch.LogGroup("web", retention_in_days=7, kms_key_id=key.arn)


def containers(args):
    host, port, cache_host, secret_value, secret_arn, log_group = args
    environment = [{"name": "DB_HOST", "value": host}, {"name": "DB_PORT", "value": str(port)},
                   {"name": "REDIS_HOST", "value": cache_host}]
    secrets = []
    if password_in == "environment":
        environment.append({"name": "DB_PASSWORD", "value": secret_value})
    else:
        secrets.append({"name": "DB_PASSWORD", "valueFrom": secret_arn})
    return json.dumps([{
        "name": "web", "image": "nginx:1.27", "essential": True, "environment": environment, "secrets": secrets,
        "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": log_group}},
    }])


task = aws.ecs.TaskDefinition(
    "web", family="web", cpu="256", memory="512", network_mode="awsvpc", requires_compatibilities=["FARGATE"],
    container_definitions=pulumi.Output.all(db.address, db.port, cache.cache_nodes[0].address, password,
                                            secret.arn, logs.name).apply(containers))
pulumi.export("dbEndpoint", db.endpoint)
pulumi.export("cacheAddress", cache.cache_nodes[0].address)
