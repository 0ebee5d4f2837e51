"""The bastion, asserted from what the real program registers for dev and prod (and for changed settings).

Resources are linked through recorded property dependencies (not names): the instance's security group, role, key and
subnet; the database's ingress rule from the bastion; the endpoints' security group rule.
"""

import json

import pytest

from components.bastion_user_data import CA_BUNDLE_PATH, CA_BUNDLE_URL
from preflight.engine import ProgramError, RecordedResource, Secret, StackRun
from preflight.mock_cloud import stable_hex

BASTION = "aurora-platform:bastion:Bastion"
INSTANCE = "aws:ec2/instance:Instance"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{}"
KEY = "aurora-platform:bastion"


# ---- following links --------------------------------------------------------------------------------------------
def linked(run: StackRun, resource: RecordedResource, prop: str) -> list[RecordedResource]:
    return [run.by_urn(urn) for urn in resource.property_dependencies.get(prop, [])]


def instance(run: StackRun) -> RecordedResource:
    return run.one(INSTANCE)


def bastion_sg(run: StackRun) -> RecordedResource:
    [group] = linked(run, instance(run), "vpcSecurityGroupIds")
    assert group.type == SECURITY_GROUP
    return group


def rules_on(run: StackRun, token: str, group: RecordedResource) -> list[RecordedResource]:
    return [r for r in run.of_type(token) if r.property_dependencies.get("securityGroupId") == [group.urn]]


def database_sg(run: StackRun) -> RecordedResource:
    [group] = [g for g in run.of_type(SECURITY_GROUP) if g.id == run.exports["databaseSecurityGroupId"]]
    return group


def bastion_role(run: StackRun) -> RecordedResource:
    [profile] = linked(run, instance(run), "iamInstanceProfile")
    [role] = linked(run, profile, "role")
    assert role.type == "aws:iam/role:Role"
    return role


def inline_policies(run: StackRun, role: RecordedResource) -> list[RecordedResource]:
    return [p for p in run.of_type(ROLE_POLICY) if p.property_dependencies.get("role") == [role.urn]]


def tier_of(run: StackRun, resource: RecordedResource) -> str:
    [subnet] = linked(run, resource, "subnetId")
    return subnet.inputs["tags"]["Tier"]


def with_setting(run: StackRun, section: str, **values) -> dict:
    """The stack's own section with some keys changed (overrides replace a whole section)."""
    return {f"aurora-platform:{section}": {**(run.config.get(f"aurora-platform:{section}") or {}), **values}}


# ---- the instance -------------------------------------------------------------------------------------------------
def test_the_bastion_requires_imdsv2_and_encrypts_its_root_volume_with_the_platform_key(any_stack):
    host = instance(any_stack)
    assert host.inputs["metadataOptions"] == {"httpEndpoint": "enabled", "httpTokens": "required",
                                              "httpPutResponseHopLimit": 1}
    root = host.inputs["rootBlockDevice"]
    assert root["encrypted"] is True and root["volumeType"] == "gp3"
    assert root["kmsKeyId"] == any_stack.exports["platformKeyArn"]
    [key] = [k for k in any_stack.of_type("aws:kms/key:Key") if k.urn in host.property_dependencies["rootBlockDevice"]]
    assert key.outputs["arn"] == any_stack.exports["platformKeyArn"]
    assert host.inputs["monitoring"] is True


def test_the_bastion_is_private_with_no_key_pair_and_no_public_address_by_default(any_stack):
    host = instance(any_stack)
    assert "keyName" not in host.inputs
    assert host.inputs["associatePublicIpAddress"] is False
    assert tier_of(any_stack, host) == "private"


def test_the_image_is_the_latest_al2023_for_the_graviton_family_and_a_new_release_does_not_replace_it(any_stack):
    host = instance(any_stack)
    assert host.inputs["instanceType"] == "t4g.micro"
    # the offline engine answers the public SSM parameter with a value derived from the parameter's name
    assert host.inputs["ami"] == f"ami-{stable_hex(AMI_PARAMETER.format('arm64'))}"
    assert host.ignore_changes == ["ami"]
    assert host.inputs["userDataReplaceOnChange"] is True  # cloud-init runs once: a new helper needs a new host


def test_a_pinned_ami_is_used_as_given_and_changing_it_replaces_the_bastion(evaluate, dev):
    """Pulumi keeps an ignored property's old value even on `up --replace`, so rolling the image means pinning it:
    the pinned id is not ignored, and a changed `ami` replaces the instance."""
    run = evaluate("dev", with_setting(dev, "bastion", amiId="ami-0123456789abcdef0"))
    assert instance(run).inputs["ami"] == "ami-0123456789abcdef0"
    assert instance(run).ignore_changes == []


def test_termination_protection_never_blocks_pulumi_replacing_or_destroying_the_bastion(any_stack):
    # without forceDestroy a new user data in prod would create the new host and then fail deleting the old one
    assert instance(any_stack).inputs["forceDestroy"] is True


def test_an_x86_instance_type_gets_the_x86_image(evaluate, dev):
    run = evaluate("dev", with_setting(dev, "bastion", instanceType="m7i.large"))
    assert instance(run).inputs["ami"] == f"ami-{stable_hex(AMI_PARAMETER.format('x86_64'))}"


def test_termination_protection_follows_the_stack(dev, prod, evaluate):
    assert instance(dev).inputs["disableApiTermination"] is False
    assert instance(prod).inputs["disableApiTermination"] is True
    run = evaluate("dev", with_setting(dev, "bastion", terminationProtection=True))
    assert instance(run).inputs["disableApiTermination"] is True


def test_a_public_bastion_asks_for_a_public_address_in_a_public_subnet(evaluate, dev):
    run = evaluate("dev", with_setting(dev, "bastion", subnetTier="public"))
    host = instance(run)
    assert host.inputs["associatePublicIpAddress"] is True
    assert tier_of(run, host) == "public"
    assert rules_on(run, INGRESS, bastion_sg(run)) == []  # public, yet still no inbound rule


# ---- network access ---------------------------------------------------------------------------------------------
def test_no_inbound_rule_at_all_by_default_and_egress_only_to_https_and_the_database(any_stack):
    group = bastion_sg(any_stack)
    assert "ingress" not in group.inputs and "egress" not in group.inputs  # no inline rules
    assert rules_on(any_stack, INGRESS, group) == []
    egress = {r.inputs["fromPort"]: r for r in rules_on(any_stack, EGRESS, group)}
    assert sorted(egress) == [443, any_stack.exports["port"]]
    https = egress[443]
    assert (https.inputs["ipProtocol"], https.inputs["toPort"], https.inputs["cidrIpv4"]) == ("tcp", 443, "0.0.0.0/0")
    db = egress[any_stack.exports["port"]]
    assert db.inputs["toPort"] == any_stack.exports["port"] and "cidrIpv4" not in db.inputs
    assert linked(any_stack, db, "referencedSecurityGroupId") == [database_sg(any_stack)]


def test_the_database_allows_its_port_from_the_bastion_security_group_and_from_no_network(any_stack):
    database = database_sg(any_stack)
    ingress = rules_on(any_stack, INGRESS, database)
    assert all("cidrIpv4" not in r.inputs and "cidrIpv6" not in r.inputs for r in ingress)
    bastion = bastion_sg(any_stack)
    [from_bastion] = [r for r in ingress if linked(any_stack, r, "referencedSecurityGroupId") == [bastion]]
    port = any_stack.exports["port"]
    assert (from_bastion.inputs["ipProtocol"], from_bastion.inputs["fromPort"], from_bastion.inputs["toPort"]) == \
        ("tcp", port, port)


def test_ssh_opens_port_22_to_exactly_the_listed_networks_with_the_key_pair(evaluate, dev):
    run = evaluate("dev", with_setting(dev, "bastion", sshAllowedCidrs=["198.51.100.0/24", "2001:db8:1234::/48"],
                                       sshKeyName="ops-2026"))
    assert instance(run).inputs["keyName"] == "ops-2026"
    rules = rules_on(run, INGRESS, bastion_sg(run))
    assert sorted((r.inputs.get("cidrIpv4") or r.inputs.get("cidrIpv6")) for r in rules) == [
        "198.51.100.0/24", "2001:db8:1234::/48"]
    assert all((r.inputs["ipProtocol"], r.inputs["fromPort"], r.inputs["toPort"]) == ("tcp", 22, 22) for r in rules)


def test_no_rule_anywhere_opens_anything_to_the_whole_internet_inbound(any_stack):
    # The one exception: the public load balancer's own group, on 443 and 80 only (tests/test_load_balancer.py).
    balancer = [g.urn for g in any_stack.of_type("aws:ec2/securityGroup:SecurityGroup") if g.name == "app-lb"]
    for rule in any_stack.of_type(INGRESS):
        if rule.property_dependencies["securityGroupId"] == balancer and \
                (rule.inputs["fromPort"], rule.inputs["toPort"]) in ((443, 443), (80, 80)):
            continue
        assert rule.inputs.get("cidrIpv4") != "0.0.0.0/0" and rule.inputs.get("cidrIpv6") != "::/0", rule.urn


# ---- endpoints ----------------------------------------------------------------------------------------------------
def endpoints(run: StackRun) -> list[RecordedResource]:
    [component] = run.of_type(BASTION)
    return [r for r in run.descendants(component.urn) if r.type == ENDPOINT]


def test_with_nat_the_bastion_needs_no_endpoints(any_stack):
    assert endpoints(any_stack) == []
    assert "/etc/dnf/vars/dualstack" not in instance(any_stack).inputs["userData"]  # dnf left as AWS ships it


def test_a_private_bastion_without_nat_gets_the_ssm_endpoints_reachable_from_it_only(evaluate, dev):
    # (without NAT the application tier cannot start, so the settings refuse an app: drop it)
    run = evaluate("dev", {**with_setting(dev, "network", natGateways="none"), "aurora-platform:app": None})
    found = {e.inputs["serviceName"]: e for e in endpoints(run)}
    interface = {f"com.amazonaws.us-east-1.{s}" for s in ("ssm", "ssmmessages", "ec2messages")}
    assert set(found) == interface | {"com.amazonaws.us-east-1.s3"}
    private = {s.urn for s in run.of_type("aws:ec2/subnet:Subnet") if s.inputs["tags"]["Tier"] == "private"}
    groups = set()
    for name in interface:
        endpoint = found[name]
        assert endpoint.inputs["vpcEndpointType"] == "Interface" and endpoint.inputs["privateDnsEnabled"] is True
        assert set(endpoint.property_dependencies["subnetIds"]) == private
        [group] = linked(run, endpoint, "securityGroupIds")
        groups.add(group.urn)
    [group] = [run.by_urn(u) for u in groups]
    [rule] = rules_on(run, INGRESS, group)
    assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == ("tcp", 443, 443)
    assert linked(run, rule, "referencedSecurityGroupId") == [bastion_sg(run)]
    assert "cidrIpv4" not in rule.inputs and rules_on(run, EGRESS, group) == []
    # dnf reaches the AL2023 repositories through a gateway endpoint limited to reading that bucket
    s3 = found["com.amazonaws.us-east-1.s3"]
    assert s3.inputs["vpcEndpointType"] == "Gateway"
    tables = {t.urn for t in run.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
              for s in t.property_dependencies["subnetId"] if s in private
              for t in linked(run, t, "routeTableId")}
    assert set(s3.property_dependencies["routeTableIds"]) == tables and len(tables) == 3
    assert json.loads(s3.inputs["policy"])["Statement"] == [{
        "Sid": "AmazonLinuxRepositoriesOnly", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::al2023-repos-us-east-1-de612dc2/*"}]
    # the instance waits for them, so its first boot can install the client
    assert {e.urn for e in found.values()} <= set(instance(run).dependencies)
    # and dnf uses the regional S3 name, which the gateway endpoint serves (the dual-stack one it does not)
    assert ": > /etc/dnf/vars/dualstack\n" in instance(run).inputs["userData"]


def test_a_public_bastion_without_nat_needs_no_endpoints(evaluate, dev):
    run = evaluate("dev", {**with_setting(dev, "network", natGateways="none"),
                           **with_setting(dev, "bastion", subnetTier="public"), "aurora-platform:app": None})
    assert endpoints(run) == []


# ---- identity -----------------------------------------------------------------------------------------------------
def test_the_role_has_session_manager_only_and_reads_exactly_the_password_parameter_with_exactly_its_key(any_stack):
    role = bastion_role(any_stack)
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole",
         "Condition": {"StringEqualsIfExists": {"aws:SourceAccount": "123456789012"}}}]
    # no managed policy: AmazonSSMManagedInstanceCore would read every parameter in the account
    assert [a for a in any_stack.of_type(ATTACHMENT) if a.property_dependencies.get("role") == [role.urn]] == []
    session, password = sorted(inline_policies(any_stack, role), key=lambda p: p.name)
    assert [(s["Action"], s["Resource"]) for s in json.loads(session.inputs["policy"])["Statement"]] == [
        ("ssm:UpdateInstanceInformation", "*"),
        (["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel",
          "ssmmessages:OpenDataChannel"], "*")]
    statements = json.loads(password.inputs["policy"])["Statement"]
    assert [(s["Effect"], s["Action"], s["Resource"], s.get("Condition")) for s in statements] == [
        ("Allow", ["ssm:GetParameter", "ssm:GetParameters"], any_stack.exports["passwordParameterArn"], None),
        ("Allow", "kms:Decrypt", any_stack.exports["kmsKeyArn"], {"StringEquals": {
            "kms:ViaService": "ssm.us-east-1.amazonaws.com",
            "kms:EncryptionContext:PARAMETER_ARN": any_stack.exports["passwordParameterArn"]}}),
    ]
    # the instance boots only once the agent may register and open sessions
    assert session.urn in instance(any_stack).dependencies


def test_with_an_rds_managed_password_the_role_reads_exactly_that_secret(evaluate, dev):
    run = evaluate("dev", with_setting(dev, "database", manageMasterUserPassword=True))
    [cluster] = run.of_type("aws:rds/cluster:Cluster")
    secret_arn = cluster.outputs["masterUserSecrets"][0]["secretArn"]
    [policy] = [p for p in inline_policies(run, bastion_role(run)) if p.name.endswith("-password-read")]
    statements = json.loads(policy.inputs["policy"])["Statement"]
    assert [(s["Action"], s["Resource"], s.get("Condition")) for s in statements] == [
        (["secretsmanager:GetSecretValue"], secret_arn, None),
        ("kms:Decrypt", run.exports["kmsKeyArn"], {"StringEquals": {
            "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com",
            "kms:EncryptionContext:SecretARN": secret_arn}})]
    user_data = instance(run).inputs["userData"]
    assert f"--secret-id '{secret_arn}'" in user_data and "aws ssm get-parameter" not in user_data


# ---- user data and outputs ----------------------------------------------------------------------------------------
def test_user_data_connects_to_the_writer_with_verification_and_carries_no_secret(any_stack):
    user_data = instance(any_stack).inputs["userData"]
    assert isinstance(user_data, str)  # not a secret: nothing secret went into it
    exports = {**any_stack.exports, "port": int(any_stack.exports["port"])}
    assert "dnf install -y postgresql16" in user_data and CA_BUNDLE_URL in user_data
    assert (f"host={exports['writerEndpoint']} port={exports['port']} dbname={exports['databaseName']} "
            f"user={exports['masterUsername']} sslmode=verify-full sslrootcert={CA_BUNDLE_PATH}") in user_data
    assert f"--name {exports['passwordParameterName']} --with-decryption" in user_data
    secrets = [v.value for r in any_stack.resources for v in r.outputs.values()
               if isinstance(v, Secret) and isinstance(v.value, str) and len(v.value) >= 8]
    assert secrets and not [s for s in secrets if s in user_data]


def test_a_mysql_cluster_gets_the_mariadb_client_with_identity_verification(evaluate, dev):
    database = {**dev.config["aurora-platform:database"], "engine": "aurora-mysql", "engineVersion": None}
    run = evaluate("dev", {"aurora-platform:database": {k: v for k, v in database.items() if v is not None}})
    user_data = instance(run).inputs["userData"]
    assert "dnf install -y mariadb105" in user_data
    assert (f"--host={run.exports['writerEndpoint']} --port=3306 --user={run.exports['masterUsername']} --ssl "
            f"--ssl-ca={CA_BUNDLE_PATH} --ssl-verify-server-cert") in user_data
    assert '"portNumber":["3306"]' in run.exports["bastionSessionCommand"]


def test_exports_give_the_instance_the_group_and_the_exact_session_command(any_stack):
    exports = {**any_stack.exports, "port": int(any_stack.exports["port"])}
    assert exports["bastionInstanceId"] == instance(any_stack).id and exports["bastionInstanceId"].startswith("i-")
    assert exports["bastionSecurityGroupId"] == bastion_sg(any_stack).id
    port = exports["port"]
    assert exports["bastionSessionCommand"] == (
        f"aws ssm start-session --target {exports['bastionInstanceId']} "
        f"--document-name AWS-StartPortForwardingSessionToRemoteHost "
        f"--parameters '{{\"host\":[\"{exports['writerEndpoint']}\"],\"portNumber\":[\"{port}\"],"
        f"\"localPortNumber\":[\"{port}\"]}}' --region {exports['region']}")


def test_every_bastion_resource_is_tagged_and_parented_to_the_component(any_stack):
    [component] = any_stack.of_type(BASTION)
    mine = any_stack.descendants(component.urn)
    assert sorted(r.type for r in mine) == sorted([
        SECURITY_GROUP, EGRESS, EGRESS, "aws:iam/role:Role", ROLE_POLICY, "aws:iam/instanceProfile:InstanceProfile",
        INSTANCE])  # the password policy and the database ingress rule belong to the database component
    for resource in mine:
        if resource.type != ATTACHMENT and resource.type != ROLE_POLICY:
            assert resource.inputs["tags"]["Environment"] == any_stack.exports["environment"], resource.urn


def test_a_disabled_bastion_creates_nothing_and_exports_nulls(evaluate, dev):
    run = evaluate("dev", with_setting(dev, "bastion", enabled=False))
    assert run.of_type(BASTION) == [] and run.of_type(INSTANCE) == []
    # Pulumi drops outputs whose value is None: `pulumi stack output --json` has no such key, so jq reads null
    assert not {"bastionInstanceId", "bastionSecurityGroupId", "bastionSessionCommand"} & set(run.exports)
    assert "writerEndpoint" in run.exports
    assert not [p for p in run.of_type(ROLE_POLICY) if "bastion" in p.name]
    assert len(rules_on(run, INGRESS, database_sg(run))) == len(rules_on(dev, INGRESS, database_sg(dev))) - 1


# ---- invalid settings stop the program before anything is registered -----------------------------------------------
@pytest.mark.parametrize(("bastion", "expected"), [
    ({"sshAllowedCidrs": ["0.0.0.0/0"], "sshKeyName": "ops"},
     f'{KEY}.sshAllowedCidrs[0]: got "0.0.0.0/0"; allowed: a specific network, never the whole internet'),
    ({"sshAllowedCidrs": ["::/0"], "sshKeyName": "ops"},
     f'{KEY}.sshAllowedCidrs[0]: got "::/0"; allowed: a specific network, never the whole internet'),
    ({"sshAllowedCidrs": ["10.0.0.0/8"], "sshKeyName": "ops"},
     f'{KEY}.sshAllowedCidrs[0]: got "10.0.0.0/8"; allowed: a network no broader than /16 for IPv4'),
    ({"sshAllowedCidrs": ["10.0.0.0/33"], "sshKeyName": "ops"},
     f'{KEY}.sshAllowedCidrs[0]: got "10.0.0.0/33"; allowed: an IPv4 or IPv6 network in CIDR notation'),
    ({"subnetTier": "dmz"}, f'{KEY}.subnetTier: got "dmz"; allowed: private, public'),
    ({"instanceType": "micro"}, f'{KEY}.instanceType: got "micro"; allowed: an EC2 instance type "<family>.<size>"'),
    ({"sshKeyName": "ops"}, f"{KEY}.sshKeyName: set only together with {KEY}.sshAllowedCidrs"),
])
def test_a_bad_bastion_setting_stops_the_program_before_anything_is_registered(evaluate, bastion, expected):
    with pytest.raises(ProgramError) as caught:
        evaluate("prod", {KEY: bastion})
    assert caught.value.kind == "settings"
    assert expected in str(caught.value)
    assert caught.value.resources == []
