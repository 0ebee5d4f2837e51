"""The relationship methods other components call (allow_from, allow_application_from, grant_password_read,
grant_connect, password_value_from, application_endpoints), from a small program that uses only the AuroraCluster
(tests/programs/aurora), so they are tested whatever the bastion and app do with them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from preflight.engine import StackRun

PROGRAM = Path(__file__).parent / "programs" / "aurora"
D = "aurora-platform:database"


@pytest.fixture
def program(evaluate):
    def _run(database: dict | None = None) -> StackRun:
        return evaluate("test", {D: database} if database is not None else None, PROGRAM)
    return _run


def policy_of(run: StackRun, suffix: str) -> dict:
    [policy] = [p for p in run.of_type("aws:iam/rolePolicy:RolePolicy") if p.name.endswith(suffix)]
    assert policy.property_dependencies["role"] == [run.named("app-role").urn]
    return json.loads(policy.inputs["policy"])


def ingress_into(run: StackRun, group_urn: str) -> list:
    return [r for r in run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            if r.property_dependencies["securityGroupId"] == [group_urn]]


def test_security_groups_only_from_named_groups(program):
    run = program()
    cluster = run.one("aws:rds/cluster:Cluster")
    [cluster_group] = cluster.property_dependencies["vpcSecurityGroupIds"]
    rules = ingress_into(run, cluster_group)
    assert sorted(r.property_dependencies["referencedSecurityGroupId"][0] for r in rules) == sorted(
        [run.named("admin").urn, run.named("app-sg").urn])
    for rule in rules:
        assert rule.inputs["ipProtocol"] == "tcp" and rule.inputs["fromPort"] == rule.inputs["toPort"] == 3306
        assert not {"cidrIpv4", "cidrIpv6", "prefixListId"} & set(rule.inputs)


def test_grant_password_read_names_exactly_the_parameter_and_the_key(program):
    run = program()
    parameter = run.one("aws:ssm/parameter:Parameter")
    key = run.by_urn(parameter.property_dependencies["keyId"][0])
    statements = policy_of(run, "-password-read")["Statement"]
    # decrypt only through SSM and only for this parameter (SSM's encryption context is PARAMETER_ARN)
    assert statements == [
        {"Sid": "ReadTheDatabasePassword", "Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters"],
         "Resource": parameter.outputs["arn"]},
        {"Sid": "DecryptTheDatabasePassword", "Effect": "Allow", "Action": "kms:Decrypt",
         "Resource": key.outputs["arn"], "Condition": {"StringEquals": {
             "kms:ViaService": "ssm.eu-west-1.amazonaws.com",
             "kms:EncryptionContext:PARAMETER_ARN": parameter.outputs["arn"]}}},
    ]
    assert run.exports["passwordValueFrom"] == parameter.outputs["arn"]


def test_grant_connect_is_iam_database_auth_for_one_user_of_this_cluster(program):
    run = program()
    cluster = run.one("aws:rds/cluster:Cluster")
    [statement] = policy_of(run, "-connect")["Statement"]
    assert statement["Action"] == "rds-db:connect"
    assert statement["Resource"] == [
        f"arn:aws:rds-db:eu-west-1:123456789012:dbuser:{cluster.outputs['clusterResourceId']}/blog_app"]
    assert cluster.inputs["iamDatabaseAuthenticationEnabled"] is True


def test_without_proxy_the_application_uses_the_cluster_endpoints(program):
    run = program()
    [cluster_group] = run.one("aws:rds/cluster:Cluster").property_dependencies["vpcSecurityGroupIds"]
    # Each rule into the cluster says whom it admits, in the caller's words.
    assert sorted((r.property_dependencies["referencedSecurityGroupId"][0], r.inputs["description"])
                  for r in ingress_into(run, cluster_group)) == sorted([
        (run.named("app-sg").urn, "stand-in application"), (run.named("admin").urn, "stand-in bastion")])
    cluster = run.one("aws:rds/cluster:Cluster")
    assert run.exports["applicationWriter"] == cluster.outputs["endpoint"]
    assert run.exports["applicationReader"] == cluster.outputs["readerEndpoint"]


def test_with_proxy_the_application_goes_through_it(program):
    run = program({"engine": "aurora-mysql", "readers": 1, "proxy": {"enabled": True}})
    proxy = run.one("aws:rds/proxy:Proxy")
    assert proxy.inputs["engineFamily"] == "MYSQL"
    [proxy_group] = proxy.property_dependencies["vpcSecurityGroupIds"]
    [cluster_group] = run.one("aws:rds/cluster:Cluster").property_dependencies["vpcSecurityGroupIds"]
    # the application reaches the proxy; the cluster admits the proxy and the bastion, not the application
    assert [r.property_dependencies["referencedSecurityGroupId"] for r in ingress_into(run, proxy_group)] == [
        [run.named("app-sg").urn]]
    assert sorted(r.property_dependencies["referencedSecurityGroupId"][0] for r in ingress_into(run, cluster_group)) \
        == sorted([proxy_group, run.named("admin").urn])
    assert run.exports["applicationWriter"] == proxy.outputs["endpoint"]
    assert run.exports["applicationReader"] == run.one("aws:rds/proxyEndpoint:ProxyEndpoint").outputs["endpoint"]
    # IAM auth through the proxy: the grant names the proxy's resource id as well
    [statement] = policy_of(run, "-connect")["Statement"]
    proxy_id = proxy.outputs["arn"].split(":")[-1]
    assert statement["Resource"][-1] == f"arn:aws:rds-db:eu-west-1:123456789012:dbuser:{proxy_id}/blog_app"
    # end-to-end IAM: the proxy logs in to the cluster as that same user, and as no other
    assert proxy.inputs["defaultAuthScheme"] == "IAM_AUTH"
    [proxy_role] = proxy.property_dependencies["roleArn"]
    [login] = [p for p in run.of_type("aws:iam/rolePolicy:RolePolicy")
               if p.property_dependencies["role"] == [proxy_role]]
    cluster = run.one("aws:rds/cluster:Cluster")
    # The whole document: without "Version": "2012-10-17" IAM reads it in the 2008 language, where no policy
    # variable works (AWS IAM User Guide, "IAM JSON policy elements: Version").
    assert json.loads(login.inputs["policy"]) == {"Version": "2012-10-17", "Statement": [{
        "Sid": "LogInToTheClusterWithIam", "Effect": "Allow", "Action": "rds-db:connect",
        "Resource": f"arn:aws:rds-db:eu-west-1:123456789012:dbuser:{cluster.outputs['clusterResourceId']}/blog_app"}]}


def test_the_grants_are_the_databases_children_under_names_of_their_own(program):
    # A grant's URN is its parent and its name: one moved to the stack root or renamed is a delete and a create, and
    # between the two the application or the proxy cannot log in.
    run = program({"engine": "aurora-mysql", "readers": 1, "proxy": {"enabled": True}})
    cluster = "urn:pulumi:test::aurora-alone::aurora-platform:database:AuroraCluster$aws:iam/rolePolicy:RolePolicy::"
    assert sorted(p.urn for p in run.of_type("aws:iam/rolePolicy:RolePolicy")) == [
        f"{cluster}db-app-connect", f"{cluster}db-app-password-read", f"{cluster}db-proxy-app-login"]


def test_rds_managed_password_is_read_from_its_secret(program):
    run = program({"manageMasterUserPassword": True})
    cluster = run.one("aws:rds/cluster:Cluster")
    secret_arn = cluster.outputs["masterUserSecrets"][0]["secretArn"]
    assert run.exports["passwordValueFrom"] == f"{secret_arn}:password::"
    assert run.exports.get("passwordParameterArn") is None
    statements = policy_of(run, "-password-read")["Statement"]
    assert statements[0]["Action"] == ["secretsmanager:GetSecretValue"] and statements[0]["Resource"] == secret_arn
    assert statements[1]["Resource"] == run.exports["kmsKeyArn"]
    # decrypt only through Secrets Manager and only for this secret (its encryption context is SecretARN)
    assert statements[1]["Condition"] == {"StringEquals": {
        "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com", "kms:EncryptionContext:SecretARN": secret_arn}}
