"""Output values for any resource or invoke result, derived from the SDK's own classes, and stable value tokens.

The per-type fakes in mock_cloud.py cover the types this project uses. Any other program reads outputs of types
nobody wrote a fake for (`bucket.website_endpoint`, `cache.cache_nodes[0].address`, `lb.dns_name`...). Instead of a
hand list per type, the properties come from the SDK's class for the token (`pulumi_aws.ec2.Vpc`, every
`@pulumi.getter` with its wire name and declared type), and a value is made only where its NAME says what shape it has:
an identity or an address AWS assigns whatever the program sets (`endpoint`, `dnsName`, `publicIp`, `zoneId`,
`invokeArn`...). Settings are never invented: a computed boolean, number or key id (`storageEncrypted`,
`publiclyAccessible`, `kmsKeyId`, `monitoringRoleArn`) stays absent, which the program sees as unknown (as in a
real preview) and a rule sees as not set (as before). A zone AWS picks (`availabilityZone` left unset) is UNKNOWN.

Values are derived from a hash of the URN (or of the invoke's arguments): two runs give the same report.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import ipaddress
import keyword
import sys
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

UNKNOWN_TOKEN = "[unknown]"


class Unknown:
    """A value known only after deployment. Renders as `[unknown]` (never an object repr with an address); the
    policy evaluation marshals it as the engine's unknown sentinel (it matches on the class name `Unknown`), so a
    rule reading it "cannot run during preview" instead of judging an invented value."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return UNKNOWN_TOKEN

    __str__ = __repr__


UNKNOWN = Unknown()


def stable_hex(seed: str, length: int = 17) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


# ---- stable tokens for values that are not JSON ----------------------------------------------------------------
def stable_value(value: Any, base: Path | None = None) -> Any:
    """What the engine received, with every non-JSON leaf as a stable token: the SDK's unknown and ours as UNKNOWN,
    assets and archives as `[asset sha256:...]` / `[archive sha256:...]` (a hash of their content, so a changed
    file shows in `preflight diff` and an unchanged one does not), anything else by its type name."""
    import pulumi
    from pulumi.output import Unknown as SdkUnknown

    if isinstance(value, (Unknown, SdkUnknown)) or value == UNKNOWN_TOKEN:
        # An invoke result cannot be unknown in the SDK (it type-checks plain values), so a lookup answers the
        # token text; when the program passes it on as it is, the resource's input is unknown again.
        return UNKNOWN
    if isinstance(value, pulumi.Asset):
        return f"[asset sha256:{_asset_digest(value, base)}]"
    if isinstance(value, pulumi.Archive):
        return f"[archive sha256:{_archive_digest(value, base)}]"
    if isinstance(value, pulumi.Resource):  # references are replaced by ids first; this is the last resort
        return f"[resource {type(value).__name__}]"
    return value


def _asset_digest(asset: Any, base: Path | None) -> str:
    import pulumi

    if isinstance(asset, pulumi.StringAsset):
        return _digest(asset.text.encode())
    if isinstance(asset, pulumi.FileAsset):
        return _file_digest(Path(asset.path), base)
    return _digest(f"remote:{getattr(asset, 'uri', '')}".encode())


def _archive_digest(archive: Any, base: Path | None) -> str:
    import pulumi

    if isinstance(archive, pulumi.AssetArchive):
        parts = []
        for name in sorted(archive.assets):
            member = archive.assets[name]
            token = _asset_digest(member, base) if isinstance(member, pulumi.Asset) else _archive_digest(member, base)
            parts.append(f"{name}={token}")
        return _digest("\n".join(parts).encode())
    if isinstance(archive, pulumi.FileArchive):
        return _file_digest(Path(archive.path), base)
    return _digest(f"remote:{getattr(archive, 'uri', '')}".encode())


def _file_digest(path: Path, base: Path | None) -> str:
    """A file's bytes, or a directory's files with their relative paths (what a FileArchive of a folder zips)."""
    full = path if path.is_absolute() or base is None else base / path
    if full.is_file():
        return _digest(full.read_bytes())
    if full.is_dir():
        parts = [f"{p.relative_to(full).as_posix()}={_digest(p.read_bytes())}"
                 for p in sorted(full.rglob("*")) if p.is_file()]
        return _digest("\n".join(parts).encode())
    return _digest(f"missing:{path.as_posix()}".encode())  # the engine would fail later; the token stays stable


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


# ---- the SDK's classes -------------------------------------------------------------------------------------------
@functools.cache
def sdk_class(token: str, invoke: bool = False) -> type | None:
    """The SDK class for a resource token (`aws:ec2/vpc:Vpc` -> pulumi_aws.ec2.Vpc) or an invoke token's result type
    (`aws:ec2/getAmi:getAmi` -> pulumi_aws.ec2.GetAmiResult); None when the package is not installed."""
    parts = token.split(":")
    if len(parts) != 3:
        return None
    package, module, member = parts
    root = f"pulumi_{package.replace('-', '_')}"
    if importlib.util.find_spec(root) is None:
        return None
    name = f"{member[:1].upper()}{member[1:]}Result" if invoke else member
    # `lambda/function` lives in pulumi_aws.lambda_: a Python keyword gets an underscore.
    segments = [f"{s}_" if keyword.iskeyword(s) else s for s in module.split("/") if s != "index"]
    # The class lives in the token's module (`ec2/vpc` -> pulumi_aws.ec2 or pulumi_aws.ec2.vpc), at the root for
    # `index`; the deepest importable module that has it wins.
    for depth in range(len(segments), -1, -1):
        try:
            found = getattr(importlib.import_module(".".join([root, *segments[:depth]])), name, None)
        except ImportError:
            continue
        if isinstance(found, type):
            return found
    return None


@functools.cache
def properties(cls: type) -> tuple[tuple[str, Any], ...]:
    """(wire name, declared type) of every `@pulumi.getter` of an SDK class, `Output[...]` unwrapped."""
    from pulumi._types import _py_properties

    found = []
    for _, wire, prop in _py_properties(cls):
        declared = prop.fget.__annotations__.get("return")
        if typing.get_origin(declared) is not None and getattr(typing.get_origin(declared), "__name__", "") == "Output":
            declared = typing.get_args(declared)[0]
        elif getattr(declared, "__name__", "") == "Output" or str(declared).startswith("pulumi.output.Output"):
            args = typing.get_args(declared)
            declared = args[0] if args else Any
        found.append((wire, _resolve(declared, cls)))
    return tuple(found)


@functools.cache
def _shaped_properties(cls: type) -> tuple[tuple[str, str, Any, bool], ...]:
    """(wire name, kind, element type, optional) of every property: the shape of a class's declared types is the
    same for every resource of it, so it is worked out once (it was once per resource and property)."""
    return tuple((wire, *_shape(declared)) for wire, declared in properties(cls))


def _resolve(declared: Any, owner: type) -> Any:
    """ForwardRef('outputs.X') and 'pulumi_aws.ec2.Vpc' resolved in the declaring module; unresolvable -> Any."""
    if isinstance(declared, str):
        declared = typing.ForwardRef(declared)
    if isinstance(declared, typing.ForwardRef):
        namespace = vars(sys.modules[owner.__module__])
        try:
            return eval(declared.__forward_arg__, dict(namespace))  # noqa: S307 - the SDK's own annotation text
        except Exception:  # noqa: BLE001 - an annotation we cannot resolve is treated as "any"
            return Any
    origin, args = typing.get_origin(declared), typing.get_args(declared)
    if origin is not None and args:
        resolved = tuple(_resolve(a, owner) for a in args)
        if origin is typing.Union:
            return typing.Union[resolved]  # noqa: UP007 - rebuilt from parts
        try:
            return declared.copy_with(resolved)
        except AttributeError:
            return declared
    return declared


def _shape(declared: Any) -> tuple[str, Any, bool]:
    """(kind, element type, optional): kind is str/int/bool/float/list/map/object/resource/any."""
    optional = False
    origin, args = typing.get_origin(declared), typing.get_args(declared)
    if origin is typing.Union:
        rest = [a for a in args if a is not type(None)]
        optional = len(rest) < len(args)
        declared = rest[0] if len(rest) == 1 else Any
        origin, args = typing.get_origin(declared), typing.get_args(declared)
    if origin in (list, Sequence):
        return "list", (args[0] if args else Any), optional
    if origin in (dict, Mapping):
        return "map", (args[1] if len(args) > 1 else Any), optional
    for kind in (bool, int, float, str):
        if declared is kind:
            return kind.__name__, None, optional
    if isinstance(declared, type):
        import pulumi
        from pulumi._types import is_output_type

        if issubclass(declared, pulumi.Resource):
            return "resource", declared, optional
        if is_output_type(declared):
            return "object", declared, optional
    return "any", None, optional


# ---- shaped values ---------------------------------------------------------------------------------------------
class Context:
    """What a made-up value may depend on: the seed (URN or invoke arguments) and where it lives."""

    def __init__(self, seed: str, region: str, account: str, service: str, name: str, own_only: bool):
        self.seed, self.region, self.account, self.service, self.name = seed, region, account, service, name
        # Custom resources: only their own identity and addresses. Components and invoke results: also ids of
        # other things (a looked-up subnet's vpcId), which for a resource would invent an association.
        self.own_only = own_only

    def hex(self, key: str, length: int = 12) -> str:
        return stable_hex(f"{self.seed}|{key}", length)

    def octet(self, key: str) -> int:
        return int(self.hex(key, 4), 16) % 250 + 2


_FOREIGN_ID_PREFIXES = {
    "vpcId": "vpc", "subnetId": "subnet", "securityGroupId": "sg", "routeTableId": "rtb", "networkAclId": "acl",
    "internetGatewayId": "igw", "natGatewayId": "nat", "networkInterfaceId": "eni", "imageId": "ami",
    "instanceId": "i", "transitGatewayId": "tgw", "vpcEndpointId": "vpce", "allocationId": "eipalloc",
    "dhcpOptionsId": "dopt", "associationId": "eipassoc", "snapshotId": "snap", "volumeId": "vol",
}
_OWN_ARNS = {"invokeArn", "qualifiedArn", "qualifiedInvokeArn", "executionArn", "arnWithoutRevision", "arnSuffix"}
_ACCOUNT_KEYS = {"ownerId", "accountId", "customerAwsId", "ownerAccountId"}
_NOT_ADDRESSES = ("mac", "email", "kms", "key", "secret", "password", "token")


def shaped_string(key: str, ctx: Context, outputs: Mapping[str, Any] | None = None) -> Any:
    """A plausible value for a string property named `key`, or None when the name does not say its shape."""
    lower = key.lower()
    if any(word in lower for word in _NOT_ADDRESSES):
        return None
    host = f"{ctx.name}-{ctx.hex(key, 10)}".lower()
    if key == "region":
        return ctx.region
    if ctx.service == "ecr" and key == "registryId":
        return ctx.account  # a private registry is the account's
    if ctx.service == "ecr" and key == "repositoryUrl":
        # Not a URL: the registry host and the repository's name, what `docker push` and a task's image take.
        name = (outputs or {}).get("name")
        name = name if isinstance(name, str) else f"{ctx.name}-{stable_hex(ctx.seed, 7)}"
        return f"{ctx.account}.dkr.ecr.{ctx.region}.amazonaws.com/{name}"
    if key in ("availabilityZone", "availabilityZoneId"):
        return UNKNOWN  # AWS places it; a rule counting zones must not count an invented one
    if key in _ACCOUNT_KEYS:
        return ctx.account
    if key == "id":
        return ctx.hex("id", 17)
    if key in _OWN_ARNS:
        own = (outputs or {}).get("arn")
        arn = own if isinstance(own, str) else f"arn:aws:{ctx.service}:{ctx.region}:{ctx.account}:{ctx.hex('arn')}"
        if key in ("invokeArn", "qualifiedInvokeArn"):
            return f"arn:aws:apigateway:{ctx.region}:lambda:path/2015-03-31/functions/{arn}/invocations"
        if key == "arnSuffix":
            return arn.split(":", 5)[-1]
        return arn.rsplit(":", 1)[0] if key == "arnWithoutRevision" else f"{arn}:1"
    if key == "arn":
        return f"arn:aws:{ctx.service}:{ctx.region}:{ctx.account}:{ctx.name}-{ctx.hex('arn', 8)}"
    if key.endswith("ResourceId") or key == "uniqueId":
        return ctx.hex(key, 20).upper()
    if key in ("hostedZoneId", "zoneId"):
        return "Z" + ctx.hex(key, 13).upper()
    if key.startswith(("default", "main")) and key.endswith("Id"):
        for suffix, prefix in _FOREIGN_ID_PREFIXES.items():
            if key.endswith(suffix[:1].upper() + suffix[1:]):
                return f"{prefix}-{ctx.hex(key, 17)}"
    if key.endswith(("Ip", "IpAddress")) or key == "ip":
        if "public" in lower:
            return f"203.0.113.{ctx.octet(key)}"  # TEST-NET-3: never a real address
        return str(ipaddress.ip_address("10.0.0.0") + int(ctx.hex(key, 6), 16) % 65000 + 10)
    if key.endswith("Dns"):
        if "public" in lower:
            return f"ec2-203-0-113-{ctx.octet('publicIp')}.{ctx.region}.compute.amazonaws.com"
        return f"ip-10-0-{ctx.octet(key)}-{ctx.octet(key + '2')}.{ctx.region}.compute.internal"
    if key.endswith("Url") or key in ("url", "apiEndpoint"):
        return f"https://{ctx.hex(key, 10)}.{ctx.service}.{ctx.region}.amazonaws.com/"
    if key == "dnsName" or key.endswith(("DnsName", "DomainName", "Endpoint", "Hostname", "Address")) \
            or key in ("endpoint", "address", "hostname", "domainName"):
        if ctx.service == "cloudfront":
            return f"d{ctx.hex(key, 13)}.cloudfront.net"
        return f"{host}.{ctx.region}.{ctx.service}.amazonaws.com"
    if not ctx.own_only:
        if key in _FOREIGN_ID_PREFIXES:
            return f"{_FOREIGN_ID_PREFIXES[key]}-{ctx.hex(key, 17)}"
        if key.endswith("Arn") or key == "arn":
            return f"arn:aws:{ctx.service}:{ctx.region}:{ctx.account}:{key[:-3].lower()}/{ctx.hex(key)}"
    return None


def _port(ctx: Context, outputs: Mapping[str, Any]) -> int | None:
    engine = str(outputs.get("engine", ""))
    for word, port in (("redis", 6379), ("valkey", 6379), ("memcached", 11211), ("mysql", 3306),
                       ("maria", 3306), ("postgres", 5432)):
        if word in engine:
            return port
    return {"redshift": 5439, "docdb": 27017, "memorydb": 6379, "neptune": 8182, "opensearch": 443,
            "elasticache": 6379}.get(ctx.service)


def resource_outputs(token: str, outputs: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    """Values for the properties of the token's class that `outputs` lacks and whose shape the name tells."""
    cls = sdk_class(token)
    if cls is None:
        return {}
    made: dict[str, Any] = {}
    for key, kind, element, optional in _shaped_properties(cls):
        if key in outputs or key in ("id", "urn"):
            continue
        if key in _AUTONAMED and kind == "str" and ctx.own_only:
            # The provider auto-names in Check, so a real preview knows it too: `<logical name>-<7 hex>`.
            made[key] = f"{ctx.name}-{stable_hex(ctx.seed, 7)}"
            continue
        value = _made(key, kind, element, optional, ctx, outputs, depth=0)
        if value is not None:
            made[key] = value
    return made


_AUTONAMED = ("name", "bucket")


def _made(key: str, kind: str, element: Any, optional: bool, ctx: Context, outputs: Mapping[str, Any],
          depth: int) -> Any:
    if kind == "str":
        return shaped_string(key, ctx, outputs)
    if kind == "int" and key == "port":
        return _port(ctx, outputs)
    if depth == 0 and kind == "map" and key == "tagsAll":
        tags = outputs.get("tags")
        return dict(tags) if isinstance(tags, Mapping) else {}
    if depth == 0 and kind == "list" and key == "nameServers":
        return [f"ns-{ctx.octet(key + str(i)) * 7}.awsdns-{i:02d}.{tld}" for i, tld in
                enumerate(("com", "net", "org", "co.uk"))]
    if depth == 0 and kind == "list" and not optional:
        inner_kind, inner, _ = _shape(element)
        if inner_kind == "object" and _is_address_record(inner):
            return [_object(inner, ctx, outputs)]
    return None


# A computed list of objects is made up only when its elements are addresses AWS assigns (cache nodes, DNS
# validation records); anything else in a nested object may be a setting (metadata options, lifecycle rules).
_ADDRESS_FIELDS = {"address", "endpoint", "dnsName", "resourceRecordName"}


def _is_address_record(cls: type) -> bool:
    return any(key in _ADDRESS_FIELDS for key, _ in properties(cls))


def _object(cls: type, ctx: Context, outputs: Mapping[str, Any]) -> dict[str, Any]:
    made: dict[str, Any] = {}
    for key, declared in properties(cls):
        kind, _, _ = _shape(declared)
        value = None
        if kind == "str" and key.startswith("resourceRecord"):
            domain = str(outputs.get("domainName") or f"{ctx.name}.example.com")
            value = {"resourceRecordName": f"_{ctx.hex(key, 32)}.{domain}.", "resourceRecordType": "CNAME",
                     "resourceRecordValue": f"_{ctx.hex(key + 'v', 32)}.acm-validations.aws."}.get(key)
        elif key == "domainName" and isinstance(outputs.get("domainName"), str):
            value = outputs["domainName"]
        elif kind == "str" or (kind == "int" and key == "port"):
            value = _made(key, kind, None, False, ctx, outputs, depth=1)
        if value is UNKNOWN:
            # One unknown inside a list makes the whole list unknown to the program (an apply over the cache nodes
            # would be skipped); the text keeps the rest known, as program_view does for top-level strings.
            value = UNKNOWN_TOKEN
        if value is not None:
            made[key] = value
    return made


# ---- typed defaults for invoke results ---------------------------------------------------------------------------
def typed_result(token: str, args: Mapping[str, Any], ctx: Context) -> dict[str, Any] | None:
    """A result of the invoke's declared type: an argument echoed under its own name, a shaped value where the
    name tells one, else the type's zero (optional fields null). None when the SDK's result type is unknown."""
    cls = sdk_class(token, invoke=True)
    if cls is None:
        return None
    return _typed_object(cls, args, ctx, depth=0)


def _typed_object(cls: type, args: Mapping[str, Any], ctx: Context, depth: int) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, declared in properties(cls):
        kind, element, optional = _shape(declared)
        if key in args:
            result[key] = _coerce(args[key], kind)
            continue
        result[key] = None if optional and depth == 0 else _zero(key, kind, element, ctx, depth)
    return result


def _coerce(value: Any, kind: str) -> Any:
    """An argument echoed as the provider returns it: typed by the schema (`most_recent="true"` comes back true)."""
    if kind == "bool" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if kind == "int" and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if kind == "float" and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    if kind == "str" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def _zero(key: str, kind: str, element: Any, ctx: Context, depth: int) -> Any:
    if kind == "str":
        shaped = shaped_string(key, ctx)
        return shaped if shaped is not None else f"{key}-{ctx.hex(key, 8)}"
    if kind == "bool":
        return False
    if kind in ("int", "float"):
        return 0 if kind == "int" else 0.0
    if kind == "list":
        return []
    if kind == "map":
        return {}
    if kind == "object" and depth < 2:
        return _typed_object(element, {}, ctx, depth + 1)
    return None


# ---- resources passed as inputs ------------------------------------------------------------------------------------
def references_as_ids(struct: Any) -> Any:
    """A copy of a wire struct with every resource reference (`vpc_id=vpc`, `iam_roles=[role]`) replaced as the
    engine does for a provider that does not take references (pulumi-aws): a custom resource by its id, a component
    by its URN. Recorded inputs are then what the provider and the rules see, never a Python object."""
    from google.protobuf import struct_pb2

    copy = struct_pb2.Struct()
    copy.CopyFrom(struct)
    _replace_references(copy)
    return copy


def _replace_references(container: Any) -> None:
    from google.protobuf import struct_pb2
    from pulumi.runtime import rpc

    slots = container.fields if isinstance(container, struct_pb2.Struct) else container.values
    keys = list(slots.keys()) if isinstance(container, struct_pb2.Struct) else range(len(slots))
    for key in keys:
        value = slots[key]
        kind = value.WhichOneof("kind")
        if kind == "struct_value":
            fields = value.struct_value.fields
            if rpc._special_sig_key in fields and \
                    fields[rpc._special_sig_key].string_value == rpc._special_resource_sig:
                reference = fields["id"].string_value if "id" in fields else ""
                value.string_value = reference or (fields["urn"].string_value if "urn" in fields else "")
            else:
                _replace_references(value.struct_value)
        elif kind == "list_value":
            _replace_references(value.list_value)


def as_plain_result(value: Any) -> Any:
    """An invoke answer with UNKNOWN as the `[unknown]` text (see stable_value)."""
    if isinstance(value, Unknown):
        return UNKNOWN_TOKEN
    if isinstance(value, dict):
        return {k: as_plain_result(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_plain_result(v) for v in value]
    return value


def program_view(token: str, outputs: Mapping[str, Any]) -> dict[str, Any]:
    """What the program receives: the recorded outputs, plus the `[unknown]` text for every other string the
    provider always computes (`engineVersionActual`, a computed `kmsKeyId`). An apply over such a value then runs
    instead of being skipped, so a task definition built from it still reaches the rules with its known parts (the
    variable names, the other values); passed on as it is, the text becomes unknown again (stable_value). The
    record keeps them absent, so stack rules judge nothing made up."""
    cls = sdk_class(token)
    if cls is None:
        return dict(outputs)
    view = dict(outputs)
    for key, declared in properties(cls):
        if key not in view and key not in ("id", "urn"):
            kind, _, optional = _shape(declared)
            if kind == "str" and not optional:
                view[key] = UNKNOWN_TOKEN
    return view
