"""A plausible, deterministic fake of what AWS and the providers return: computed outputs and invoke results.

Everything is derived from the resource's URN (a stable hash), so two runs of the same program give the same ids,
names and ARNs. That is what lets `preflight diff` compare two reports, and tests assert exact values.
"""

from __future__ import annotations

import base64
import hashlib
import random
import string
from collections.abc import Callable
from typing import Any

from . import policy_document
from .engine import Secret

ACCOUNT_ID = "123456789012"

# The parts of a token: "aws:rds/cluster:Cluster" -> package "aws", module "rds", type "Cluster".


def stable_hex(seed: str, length: int = 17) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def autoname(logical_name: str, urn: str) -> str:
    """What the engine's auto-naming does: the logical name plus a random 7-character suffix (here: stable)."""
    return f"{logical_name}-{stable_hex(urn, 7)}"


def _service(token: str) -> str:
    package, module = token.split(":")[0], token.split(":")[1].split("/")[0]
    return module if package == "aws" else package


class MockCloud:
    def __init__(self, region: str):
        self.region = region

    # ---- resources -------------------------------------------------------------------------------------------
    def in_region(self, region: str | None) -> MockCloud:
        """The same fake account in another region (a resource's `region` argument or its provider's)."""
        return self if not region or region == self.region else MockCloud(region)

    def new_resource(self, token: str, name: str, urn: str, inputs: dict[str, Any],
                     region: str | None = None) -> tuple[str, dict[str, Any]]:
        cloud = self.in_region(region)
        outputs = dict(inputs)
        if token.startswith("random:"):
            return cloud._random(token, urn, outputs)
        resource_id = cloud._id(token, name, urn, outputs)
        # A provider is configuration, it has no ARN; nor has a resource of another cloud's package that declares
        # none (a docker-build image is named by its digest).
        if not token.startswith("pulumi:providers:") and (token.startswith("aws:") or _declares_arn(token)):
            outputs.setdefault("arn", cloud._arn(token, name, urn, outputs, resource_id))
        handler = _RESOURCE_OUTPUTS.get(token)
        if handler is not None:
            handler(cloud, name, urn, outputs, resource_id)
        return resource_id, outputs

    def _id(self, token: str, name: str, urn: str, outputs: dict[str, Any]) -> str:
        prefix = _ID_PREFIXES.get(token)
        if prefix:
            return f"{prefix}-{stable_hex(urn)}"
        # A task definition's id is its family; elsewhere a given name or identifier is the id, else an auto-name.
        keys = ("family",) if token == "aws:ecs/taskDefinition:TaskDefinition" else ("bucket",) if token in (
            "aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2") else ("name", "identifier", "clusterIdentifier")
        for key in keys:
            if isinstance(outputs.get(key), str):
                return outputs[key]
        return autoname(name, urn)

    def _arn(self, token: str, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> str:
        service = _service(token)
        kind = token.split(":")[-1]
        kind = kind[0].lower() + kind[1:]
        if service == "iam":
            return f"arn:aws:iam::{ACCOUNT_ID}:{kind.lower()}/{outputs.get('name') or resource_id}"
        return f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{kind}/{resource_id}"

    def _random(self, token: str, urn: str, outputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        rng = random.Random(stable_hex(urn, 32))
        if token == "random:index/randomPassword:RandomPassword":
            outputs["result"] = generate_password(outputs, rng)
            outputs["bcryptHash"] = "$2a$10$" + stable_hex(urn, 53)
        elif token == "random:index/randomString:RandomString":
            outputs["result"] = generate_password(outputs, rng)
        elif token == "random:index/randomId:RandomId":
            hex_value = stable_hex(urn, int(outputs.get("byteLength", 8)) * 2)
            outputs.update(hex=hex_value, dec=str(int(hex_value, 16)), b64Url=hex_value, b64Std=hex_value)
        elif token == "random:index/randomPet:RandomPet":
            outputs["id"] = f"mock-{stable_hex(urn, 6)}"
        # The random provider's id for passwords is literally "none"; the others use their result.
        return ("none" if token.endswith("RandomPassword") else stable_hex(urn, 12)), outputs

    # ---- invokes ---------------------------------------------------------------------------------------------
    def call(self, token: str, args: dict[str, Any], region: str | None = None) -> dict[str, Any]:
        handler = _INVOKES.get(token)
        if handler is None:
            raise UnmockedInvokeError(
                f"the offline engine has no fake for the invoke '{token}'; add one to preflight/mock_cloud.py")
        return handler(self.in_region(region), args)


def _declares_arn(token: str) -> bool:
    """Whether the SDK class of a token has an `arn` output; True when the package is not installed (as before)."""
    from .mock_outputs import properties, sdk_class

    cls = sdk_class(token)
    return cls is None or any(key == "arn" for key, _ in properties(cls))


class UnmockedInvokeError(Exception):
    pass


def generate_password(inputs: dict[str, Any], rng: random.Random) -> str:
    """Honour the RandomPassword inputs the way the provider does, so tests can check the character set."""
    length = int(inputs.get("length", 16))
    pools: list[tuple[str, int]] = []
    if inputs.get("upper", True):
        pools.append((string.ascii_uppercase, int(inputs.get("minUpper", 0))))
    if inputs.get("lower", True):
        pools.append((string.ascii_lowercase, int(inputs.get("minLower", 0))))
    if inputs.get("numeric", inputs.get("number", True)):
        pools.append((string.digits, int(inputs.get("minNumeric", 0))))
    if inputs.get("special", True):
        specials = inputs.get("overrideSpecial") or "!@#$%&*()-_=+[]{}<>:?"
        pools.append((specials, int(inputs.get("minSpecial", 0))))
    alphabet = "".join(pool for pool, _ in pools)
    chars = [rng.choice(pool) for pool, minimum in pools for _ in range(minimum)]
    chars += [rng.choice(alphabet) for _ in range(max(0, length - len(chars)))]
    rng.shuffle(chars)
    return "".join(chars)


# ---- per-type computed outputs --------------------------------------------------------------------------------
_ID_PREFIXES = {
    "aws:iam/accessKey:AccessKey": "AKIA",
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc",
    "aws:ec2/route:Route": "r",
    "aws:ec2/instance:Instance": "i",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt",
    "aws:ec2/flowLog:FlowLog": "fl",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
    "aws:ec2/securityGroupRule:SecurityGroupRule": "sgrule",
}

Handler = Callable[[MockCloud, str, str, dict[str, Any], str], None]


def _named(arn: str | None = None, field: str = "name") -> Handler:
    """The common case: the name is the given one or the id, and the ARN is a template of region, account, name."""
    def handler(cloud: MockCloud, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> None:
        value = outputs.setdefault(field, resource_id)
        if arn is not None:
            outputs["arn"] = arn.format(region=cloud.region, account=ACCOUNT_ID, name=value)
    return handler


def _vpc(cloud: MockCloud, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> None:
    outputs.update(defaultSecurityGroupId=f"sg-{stable_hex(urn + 'default-sg')}",
                   mainRouteTableId=f"rtb-{stable_hex(urn + 'main-rtb')}",
                   defaultNetworkAclId=f"acl-{stable_hex(urn + 'acl')}")


def _kms_key(cloud: MockCloud, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> None:
    key_id = "-".join((stable_hex(urn, 8), stable_hex(urn + "1", 4), stable_hex(urn + "2", 4),
                       stable_hex(urn + "3", 4), stable_hex(urn + "4", 12)))
    outputs.update(keyId=key_id, arn=f"arn:aws:kms:{cloud.region}:{ACCOUNT_ID}:key/{key_id}")


def _kms_alias(cloud: MockCloud, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> None:
    alias = outputs.get("name") or f"alias/{autoname(name, urn)}"
    outputs.update(name=alias, arn=f"arn:aws:kms:{cloud.region}:{ACCOUNT_ID}:{alias}")


def _ssm_parameter(cloud: MockCloud, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> None:
    parameter = outputs.setdefault("name", resource_id)
    path = parameter if parameter.startswith("/") else f"/{parameter}"
    outputs.update(arn=f"arn:aws:ssm:{cloud.region}:{ACCOUNT_ID}:parameter{path}", version=1)


def _rds_cluster(cloud: MockCloud, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> None:
    identifier = outputs.setdefault("clusterIdentifier", resource_id)
    suffix = stable_hex(urn, 12)
    outputs.update(
        arn=f"arn:aws:rds:{cloud.region}:{ACCOUNT_ID}:cluster:{identifier}",
        endpoint=f"{identifier}.cluster-{suffix}.{cloud.region}.rds.amazonaws.com",
        readerEndpoint=f"{identifier}.cluster-ro-{suffix}.{cloud.region}.rds.amazonaws.com",
        clusterResourceId=f"cluster-{stable_hex(urn, 26).upper()}",
        hostedZoneId="Z2R2ITUGPM61AM",
    )
    outputs.setdefault("port", 3306 if str(outputs.get("engine", "")).startswith("aurora-mysql") else 5432)
    if outputs.get("manageMasterUserPassword"):
        outputs["masterUserSecrets"] = [{
            "secretArn": f"arn:aws:secretsmanager:{cloud.region}:{ACCOUNT_ID}:secret:rds!cluster-{stable_hex(urn)}",
            "kmsKeyId": outputs.get("masterUserSecretKmsKeyId"), "secretStatus": "active"}]


def _rds_instance(cloud: MockCloud, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> None:
    identifier = outputs.setdefault("identifier", resource_id)
    outputs.update(arn=f"arn:aws:rds:{cloud.region}:{ACCOUNT_ID}:db:{identifier}",
                   endpoint=f"{identifier}.{stable_hex(urn, 12)}.{cloud.region}.rds.amazonaws.com",
                   dbiResourceId=f"db-{stable_hex(urn, 26).upper()}")


def _rds_proxy(cloud: MockCloud, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> None:
    proxy = outputs.setdefault("name", resource_id)
    outputs.update(arn=f"arn:aws:rds:{cloud.region}:{ACCOUNT_ID}:db-proxy:prx-{stable_hex(urn)}",
                   endpoint=f"{proxy}.proxy-{stable_hex(urn, 12)}.{cloud.region}.rds.amazonaws.com")


def _rds_proxy_endpoint(cloud: MockCloud, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> None:
    endpoint = outputs.get("dbProxyEndpointName") or resource_id
    outputs["endpoint"] = f"{endpoint}.endpoint.proxy-{stable_hex(urn, 12)}.{cloud.region}.rds.amazonaws.com"


def _rds_cluster_endpoint(cloud: MockCloud, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> None:
    # A custom endpoint's DNS name: <endpoint identifier>.cluster-custom-<suffix>.<region>.rds.amazonaws.com.
    identifier = outputs.setdefault("clusterEndpointIdentifier", resource_id)
    outputs.update(arn=f"arn:aws:rds:{cloud.region}:{ACCOUNT_ID}:cluster-endpoint:{identifier}",
                   endpoint=f"{identifier}.cluster-custom-{stable_hex(urn, 12)}.{cloud.region}.rds.amazonaws.com")


def _global_cluster(cloud: MockCloud, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> None:
    identifier = outputs.setdefault("globalClusterIdentifier", resource_id)
    outputs.update(arn=f"arn:aws:rds::{ACCOUNT_ID}:global-cluster:{identifier}",
                   globalClusterResourceId=f"cluster-{stable_hex(urn, 20)}")


def _ecs_task_definition(cloud: MockCloud, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> None:
    family = outputs.get("family") or resource_id
    outputs.update(revision=1, arn=f"arn:aws:ecs:{cloud.region}:{ACCOUNT_ID}:task-definition/{family}:1",
                   arnWithoutRevision=f"arn:aws:ecs:{cloud.region}:{ACCOUNT_ID}:task-definition/{family}")


def _secret(cloud: MockCloud, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> None:
    secret = outputs.setdefault("name", resource_id)
    outputs["arn"] = f"arn:aws:secretsmanager:{cloud.region}:{ACCOUNT_ID}:secret:{secret}-{stable_hex(urn, 6)}"


def _instance(cloud: MockCloud, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> None:
    outputs.update(privateIp="10.0.32.10", privateDns=f"ip-10-0-32-10.{cloud.region}.compute.internal",
                   arn=f"arn:aws:ec2:{cloud.region}:{ACCOUNT_ID}:instance/{resource_id}")


def _nat(cloud: MockCloud, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> None:
    outputs["publicIp"] = "203.0.113.10"


def _eip(cloud: MockCloud, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> None:
    outputs.update(publicIp="203.0.113.10", allocationId=resource_id)


def _iam_role(cloud: MockCloud, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> None:
    role = outputs.setdefault("name", resource_id)
    outputs.update(arn=f"arn:aws:iam::{ACCOUNT_ID}:role/{role}", uniqueId=f"AROA{stable_hex(urn, 17).upper()}")


def _access_key(cloud: MockCloud, name: str, urn: str, outputs: dict[str, Any], resource_id: str) -> None:
    """An IAM access key: its secret (and SMTP password) exist only in outputs, declared secret by the SDK."""
    outputs.update(secret=base64.b64encode(bytes.fromhex(stable_hex(urn + "secret", 60))).decode(),
                   sesSmtpPasswordV4=base64.b64encode(bytes.fromhex(stable_hex(urn + "smtp", 64))).decode(),
                   status=outputs.get("status") or "Active")


_RESOURCE_OUTPUTS: dict[str, Handler] = {
    "aws:iam/accessKey:AccessKey": _access_key,
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:ec2/instance:Instance": _instance,
    "aws:ec2/natGateway:NatGateway": _nat,
    "aws:ec2/eip:Eip": _eip,
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:cloudwatch/logGroup:LogGroup": _named("arn:aws:logs:{region}:{account}:log-group:{name}"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _named("arn:aws:cloudwatch:{region}:{account}:alarm:{name}"),
    "aws:ssm/parameter:Parameter": _ssm_parameter,
    "aws:sns/topic:Topic": _named("arn:aws:sns:{region}:{account}:{name}"),
    "aws:rds/cluster:Cluster": _rds_cluster,
    "aws:rds/clusterInstance:ClusterInstance": _rds_instance,
    "aws:rds/subnetGroup:SubnetGroup": _named("arn:aws:rds:{region}:{account}:subgrp:{name}"),
    "aws:rds/clusterParameterGroup:ClusterParameterGroup": _named("arn:aws:rds:{region}:{account}:cluster-pg:{name}"),
    "aws:rds/parameterGroup:ParameterGroup": _named("arn:aws:rds:{region}:{account}:pg:{name}"),
    "aws:rds/eventSubscription:EventSubscription": _named("arn:aws:rds:{region}:{account}:es:{name}"),
    "aws:rds/proxy:Proxy": _rds_proxy,
    "aws:rds/clusterEndpoint:ClusterEndpoint": _rds_cluster_endpoint,
    "aws:rds/proxyEndpoint:ProxyEndpoint": _rds_proxy_endpoint,
    "aws:rds/globalCluster:GlobalCluster": _global_cluster,
    "aws:ecs/taskDefinition:TaskDefinition": _ecs_task_definition,
    "aws:ecs/cluster:Cluster": _named("arn:aws:ecs:{region}:{account}:cluster/{name}"),
    "aws:ecs/service:Service": _named("arn:aws:ecs:{region}:{account}:service/{name}"),
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:iam/role:Role": _iam_role,
    "aws:iam/instanceProfile:InstanceProfile": _named("arn:aws:iam::{account}:instance-profile/{name}"),
    "aws:iam/policy:Policy": _named("arn:aws:iam::{account}:policy/{name}"),
    "aws:ec2/securityGroup:SecurityGroup": _named(),
    # A bucket's id is its name, and its ARN has neither region nor account.
    "aws:s3/bucket:Bucket": _named("arn:aws:s3:::{name}", field="bucket"),
    "aws:s3/bucketV2:BucketV2": _named("arn:aws:s3:::{name}", field="bucket"),
}


# ---- invokes ----------------------------------------------------------------------------------------------------
# Zones a new account sees in a few regions (letters are not always consecutive); elsewhere three, a to c. A program
# asking for more zones than its region has must fail offline as it would for real.
_ZONE_LETTERS = {"us-east-1": "abcdef", "us-west-1": "ab", "us-west-2": "abcd", "ap-northeast-1": "acd",
                 "ap-northeast-2": "abcd", "ca-central-1": "abd"}
_DIRECTIONS = {"east": "e", "west": "w", "north": "n", "south": "s", "central": "c", "northeast": "ne",
               "southeast": "se", "northwest": "nw", "southwest": "sw", "gov": "g"}


def zone_id_prefix(region: str) -> str:
    """AWS's zone-id prefix: us-east-1 -> use1, ap-southeast-2 -> apse2, us-gov-west-1 -> usgw1."""
    parts = region.split("-")
    return parts[0] + "".join(_DIRECTIONS.get(p, p[:1]) for p in parts[1:-1]) + parts[-1]


def _availability_zones(cloud: MockCloud, args: dict[str, Any]) -> dict[str, Any]:
    letters = _ZONE_LETTERS.get(cloud.region, "abc")
    excluded = set(args.get("excludeNames") or [])
    names = [f"{cloud.region}{c}" for c in letters if f"{cloud.region}{c}" not in excluded]
    return {"id": cloud.region, "names": names,
            "zoneIds": [f"{zone_id_prefix(cloud.region)}-az{letters.index(n[-1]) + 1}" for n in names],
            "groupNames": [cloud.region] * len(names), "state": args.get("state"),
            "allAvailabilityZones": args.get("allAvailabilityZones"), "excludeNames": args.get("excludeNames"),
            "excludeZoneIds": args.get("excludeZoneIds"), "filters": args.get("filters")}


def _caller_identity(cloud: MockCloud, args: dict[str, Any]) -> dict[str, Any]:
    return {"id": ACCOUNT_ID, "accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/preflight",
            "userId": "AIDAPREFLIGHT"}


def _region(cloud: MockCloud, args: dict[str, Any]) -> dict[str, Any]:
    return {"id": cloud.region, "name": cloud.region, "region": cloud.region,
            "endpoint": f"ec2.{cloud.region}.amazonaws.com", "description": "mock region"}


def _partition(cloud: MockCloud, args: dict[str, Any]) -> dict[str, Any]:
    return {"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}


# AWS's public parameters (latest AMIs, regions, services) are all String parameters, readable by every account.
PUBLIC_PARAMETERS = "/aws/service/"


def _ssm_get_parameter(cloud: MockCloud, args: dict[str, Any]) -> dict[str, Any]:
    """`value` is the provider's sensitive field: a parameter of our own may be a SecureString, read decrypted, so its
    value comes back secret (and the engine records it as a secret read at deploy time). A public parameter is
    known to be a String: plain, as `insecureValue` always is."""
    name = args.get("name", "")
    value = f"ami-{stable_hex(name)}" if "/ami/" in name or "ami" in name else f"mock-value-of-{name}"
    secret = not name.startswith(PUBLIC_PARAMETERS) and args.get("withDecryption", True) is not False
    return {"id": name, "name": name, "value": Secret(value) if secret else value, "insecureValue": value,
            "type": "String", "version": 1, "arn": f"arn:aws:ssm:{cloud.region}:{ACCOUNT_ID}:parameter{name}",
            "withDecryption": True}


def _secret_version(cloud: MockCloud, args: dict[str, Any]) -> dict[str, Any]:
    """secretsmanager.get_secret_version: the secret string comes back secret, as the provider marks it."""
    secret_id = str(args.get("secretId", ""))
    arn = secret_id if secret_id.startswith("arn:") else \
        f"arn:aws:secretsmanager:{cloud.region}:{ACCOUNT_ID}:secret:{secret_id}-{stable_hex(secret_id, 6)}"
    version = args.get("versionId") or stable_hex(secret_id + "version", 32)
    return {"id": f"{arn}|{args.get('versionStage') or 'AWSCURRENT'}", "arn": arn, "secretId": secret_id,
            "secretString": Secret(f"mock-secret-string-of-{secret_id}"),
            "secretBinary": Secret(""), "versionId": version, "versionStage": args.get("versionStage") or "AWSCURRENT",
            "versionStages": ["AWSCURRENT"], "createdDate": "2026-01-01T00:00:00Z"}


def _policy_document(cloud: MockCloud, args: dict[str, Any]) -> dict[str, Any]:
    """iam.get_policy_document as the provider computes it, source and override documents merged (see
    preflight/policy_document.py): the rules must see every statement the real data source would return."""
    return policy_document.render(args)


_INVOKES: dict[str, Callable[[MockCloud, dict[str, Any]], dict[str, Any]]] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getPartition:getPartition": _partition,
    "aws:ssm/getParameter:getParameter": _ssm_get_parameter,
    "aws:iam/getPolicyDocument:getPolicyDocument": _policy_document,
    "aws:secretsmanager/getSecretVersion:getSecretVersion": _secret_version,
}
