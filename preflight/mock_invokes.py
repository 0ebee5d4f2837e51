"""Invoke answers for any program, the identity the fake account has, and the cloud the offline engine talks to.

An invoke (a data source: `aws.ec2.get_ami(...)`) is answered, in this order:
1. a specific fake below for the common AWS lookups, shaped as pulumi-aws returns them;
2. the project's own fakes in mock_cloud.py (zones, region, partition, SSM parameters, policy documents);
3. otherwise a typed default built from the SDK's own result type (`pulumi_aws.ec2.GetAmiResult`: arguments echoed,
   ids and addresses shaped by name, other fields their type's zero), and a warning naming the invoke, because a
   rule may then judge a made-up value.
No invoke stops the program. What AWS alone knows about existing things (a looked-up subnet's zone, a managed
policy's document) is UNKNOWN rather than invented.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import mock_cloud
from .mock_cloud import MockCloud, UnmockedInvokeError, stable_hex
from .mock_outputs import UNKNOWN, Context, as_plain_result, resource_outputs, typed_result

PLACEHOLDER_SECRET = "preflight-placeholder-secret"
AMAZON_OWNER = "137112412989"  # the account that publishes Amazon Linux images


# ---- identity ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Identity:
    """Who the fake caller is: programs that guard on the account or the organization need the real ones."""

    account_id: str = mock_cloud.ACCOUNT_ID
    organization: str = "organization"
    user_arn: str = ""

    @property
    def arn(self) -> str:
        return self.user_arn or f"arn:aws:iam::{self.account_id}:user/preflight"


_IDENTITY_KEYS = {"accountId": "account_id", "organization": "organization", "arn": "user_arn"}


def load_identity(path: Path | None = None, account_id: str | None = None,
                  organization: str | None = None) -> Identity:
    """An identity from a YAML/JSON file (`accountId`, `organization`, `arn`) and command-line values (which win).
    Raises ValueError naming the key, the value given and what is allowed."""
    given: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as error:
            raise ValueError(f"identity file {path}: cannot be read as YAML or JSON ({error})") from None
        if not isinstance(loaded, Mapping):
            raise ValueError(f"identity file {path}: expected a mapping with keys "
                             f"{', '.join(sorted(_IDENTITY_KEYS))}, got {type(loaded).__name__}")
        unknown = sorted(str(k) for k in loaded if k not in _IDENTITY_KEYS)
        if unknown:
            raise ValueError(f"identity file {path}: unknown key {', '.join(unknown)}; allowed: "
                             f"{', '.join(sorted(_IDENTITY_KEYS))}")
        given = {_IDENTITY_KEYS[k]: v for k, v in loaded.items()}
    if account_id is not None:
        given["account_id"] = account_id
    if organization is not None:
        given["organization"] = organization
    account = given.get("account_id", mock_cloud.ACCOUNT_ID)
    if not isinstance(account, str) or not re.fullmatch(r"[0-9]{12}", account):
        raise ValueError(f"identity accountId: {account!r} is not an AWS account id; allowed: exactly 12 digits "
                         "(quote it in YAML so leading zeros survive)")
    org = given.get("organization", "organization")
    if not isinstance(org, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", org):
        raise ValueError(f"identity organization: {org!r} is not an organization name; allowed: letters, digits, "
                         "'-', '_' and '.', up to 100 characters")
    arn = given.get("user_arn", "")
    if arn and (not isinstance(arn, str) or not re.fullmatch(rf"arn:aws[a-z-]*:(iam|sts)::{account}:\S+", arn)):
        raise ValueError(f"identity arn: {arn!r} is not an IAM or STS ARN of account {account}; allowed: "
                         f"arn:aws:iam::{account}:user/NAME, arn:aws:sts::{account}:assumed-role/ROLE/SESSION ...")
    return Identity(account_id=account, organization=org, user_arn=arn)


@contextmanager
def identity_scope(identity: Identity | None) -> Iterator[Identity]:
    """The fake account for one run: every ARN and lookup in mock_cloud reads mock_cloud.ACCOUNT_ID when it runs."""
    identity = identity or Identity()
    before = mock_cloud.ACCOUNT_ID
    mock_cloud.ACCOUNT_ID = identity.account_id
    try:
        yield identity
    finally:
        mock_cloud.ACCOUNT_ID = before


# ---- specific answers --------------------------------------------------------------------------------------------
Answer = Callable[["OfflineCloud", dict[str, Any]], dict[str, Any]]


def _seed(token: str, cloud: MockCloud, args: Mapping[str, Any]) -> str:
    return f"{token}|{cloud.region}|{json.dumps(args, sort_keys=True, default=str)}"


def _uuid(seed: str) -> str:
    return str(uuid.UUID(hex=stable_hex(seed, 32)))


def _filter_values(args: Mapping[str, Any], name: str) -> list[str]:
    return [str(v) for f in args.get("filters") or [] if f.get("name") == name for v in f.get("values") or []]


def _caller_identity(cloud: OfflineCloud, args: dict[str, Any]) -> dict[str, Any]:
    account = mock_cloud.ACCOUNT_ID
    return {"id": account, "accountId": account, "arn": cloud.identity.arn, "userId": "AIDAPREFLIGHTOFFLINE"}


def _ami(cloud: OfflineCloud, args: dict[str, Any]) -> dict[str, Any]:
    seed = _seed("ami", cloud, args)
    image = f"ami-{stable_hex(seed)}"
    names = _filter_values(args, "name")
    name = names[0].replace("*", "20260101") if names else "preflight-offline-image"
    arches = _filter_values(args, "architecture")
    architecture = arches[0] if arches else ("arm64" if "arm64" in name or "aarch64" in name else "x86_64")
    owners = [str(o) for o in args.get("owners") or []]
    owner = next((o for o in owners if o.isdigit()), AMAZON_OWNER)
    return {"id": image, "imageId": image, "arn": f"arn:aws:ec2:{cloud.region}::image/{image}", "name": name,
            "description": name, "architecture": architecture, "ownerId": owner,
            "imageOwnerAlias": "amazon" if owner == AMAZON_OWNER or "amazon" in owners else None,
            "rootDeviceName": "/dev/xvda", "rootDeviceType": "ebs", "virtualizationType": "hvm",
            "state": "available", "imageType": "machine", "hypervisor": "xen", "platformDetails": "Linux/UNIX",
            "usageOperation": "RunInstances", "creationDate": "2026-01-01T00:00:00.000Z", "public": True,
            "enaSupport": True, "imageLocation": f"{owner}/{name}"}


def _ami_ids(cloud: OfflineCloud, args: dict[str, Any]) -> dict[str, Any]:
    return {"id": cloud.region, "ids": [f"ami-{stable_hex(_seed('ami', cloud, args))}"]}


def _vpc(cloud: OfflineCloud, args: dict[str, Any]) -> dict[str, Any]:
    vpc_id = args.get("id") or next(iter(_filter_values(args, "vpc-id")), None) \
        or f"vpc-{stable_hex(_seed('vpc', cloud, args))}"
    default = bool(args.get("default"))
    return {"id": vpc_id, "arn": f"arn:aws:ec2:{cloud.region}:{mock_cloud.ACCOUNT_ID}:vpc/{vpc_id}",
            "cidrBlock": args.get("cidrBlock") or ("172.31.0.0/16" if default else "10.0.0.0/16"),
            "default": default, "state": "available", "instanceTenancy": "default", "enableDnsSupport": True,
            "enableDnsHostnames": default, "ownerId": mock_cloud.ACCOUNT_ID,
            "mainRouteTableId": f"rtb-{stable_hex(vpc_id + 'main')}",
            "dhcpOptionsId": f"dopt-{stable_hex(vpc_id + 'dhcp')}"}


def _subnets(cloud: OfflineCloud, args: dict[str, Any]) -> dict[str, Any]:
    """One subnet per zone of the region, as a default VPC has."""
    zones = mock_cloud._ZONE_LETTERS.get(cloud.region, "abc")
    seed = _seed("subnets", cloud, args)
    return {"id": cloud.region, "ids": [f"subnet-{stable_hex(seed + letter)}" for letter in zones]}


def _subnet(cloud: OfflineCloud, args: dict[str, Any]) -> dict[str, Any]:
    subnet_id = args.get("id") or f"subnet-{stable_hex(_seed('subnet', cloud, args))}"
    vpc_id = args.get("vpcId") or next(iter(_filter_values(args, "vpc-id")), None) \
        or f"vpc-{stable_hex(_seed('vpc', cloud, {}))}"
    return {"id": subnet_id, "vpcId": vpc_id, "state": "available", "ownerId": mock_cloud.ACCOUNT_ID,
            "arn": f"arn:aws:ec2:{cloud.region}:{mock_cloud.ACCOUNT_ID}:subnet/{subnet_id}",
            "cidrBlock": args.get("cidrBlock") or "172.31.0.0/20",
            # Where an existing subnet lives is AWS's fact, not ours: unknown unless the program asked for a zone.
            "availabilityZone": args.get("availabilityZone") or UNKNOWN,
            "availabilityZoneId": args.get("availabilityZoneId") or UNKNOWN}


def _security_group(cloud: OfflineCloud, args: dict[str, Any]) -> dict[str, Any]:
    group_id = args.get("id") or f"sg-{stable_hex(_seed('sg', cloud, args))}"
    name = args.get("name") or next(iter(_filter_values(args, "group-name")), None) or "default"
    return {"id": group_id, "name": name, "vpcId": args.get("vpcId") or f"vpc-{stable_hex(_seed('vpc', cloud, {}))}",
            "arn": f"arn:aws:ec2:{cloud.region}:{mock_cloud.ACCOUNT_ID}:security-group/{group_id}"}


def _ecr_token(cloud: OfflineCloud, args: dict[str, Any]) -> dict[str, Any]:
    registry = args.get("registryId") or mock_cloud.ACCOUNT_ID
    # The provider marks the token and password sensitive; a placeholder that stays secret.
    return {"id": cloud.region, "registryId": registry, "userName": "AWS", "expiresAt": "2026-12-31T00:00:00Z",
            "proxyEndpoint": f"https://{registry}.dkr.ecr.{cloud.region}.amazonaws.com",
            "password": _secret(PLACEHOLDER_SECRET),
            # base64 of "AWS:<password>", as ECR returns it: programs decode it to log in to the registry.
            "authorizationToken": _secret(base64.b64encode(f"AWS:{PLACEHOLDER_SECRET}".encode()).decode())}


def _secret(value: Any) -> Any:
    from .engine import Secret  # the engine's marker: its _to_rpc answers it as a secret

    return Secret(value)


def _iam_policy(cloud: OfflineCloud, args: dict[str, Any]) -> dict[str, Any]:
    arn = args.get("arn") or f"arn:aws:iam::aws:policy/{args.get('pathPrefix') or ''}{args.get('name') or 'unknown'}"
    return {"id": arn, "arn": arn, "name": args.get("name") or arn.rsplit("/", 1)[-1], "path": "/",
            "policyId": f"ANPA{stable_hex(arn, 17).upper()}", "attachmentCount": 0,
            "policy": UNKNOWN}  # a managed policy's document is AWS's; offline it is unknown, not empty


def _iam_role(cloud: OfflineCloud, args: dict[str, Any]) -> dict[str, Any]:
    name = args.get("name") or "role"
    return {"id": name, "name": name, "path": "/", "arn": f"arn:aws:iam::{mock_cloud.ACCOUNT_ID}:role/{name}",
            "uniqueId": f"AROA{stable_hex(name, 17).upper()}", "assumeRolePolicy": UNKNOWN}


def _sm_secret(cloud: OfflineCloud, args: dict[str, Any]) -> dict[str, Any]:
    name = args.get("name") or str(args.get("arn") or "secret").rsplit(":", 1)[-1].rsplit("-", 1)[0]
    arn = args.get("arn") or \
        f"arn:aws:secretsmanager:{cloud.region}:{mock_cloud.ACCOUNT_ID}:secret:{name}-{stable_hex(name, 6)}"
    return {"id": arn, "arn": arn, "name": name}


def _sm_secret_version(cloud: OfflineCloud, args: dict[str, Any]) -> dict[str, Any]:
    secret_id = str(args.get("secretId") or "secret")
    arn = secret_id if secret_id.startswith("arn:") else \
        f"arn:aws:secretsmanager:{cloud.region}:{mock_cloud.ACCOUNT_ID}:secret:{secret_id}-{stable_hex(secret_id, 6)}"
    return {"id": f"{arn}|AWSCURRENT", "arn": arn, "secretId": secret_id, "versionId": _uuid(arn),
            "versionStage": args.get("versionStage") or "AWSCURRENT", "versionStages": ["AWSCURRENT"],
            "secretString": _secret(PLACEHOLDER_SECRET), "secretBinary": _secret("")}


_ENGINE_VERSIONS = {"aurora-postgresql": ("16.4", "aurora-postgresql16"),
                    "aurora-mysql": ("8.0.mysql_aurora.3.08.0", "aurora-mysql8.0"),
                    "postgres": ("16.4", "postgres16"), "mysql": ("8.0.40", "mysql8.0"),
                    "mariadb": ("10.11.10", "mariadb10.11")}


def _engine_version(cloud: OfflineCloud, args: dict[str, Any]) -> dict[str, Any]:
    engine = str(args.get("engine") or "aurora-postgresql")
    default_version, family = _ENGINE_VERSIONS.get(engine, ("1.0", engine))
    versions = args.get("preferredVersions") or []
    version = str(args.get("version") or (versions[0] if versions else default_version))
    return {"id": version, "engine": engine, "version": version, "versionActual": version,
            "parameterGroupFamily": args.get("parameterGroupFamily") or family, "status": "available",
            "engineDescription": engine, "versionDescription": f"{engine} {version}"}


def _orderable_instance(cloud: OfflineCloud, args: dict[str, Any]) -> dict[str, Any]:
    classes = args.get("preferredInstanceClasses") or []
    chosen = args.get("instanceClass") or (classes[0] if classes else "db.r6g.large")
    return {"id": chosen, "instanceClass": chosen, "engine": args.get("engine"),
            "engineVersion": args.get("engineVersion") or _engine_version(cloud, args)["version"]}


def _zone(cloud: OfflineCloud, args: dict[str, Any]) -> dict[str, Any]:
    name = str(args.get("name") or "example.com").rstrip(".")
    zone_id = args.get("zoneId") or "Z" + stable_hex(_seed("zone", cloud, {"name": name}), 13).upper()
    return {"id": zone_id, "zoneId": zone_id, "name": name, "arn": f"arn:aws:route53:::hostedzone/{zone_id}",
            "privateZone": bool(args.get("privateZone")), "callerReference": _uuid(zone_id),
            "nameServers": [f"ns-{n}.awsdns-{n % 64:02d}.{tld}" for n, tld in
                            zip((101, 702, 1303, 1904), ("com", "net", "org", "co.uk"), strict=True)],
            "resourceRecordSetCount": 2}


def _certificate(cloud: OfflineCloud, args: dict[str, Any]) -> dict[str, Any]:
    arn = f"arn:aws:acm:{cloud.region}:{mock_cloud.ACCOUNT_ID}:certificate/{_uuid(_seed('acm', cloud, args))}"
    return {"id": arn, "arn": arn, "domain": args.get("domain"), "status": "ISSUED"}


def _kms_key(cloud: OfflineCloud, args: dict[str, Any]) -> dict[str, Any]:
    key = str(args.get("keyId") or "")
    key_id = key.rsplit("/", 1)[-1] if key and not key.startswith("alias/") else _uuid(_seed("kms", cloud, args))
    return {"id": key_id, "keyId": key, "arn": f"arn:aws:kms:{cloud.region}:{mock_cloud.ACCOUNT_ID}:key/{key_id}",
            "keyState": "Enabled", "enabled": True, "keyManager": "CUSTOMER", "keyUsage": "ENCRYPT_DECRYPT"}


def _kms_alias(cloud: OfflineCloud, args: dict[str, Any]) -> dict[str, Any]:
    name = str(args.get("name") or "alias/unknown")
    key_id = _uuid(_seed("kms", cloud, {"alias": name}))
    prefix = f"arn:aws:kms:{cloud.region}:{mock_cloud.ACCOUNT_ID}"
    return {"id": f"{prefix}:{name}", "arn": f"{prefix}:{name}", "name": name, "targetKeyId": key_id,
            "targetKeyArn": f"{prefix}:key/{key_id}"}


ANSWERS: dict[str, Answer] = {
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:ec2/getAmi:getAmi": _ami,
    "aws:ec2/getAmiIds:getAmiIds": _ami_ids,
    "aws:ec2/getVpc:getVpc": _vpc,
    "aws:ec2/getSubnets:getSubnets": _subnets,
    "aws:ec2/getSubnet:getSubnet": _subnet,
    "aws:ec2/getSecurityGroup:getSecurityGroup": _security_group,
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": _ecr_token,
    "aws:ecr/getCredentials:getCredentials": _ecr_token,
    "aws:iam/getPolicy:getPolicy": _iam_policy,
    "aws:iam/getRole:getRole": _iam_role,
    "aws:secretsmanager/getSecret:getSecret": _sm_secret,
    "aws:secretsmanager/getSecretVersion:getSecretVersion": _sm_secret_version,
    "aws:rds/getEngineVersion:getEngineVersion": _engine_version,
    "aws:rds/getOrderableDbInstance:getOrderableDbInstance": _orderable_instance,
    "aws:route53/getZone:getZone": _zone,
    "aws:acm/getCertificate:getCertificate": _certificate,
    "aws:kms/getKey:getKey": _kms_key,
    "aws:kms/getAlias:getAlias": _kms_alias,
}


# ---- the cloud the offline engine talks to ------------------------------------------------------------------------
def _service(token: str) -> str:
    package, module = token.split(":")[0], token.split(":")[1].split("/")[0]
    return module if package == "aws" else package


class OfflineCloud(MockCloud):
    """mock_cloud's fakes, completed for any program: outputs by the SDK's classes, an answer for every invoke,
    remote components recorded as opaque. `warnings` lists what the report must say about made-up answers."""

    def __init__(self, region: str, identity: Identity | None = None, warnings: list[str] | None = None):
        super().__init__(region)
        self.identity = identity or Identity()
        self.warnings: list[str] = [] if warnings is None else warnings

    def in_region(self, region: str | None) -> OfflineCloud:
        return self if not region or region == self.region else OfflineCloud(region, self.identity, self.warnings)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def new_resource(self, token: str, name: str, urn: str, inputs: dict[str, Any],
                     region: str | None = None) -> tuple[str, dict[str, Any]]:
        resource_id, outputs = super().new_resource(token, name, urn, inputs, region)
        if not token.startswith(("pulumi:", "random:")):
            ctx = Context(urn, region or self.region, mock_cloud.ACCOUNT_ID, _service(token), name, own_only=True)
            for key, value in resource_outputs(token, outputs, ctx).items():
                outputs.setdefault(key, value)
        return resource_id, outputs

    def remote_component(self, token: str, name: str, urn: str) -> dict[str, Any]:
        """A component a provider plugin expands (awsx, eks...): offline nothing creates its children. Its outputs
        get only ids and addresses by name (other outputs, and the resources it would return, stay unknown)."""
        self.warn(f"component {name} ({token}) is a remote component: its provider plugin creates its children, "
                  "which cannot run offline, so they are not evaluated (opaque)")
        ctx = Context(urn, self.region, mock_cloud.ACCOUNT_ID, _service(token), name, own_only=False)
        return resource_outputs(token, {}, ctx)

    def call(self, token: str, args: dict[str, Any], region: str | None = None) -> dict[str, Any]:
        return as_plain_result(self._answer(token, args, region))

    def _answer(self, token: str, args: dict[str, Any], region: str | None) -> dict[str, Any]:
        cloud = self.in_region(region)
        ctx = Context(_seed(token, cloud, args), cloud.region, mock_cloud.ACCOUNT_ID, _service(token),
                      token.rsplit(":", 1)[-1], own_only=False)
        answer = ANSWERS.get(token)
        if answer is not None:
            return {**(typed_result(token, args, ctx) or {}), **answer(cloud, args)}
        try:
            return super().call(token, args, region)
        except UnmockedInvokeError:
            pass
        typed = typed_result(token, args, ctx)
        if typed is None:
            self.warn(f"invoke {token} has no offline answer and its result type is not in an installed SDK: "
                      "the program got an empty result")
            return {}
        self.warn(f"invoke {token} has no offline answer: the program got a typed default (arguments echoed, ids "
                  "by name, other fields empty), so what it derived from the result is made up")
        return typed
