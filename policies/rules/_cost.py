"""What a stack costs a month, from its resources' inputs, a price table and explicit usage assumptions.

Pure standard library, so the same estimate runs in three places: the `stack-monthly-budget` rule inside the policy
pack (the real `pulumi preview --policy-pack` runs it from `policies/` with nothing else importable), the offline gate's
reports and `python -m preflight cost`. Every line is either fixed (billed for the hours the resource exists, whatever
the traffic) or usage (driven by traffic and data, computed from a named assumption the stack can set). A resource type
the estimator does not know is never silently free: it is listed as unpriced by type. A region without prices gives
one clear "no prices for REGION" instead of another region's numbers.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

PRICES_FILE = Path(__file__).with_name("prices.json")
HOURS_PER_MONTH = 730.0  # AWS's own convention in its calculator: 24 x 365 / 12
DAYS_PER_MONTH = 365 / 12

# --- usage assumptions ---------------------------------------------------------------------------------------------
# name -> (default, unit, what it means). Defaults are deliberately small: a stack states its own traffic in
# policies/config/<stack>.json (the budget rule's `usage`), and every report prints the values it used.
USAGE: dict[str, tuple[float, str, str]] = {
    "auroraStorageGb": (10, "GB", "data stored in each Aurora cluster (billed GB-month)"),
    "auroraIoMillionsPerMonth": (5, "million I/O", "storage I/O requests a month per cluster (Aurora Standard only)"),
    "auroraBackupGbBeyondFree": (0, "GB", "backup storage beyond 100% of the cluster's data (snapshots, long "
                                          "retention)"),
    "serverlessAverageAcu": (0.5, "ACU", "average Serverless v2 capacity while the instance is not paused"),
    "serverlessActiveHoursPerMonth": (730, "hours", "hours a month a Serverless v2 instance runs (is not paused); "
                                                    "with minCapacity above 0 it never pauses"),
    "natGbPerMonth": (10, "GB", "data processed by all NAT gateways together, split evenly between them"),
    "vpcEndpointGbPerMonth": (1, "GB", "data processed by each interface VPC endpoint"),
    "logGbIngestedPerGroupPerMonth": (0.5, "GB", "log data ingested into each CloudWatch log group"),
    "flowLogGbPerMonth": (5, "GB", "VPC flow log data ingested into each flow-log group"),
    "kmsRequestsPerKeyPerMonth": (10000, "requests", "KMS API requests per customer managed key"),
    "snsPublishesPerMonth": (1000, "requests", "SNS publishes per topic"),
    "albLcuAverage": (1, "LCU", "average load balancer capacity units in use per application load balancer"),
    "ecrStorageGb": (1, "GB", "images stored in each ECR repository"),
    "s3StorageGb": (1, "GB", "objects stored in each S3 bucket (Standard)"),
    "backupVaultGb": (10, "GB", "Aurora snapshot data AWS Backup keeps in each backup vault (warm storage, billed "
                                "GB-month)"),
}
LOG_MONTHS_WHEN_NEVER_EXPIRE = 12  # a group without retention keeps growing; price a year's worth and say so


class CostInputError(ValueError):
    """Bad usage assumptions or price table; the message names the key, what was given and what is allowed."""


def usage_assumptions(overrides: Mapping[str, Any] | None) -> dict[str, float]:
    """Defaults overlaid with a stack's values; an unknown name or a negative or non-number value is an error."""
    values = {name: float(default) for name, (default, _unit, _text) in USAGE.items()}
    problems = []
    for key, value in (overrides or {}).items():
        if key not in USAGE:
            problems.append(f"usage.{key}: unknown assumption; allowed: {', '.join(sorted(USAGE))}")
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            problems.append(f"usage.{key}: {value!r} is not allowed; give a number >= 0 ({USAGE[key][1]})")
            continue
        values[key] = float(value)
    if values["serverlessActiveHoursPerMonth"] > HOURS_PER_MONTH:
        problems.append(f"usage.serverlessActiveHoursPerMonth: {values['serverlessActiveHoursPerMonth']:g} is more "
                        f"than the {HOURS_PER_MONTH:g} hours of a month")
    if problems:
        raise CostInputError("; ".join(problems))
    return values


# --- the price table -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Price:
    item: str
    region: str
    unit: str
    price: float | None  # None: the table lists the item but no figure could be found for this region
    verified: bool
    basis: str  # aws-page | price-list-api | price-list-copy | third-party | recalled | not-found
    source: str | None
    read: str | None  # the date the figure was read on its source; None for a figure no page was read for
    note: str = ""


# The unit each item's figure must be quoted in: the estimator multiplies by quantities in these units (a figure per
# second, per request or per GB-hour where a GB-month is meant would be off by orders of magnitude, silently).
UNITS = (
    ("aurora.instance.*", "hour"), ("ec2.*", "hour"), ("nat.hour", "hour"), ("alb.hour", "hour"),
    ("publicIpv4.hour", "hour"), ("alb.lcu", "LCU-hour"), ("aurora.acu*", "ACU-hour"), ("rdsProxy.acu", "ACU-hour"),
    ("rdsProxy.vcpu", "vCPU-hour"), ("fargate.*.vcpu", "vCPU-hour"), ("fargate.*.gb", "GB-hour"),
    ("aurora.storage*", "GB-month"), ("aurora.backup", "GB-month"), ("backup.aurora", "GB-month"),
    ("ebs.*", "GB-month"), ("ecr.storage", "GB-month"), ("s3.standard", "GB-month"), ("logs.storage", "GB-month"),
    ("logs.ingest", "GB"), ("nat.gb", "GB"), ("vpcEndpoint.gb", "GB"), ("vpcEndpoint.azHour", "AZ-hour"),
    ("aurora.io", "million requests"), ("sns.requests", "million requests"), ("kms.requests", "10,000 requests"),
    ("kms.key", "key-month"), ("aurora.performanceInsights.retention", "vCPU-month"),
    ("cloudwatch.alarm*", "alarm metric-month"), ("cloudwatch.dashboard", "dashboard-month"),
    ("cloudwatch.metric", "metric-month"), ("secretsManager.secret", "secret-month"),
    ("ssm.advancedParameter", "parameter-month"), ("route53.hostedZone", "hosted zone-month"),
)


def expected_unit(item: str) -> str | None:
    """The unit the estimator reads `item` in (None: no line prices this item)."""
    return next((unit for pattern, unit in UNITS if fnmatch.fnmatchcase(item, pattern)), None)


def _aws_address(source: str) -> bool:
    """The source's address (its first word) is on aws.amazon.com or one of its subdomains (docs.aws.amazon.com)."""
    host = urlparse(source.split()[0].rstrip(",:;")).hostname or ""
    return host == "aws.amazon.com" or host.endswith(".aws.amazon.com")


BASES = {  # basis -> whether a figure on it counts as verified
    "aws-page": True, "price-list-api": True, "price-list-copy": False, "third-party": False, "recalled": False,
    "not-found": False}
# a page (or the API) was read: it has a source and date
READ_BASES = {"aws-page", "price-list-api", "price-list-copy", "third-party"}

# price-list-copy: a record of AWS's own Price List data (an offer file, or the feed AWS's pricing pages render) as a
# third party committed it to a public repository. Not verified: nobody here read AWS, only someone's copy, and the
# copy can be edited. So the entry names the copy by an address pinned to a commit (a branch name moves) and carries
# the record itself, and the record must agree with the entry and with itself: the region it names, the price, the
# unit, the AWS address it says it was copied from, and a publication date no later than the date it was read.
COMMIT_ADDRESS = re.compile(r"https://github\.com/[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+/blob/[0-9a-f]{40}/\S*[^\s:]")
LOCATIONS = {"us-east-1": "US East (N. Virginia)", "us-west-2": "US West (Oregon)", "eu-west-1": "EU (Ireland)"}
# Usage types carry a region prefix (`USW2-NatGateway-Hours`, KMS's `us-west-2-KMS-Keys`); us-east-1's mostly none.
USAGE_PREFIXES = {"us-east-1": ("USE1-", "us-east-1-"), "us-west-2": ("USW2-", "us-west-2-"),
                  "eu-west-1": ("EU-", "eu-west-1-")}
ANY_REGION_PREFIX = re.compile(r"(?:[A-Z]{2,4}[0-9]?|[a-z]{2}-[a-z]+-[0-9])-")
# The Price List's unit for each unit the table reads (and the factor from one to the other: KMS is priced per request).
# Only units seen in Price List records (or summaries of them) are listed; a record in any other unit is refused until
# its unit is read and added here.
RECORD_UNITS = {"hour": {"Hrs": 1}, "LCU-hour": {"LCU-Hrs": 1}, "GB-month": {"GB-Mo": 1}, "GB": {"GB": 1},
                "10,000 requests": {"Requests": 10_000}, "metric-month": {"Metrics": 1},
                "alarm metric-month": {"Alarms": 1}, "secret-month": {"Secrets": 1}, "key-month": {"Keys": 1},
                "AZ-hour": {"Hrs": 1}, "million requests": {"Requests": 1_000_000, "IOs": 1_000_000},
                "ACU-hour": {"ACU-Hr": 1}}
AWS_PRICE_HOSTS = ("pricing.us-east-1.amazonaws.com", "b0.p.awsstatic.com")
SKU = re.compile(r"[A-Z0-9]{16}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _check_provenance(where: str, key: tuple[str, str], price: Any, basis: Any, verified: Any, source: Any,
                      read: Any) -> None:
    """`verified` is true exactly for a figure read on an AWS page or from the Price List API, so a table cannot mark a
    recalled or third-party figure verified, nor claim a date read for a figure no page was read for."""
    label = f"{where} ({key[1]} in {key[0]})"
    if basis not in BASES:
        raise CostInputError(f"{label}.basis: {basis!r} is not allowed; allowed: {', '.join(BASES)}")
    if not isinstance(verified, bool) or verified != BASES[basis]:
        raise CostInputError(f"{label}.verified: {verified!r} with basis {basis!r}; verified is true exactly for "
                             "basis aws-page or price-list-api")
    if basis in READ_BASES:
        # A page is named by its address; the Price List API by the offer (service, usage type, SKU, date).
        prefix = "AWS Price List API: " if basis == "price-list-api" else "https://"
        if basis == "price-list-copy" and not (isinstance(source, str) and COMMIT_ADDRESS.match(source)):
            raise CostInputError(f"{label}.source: {source!r}; a price-list-copy figure names the copy it was read in "
                                 "by an address pinned to a commit: https://github.com/OWNER/REPO/blob/<40-hex "
                                 "commit>/PATH, then the quoted record")
        if not (isinstance(source, str) and source.startswith(prefix)):
            raise CostInputError(f"{label}.source: {source!r}; a {basis} figure names where it was read "
                                 f"({prefix}...)")
        if basis == "aws-page" and not _aws_address(source):
            raise CostInputError(f"{label}.source: {source.split()[0]!r} is not an AWS page; an aws-page figure is "
                                 "read on aws.amazon.com (or a subdomain)")
        if not (isinstance(read, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", read)):
            raise CostInputError(f"{label}.read: {read!r}; a figure read on a page has the date read (YYYY-MM-DD)")
    elif read is not None:
        raise CostInputError(f"{label}.read: {read!r}; a {basis} figure was not read on any page: null")
    if (basis == "not-found") != (price is None):
        raise CostInputError(f"{label}.price: {price!r} with basis {basis!r}; a figure is null exactly when its "
                             "basis is not-found")


def _check_record(label: str, region: str, unit: str, price: float, source: str, read: str, record: Any) -> str:
    """A price-list-copy entry's `record` (the Price List record as its copy shows it) must agree with the entry and
    with itself; returns its SKU. Each problem names the key, what was given and what is allowed."""
    where = f"{label}.record"
    if not isinstance(record, Mapping):
        raise CostInputError(f"{where}: {record!r}; a price-list-copy figure carries the record it was read in (an "
                             "object: service, sku, location, USD, published, origin...)")
    for key in ("service", "sku", "location", "USD", "published", "origin"):
        if not isinstance(record.get(key), str) or not record[key]:
            raise CostInputError(f"{where}.{key}: {record.get(key)!r}; required, a string")
    sku, usd = record["sku"], record["USD"]
    if not SKU.fullmatch(sku):
        raise CostInputError(f"{where}.sku: {sku!r}; a Price List SKU is 16 capitals and digits")
    if "rateCode" in record and not str(record["rateCode"]).startswith(sku + "."):
        raise CostInputError(f"{where}.rateCode: {record['rateCode']!r} is not a rate of SKU {sku}")
    if record["location"] != LOCATIONS.get(region):
        raise CostInputError(f"{where}.location: {record['location']!r} is not {region}; allowed: "
                             f"{LOCATIONS.get(region)!r}")
    if "regionCode" in record and record["regionCode"] != region:
        raise CostInputError(f"{where}.regionCode: {record['regionCode']!r}; the entry is for {region}")
    usage = record.get("usagetype")
    if usage is not None:
        own = str(usage).startswith(USAGE_PREFIXES.get(region, ()))
        unprefixed_east = region == "us-east-1" and not ANY_REGION_PREFIX.match(str(usage))
        if not (own or unprefixed_east):
            raise CostInputError(f"{where}.usagetype: {usage!r} is another region's usage type; {region}'s start "
                                 f"with {' or '.join(USAGE_PREFIXES.get(region, ())) or 'nothing'}")
    if not re.fullmatch(r"\d+\.\d+", usd):
        raise CostInputError(f"{where}.USD: {usd!r}; the Price List writes a decimal string such as \"0.0450000000\"")
    allowed_units = RECORD_UNITS.get(unit, {})
    record_unit = record.get("unit")
    if record_unit is not None and record_unit not in allowed_units:
        raise CostInputError(f"{where}.unit: {record_unit!r} for a figure per {unit!r}; allowed: "
                             f"{', '.join(allowed_units) or 'none (the table has no Price List unit for it)'}")
    scale = allowed_units.get(record_unit, 1) if record_unit is not None else 1
    if record.get("scale", scale) != scale:
        raise CostInputError(f"{where}.scale: {record.get('scale')!r}; {record_unit!r} to {unit!r} is x{scale:g}")
    if not math.isclose(float(usd) * scale, price, rel_tol=1e-9):
        raise CostInputError(f"{where}.USD: {usd} x {scale:g} is not the entry's price {price!r}")
    if str(record.get("beginRange", "0")) != "0":
        raise CostInputError(f"{where}.beginRange: {record['beginRange']!r}; the estimate reads the tier from 0")
    stated = re.search(r"\$(\d*\.?\d+)", str(record.get("description", "")))
    if stated and not any(math.isclose(float(stated.group(1)), x, rel_tol=1e-9) for x in (price, float(usd))):
        raise CostInputError(f"{where}.description: states ${stated.group(1)}, not the price {price!r}")
    # published: the offer's publicationDate (or the feed's); retrieved: when the third party took its copy.
    for key in ("published", "effective", "retrieved"):
        value = record.get(key)
        if key in record and not (isinstance(value, str) and DATE.fullmatch(value) and value <= read):
            raise CostInputError(f"{where}.{key}: {value!r}; a date (YYYY-MM-DD) no later than the date read {read}")
    if record.get("retrieved", record["published"]) < record["published"]:
        raise CostInputError(f"{where}.published: {record['published']} is after the copy was retrieved "
                             f"({record['retrieved']})")
    origin = urlparse(record["origin"])
    if origin.scheme != "https" or origin.hostname not in AWS_PRICE_HOSTS:
        raise CostInputError(f"{where}.origin: {record['origin']!r}; the AWS address the copy was taken from, on "
                             f"{' or '.join(AWS_PRICE_HOSTS)}")
    if usd not in source:
        raise CostInputError(f"{label}.source: the quoted record does not show its USD {usd!r}")
    return sku


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json keeps the last of two equal keys: `"verified": false, ..., "verified": true` would read as true while a
    # reviewer reads the first. Refused instead.
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"the key {key!r} appears twice in one object")
        seen[key] = value
    return seen


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a price (JSON has no NaN or Infinity)")


@dataclass
class PriceTable:
    prices: dict[tuple[str, str], Price]

    @classmethod
    def load(cls, path: Path | str = PRICES_FILE) -> PriceTable:
        try:
            document = json.loads(Path(path).read_text(), object_pairs_hook=_no_duplicate_keys,
                                  parse_constant=_no_constant)
        except (OSError, ValueError) as error:
            raise CostInputError(f"price table {path}: cannot be read as JSON ({error})") from None
        return cls.from_document(document, str(path))

    @classmethod
    def from_document(cls, document: Any, label: str = "price table") -> PriceTable:
        if not isinstance(document, Mapping) or not isinstance(document.get("prices"), list):
            raise CostInputError(f"{label}: expected an object with a `prices` list")
        if document.get("currency", "USD") != "USD":
            raise CostInputError(f"{label}.currency: {document['currency']!r}; every figure is in USD")
        prices: dict[tuple[str, str], Price] = {}
        skus: dict[str, tuple[str, str]] = {}
        for index, entry in enumerate(document["prices"]):
            where = f"{label}: prices[{index}]"
            if not isinstance(entry, Mapping):
                raise CostInputError(f"{where}: expected an object, got {entry!r}")
            missing = [k for k in ("item", "region", "unit", "price", "basis", "read") if k not in entry]
            if missing:
                raise CostInputError(f"{where}: missing {', '.join(missing)}")
            price = entry["price"]
            if price is not None and (isinstance(price, bool) or not isinstance(price, (int, float))
                                      or not math.isfinite(price) or price < 0):
                raise CostInputError(f"{where}.price: {price!r} is not a number >= 0 or null")
            key = (str(entry["region"]), str(entry["item"]))
            unit = expected_unit(key[1])
            if unit is not None and entry["unit"] != unit:
                raise CostInputError(f"{where}.unit: {entry['unit']!r} for {key[1]}; the estimate reads it per "
                                     f"{unit!r}: convert the figure")
            if entry.get("currency", "USD") != "USD":
                raise CostInputError(f"{where}.currency: {entry['currency']!r}; every figure is in USD")
            if key in prices:
                raise CostInputError(f"{where}: {key[1]} in {key[0]} is listed twice")
            basis, verified, read = entry["basis"], entry.get("verified", False), entry["read"]
            _check_provenance(where, key, price, basis, verified, entry.get("source"), read)
            if basis == "price-list-copy":
                sku = _check_record(f"{where} ({key[1]} in {key[0]})", key[0], entry["unit"], float(price),
                                    entry["source"], read, entry.get("record"))
                # One SKU is one product in one region: the same record cannot price two entries.
                if sku in skus:
                    raise CostInputError(f"{where}.record.sku: {sku} already prices {skus[sku][1]} in {skus[sku][0]}")
                skus[sku] = key
            elif "record" in entry:
                raise CostInputError(f"{where}.record: only a price-list-copy figure carries a record (basis is "
                                     f"{basis!r})")
            prices[key] = Price(item=key[1], region=key[0], unit=str(entry["unit"]),
                                price=None if price is None else float(price), verified=verified,
                                basis=basis, source=entry.get("source"), read=read,
                                note=str(entry.get("note") or ""))
        return cls(prices)

    def regions(self) -> list[str]:
        return sorted({region for region, _item in self.prices})

    def get(self, region: str, item: str) -> Price | None:
        return self.prices.get((region, item))


# --- resources -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Resource:
    """What the estimator needs of a resource, whatever produced it (mock engine, state file, policy SDK)."""

    urn: str
    type: str
    name: str
    inputs: Mapping[str, Any]
    dependencies: tuple[str, ...] = ()


@dataclass
class Line:
    component: str
    kind: str  # fixed | usage
    quantity: float
    unit: str
    item: str
    unit_price: float | None = None
    monthly: float | None = None  # None: unpriced (no figure for this item in this region)
    assumption: str | None = None  # the usage assumption(s) the quantity comes from
    verified: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"component": self.component, "kind": self.kind, "quantity": round(self.quantity, 6),
                "unit": self.unit, "item": self.item, "unitPrice": self.unit_price,
                "monthly": None if self.monthly is None else round(self.monthly, 4),
                "assumption": self.assumption, "verifiedPrice": self.verified}


@dataclass
class ResourceCost:
    urn: str
    type: str
    name: str
    lines: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what this resource may cost that the estimate leaves out

    def total(self, kind: str | None = None) -> float:
        return sum(line.monthly or 0.0 for line in self.lines if kind is None or line.kind == kind)

    @property
    def unpriced(self) -> list[Line]:
        return [line for line in self.lines if line.monthly is None]


@dataclass
class Estimate:
    region: str
    assumptions: dict[str, float]
    resources: list[ResourceCost] = field(default_factory=list)
    unpriced_types: dict[str, int] = field(default_factory=dict)  # custom resources of types with no cost model
    no_prices: bool = False  # the region is not in the table at all

    @property
    def fixed(self) -> float:
        return sum(r.total("fixed") for r in self.resources)

    @property
    def usage(self) -> float:
        return sum(r.total("usage") for r in self.resources)

    @property
    def total(self) -> float:
        return self.fixed + self.usage

    @property
    def unpriced_lines(self) -> list[tuple[ResourceCost, Line]]:
        return [(r, line) for r in self.resources for line in r.unpriced]

    @property
    def verified_total(self) -> float:
        """The part of the total priced with figures read on an AWS page or from the Price List API."""
        return sum(line.monthly or 0.0 for r in self.resources for line in r.lines if line.verified)

    @property
    def unverified_items(self) -> list[str]:
        return sorted({line.item for r in self.resources for line in r.lines
                       if line.monthly is not None and not line.verified})

    def by_urn(self) -> dict[str, float]:
        return {r.urn: r.total() for r in self.resources}

    def as_json(self) -> dict[str, Any]:
        if self.no_prices:
            return {"region": self.region, "currency": "USD", "error": f"no prices for {self.region}",
                    "assumptions": self.assumptions}
        return {
            "region": self.region, "currency": "USD", "hoursPerMonth": HOURS_PER_MONTH,
            "monthly": {"fixed": round(self.fixed, 2), "usage": round(self.usage, 2), "total": round(self.total, 2)},
            "assumptions": self.assumptions,
            "resources": [{"urn": r.urn, "type": r.type, "name": r.name, "fixed": round(r.total("fixed"), 4),
                           "usage": round(r.total("usage"), 4), "total": round(r.total(), 4),
                           "lines": [line.as_json() for line in r.lines], "notes": list(r.notes)}
                          for r in self.resources],
            "unpricedTypes": dict(sorted(self.unpriced_types.items())),
            "unpricedComponents": [{"urn": r.urn, "component": line.component, "item": line.item}
                                   for r, line in self.unpriced_lines],
            "unverifiedPrices": self.unverified_items,
            "verifiedMonthly": round(self.verified_total, 2),
        }


# Types that AWS does not bill for by themselves (their cost, if any, shows on another resource: a task definition
# through its service, a flow log through its log group). Anything custom and not here and not priced is "unpriced".
FREE_TYPES = frozenset({
    "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/routeTable:RouteTable", "aws:ec2/route:Route",
    "aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:ec2/securityGroupRule:SecurityGroupRule", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "aws:ec2/flowLog:FlowLog",
    "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl", "aws:ec2/networkAcl:NetworkAcl",
    "aws:ec2/networkAclRule:NetworkAclRule", "aws:ec2/networkAclAssociation:NetworkAclAssociation",
    "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy",
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
    "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/policy:Policy", "aws:iam/instanceProfile:InstanceProfile",
    "aws:kms/alias:Alias", "aws:rds/subnetGroup:SubnetGroup", "aws:rds/clusterParameterGroup:ClusterParameterGroup",
    "aws:rds/parameterGroup:ParameterGroup", "aws:rds/eventSubscription:EventSubscription",
    "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup", "aws:rds/proxyTarget:ProxyTarget",
    "aws:rds/proxyEndpoint:ProxyEndpoint",
    "aws:sns/topicPolicy:TopicPolicy", "aws:sns/topicSubscription:TopicSubscription",
    "aws:ecs/cluster:Cluster", "aws:ecs/taskDefinition:TaskDefinition",
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    "aws:lb/targetGroup:TargetGroup", "aws:lb/listener:Listener", "aws:lb/listenerRule:ListenerRule",
    "aws:alb/targetGroup:TargetGroup", "aws:alb/listener:Listener", "aws:alb/listenerRule:ListenerRule",
    "aws:lb/listenerCertificate:ListenerCertificate", "aws:lb/targetGroupAttachment:TargetGroupAttachment",
    "aws:alb/listenerCertificate:ListenerCertificate", "aws:alb/targetGroupAttachment:TargetGroupAttachment",
    "aws:secretsmanager/secretVersion:SecretVersion", "aws:secretsmanager/secretPolicy:SecretPolicy",
    "aws:s3/bucketPolicy:BucketPolicy", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "aws:s3/bucketAcl:BucketAcl",
    "aws:s3/bucketAclV2:BucketAclV2", "aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy", "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
    "aws:acm/certificateValidation:CertificateValidation",
    # AWS Backup bills the data its vaults hold (priced on the vault); plans, selections and vault settings are free.
    "aws:backup/selection:Selection", "aws:backup/vaultPolicy:VaultPolicy",
    "aws:backup/vaultNotifications:VaultNotifications", "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
    # An image built and pushed is billed as the ECR repository's storage (ecrStorageGb), not as a resource.
    "docker-build:index:Image",
    "random:index/randomPassword:RandomPassword", "random:index/randomString:RandomString",
    "random:index/randomId:RandomId",
    # AWS Backup bills the recovery points' storage, not the vault, plan, selection or lock; an Aurora recovery point
    # is a cluster snapshot, counted in the cluster's auroraBackupGbBeyondFree line.
    "aws:backup/vault:Vault", "aws:backup/plan:Plan",
})

# vCPUs per Aurora instance class, for RDS Proxy (billed per vCPU of its targets) and Performance Insights.
VCPUS = {"db.t4g.medium": 2, "db.t4g.large": 2, "db.r6g.large": 2, "db.r6g.xlarge": 4, "db.r6g.2xlarge": 8,
         "db.r6g.4xlarge": 16, "db.r7g.large": 2, "db.r7g.xlarge": 4, "db.r5.large": 2, "db.r5.xlarge": 4}
PROXY_MINIMUM_VCPUS, PROXY_MINIMUM_ACUS = 2, 8
PERFORMANCE_INSIGHTS_FREE_DAYS = 7


# Native (not Terraform-bridged) providers name their resources `package:module:Type` without a file part, which is
# otherwise a component's shape: `docker-build:index:Image`, `aws-native:rds:DbCluster`, `command:local:Command`.
# Without this list the budget rule would take their resources for components and skip them, silently free.
NATIVE_PROVIDER_PACKAGES = frozenset({"docker-build", "aws-native", "command", "azure-native", "google-native"})


def is_custom_type(token: str) -> bool:
    """Provider resource tokens are `package:module/file:Type` (`aws:ec2/vpc:Vpc`, `random:index/randomId:RandomId`),
    or `package:module:Type` for the native providers above; component tokens are `package:module:Type`
    (`aurora-platform:app:AppService`, `awsx:ec2:Vpc`). Stack policies do not say which is which, so the token
    decides."""
    parts = token.split(":")
    if len(parts) != 3 or parts[0] == "pulumi":
        return False
    return "/" in parts[1] or parts[0] in NATIVE_PROVIDER_PACKAGES


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


class _Pricer:
    def __init__(self, table: PriceTable, region: str, usage: Mapping[str, float]) -> None:
        self.table, self.region, self.usage = table, region, usage

    def line(self, component: str, kind: str, quantity: float, unit: str, item: str,
             assumption: str | None = None, per: float = 1.0) -> Line:
        """`per`: how many units the price is quoted for (10,000 KMS requests, a million I/Os)."""
        price = self.table.get(self.region, item)
        line = Line(component, kind, quantity, unit, item, assumption=assumption)
        if price is not None and price.price is not None:
            line.unit_price = price.price
            line.monthly = quantity / per * price.price
            line.verified = price.verified
        return line


def _clusters(resources: Iterable[Resource]) -> dict[str, Resource]:
    """Aurora clusters by clusterIdentifier (what instances name them by) and by URN."""
    found: dict[str, Resource] = {}
    for r in resources:
        if r.type == "aws:rds/cluster:Cluster":
            found[r.urn] = r
            ident = _text(r.inputs.get("clusterIdentifier"))
            if ident:
                found[ident] = r
    return found


def _cluster_of(instance: Resource, clusters: Mapping[str, Resource]) -> Resource | None:
    for dep in instance.dependencies:
        if dep in clusters:
            return clusters[dep]
    ident = _text(instance.inputs.get("clusterIdentifier"))
    return clusters.get(ident) if ident else None


def _iopt(cluster: Resource | None) -> bool:
    return cluster is not None and _text(cluster.inputs.get("storageType")) == "aurora-iopt1"


def _serverless_range(cluster: Resource | None) -> tuple[float, float] | None:
    config = _mapping(cluster.inputs.get("serverlessv2ScalingConfiguration")) if cluster is not None else {}
    low, high = _number(config.get("minCapacity")), _number(config.get("maxCapacity"))
    return None if low is None else (low, high if high is not None else low)


def _serverless_acu_hours(cluster: Resource | None, usage: Mapping[str, float]) -> tuple[float, float, str]:
    """(fixed ACU-hours, usage ACU-hours, how): the minimum capacity is billed every hour it cannot pause."""
    low, high = _serverless_range(cluster) or (0.5, 0.5)
    average = min(max(usage["serverlessAverageAcu"], low), high)
    if low == 0:  # auto-pause: nothing while paused, the average while active
        active = usage["serverlessActiveHoursPerMonth"]
        return 0.0, average * active, (f"serverlessAverageAcu {average:g} ACU x serverlessActiveHoursPerMonth "
                                       f"{active:g} h (paused otherwise)")
    active = usage["serverlessActiveHoursPerMonth"]
    return (low * HOURS_PER_MONTH, (average - low) * active,
            f"minCapacity {low:g} ACU x {HOURS_PER_MONTH:g} h fixed, plus (serverlessAverageAcu {average:g} - "
            f"{low:g}) ACU x serverlessActiveHoursPerMonth {active:g} h")


def _cluster_instance(r: Resource, p: _Pricer, clusters: Mapping[str, Resource], cost: ResourceCost) -> None:
    cluster = _cluster_of(r, clusters)
    iopt = ".iopt" if _iopt(cluster) else ""
    klass = _text(r.inputs.get("instanceClass"))
    if klass is None:
        cost.lines.append(Line("instance hours (class unknown)", "fixed", HOURS_PER_MONTH, "hours",
                               "aurora.instance.unknown"))
        return
    if klass == "db.serverless":
        fixed, used, how = _serverless_acu_hours(cluster, p.usage)
        if fixed:
            cost.lines.append(p.line(f"Serverless v2 minimum capacity{' (I/O-Optimized)' if iopt else ''}",
                                     "fixed", fixed, "ACU-hours", f"aurora.acu{iopt}"))
        cost.lines.append(p.line(f"Serverless v2 capacity{' (I/O-Optimized)' if iopt else ''}", "usage", used,
                                 "ACU-hours", f"aurora.acu{iopt}", assumption=how))
    else:
        item = f"aurora.instance{iopt}.{klass}"
        cost.lines.append(p.line(f"{klass} instance{' (I/O-Optimized)' if iopt else ''}", "fixed", HOURS_PER_MONTH,
                                 "hours", item))
    retention = _number(r.inputs.get("performanceInsightsRetentionPeriod"))
    enabled = r.inputs.get("performanceInsightsEnabled") is True
    if enabled and retention is not None and retention > PERFORMANCE_INSIGHTS_FREE_DAYS:
        vcpus = VCPUS.get(klass)
        if vcpus is None:
            cost.lines.append(Line(f"Performance Insights {retention:g}-day retention (vCPUs of {klass} unknown)",
                                   "fixed", 0, "vCPU-months", "aurora.performanceInsights.retention"))
        else:
            cost.lines.append(p.line(f"Performance Insights {retention:g}-day retention", "fixed", vcpus,
                                     "vCPU-months", "aurora.performanceInsights.retention"))
    if (_number(r.inputs.get("monitoringInterval")) or 0) > 0:
        cost.notes.append("Enhanced Monitoring (its CloudWatch Logs ingestion, RDSOSMetrics)")


def _cluster(r: Resource, p: _Pricer, cost: ResourceCost) -> None:
    iopt = _iopt(r)
    storage = p.usage["auroraStorageGb"]
    cost.lines.append(p.line(f"storage{' (I/O-Optimized)' if iopt else ''}", "usage", storage, "GB-months",
                             "aurora.storage.iopt" if iopt else "aurora.storage",
                             assumption=f"auroraStorageGb {storage:g}"))
    if not iopt:
        io = p.usage["auroraIoMillionsPerMonth"]
        cost.lines.append(p.line("I/O requests", "usage", io, "million requests", "aurora.io",
                                 assumption=f"auroraIoMillionsPerMonth {io:g}"))
    backup = p.usage["auroraBackupGbBeyondFree"]
    if backup:
        cost.lines.append(p.line("backup storage beyond the free amount", "usage", backup, "GB-months",
                                 "aurora.backup", assumption=f"auroraBackupGbBeyondFree {backup:g}"))
    if (_number(r.inputs.get("backtrackWindow")) or 0) > 0:
        cost.notes.append("Backtrack change records")


def _proxy(r: Resource, p: _Pricer, resources: list[Resource], clusters: Mapping[str, Resource],
           cost: ResourceCost) -> None:
    # A proxy is billed per vCPU (ACU for Serverless v2) of the instances behind it, with a minimum. The proxy names
    # its cluster through a ProxyTarget; a stack with one cluster is the common case, so count that cluster's
    # instances, and all clusters' when there are several (an overestimate, said in the component's name).
    instances = [i for i in resources if i.type == "aws:rds/clusterInstance:ClusterInstance"]
    serverless = [i for i in instances if _text(i.inputs.get("instanceClass")) == "db.serverless"]
    if serverless and len(serverless) == len(instances):
        cluster = _cluster_of(serverless[0], clusters)
        low, high = _serverless_range(cluster) or (0.5, 0.5)
        acus = max(PROXY_MINIMUM_ACUS, min(max(p.usage["serverlessAverageAcu"], low), high) * len(serverless))
        cost.lines.append(p.line(f"proxy for {len(serverless)} Serverless v2 instance(s) (minimum "
                                 f"{PROXY_MINIMUM_ACUS} ACUs)", "fixed", acus * HOURS_PER_MONTH, "ACU-hours",
                                 "rdsProxy.acu", assumption="serverlessAverageAcu"))
        return
    vcpus = sum(VCPUS.get(_text(i.inputs.get("instanceClass")) or "", 0) for i in instances)
    if any(_text(i.inputs.get("instanceClass")) not in VCPUS for i in instances if i not in serverless):
        cost.lines.append(Line("proxy (vCPUs of an instance class unknown)", "fixed", HOURS_PER_MONTH, "hours",
                               "rdsProxy.vcpu.unknown"))
        return
    vcpus = max(PROXY_MINIMUM_VCPUS, vcpus)
    cost.lines.append(p.line(f"proxy for {len(instances)} instance(s), {vcpus} vCPUs (minimum "
                             f"{PROXY_MINIMUM_VCPUS})", "fixed", vcpus * HOURS_PER_MONTH, "vCPU-hours",
                             "rdsProxy.vcpu"))


def _log_group(r: Resource, p: _Pricer, flow_groups: set[str], cost: ResourceCost) -> None:
    name = _text(r.inputs.get("name"))
    flow = name is not None and name in flow_groups
    key = "flowLogGbPerMonth" if flow else "logGbIngestedPerGroupPerMonth"
    ingest = p.usage[key]
    cost.lines.append(p.line("log ingestion", "usage", ingest, "GB", "logs.ingest", assumption=f"{key} {ingest:g}"))
    retention = _number(r.inputs.get("retentionInDays"))
    months = LOG_MONTHS_WHEN_NEVER_EXPIRE if not retention else retention / DAYS_PER_MONTH
    # Steady state: the group holds `months` months of ingest (CloudWatch bills compressed bytes, so this is high).
    how = (f"{key} {ingest:g} x " + (f"retentionInDays {retention:g} / {DAYS_PER_MONTH:.4g}" if retention
                                      else f"{LOG_MONTHS_WHEN_NEVER_EXPIRE} months (retention never expires)"))
    cost.lines.append(p.line("log storage (steady state)", "usage", ingest * months, "GB-months", "logs.storage",
                             assumption=how))


def _alarm(r: Resource, p: _Pricer, cost: ResourceCost) -> None:
    queries = r.inputs.get("metricQueries")
    metrics = len([q for q in queries if _mapping(q).get("metric")]) if isinstance(queries, list) and queries else 1
    period = _number(r.inputs.get("period"))
    high = period is not None and period < 60
    item = "cloudwatch.alarm.highResolution" if high else "cloudwatch.alarm"
    cost.lines.append(p.line(f"{'high-resolution ' if high else ''}alarm, {metrics} metric(s)", "fixed", metrics,
                             "alarm metrics", item))


def _task_definition(service: Resource, by_urn: Mapping[str, Resource],
                     definitions: Iterable[Resource]) -> Resource | None:
    for dep in service.dependencies:
        candidate = by_urn.get(dep)
        if candidate is not None and candidate.type == "aws:ecs/taskDefinition:TaskDefinition":
            return candidate
    reference = _text(service.inputs.get("taskDefinition")) or ""
    family = re.sub(r":\d+$", "", reference.rsplit("/", 1)[-1])
    return next((d for d in definitions if _text(d.inputs.get("family")) == family), None)


def _fargate_size(definition: Resource | None) -> tuple[float, float, str] | None:
    if definition is None:
        return None
    cpu, memory = _number(definition.inputs.get("cpu")), _number(definition.inputs.get("memory"))
    if cpu is None or memory is None:
        return None
    platform = _mapping(definition.inputs.get("runtimePlatform"))
    arch = "arm" if _text(platform.get("cpuArchitecture")) == "ARM64" else "x86"
    return cpu / 1024, memory / 1024, arch


def _service(r: Resource, p: _Pricer, by_urn: Mapping[str, Resource], definitions: list[Resource],
             cost: ResourceCost) -> None:
    # Without launchType or a capacity provider strategy the provider runs the service on EC2 (its default), whose
    # instances are not this resource: unpriced, never assumed to be Fargate.
    strategies = r.inputs.get("capacityProviderStrategies")
    launch = _text(r.inputs.get("launchType")) or ("a capacity provider strategy" if strategies else "EC2")
    count = _number(r.inputs.get("desiredCount"))
    count = 1.0 if count is None else count  # the provider's default
    if launch != "FARGATE":
        cost.lines.append(Line(f"{count:g} task(s) on {launch}", "fixed", count, "tasks", "ecs.nonFargate"))
        return
    size = _fargate_size(_task_definition(r, by_urn, definitions))
    if size is None:
        cost.lines.append(Line(f"{count:g} Fargate task(s), size unknown", "fixed", count, "tasks",
                               "fargate.unknown"))
        return
    vcpu, gb, arch = size
    hours = count * HOURS_PER_MONTH
    label = "Arm" if arch == "arm" else "x86"
    cost.lines.append(p.line(f"{count:g} Fargate task(s) x {vcpu:g} vCPU ({label})", "fixed", vcpu * hours,
                             "vCPU-hours", f"fargate.{arch}.vcpu"))
    cost.lines.append(p.line(f"{count:g} Fargate task(s) x {gb:g} GB memory ({label})", "fixed", gb * hours,
                             "GB-hours", f"fargate.{arch}.gb"))
    network = _mapping(r.inputs.get("networkConfiguration"))
    if network.get("assignPublicIp") is True:
        cost.lines.append(p.line(f"{count:g} public IPv4 address(es)", "fixed", hours, "hours", "publicIpv4.hour"))


def _instance(r: Resource, p: _Pricer, cost: ResourceCost) -> None:
    kind = _text(r.inputs.get("instanceType"))
    cost.lines.append(p.line(f"{kind or 'unknown type'} instance", "fixed", HOURS_PER_MONTH, "hours",
                             f"ec2.{kind or 'unknown'}"))
    root = _mapping(r.inputs.get("rootBlockDevice"))
    size = _number(root.get("volumeSize"))
    volume_type = _text(root.get("volumeType")) or "gp3"
    if size is None:
        # The AMI's snapshot decides the size; the Amazon Linux 2023 images this project uses are 8 GB.
        size, how = 8.0, "volumeSize unset: the AMI's 8 GB"
    else:
        how = None
    cost.lines.append(p.line(f"{size:g} GB {volume_type} root volume", "fixed", size, "GB-months",
                             f"ebs.{volume_type}", assumption=how))
    if r.inputs.get("associatePublicIpAddress") is True:
        cost.lines.append(p.line("public IPv4 address", "fixed", HOURS_PER_MONTH, "hours", "publicIpv4.hour"))
    if r.inputs.get("monitoring") is True:
        cost.notes.append("detailed monitoring (EC2 metrics at 1-minute resolution)")


def _endpoint(r: Resource, p: _Pricer, cost: ResourceCost) -> None:
    kind = _text(r.inputs.get("vpcEndpointType")) or "Gateway"
    if kind == "Gateway":
        return  # gateway endpoints (S3, DynamoDB) have no hourly or data charge
    subnets = r.inputs.get("subnetIds")
    zones = len(subnets) if isinstance(subnets, list) and subnets else 1
    service = (_text(r.inputs.get("serviceName")) or "").rsplit(".", 1)[-1]
    cost.lines.append(p.line(f"{kind} endpoint {service} in {zones} AZ(s)", "fixed", zones * HOURS_PER_MONTH,
                             "AZ-hours", "vpcEndpoint.azHour"))
    gb = p.usage["vpcEndpointGbPerMonth"]
    cost.lines.append(p.line("data processed", "usage", gb, "GB", "vpcEndpoint.gb",
                             assumption=f"vpcEndpointGbPerMonth {gb:g}"))


def _load_balancer(r: Resource, p: _Pricer, cost: ResourceCost) -> None:
    kind = _text(r.inputs.get("loadBalancerType")) or "application"
    if kind != "application":
        cost.lines.append(Line(f"{kind} load balancer", "fixed", HOURS_PER_MONTH, "hours", f"elb.{kind}"))
        return
    cost.lines.append(p.line("application load balancer", "fixed", HOURS_PER_MONTH, "hours", "alb.hour"))
    lcu = p.usage["albLcuAverage"]
    cost.lines.append(p.line("load balancer capacity units", "usage", lcu * HOURS_PER_MONTH, "LCU-hours", "alb.lcu",
                             assumption=f"albLcuAverage {lcu:g} x {HOURS_PER_MONTH:g} h"))
    # An internet-facing ALB holds a public IPv4 address per subnet (zone), unless it is dual-stack without them.
    if r.inputs.get("internal") is not True and _text(r.inputs.get("ipAddressType")) != "dualstack-without-public-ipv4":
        subnets = r.inputs.get("subnets") or r.inputs.get("subnetMappings")
        zones = len(subnets) if isinstance(subnets, list) and subnets else 2
        cost.lines.append(p.line(f"{zones} public IPv4 address(es)", "fixed", zones * HOURS_PER_MONTH, "hours",
                                 "publicIpv4.hour"))


def _backup_vault(r: Resource, p: _Pricer, cost: ResourceCost) -> None:
    # AWS Backup bills the backups a vault holds, not the vault. What lands in it is decided by the plans and
    # selections (and the data's size by the database), none of which the inputs can measure: an assumption per vault.
    gb = p.usage["backupVaultGb"]
    cost.lines.append(p.line("Aurora snapshots held (warm storage)", "usage", gb, "GB-months", "backup.aurora",
                             assumption=f"backupVaultGb {gb:g}"))


def _backup_plan(r: Resource, cost: ResourceCost) -> None:
    rules = r.inputs.get("rules")
    rules = rules if isinstance(rules, list) else []
    if any(_mapping(rule).get("copyActions") for rule in rules):
        cost.notes.append("copies to another vault (another region's storage, and cross-region data transfer)")
    if any(_number(_mapping(_mapping(rule).get("lifecycle")).get("coldStorageAfter")) for rule in rules):
        cost.notes.append("cold storage tier (Aurora snapshots cannot move to cold storage; other resources' can)")


def _certificate(r: Resource, cost: ResourceCost) -> None:
    # Public ACM certificates are free; one issued by AWS Private CA is billed (and the CA itself, monthly). The
    # table has no price for it, so the line is unpriced rather than silently free.
    if _text(r.inputs.get("certificateAuthorityArn")):
        cost.lines.append(Line("private certificate (AWS Private CA)", "fixed", 1, "certificates",
                               "acm.privateCertificate"))


def _record(r: Resource, cost: ResourceCost) -> None:
    # Alias queries to AWS resources (an ALB) are free; other record types are billed per million queries.
    if not r.inputs.get("aliases"):
        cost.notes.append("DNS queries to this record (standard queries are billed per million; alias queries to "
                          "AWS resources are free)")


def estimate(resources: Iterable[Resource], region: str, usage: Mapping[str, Any] | None = None,
             table: PriceTable | None = None) -> Estimate:
    """The monthly estimate. `usage` is a stack's assumptions (validated, defaults for the rest)."""
    table = table if table is not None else PriceTable.load()
    assumptions = usage_assumptions(usage)
    resources = [r for r in resources if not r.type.startswith("pulumi:")]
    result = Estimate(region=region, assumptions=assumptions)
    if region not in table.regions():
        result.no_prices = True
        return result
    p = _Pricer(table, region, assumptions)
    by_urn = {r.urn: r for r in resources}
    clusters = _clusters(resources)
    definitions = [r for r in resources if r.type == "aws:ecs/taskDefinition:TaskDefinition"]
    flow_groups = {m.group(1) for r in resources if r.type == "aws:ec2/flowLog:FlowLog"
                   for m in [re.search(r":log-group:([^:*]+)", _text(r.inputs.get("logDestination")) or "")] if m}
    nats = [r for r in resources if r.type == "aws:ec2/natGateway:NatGateway"]
    for r in resources:
        cost = ResourceCost(r.urn, r.type, r.name)
        t = r.type
        if t == "aws:rds/clusterInstance:ClusterInstance":
            _cluster_instance(r, p, clusters, cost)
        elif t == "aws:rds/cluster:Cluster":
            _cluster(r, p, cost)
        elif t == "aws:rds/proxy:Proxy":
            _proxy(r, p, resources, clusters, cost)
        elif t == "aws:ec2/natGateway:NatGateway":
            cost.lines.append(p.line("NAT gateway", "fixed", HOURS_PER_MONTH, "hours", "nat.hour"))
            gb = p.usage["natGbPerMonth"] / len(nats)
            cost.lines.append(p.line("data processed", "usage", gb, "GB", "nat.gb",
                                     assumption=f"natGbPerMonth {p.usage['natGbPerMonth']:g} / {len(nats)} "
                                                f"gateway(s)"))
        elif t == "aws:ec2/eip:Eip":
            cost.lines.append(p.line("public IPv4 address", "fixed", HOURS_PER_MONTH, "hours", "publicIpv4.hour"))
        elif t == "aws:ec2/vpcEndpoint:VpcEndpoint":
            _endpoint(r, p, cost)
        elif t == "aws:kms/key:Key":
            cost.lines.append(p.line("customer managed key", "fixed", 1, "key-months", "kms.key"))
            requests = p.usage["kmsRequestsPerKeyPerMonth"]
            cost.lines.append(p.line("API requests", "usage", requests, "requests", "kms.requests",
                                     assumption=f"kmsRequestsPerKeyPerMonth {requests:g}", per=10000))
        elif t == "aws:cloudwatch/logGroup:LogGroup":
            _log_group(r, p, flow_groups, cost)
        elif t == "aws:cloudwatch/metricAlarm:MetricAlarm":
            _alarm(r, p, cost)
        elif t == "aws:cloudwatch/dashboard:Dashboard":
            cost.lines.append(p.line("dashboard", "fixed", 1, "dashboard-months", "cloudwatch.dashboard"))
        elif t == "aws:sns/topic:Topic":
            publishes = p.usage["snsPublishesPerMonth"]
            cost.lines.append(p.line("publishes", "usage", publishes, "requests", "sns.requests",
                                     assumption=f"snsPublishesPerMonth {publishes:g}", per=1_000_000))
        elif t == "aws:ecs/service:Service":
            _service(r, p, by_urn, definitions, cost)
        elif t == "aws:ec2/instance:Instance":
            _instance(r, p, cost)
        elif t in ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"):
            _load_balancer(r, p, cost)
        elif t == "aws:ecr/repository:Repository":
            gb = p.usage["ecrStorageGb"]
            cost.lines.append(p.line("image storage", "usage", gb, "GB-months", "ecr.storage",
                                     assumption=f"ecrStorageGb {gb:g}"))
        elif t in ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"):
            gb = p.usage["s3StorageGb"]
            cost.lines.append(p.line("Standard storage", "usage", gb, "GB-months", "s3.standard",
                                     assumption=f"s3StorageGb {gb:g}"))
        elif t == "aws:secretsmanager/secret:Secret":
            cost.lines.append(p.line("secret", "fixed", 1, "secret-months", "secretsManager.secret"))
        elif t == "aws:ssm/parameter:Parameter":
            if _text(r.inputs.get("tier")) == "Advanced":
                cost.lines.append(p.line("advanced parameter", "fixed", 1, "parameter-months",
                                         "ssm.advancedParameter"))
            # Standard parameters (the default) are free; Intelligent-Tiering picks Standard until it must not.
        elif t == "aws:ec2/vpcEndpointSubnetAssociation:VpcEndpointSubnetAssociation":
            # Each subnet associated later adds one zone to an interface endpoint, billed per AZ-hour like the ones
            # declared on the endpoint (gateway endpoints take route tables, not subnets).
            cost.lines.append(p.line("one more zone for an interface endpoint", "fixed", HOURS_PER_MONTH, "AZ-hours",
                                     "vpcEndpoint.azHour"))
        elif t == "aws:backup/vault:Vault":
            _backup_vault(r, p, cost)
        elif t == "aws:backup/plan:Plan":
            _backup_plan(r, cost)
        elif t == "aws:acm/certificate:Certificate":
            _certificate(r, cost)
        elif t == "aws:route53/zone:Zone":
            # A hosted zone the program creates is billed monthly; reading an existing one (route53.get_zone) is not
            # a resource and costs nothing here.
            cost.lines.append(p.line("hosted zone", "fixed", 1, "hosted zone-months", "route53.hostedZone"))
        elif t == "aws:route53/record:Record":
            _record(r, cost)
        elif t == "aws:ecs/cluster:Cluster":
            settings = r.inputs.get("settings")
            insights = [s for s in settings if _mapping(s).get("name") == "containerInsights"] \
                if isinstance(settings, list) else []
            if any(_mapping(s).get("value") in ("enabled", "enhanced") for s in insights):
                cost.notes.append("Container Insights (its metrics and performance logs, billed as CloudWatch custom "
                                  "metrics and logs)")
        elif t in FREE_TYPES:
            pass
        else:
            result.unpriced_types[t] = result.unpriced_types.get(t, 0) + 1
            continue
        if cost.lines or cost.notes:
            result.resources.append(cost)
    return result


def money(value: float) -> str:
    return f"${value:,.2f}"
