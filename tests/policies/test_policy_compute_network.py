"""EC2 (bastion), security groups, VPC stack rules and ECS rules (one change per test)."""

import json

import pytest
from pulumi_policy import Secret

from .policy_helpers import changed, check, check_stack, resource, urn

INSTANCE = "aws:ec2/instance:Instance"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
VOLUME = "aws:ebs/volume:Volume"
SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
TASK = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"

GOOD_BASTION = {
    "ami": "ami-123", "instanceType": "t4g.nano", "subnetId": "subnet-1",
    "metadataOptions": {"httpTokens": "required", "httpEndpoint": "enabled", "httpPutResponseHopLimit": 1.0},
    "rootBlockDevice": {"encrypted": True, "volumeSize": 8.0},
}
GOOD_LT = {"imageId": "ami-123", "metadataOptions": {"httpTokens": "required"},
           "blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": True}}]}


def test_bastion_passes_host_rules():
    assert check("ec2-imdsv2-required", INSTANCE, GOOD_BASTION) == []
    assert check("ec2-ebs-encrypted", INSTANCE, GOOD_BASTION) == []


def test_imds_tokens_optional():
    props = changed(GOOD_BASTION, metadataOptions={"httpTokens": "optional"})
    assert check("ec2-imdsv2-required", INSTANCE, props) == [
        "metadataOptions.httpTokens is optional; set it to required."]


def test_imds_options_unset():
    assert check("ec2-imdsv2-required", INSTANCE, changed(GOOD_BASTION, metadataOptions=None)) == [
        "metadataOptions.httpTokens is not set, so IMDSv1 stays available; set it to required."]


def test_imds_tokens_unset():
    props = changed(GOOD_BASTION, metadataOptions={"httpEndpoint": "enabled"})
    assert check("ec2-imdsv2-required", INSTANCE, props) == [
        "metadataOptions.httpTokens is not set, so IMDSv1 stays available; set it to required."]


def test_imds_disabled_altogether_passes():
    props = changed(GOOD_BASTION, metadataOptions={"httpEndpoint": "disabled"})
    assert check("ec2-imdsv2-required", INSTANCE, props) == []


def test_launch_template_imds_optional():
    assert check("ec2-imdsv2-required", LT, changed(GOOD_LT, metadataOptions={"httpTokens": "optional"})) == [
        "metadataOptions.httpTokens is optional; set it to required."]


def test_root_volume_unencrypted():
    props = changed(GOOD_BASTION, rootBlockDevice={"encrypted": False})
    assert check("ec2-ebs-encrypted", INSTANCE, props) == ["rootBlockDevice.encrypted must be true."]


def test_root_volume_unset():
    assert check("ec2-ebs-encrypted", INSTANCE, changed(GOOD_BASTION, rootBlockDevice=None)) == [
        "rootBlockDevice.encrypted must be true."]


def test_extra_volume_unencrypted():
    props = changed(GOOD_BASTION, ebsBlockDevices=[{"deviceName": "/dev/sdf", "volumeSize": 10.0}])
    assert check("ec2-ebs-encrypted", INSTANCE, props) == ["ebsBlockDevices[0].encrypted must be true."]


def test_launch_template_volume_unencrypted():
    props = changed(GOOD_LT, blockDeviceMappings=[{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 8.0}}])
    assert check("ec2-ebs-encrypted", LT, props) == ["blockDeviceMappings[0].ebs.encrypted must be true."]


def test_standalone_volume_unencrypted():
    assert check("ec2-ebs-encrypted", VOLUME, {"availabilityZone": "eu-west-1a", "size": 10.0}) == [
        "encrypted must be true."]


# --- no-world-admin-ingress ---------------------------------------------------------------------------------------

SSH_FROM_OFFICE = {"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": ["203.0.113.0/24"]}


def test_ssh_from_a_listed_cidr_passes():
    assert check("no-world-admin-ingress", SG, {"vpcId": "vpc-1", "ingress": [SSH_FROM_OFFICE]}) == []


def test_inline_ssh_from_the_world():
    rule = changed(SSH_FROM_OFFICE, cidrBlocks=["0.0.0.0/0"])
    assert check("no-world-admin-ingress", SG, {"ingress": [SSH_FROM_OFFICE, rule]}) == [
        "ingress[1] opens port(s) 22 to 0.0.0.0/0."]


def test_inline_postgres_from_the_ipv6_world():
    rule = changed(SSH_FROM_OFFICE, fromPort=5432.0, toPort=5432.0, cidrBlocks=None, ipv6CidrBlocks=["::/0"])
    assert check("no-world-admin-ingress", SG, {"ingress": [rule]}) == ["ingress[0] opens port(s) 5432 to ::/0."]


def test_https_from_the_world_passes():
    rule = changed(SSH_FROM_OFFICE, fromPort=443.0, toPort=443.0, cidrBlocks=["0.0.0.0/0"])
    assert check("no-world-admin-ingress", SG, {"ingress": [rule]}) == []


def test_all_protocols_from_the_world_open_every_listed_port():
    props = {"type": "ingress", "protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": ["0.0.0.0/0"],
             "securityGroupId": "sg-1"}
    assert check("no-world-admin-ingress", SG_RULE, props, {"no-world-admin-ingress": {"ports": [22, 3389]}}) == [
        "the rule opens port(s) 22, 3389 over tcp and udp to 0.0.0.0/0."]


def test_rule_resource_port_range_from_the_world():
    props = {"type": "ingress", "protocol": "tcp", "fromPort": 3300.0, "toPort": 3400.0, "cidrBlocks": ["0.0.0.0/0"],
             "securityGroupId": "sg-1"}
    assert check("no-world-admin-ingress", SG_RULE, props) == ["the rule opens port(s) 3306, 3389 to 0.0.0.0/0."]


def test_egress_rule_resource_is_not_ingress():
    props = {"type": "egress", "protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": ["0.0.0.0/0"]}
    assert check("no-world-admin-ingress", SG_RULE, props) == []


GOOD_INGRESS = {"securityGroupId": "sg-db", "ipProtocol": "tcp", "fromPort": 5432.0, "toPort": 5432.0,
                "referencedSecurityGroupId": "sg-app"}


def test_vpc_ingress_rule_from_a_security_group_passes():
    assert check("no-world-admin-ingress", INGRESS, GOOD_INGRESS) == []


def test_vpc_ingress_rule_from_the_world():
    props = changed(GOOD_INGRESS, referencedSecurityGroupId=None, cidrIpv4="0.0.0.0/0")
    assert check("no-world-admin-ingress", INGRESS, props) == ["the rule opens port(s) 5432 to 0.0.0.0/0."]


def test_ports_from_config():
    props = changed(GOOD_INGRESS, referencedSecurityGroupId=None, cidrIpv6="::/0", fromPort=443.0, toPort=443.0)
    assert check("no-world-admin-ingress", INGRESS, props, {"no-world-admin-ingress": {"ports": [443]}}) == [
        "the rule opens port(s) 443 to ::/0."]


def test_protocol_all_is_every_protocol_too():
    rule = {"protocol": "all", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": ["0.0.0.0/0"]}
    assert check("no-world-admin-ingress", SG, {"ingress": [rule]}, {"no-world-admin-ingress": {"ports": [22]}}) == [
        "ingress[0] opens port(s) 22 over tcp and udp to 0.0.0.0/0."]


def test_rule_resource_from_the_ipv6_world():
    props = {"type": "ingress", "protocol": "tcp", "fromPort": 3389.0, "toPort": 3389.0, "ipv6CidrBlocks": ["::/0"],
             "securityGroupId": "sg-1"}
    assert check("no-world-admin-ingress", SG_RULE, props) == ["the rule opens port(s) 3389 to ::/0."]


# --- no-world-database-ingress (the stack's own database ports) ---------------------------------------------------

CLUSTER = "aws:rds/cluster:Cluster"


def cluster_on(port=None, engine="aurora-postgresql"):
    props = {"engine": engine, "clusterIdentifier": "db"}
    if port is not None:
        props["port"] = port
    return resource(CLUSTER, "db", props)


def world_to(port, cidr="0.0.0.0/0"):
    return resource(INGRESS, "open", {"securityGroupId": "sg-db", "ipProtocol": "tcp", "fromPort": float(port),
                                      "toPort": float(port), "cidrIpv4": cidr})


def test_custom_database_port_from_the_world():
    open_group = resource(SG, "db-sg", {"ingress": [
        {"protocol": "tcp", "fromPort": 6000.0, "toPort": 7000.0, "ipv6CidrBlocks": ["::/0"]}]})
    assert check_stack("no-world-database-ingress", [cluster_on(6543.0), world_to(6543), open_group]) == [
        "SecurityGroup 'db-sg': ingress[0] opens port(s) 6543 to ::/0, the database port of Cluster 'db'.",
        "security group sg-db: SecurityGroupIngressRule 'open' opens port(s) 6543 to 0.0.0.0/0, the database port "
        "of Cluster 'db'."]


def test_custom_database_port_from_a_security_group_passes():
    scoped = resource(INGRESS, "app", {**GOOD_INGRESS, "fromPort": 6543.0, "toPort": 6543.0})
    assert check_stack("no-world-database-ingress", [cluster_on(6543.0), scoped]) == []


@pytest.mark.parametrize("engine", ["aurora-postgresql", "aurora-mysql"])
def test_default_ports_are_left_to_the_resource_rule(engine):
    # 5432 and 3306 are in no-world-admin-ingress's list: reporting them here too would count one hole twice.
    port = 5432 if engine == "aurora-postgresql" else 3306
    assert check_stack("no-world-database-ingress", [cluster_on(engine=engine), world_to(port)]) == []


def test_port_unknown_during_preview_is_the_engine_default_not_a_cannot_run():
    # The provider fills in the default port; a preview sees it unknown. No "can't run policy" for that.
    from preflight.policy_eval import UNKNOWN

    assert check_stack("no-world-database-ingress", [cluster_on(UNKNOWN), world_to(5432)]) == []


def test_no_cluster_no_finding():
    assert check_stack("no-world-database-ingress", [world_to(6543)]) == []


# --- vpc-flow-logs, default-security-group-closed -----------------------------------------------------------------

VPC_URN = urn(VPC, "net")
VPC_RES = resource(VPC, "net", {"cidrBlock": "10.0.0.0/16", "id": "vpc-1"})


def linked(type_, name, props, vpc_urn=VPC_URN):
    return resource(type_, name, props, property_dependencies={"vpcId": [vpc_urn]})


FLOW = linked(FLOW_LOG, "net-flow", {"vpcId": "vpc-1", "trafficType": "ALL", "logDestination": "arn:logs"})
CLOSED = linked(DEFAULT_SG, "net-default", {"vpcId": "vpc-1"})


def test_vpc_with_flow_log_passes():
    assert check_stack("vpc-flow-logs", [VPC_RES, FLOW]) == []


def test_vpc_without_flow_log():
    assert check_stack("vpc-flow-logs", [VPC_RES]) == ["Vpc 'net' has no flow log."]


def test_flow_log_of_another_vpc_does_not_count():
    other = resource(VPC, "other", {"cidrBlock": "10.1.0.0/16", "id": "vpc-2"})
    flow = linked(FLOW_LOG, "other-flow", {"vpcId": "vpc-2"}, other.urn)
    assert check_stack("vpc-flow-logs", [VPC_RES, other, flow]) == ["Vpc 'net' has no flow log."]


def test_flow_log_matched_by_vpc_id_without_dependency():
    assert check_stack("vpc-flow-logs", [VPC_RES, resource(FLOW_LOG, "f", {"vpcId": "vpc-1"})]) == []


def test_default_security_group_adopted_and_closed_passes():
    assert check_stack("default-security-group-closed", [VPC_RES, CLOSED]) == []


def test_default_security_group_not_adopted():
    assert check_stack("default-security-group-closed", [VPC_RES]) == [
        "Vpc 'net' does not adopt its default security group; add an aws.ec2.DefaultSecurityGroup with no rules."]


def test_default_security_group_with_ingress():
    group = linked(DEFAULT_SG, "net-default", {"vpcId": "vpc-1", "ingress": [
        {"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "self": True}]})
    assert check_stack("default-security-group-closed", [VPC_RES, group]) == [
        "DefaultSecurityGroup 'net-default' of Vpc 'net' has 1 ingress rule(s); it must have none."]


def test_default_security_group_with_egress():
    group = linked(DEFAULT_SG, "net-default", {"vpcId": "vpc-1", "egress": [
        {"protocol": "-1", "fromPort": 0.0, "toPort": 0.0, "cidrBlocks": ["0.0.0.0/0"]}]})
    assert check_stack("default-security-group-closed", [VPC_RES, group]) == [
        "DefaultSecurityGroup 'net-default' of Vpc 'net' has 1 egress rule(s); it must have none."]


# --- ECS ----------------------------------------------------------------------------------------------------------

PARAM_ARN = "arn:aws:ssm:eu-west-1:123456789012:parameter/aurora/dev/master-password"
GOOD_CONTAINER = {
    "name": "app", "image": "public.ecr.aws/docker/library/postgres:16",
    "environment": [{"name": "PGHOST", "value": "db.cluster"}, {"name": "PGSSLMODE", "value": "verify-full"}],
    "secrets": [{"name": "PGPASSWORD", "valueFrom": PARAM_ARN}],
    "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "app"}},
}


def task(*containers):
    return {"family": "app", "networkMode": "awsvpc", "containerDefinitions": json.dumps(list(containers))}


def test_task_definition_passes_ecs_rules():
    assert check("ecs-secrets-not-in-environment", TASK, task(GOOD_CONTAINER)) == []
    assert check("ecs-logging-configured", TASK, task(GOOD_CONTAINER)) == []


def test_password_in_the_environment():
    container = changed(GOOD_CONTAINER, secrets=None,
                        environment=GOOD_CONTAINER["environment"] + [{"name": "PGPASSWORD", "value": "x"}])
    assert check("ecs-secrets-not-in-environment", TASK, task(container)) == [
        "container app passes PGPASSWORD as an environment variable; pass it through secrets (valueFrom) instead."]


def test_password_in_a_secret_container_definition_is_still_seen():
    # A password makes the whole container definition a Pulumi secret; the analyzer still reads it in plaintext.
    container = changed(GOOD_CONTAINER, environment=[{"name": "DB_PASSWORD", "value": "x"}])
    props = changed(task(container), containerDefinitions=Secret(task(container)["containerDefinitions"]))
    assert check("ecs-secrets-not-in-environment", TASK, props) == [
        "container app passes DB_PASSWORD as an environment variable; pass it through secrets (valueFrom) instead."]


@pytest.mark.parametrize("name", ["DB_PASS", "MYSQL_PWD", "PG_PASSWORD", "APP_PASSPHRASE", "AWS_ACCESS_KEY_ID"])
def test_secret_names_beyond_password(name):
    container = changed(GOOD_CONTAINER, environment=[{"name": name, "value": "x"}])
    assert check("ecs-secrets-not-in-environment", TASK, task(container)) == [
        f"container app passes {name} as an environment variable; pass it through secrets (valueFrom) instead."]


@pytest.mark.parametrize("name", ["PASSTHROUGH_HEADERS", "COMPASS_URL", "APP_PWDHASH_ALGO"])
def test_pass_and_pwd_inside_other_words_pass(name):
    container = changed(GOOD_CONTAINER, environment=[{"name": name, "value": "x"}])
    assert check("ecs-secrets-not-in-environment", TASK, task(container)) == []


@pytest.mark.parametrize("url", ["postgres://app:hunter2@db.cluster:5432/blog", "redis://:hunter2@cache:6379",
                                 "mysql+pymysql://app:hunter2@db/blog?ssl=true"])
def test_connection_url_with_a_password_is_a_secret_whatever_its_name(url):
    container = changed(GOOD_CONTAINER, environment=[{"name": "DATABASE_URL", "value": url}])
    messages = check("ecs-secrets-not-in-environment", TASK, task(container))
    assert messages == ["container app passes DATABASE_URL, a URL with a password in it, as an environment variable; "
                        "pass it through secrets (valueFrom) instead."]
    assert "hunter2" not in messages[0]


@pytest.mark.parametrize("url", ["postgres://app@db.cluster:5432/blog?sslmode=verify-full", "https://host:8443/a@b"])
def test_connection_url_without_a_password_passes(url):
    container = changed(GOOD_CONTAINER, environment=[{"name": "DATABASE_URL", "value": url}])
    assert check("ecs-secrets-not-in-environment", TASK, task(container)) == []


def test_secret_name_pattern_from_config():
    container = changed(GOOD_CONTAINER, environment=[{"name": "PGHOST", "value": "db"}])
    config = {"ecs-secrets-not-in-environment": {"secretNamePattern": "^PGHOST$"}}
    assert check("ecs-secrets-not-in-environment", TASK, task(container), config) == [
        "container app passes PGHOST as an environment variable; pass it through secrets (valueFrom) instead."]


@pytest.mark.parametrize("log_configuration", [None, {"options": {}}])
def test_container_without_log_driver(log_configuration):
    container = changed(GOOD_CONTAINER, logConfiguration=log_configuration)
    assert check("ecs-logging-configured", TASK, task(GOOD_CONTAINER, changed(container, name="sidecar"))) == [
        "container sidecar has no logConfiguration.logDriver."]


GOOD_SERVICE = {"cluster": "arn:ecs", "taskDefinition": "arn:task", "launchType": "FARGATE",
                "networkConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-app"],
                                         "assignPublicIp": False}}


def test_service_without_public_ip_passes():
    assert check("ecs-no-public-ip", SERVICE, GOOD_SERVICE) == []


def test_service_with_public_ip():
    props = changed(GOOD_SERVICE, networkConfiguration=changed(GOOD_SERVICE["networkConfiguration"],
                                                               assignPublicIp=True))
    assert check("ecs-no-public-ip", SERVICE, props) == ["networkConfiguration.assignPublicIp must not be true."]


# --- world ingress in every spelling (one resource: no-world-admin-ingress) ---------------------------------------

def ssh_rule(**updates):
    return changed({"type": "ingress", "protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "securityGroupId": "sg-1",
                    "cidrBlocks": ["203.0.113.0/24"]}, **updates)


@pytest.mark.parametrize("protocol", ["tcp", "TCP", "6", 6.0, "6.0"])
def test_admin_ingress_protocol_spellings(protocol):
    props = ssh_rule(protocol=protocol, cidrBlocks=["0.0.0.0/0"])
    assert check("no-world-admin-ingress", SG_RULE, props) == ["the rule opens port(s) 22 to 0.0.0.0/0."]


@pytest.mark.parametrize("protocol", ["udp", "UDP", "17", 17.0])
def test_admin_ingress_over_udp(protocol):
    props = ssh_rule(protocol=protocol, cidrBlocks=["0.0.0.0/0"])
    assert check("no-world-admin-ingress", SG_RULE, props) == ["the rule opens port(s) 22 over udp to 0.0.0.0/0."]


@pytest.mark.parametrize("protocol", ["-1", -1.0, "all", "ALL"])
def test_admin_ingress_all_protocol_spellings(protocol):
    props = ssh_rule(protocol=protocol, fromPort=0.0, toPort=0.0, cidrBlocks=["0.0.0.0/0"])
    config = {"no-world-admin-ingress": {"ports": [22]}}
    assert check("no-world-admin-ingress", SG_RULE, props, config) == [
        "the rule opens port(s) 22 over tcp and udp to 0.0.0.0/0."]


@pytest.mark.parametrize(("cidr", "shown"), [
    ("::0/0", "the rule opens port(s) 22 to ::/0."),
    ("0:0:0:0:0:0:0:0/0", "the rule opens port(s) 22 to ::/0."),
    ("1.2.3.4/0", "the rule (1.2.3.4/0) opens port(s) 22 to 0.0.0.0/0."),
    ("::ffff:0:0/96", "the rule (::ffff:0:0/96) opens port(s) 22 to 0.0.0.0/0."),
])
def test_admin_ingress_cidr_spellings(cidr, shown):
    props = ssh_rule(cidrBlocks=None, ipv6CidrBlocks=[cidr]) if ":" in cidr else ssh_rule(cidrBlocks=[cidr])
    assert check("no-world-admin-ingress", SG_RULE, props) == [shown]


def test_admin_ingress_ports_as_strings_and_reversed():
    props = ssh_rule(fromPort="3389", toPort="20", cidrBlocks=["0.0.0.0/0"])
    assert check("no-world-admin-ingress", SG_RULE, props, {"no-world-admin-ingress": {"ports": [22, 3389]}}) == [
        "the rule opens port(s) 22, 3389 to 0.0.0.0/0."]


def test_split_world_in_one_rule():
    props = ssh_rule(cidrBlocks=["0.0.0.0/1", "128.0.0.0/1"])
    assert check("no-world-admin-ingress", SG_RULE, props) == [
        "the rule (0.0.0.0/1, 128.0.0.0/1) opens port(s) 22 to 0.0.0.0/0."]


def test_split_world_over_two_inline_rules_of_one_group():
    props = {"ingress": [changed(SSH_FROM_OFFICE, cidrBlocks=["0.0.0.0/1"]),
                         changed(SSH_FROM_OFFICE, protocol="6", cidrBlocks=["128.0.0.0/1"])]}
    assert check("no-world-admin-ingress", SG, props) == [
        "ingress[0] (0.0.0.0/1) and ingress[1] (128.0.0.0/1) together open port(s) 22 to 0.0.0.0/0."]


def test_vpc_ingress_rule_with_the_all_protocol_and_no_ports():
    props = {"securityGroupId": "sg-1", "ipProtocol": "-1", "cidrIpv6": "::0/0"}
    assert check("no-world-admin-ingress", INGRESS, props, {"no-world-admin-ingress": {"ports": [3389]}}) == [
        "the rule opens port(s) 3389 over tcp and udp to ::/0."]


@pytest.mark.parametrize("kind", ["INGRESS", "Ingress", " ingress"])
def test_rule_type_spellings_other_than_egress_are_ingress(kind):
    assert check("no-world-admin-ingress", SG_RULE, ssh_rule(type=kind, cidrBlocks=["0.0.0.0/0"])) == [
        "the rule opens port(s) 22 to 0.0.0.0/0."]


@pytest.mark.parametrize("props", [
    ssh_rule(),
    ssh_rule(cidrBlocks=["0.0.0.0/1"]),
    ssh_rule(cidrBlocks=None, sourceSecurityGroupId="sg-app"),
    ssh_rule(cidrBlocks=None, self=True),
    ssh_rule(protocol="icmp", fromPort=-1.0, toPort=-1.0, cidrBlocks=["0.0.0.0/0"]),
    ssh_rule(fromPort=443.0, toPort=443.0, cidrBlocks=["0.0.0.0/0"]),
    ssh_rule(cidrBlocks=["0.0.0.0/1"], ipv6CidrBlocks=["8000::/1"]),
    ssh_rule(type="EGRESS", cidrBlocks=["0.0.0.0/0"]),
], ids=["office", "half", "sg-sourced", "self", "icmp", "https", "half-each-family", "egress"])
def test_correct_spellings_pass(props):
    assert check("no-world-admin-ingress", SG_RULE, props) == []


def test_unparseable_cidr_is_judged_as_the_world():
    assert check("no-world-admin-ingress", SG_RULE, ssh_rule(cidrBlocks=["0/0"])) == [
        "the rule (0/0) opens port(s) 22 to 0.0.0.0/0 and ::/0 (source '0/0' is not an IPv4 or IPv6 CIDR block: "
        "judged as the whole internet)."]


def test_prefix_list_is_left_to_the_stack_rule():
    assert check("no-world-admin-ingress", SG_RULE, ssh_rule(cidrBlocks=None, prefixListIds=["pl-0a1b"])) == []


# --- the union of a group's ingress across resources (no-world-admin-ingress-union) -------------------------------

UNION = "no-world-admin-ingress-union"
GROUP = resource(SG, "db-sg", {"vpcId": "vpc-1", "id": "sg-db"})


def attached(name, props, type_=INGRESS, group_urn=GROUP.urn):
    return resource(type_, name, props, property_dependencies={"securityGroupId": [group_urn]})


def half(name, cidr, **extra):
    return attached(name, {"securityGroupId": "sg-db", "ipProtocol": "tcp", "fromPort": 22.0, "toPort": 22.0,
                           "cidrIpv4": cidr, **extra})


def test_split_over_two_rule_resources_fails_naming_the_group_and_rules():
    assert check_stack(UNION, [GROUP, half("a", "0.0.0.0/1"), half("b", "128.0.0.0/1")]) == [
        "SecurityGroup 'db-sg': SecurityGroupIngressRule 'a' (0.0.0.0/1) and SecurityGroupIngressRule 'b' "
        "(128.0.0.0/1) together open port(s) 22 to 0.0.0.0/0."]


def test_split_over_inline_rule_and_a_security_group_rule():
    group = resource(SG, "db-sg", {"id": "sg-db", "ingress": [changed(SSH_FROM_OFFICE, cidrBlocks=["0.0.0.0/1"])]})
    rule = attached("b", ssh_rule(securityGroupId="sg-db", protocol="-1", fromPort=0.0, toPort=0.0,
                                  cidrBlocks=["128.0.0.0/1"]), SG_RULE)
    assert check_stack(UNION, [group, rule]) == [
        "SecurityGroup 'db-sg': ingress[0] (0.0.0.0/1) and SecurityGroupRule 'b' (128.0.0.0/1) together open "
        "port(s) 22 to 0.0.0.0/0."]


def test_rules_linked_by_value_when_no_dependency_is_recorded():
    a = resource(INGRESS, "a", {"securityGroupId": "sg-db", "ipProtocol": "6", "fromPort": "22", "toPort": "22",
                                "cidrIpv6": "::/1"})
    b = resource(INGRESS, "b", {"securityGroupId": "sg-db", "ipProtocol": "TCP", "fromPort": 22.0, "toPort": 22.0,
                                "cidrIpv6": "8000::/1"})
    assert check_stack(UNION, [GROUP, a, b]) == [
        "SecurityGroup 'db-sg': SecurityGroupIngressRule 'a' (::/1) and SecurityGroupIngressRule 'b' (8000::/1) "
        "together open port(s) 22 to ::/0."]


def test_rules_of_a_group_outside_the_stack_are_grouped_by_its_id():
    a = resource(INGRESS, "a", {"securityGroupId": "sg-0ext", "ipProtocol": "tcp", "fromPort": 22.0,
                                "toPort": 22.0, "cidrIpv4": "0.0.0.0/1"})
    b = resource(INGRESS, "b", {"securityGroupId": "sg-0ext", "ipProtocol": "-1", "cidrIpv4": "128.0.0.0/1"})
    assert check_stack(UNION, [a, b]) == [
        "security group sg-0ext: SecurityGroupIngressRule 'a' (0.0.0.0/1) and SecurityGroupIngressRule 'b' "
        "(128.0.0.0/1) together open port(s) 22 to 0.0.0.0/0."]


def test_halves_on_two_groups_pass():
    other = resource(SG, "other", {"id": "sg-other"})
    b = attached("b", {**half("b", "128.0.0.0/1").inputs, "securityGroupId": "sg-other"}, group_urn=other.urn)
    assert check_stack(UNION, [GROUP, other, half("a", "0.0.0.0/1"), b]) == []


def test_halves_over_tcp_and_udp_pass():
    assert check_stack(UNION, [GROUP, half("a", "0.0.0.0/1"), half("b", "128.0.0.0/1", ipProtocol="udp")]) == []


def test_what_one_resource_opens_alone_is_left_to_the_resource_rule():
    world = half("w", "0.0.0.0/0")
    assert check_stack(UNION, [GROUP, world, half("a", "0.0.0.0/1")]) == []
    assert check("no-world-admin-ingress", INGRESS, world.inputs) == ["the rule opens port(s) 22 to 0.0.0.0/0."]


def test_group_output_listing_its_attached_rules_still_counts_them_as_a_union():
    # After a refresh the provider lists attached rules in the group's own `ingress` output: the split is still the
    # two rule resources', and no-world-admin-ingress (which sees the group's inputs) never reported it.
    listed = [{"protocol": "tcp", "fromPort": 22.0, "toPort": 22.0, "cidrBlocks": [c]}
              for c in ("0.0.0.0/1", "128.0.0.0/1")]
    group = resource(SG, "db-sg", {"id": "sg-db", "ingress": listed})
    rules = [attached(n, ssh_rule(securityGroupId="sg-db", cidrBlocks=[c]), SG_RULE)
             for n, c in (("a", "0.0.0.0/1"), ("b", "128.0.0.0/1"))]
    assert check_stack(UNION, [group, *rules]) == [
        "SecurityGroup 'db-sg': SecurityGroupRule 'a' (0.0.0.0/1) and SecurityGroupRule 'b' (128.0.0.0/1) together "
        "open port(s) 22 to 0.0.0.0/0."]


def test_default_security_group_rules_count_too():
    default = resource(DEFAULT_SG, "net-default", {"id": "sg-def", "vpcId": "vpc-1"})
    a = attached("a", {"securityGroupId": "sg-def", "ipProtocol": "tcp", "fromPort": 3389.0, "toPort": 3389.0,
                       "cidrIpv4": "0.0.0.0/1"}, group_urn=default.urn)
    b = attached("b", {**a.inputs, "cidrIpv4": "128.0.0.0/1"}, group_urn=default.urn)
    assert check_stack(UNION, [default, a, b]) == [
        "DefaultSecurityGroup 'net-default': SecurityGroupIngressRule 'a' (0.0.0.0/1) and SecurityGroupIngressRule "
        "'b' (128.0.0.0/1) together open port(s) 3389 to 0.0.0.0/0."]


def test_prefix_list_on_an_admin_port_is_judged_as_the_world_offline():
    rule = attached("pl", {"securityGroupId": "sg-db", "ipProtocol": "tcp", "fromPort": 22.0, "toPort": 22.0,
                           "prefixListId": "pl-0a1b"})
    assert check_stack(UNION, [GROUP, rule]) == [
        "SecurityGroup 'db-sg': SecurityGroupIngressRule 'pl' (pl-0a1b) opens port(s) 22 to 0.0.0.0/0 and ::/0 "
        "(the entries of prefix list pl-0a1b are not known here: judged as the whole internet unless its id is "
        "trusted (trustedPrefixLists))."]
    assert check_stack(UNION, [GROUP, rule], {UNION: {"trustedPrefixLists": ["pl-0a1b"]}}) == []


def test_prefix_list_on_another_port_passes():
    rule = attached("pl", {"securityGroupId": "sg-db", "ipProtocol": "tcp", "fromPort": 443.0, "toPort": 443.0,
                           "prefixListId": "pl-0a1b"})
    assert check_stack(UNION, [GROUP, rule]) == []


def test_union_rule_ports_from_config():
    rules = [half("a", "0.0.0.0/1"), half("b", "128.0.0.0/1")]
    assert check_stack(UNION, [GROUP, *rules], {UNION: {"ports": [3389]}}) == []


# --- no-world-database-ingress: the same union for the cluster's own port -----------------------------------------


def db_half(name, cidr, port=6543.0, **extra):
    return attached(name, {"securityGroupId": "sg-db", "ipProtocol": "tcp", "fromPort": port, "toPort": port,
                           "cidrIpv4": cidr, **extra})


def test_database_port_split_over_two_rules():
    resources = [cluster_on(6543.0), GROUP, db_half("a", "0.0.0.0/1"), db_half("b", "128.0.0.0/1", ipProtocol="6")]
    assert check_stack("no-world-database-ingress", resources) == [
        "SecurityGroup 'db-sg': SecurityGroupIngressRule 'a' (0.0.0.0/1) and SecurityGroupIngressRule 'b' "
        "(128.0.0.0/1) together open port(s) 6543 to 0.0.0.0/0, the database port of Cluster 'db'."]


@pytest.mark.parametrize(("protocol", "cidr", "shown"), [
    ("udp", "0.0.0.0/0", "SecurityGroupIngressRule 'a' opens port(s) 6543 over udp to 0.0.0.0/0"),
    ("all", "1.2.3.4/0", "SecurityGroupIngressRule 'a' (1.2.3.4/0) opens port(s) 6543 over tcp and udp to 0.0.0.0/0"),
    ("6.0", "::ffff:0:0/96", "SecurityGroupIngressRule 'a' (::ffff:0:0/96) opens port(s) 6543 to 0.0.0.0/0"),
])
def test_database_port_spellings(protocol, cidr, shown):
    rule = db_half("a", cidr, ipProtocol=protocol)
    assert check_stack("no-world-database-ingress", [cluster_on(6543.0), GROUP, rule]) == [
        f"SecurityGroup 'db-sg': {shown}, the database port of Cluster 'db'."]


def test_database_port_half_open_passes():
    assert check_stack("no-world-database-ingress", [cluster_on(6543.0), GROUP, db_half("a", "0.0.0.0/1")]) == []


def in_groups(port, *groups, linked=True):
    props = {"engine": "aurora-postgresql", "clusterIdentifier": "db", "port": port,
             "vpcSecurityGroupIds": [g.outputs["id"] for g in groups]}
    deps = {"vpcSecurityGroupIds": [g.urn for g in groups]} if linked else {}
    return resource(CLUSTER, "db", props, property_dependencies=deps)


def group_with(name, group_id, cidr, port=5432.0, protocol="tcp"):
    return resource(SG, name, {"id": group_id, "ingress": [
        {"protocol": protocol, "fromPort": port, "toPort": port, "cidrBlocks": [cidr]}]})


@pytest.mark.parametrize("linked", [True, False], ids=["by-dependency", "by-value"])
def test_database_port_split_over_the_clusters_two_groups(linked):
    a, b = group_with("a", "sg-a", "0.0.0.0/1"), group_with("b", "sg-b", "128.0.0.0/1")
    assert check_stack("no-world-database-ingress", [in_groups(5432.0, a, b, linked=linked), a, b]) == [
        "Cluster 'db' (in SecurityGroup 'a', SecurityGroup 'b'): SecurityGroup 'a' ingress[0] (0.0.0.0/1) and "
        "SecurityGroup 'b' ingress[0] (128.0.0.0/1) together open port(s) 5432 to 0.0.0.0/0, its database port."]


def test_halves_in_groups_of_different_clusters_pass():
    a, b = group_with("a", "sg-a", "0.0.0.0/1"), group_with("b", "sg-b", "128.0.0.0/1")
    other = resource(CLUSTER, "other", {"engine": "aurora-postgresql", "vpcSecurityGroupIds": ["sg-b"]},
                     property_dependencies={"vpcSecurityGroupIds": [b.urn]})
    assert check_stack("no-world-database-ingress", [in_groups(5432.0, a), other, a, b]) == []


def test_database_halves_over_tcp_and_udp_in_two_groups_pass():
    a, b = group_with("a", "sg-a", "0.0.0.0/1"), group_with("b", "sg-b", "128.0.0.0/1", protocol="udp")
    assert check_stack("no-world-database-ingress", [in_groups(5432.0, a, b), a, b]) == []


def test_one_group_of_the_cluster_open_alone_is_not_repeated_for_the_cluster():
    # The admin-port rule reports the group; the cluster's union adds nothing new.
    a, b = group_with("a", "sg-a", "0.0.0.0/0"), group_with("b", "sg-b", "10.0.0.0/8")
    assert check_stack("no-world-database-ingress", [in_groups(5432.0, a, b), a, b]) == []
    assert check("no-world-admin-ingress", SG, a.inputs) == ["ingress[0] opens port(s) 5432 to 0.0.0.0/0."]


@pytest.mark.parametrize(("config", "error"), [
    ({UNION: {"trustedPrefixLists": ["office"]}},
     "no-world-admin-ingress-union: trustedPrefixLists.0: 'office' does not match '^pl-[0-9a-f]+$'"),
    ({"no-world-admin-ingress": {"ports": [70000]}},
     "no-world-admin-ingress: ports.0: 70000 is greater than the maximum of 65535"),
])
def test_bad_network_config_names_the_key_the_value_and_what_is_allowed(config, error):
    from preflight.policy_eval import PolicyConfigError

    from .policy_helpers import analyzer

    with pytest.raises(PolicyConfigError) as raised:
        analyzer(config)
    assert raised.value.errors == [error]


# --- prefix lists the stack defines are read from the program ------------------------------------------------------

PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList"
PREFIX_LIST_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"


def stack_list(*cidrs, name="office"):
    return resource(PREFIX_LIST, name, {"addressFamily": "IPv4", "maxEntries": 5.0, "name": name,
                                        "entries": [{"cidr": c} for c in cidrs]})


def through(pl, name="ssh", value="pl-mock"):
    return resource(INGRESS, name, {"securityGroupId": "sg-db", "ipProtocol": "tcp", "fromPort": 22.0,
                                    "toPort": 22.0, "prefixListId": value},
                    property_dependencies={"securityGroupId": [GROUP.urn], "prefixListId": [pl.urn]})


def test_stack_prefix_list_of_office_ranges_passes():
    office = stack_list("203.0.113.0/24", "198.51.100.0/24")
    assert check_stack(UNION, [GROUP, office, through(office)]) == []


def test_stack_prefix_list_holding_the_world_fails():
    world = stack_list("10.0.0.0/8", "1.2.3.4/0", name="anyone")
    assert check_stack(UNION, [GROUP, world, through(world)]) == [
        "SecurityGroup 'db-sg': SecurityGroupIngressRule 'ssh' (pl-mock (1.2.3.4/0)) opens port(s) 22 to 0.0.0.0/0."]


def test_stack_prefix_list_entries_split_over_entry_resources_fail():
    pl = stack_list(name="split")
    halves = [resource(PREFIX_LIST_ENTRY, f"half-{i}", {"prefixListId": "pl-mock", "cidr": c},
                       property_dependencies={"prefixListId": [pl.urn]})
              for i, c in enumerate(("0.0.0.0/1", "128.0.0.0/1"))]
    assert check_stack(UNION, [GROUP, pl, *halves, through(pl)]) == [
        "SecurityGroup 'db-sg': SecurityGroupIngressRule 'ssh' (pl-mock (0.0.0.0/1), pl-mock (128.0.0.0/1)) opens "
        "port(s) 22 to 0.0.0.0/0."]


def test_stack_prefix_list_by_its_id_output():
    office = resource(PREFIX_LIST, "office", {"id": "pl-0off", "entries": [{"cidr": "0.0.0.0/0"}]})
    rule = attached("ssh", {"securityGroupId": "sg-db", "ipProtocol": "tcp", "fromPort": 22.0, "toPort": 22.0,
                            "prefixListId": "pl-0off"})
    assert check_stack(UNION, [GROUP, office, rule]) == [
        "SecurityGroup 'db-sg': SecurityGroupIngressRule 'ssh' (pl-0off (0.0.0.0/0)) opens port(s) 22 to 0.0.0.0/0."]


def test_stack_prefix_list_and_a_cidr_together_make_the_world():
    half = stack_list("0.0.0.0/1", name="half")
    other = attached("other", {"securityGroupId": "sg-db", "ipProtocol": "tcp", "fromPort": 22.0, "toPort": 22.0,
                               "cidrIpv4": "128.0.0.0/1"})
    assert check_stack(UNION, [GROUP, half, through(half), other]) == [
        "SecurityGroup 'db-sg': SecurityGroupIngressRule 'ssh' (pl-mock (0.0.0.0/1)) and SecurityGroupIngressRule "
        "'other' (128.0.0.0/1) together open port(s) 22 to 0.0.0.0/0."]


def test_one_outside_group_spelled_two_ways_is_still_one_group():
    a = resource(INGRESS, "a", {"securityGroupId": "sg-0ext", "ipProtocol": "tcp", "fromPort": 22.0,
                                "toPort": 22.0, "cidrIpv4": "0.0.0.0/1"})
    b = resource(INGRESS, "b", {**a.inputs, "securityGroupId": " SG-0EXT", "cidrIpv4": "128.0.0.0/1"})
    assert check_stack(UNION, [a, b]) == [
        "security group sg-0ext: SecurityGroupIngressRule 'a' (0.0.0.0/1) and SecurityGroupIngressRule 'b' "
        "(128.0.0.0/1) together open port(s) 22 to 0.0.0.0/0."]


def test_group_output_listing_attached_rules_with_other_number_spellings():
    listed = [{"protocol": "6", "fromPort": "22", "toPort": 22.0, "cidrBlocks": [c]} for c in ("0.0.0.0/1",
                                                                                               "128.0.0.0/1")]
    group = resource(SG, "db-sg", {"id": "sg-db", "ingress": listed})
    rules = [attached(n, ssh_rule(securityGroupId="sg-db", cidrBlocks=[c]), SG_RULE)
             for n, c in (("a", "0.0.0.0/1"), ("b", "128.0.0.0/1"))]
    assert check_stack(UNION, [group, *rules]) == [
        "SecurityGroup 'db-sg': SecurityGroupRule 'a' (0.0.0.0/1) and SecurityGroupRule 'b' (128.0.0.0/1) together "
        "open port(s) 22 to 0.0.0.0/0."]


def test_preview_with_unknown_group_ids_still_joins_rules_by_dependency():
    from preflight.policy_eval import UNKNOWN

    group = resource(SG, "db-sg", {"id": UNKNOWN})
    rules = [attached(n, {"securityGroupId": UNKNOWN, "ipProtocol": "tcp", "fromPort": 22.0, "toPort": 22.0,
                          "cidrIpv4": c}) for n, c in (("a", "0.0.0.0/1"), ("b", "128.0.0.0/1"))]
    assert check_stack(UNION, [group, *rules]) == [
        "SecurityGroup 'db-sg': SecurityGroupIngressRule 'a' (0.0.0.0/1) and SecurityGroupIngressRule 'b' "
        "(128.0.0.0/1) together open port(s) 22 to 0.0.0.0/0."]


def test_preview_with_an_unknown_cidr_cannot_run_rather_than_pass():
    from preflight.policy_eval import UNKNOWN

    from .policy_helpers import analyzer

    rule = attached("c", {"securityGroupId": "sg-db", "ipProtocol": "tcp", "fromPort": 22.0, "toPort": 22.0,
                          "cidrIpv4": UNKNOWN})
    [violation] = [v for v in analyzer().analyze_stack([GROUP, rule]).violations if v.policy == UNION]
    assert violation.enforcement_level == "advisory"
    assert violation.detail.startswith(f"can't run policy '{UNION}'")
