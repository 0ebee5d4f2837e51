"""Refresh the price table (`policies/rules/prices.json`) from the AWS Price List API, so it does not rot.

    python -m preflight.price_refresh [--region REGION ...] [--item ITEM ...] [--write]

Needs AWS credentials allowed `pricing:GetProducts` (the API answers from us-east-1 for every region). For each
item and region it asks for the service's on-demand products in that region, keeps the one whose usage type ends with
the item's usage type (Price List usage types carry a region prefix: `USW2-NatGateway-Hours`), and takes the first
paid price tier in USD: a $0 tier that starts at 0 and is followed by a paid one is a free tier (SNS's first million
requests), which the estimate never deducts. An item that matches no product, or several products with different
prices, is reported and left as it was: the table never gets a figure the API did not give unambiguously. Without
--write it only prints what would change. A refreshed figure is marked verified, with the offer (service, usage type,
SKU, effective date) as its source.

The answer's shape, as the Price List Query API documents it (botocore's `pricing` service model, GetProducts):
`{"FormatVersion": "aws_v1", "NextToken": ..., "PriceList": [<one JSON document per product, as a string>]}`; each
product has `product.sku`, `product.attributes.usagetype` and `terms.OnDemand.<term>.priceDimensions.<rate code>` with
`beginRange`, `endRange`, `unit` and `pricePerUnit.USD`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policies.rules._cost import PRICES_FILE, CostInputError, PriceTable

PRICING_REGION = "us-east-1"  # the Price List query API's endpoint


@dataclass(frozen=True)
class Query:
    service: str
    usage_type: str  # suffix of the product's `usagetype` attribute
    attributes: Mapping[str, str] = field(default_factory=dict)  # server-side TERM_MATCH filters besides the region
    scale: float = 1.0  # the API quotes per request or per byte-hour unit; the table per million, per 10,000, ...
    regional: bool = True  # False: a global service (Route 53) whose products have no regionCode to filter on
    aliases: tuple[str, ...] = ()  # other spellings of the usage type the Price List uses for the same product


AURORA_PG = {"databaseEngine": "Aurora PostgreSQL"}
# Usage types as the Price List publishes them; the table's unit is what `scale` converts to.
AURORA_CLASSES = ("db.t4g.medium", "db.t4g.large", "db.r5.large", "db.r5.xlarge", "db.r6g.large", "db.r6g.xlarge",
                  "db.r6g.2xlarge", "db.r6g.4xlarge", "db.r7g.large", "db.r7g.xlarge")
AURORA_IOPT_CLASSES = ("db.r6g.large", "db.r6g.xlarge", "db.r6g.2xlarge", "db.r6g.4xlarge", "db.r7g.large",
                       "db.r7g.xlarge")


def _short(klass: str) -> tuple[str, ...]:
    # RDS usage types shorten "xlarge" to "xl" (`USW2-InstanceUsage:db.r6g.xl`, `...IOOptimized:db.r8g.2xl`, as
    # billing exports and Price List filters in public cost tools spell them); the full class is kept as well.
    return (klass.replace("xlarge", "xl"),) if "xlarge" in klass else ()


QUERIES: dict[str, Query] = {
    **{f"aurora.instance.{klass}": Query("AmazonRDS", f"InstanceUsage:{klass}", {**AURORA_PG, "instanceType": klass},
                                         aliases=tuple(f"InstanceUsage:{k}" for k in _short(klass)))
       for klass in AURORA_CLASSES},
    **{f"aurora.instance.iopt.{klass}": Query("AmazonRDS", f"InstanceUsageIOOptimized:{klass}",
                                              {**AURORA_PG, "instanceType": klass},
                                              aliases=tuple(f"InstanceUsageIOOptimized:{k}" for k in _short(klass)))
       for klass in AURORA_IOPT_CLASSES},
    "aurora.acu": Query("AmazonRDS", "Aurora:ServerlessV2Usage", AURORA_PG),
    "aurora.acu.iopt": Query("AmazonRDS", "Aurora:ServerlessV2IOOptimizedUsage", AURORA_PG),
    "aurora.storage": Query("AmazonRDS", "Aurora:StorageUsage"),
    "aurora.storage.iopt": Query("AmazonRDS", "Aurora:IO-OptimizedStorageUsage"),
    "aurora.io": Query("AmazonRDS", "Aurora:StorageIOUsage", scale=1_000_000),
    "aurora.backup": Query("AmazonRDS", "Aurora:BackupUsage"),
    "aurora.performanceInsights.retention": Query("AmazonRDS", "PI_LTR:FMR"),
    "rdsProxy.vcpu": Query("AmazonRDS", "RDS:ProxyUsage"),
    "rdsProxy.acu": Query("AmazonRDS", "RDS:ProxyServerlessV2Usage"),
    "nat.hour": Query("AmazonEC2", "NatGateway-Hours"),
    "nat.gb": Query("AmazonEC2", "NatGateway-Bytes"),
    "publicIpv4.hour": Query("AmazonVPC", "PublicIPv4:InUseAddress"),
    "vpcEndpoint.azHour": Query("AmazonVPC", "VpcEndpoint-Hours"),
    "vpcEndpoint.gb": Query("AmazonVPC", "VpcEndpoint-Bytes"),
    "kms.key": Query("awskms", "KMS-Keys"),
    "kms.requests": Query("awskms", "KMS-Requests", scale=10_000),
    "logs.ingest": Query("AmazonCloudWatch", "DataProcessing-Bytes"),
    "logs.storage": Query("AmazonCloudWatch", "TimedStorage-ByteHrs"),
    "cloudwatch.alarm": Query("AmazonCloudWatch", "CW:AlarmMonitorUsage"),
    "cloudwatch.alarm.highResolution": Query("AmazonCloudWatch", "CW:HighResAlarmMonitorUsage"),
    "cloudwatch.metric": Query("AmazonCloudWatch", "CW:MetricMonitorUsage"),
    # Priced per dashboard-month; the Price List's usage type for it is recalled, not read.
    "cloudwatch.dashboard": Query("AmazonCloudWatch", "DashboardsUsageHour-Basic"),
    "sns.requests": Query("AmazonSNS", "Requests-Tier1", scale=1_000_000),
    "fargate.x86.vcpu": Query("AmazonECS", "Fargate-vCPU-Hours:perCPU"),
    "fargate.x86.gb": Query("AmazonECS", "Fargate-GB-Hours"),
    "fargate.arm.vcpu": Query("AmazonECS", "Fargate-ARM-vCPU-Hours:perCPU"),
    "fargate.arm.gb": Query("AmazonECS", "Fargate-ARM-GB-Hours"),
    "ec2.t4g.nano": Query("AmazonEC2", "BoxUsage:t4g.nano", {"operatingSystem": "Linux", "tenancy": "Shared",
                                                              "preInstalledSw": "NA", "capacitystatus": "Used"}),
    "ec2.t4g.micro": Query("AmazonEC2", "BoxUsage:t4g.micro", {"operatingSystem": "Linux", "tenancy": "Shared",
                                                                "preInstalledSw": "NA", "capacitystatus": "Used"}),
    "ec2.t4g.small": Query("AmazonEC2", "BoxUsage:t4g.small", {"operatingSystem": "Linux", "tenancy": "Shared",
                                                                "preInstalledSw": "NA", "capacitystatus": "Used"}),
    "ebs.gp3": Query("AmazonEC2", "EBS:VolumeUsage.gp3"),
    "alb.hour": Query("AWSELB", "LoadBalancerUsage", {"productFamily": "Load Balancer-Application"}),
    "alb.lcu": Query("AWSELB", "LCUUsage", {"productFamily": "Load Balancer-Application"}),
    "ecr.storage": Query("AmazonECR", "TimedStorage-ByteHrs"),
    "s3.standard": Query("AmazonS3", "TimedStorage-ByteHrs"),
    "secretsManager.secret": Query("AWSSecretsManager", "AWSSecretsManager-Secrets"),
    "ssm.advancedParameter": Query("AWSSystemsManager", "PS-Advanced-Param-Tier1"),
    # The next two usage types are recalled, not read: a wrong one fails loudly ("no ... product") and writes nothing.
    "backup.aurora": Query("AWSBackup", "WarmStorage-ByteHrs-Aurora"),
    "route53.hostedZone": Query("AmazonRoute53", "HostedZone", regional=False),
}


@dataclass
class Found:
    price: float
    source: str


class RefreshError(Exception):
    """One item that could not be refreshed: the message says which, where and why."""


def _products(client: Any, query: Query, region: str) -> Iterable[Mapping[str, Any]]:
    filters = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}] if query.regional else []
    filters += [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in sorted(query.attributes.items())]
    token = None
    while True:
        kwargs: dict[str, Any] = {"ServiceCode": query.service, "Filters": filters, "FormatVersion": "aws_v1"}
        if token:
            kwargs["NextToken"] = token
        page = client.get_products(**kwargs)
        for item in page.get("PriceList", []):
            yield json.loads(item) if isinstance(item, str) else item
        token = page.get("NextToken")
        if not token:
            return


def _begin(dimension: Mapping[str, Any]) -> float:
    try:
        return float(dimension.get("beginRange", 0))
    except (TypeError, ValueError):
        return float("inf")  # an unreadable range is never taken for the first tier


def _first_tier(product: Mapping[str, Any]) -> tuple[float, str, str, str] | None:
    """(USD price, offer term code, effective date, what was skipped) of the on-demand dimension that starts at 0, or
    of the first paid one after a free tier: a $0 dimension from 0 followed by a paid one is the free tier (SNS's first
    million requests), which the estimate never deducts (see docs/cost.md)."""
    for term in (product.get("terms", {}).get("OnDemand") or {}).values():
        priced = []
        for dimension in (term.get("priceDimensions") or {}).values():
            usd = (dimension.get("pricePerUnit") or {}).get("USD")
            try:
                priced.append((_begin(dimension), float(usd), dimension))
            except (TypeError, ValueError):
                continue
        priced.sort(key=lambda entry: entry[0])
        if not priced or priced[0][0] != 0:
            continue
        chosen, skipped = priced[0], ""
        paid = [entry for entry in priced if entry[1] > 0]
        if chosen[1] == 0 and paid:
            chosen, skipped = paid[0], f", after a free tier up to {paid[0][2].get('beginRange')}"
        return chosen[1], str(term.get("offerTermCode", "")), str(term.get("effectiveDate", "")), skipped
    return None


def fetch(client: Any, item: str, region: str) -> Found:
    query = QUERIES.get(item)
    if query is None:
        raise RefreshError(f"{item}: no Price List query is defined for this item")
    matches = []
    for product in _products(client, query, region):
        attributes = product.get("product", {}).get("attributes", {})
        # A regional offer also lists account-wide products (KMS's free requests: `Global-KMS-Requests`, regionCode
        # ""); their usage type ends like the regional one, so a product of another or no region is never taken.
        if query.regional and attributes.get("regionCode", region) != region:
            continue
        usage = str(attributes.get("usagetype", ""))
        if not any(usage == wanted or usage.endswith("-" + wanted) for wanted in (query.usage_type, *query.aliases)):
            continue
        tier = _first_tier(product)
        if tier is not None:
            matches.append((tier, str(product.get("product", {}).get("sku", "")), usage))
    prices = {round(tier[0], 10) for tier, _sku, _usage in matches}
    if not matches:
        raise RefreshError(f"{item} in {region}: no {query.service} product with usage type *{query.usage_type}")
    if len(prices) > 1:
        raise RefreshError(f"{item} in {region}: {len(matches)} products match with different prices "
                           f"({', '.join(f'{p:g}' for p in sorted(prices))}); narrow the query")
    (price, term, effective, skipped), sku, usage = matches[0]
    return Found(price * query.scale, f"AWS Price List API: {query.service} {usage} SKU {sku} "
                                      f"(on-demand term {term}, effective {effective[:10]}{skipped})")


def refresh(document: dict[str, Any], client: Any, regions: Sequence[str] | None = None,
            items: Sequence[str] | None = None, today: str | None = None) -> tuple[list[str], list[str]]:
    """Update `document` (prices.json content) in place; returns (changes, problems) as printable lines."""
    PriceTable.from_document(document)  # refuse a malformed table before touching it
    today = today or dt.datetime.now(dt.UTC).date().isoformat()
    changes, problems = [], []
    for entry in document["prices"]:
        if (regions and entry["region"] not in regions) or (items and entry["item"] not in items):
            continue
        try:
            found = fetch(client, entry["item"], entry["region"])
        except RefreshError as error:
            problems.append(str(error))
            continue
        if entry.get("price") != found.price:
            changes.append(f"{entry['item']} {entry['region']}: {entry.get('price')} -> {found.price:g} "
                           f"{entry['unit']}")
        entry.update(price=found.price, verified=True, basis="price-list-api", source=found.source, read=today)
        entry.pop("note", None)
    return changes, problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m preflight.price_refresh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--region", action="append", help="only this region (repeatable)")
    parser.add_argument("--item", action="append", help="only this item (repeatable)")
    parser.add_argument("--table", type=Path, default=PRICES_FILE, help="price table (default: %(default)s)")
    parser.add_argument("--write", action="store_true", help="write the refreshed table back")
    args = parser.parse_args(argv)
    try:
        document = json.loads(args.table.read_text())
        import boto3  # only here: the rest of the project never talks to AWS
        client = boto3.client("pricing", region_name=PRICING_REGION)
        changes, problems = refresh(document, client, args.region, args.item)
    except (OSError, ValueError, CostInputError) as error:
        print(f"price_refresh: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # botocore's NoCredentialsError, ClientError...: one line, no traceback
        print(f"price_refresh: the Price List API call failed: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    for line in changes:
        print(line)
    for line in problems:
        print(f"not refreshed: {line}", file=sys.stderr)
    if args.write:
        args.table.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
