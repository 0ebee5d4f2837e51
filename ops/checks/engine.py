"""Facts only the account can answer: is the engine version still offered, is the instance class offered in the
instances' zones, is the instances' CA current, does the version take the Serverless v2 capacity asked for.

The program pins these values at preview time (components/settings/database.py, components/aurora.py), where nothing
can ask AWS; RDS retires minor versions and CAs on its own calendar, so `verify --live-facts` asks the region.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ops.checks.base import Facts, Outcome, failed, passed, skipped

# A CA that expires within this many days is reported now: rotating a CA restarts instances (or needs a version that
# rotates without restart), and clients must trust the new CA first, so it needs planning, not a surprise.
CA_NOTICE_DAYS = 180


def _engine(facts: Facts) -> tuple[str, str]:
    return str(facts.cluster.get("Engine", "")), str(facts.cluster.get("EngineVersion", ""))


def _engine_version(facts: Facts) -> dict[str, Any] | None:
    """The cluster's engine version as DescribeDBEngineVersions reports it (IncludeAll: deprecated ones too)."""
    engine, version = _engine(facts)

    def read() -> dict[str, Any] | None:
        pages = facts.aws.rds.get_paginator("describe_db_engine_versions").paginate(
            Engine=engine, EngineVersion=version, IncludeAll=True)
        found = [v for page in pages for v in page.get("DBEngineVersions", [])
                 if v.get("EngineVersion") == version]
        return found[0] if found else None

    return facts.once("engine-version", f"{engine} {version}", read)


def engine_version_available(facts: Facts) -> Outcome:
    engine, version = _engine(facts)
    found = _engine_version(facts)
    if found is None:
        return failed(f"{engine} {version} is not offered in {facts.aws.region}")
    status = found.get("Status", "")
    if status != "available":
        targets = sorted({t["EngineVersion"] for t in found.get("ValidUpgradeTarget", [])
                          if not t.get("IsMajorVersionUpgrade") and t.get("EngineVersion")})
        advice = f"; minor upgrade targets: {', '.join(targets)}" if targets else ""
        return failed(f"{engine} {version} is {status or 'of unknown status'}, not available{advice}")
    return passed(f"{engine} {version} is available in {facts.aws.region}")


def serverless_capacity_supported(facts: Facts) -> Outcome:
    scaling = facts.cluster.get("ServerlessV2ScalingConfiguration") or {}
    if "MaxCapacity" not in scaling:
        return skipped("no Serverless v2 scaling configuration")
    engine, version = _engine(facts)
    found = _engine_version(facts)
    supported = ((found or {}).get("ServerlessV2FeaturesSupport") or {}).get("MaxCapacity")
    if supported is None:
        return skipped(f"{engine} {version} reports no Serverless v2 capacity limit")
    asked = float(scaling["MaxCapacity"])
    if asked > float(supported):
        return failed(f"maxCapacity {asked:g} ACUs, above the {float(supported):g} that {engine} {version} supports")
    return passed(f"maxCapacity {asked:g} ACUs (the version supports up to {float(supported):g})")


def instance_class_orderable(facts: Facts) -> Outcome:
    if not facts.instances:
        return skipped("the cluster has no instances")
    engine, version = _engine(facts)
    by_class: dict[str, list[dict[str, Any]]] = {}
    for instance in facts.instances:
        by_class.setdefault(str(instance.get("DBInstanceClass")), []).append(instance)
    problems, offered_in = [], []
    for instance_class in sorted(by_class):
        pages = facts.aws.rds.get_paginator("describe_orderable_db_instance_options").paginate(
            Engine=engine, EngineVersion=version, DBInstanceClass=instance_class)
        zones = {zone.get("Name") for page in pages for option in page.get("OrderableDBInstanceOptions", [])
                 for zone in option.get("AvailabilityZones", [])}
        if not zones:
            problems.append(f"{instance_class} is not offered for {engine} {version} in {facts.aws.region}")
            continue
        for instance in sorted(by_class[instance_class], key=lambda i: str(i.get("DBInstanceIdentifier"))):
            zone = instance.get("AvailabilityZone")
            if zone not in zones:
                problems.append(f"{instance.get('DBInstanceIdentifier')}: {instance_class} is not offered in {zone}")
        offered_in.append(f"{instance_class} in {', '.join(sorted(z for z in zones if z))}")
    if problems:
        return failed("; ".join(problems))
    return passed(f"{engine} {version}: {'; '.join(offered_in)}")


def _as_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def ca_certificate_current(facts: Facts) -> Outcome:
    if not facts.instances:
        return skipped("the cluster has no instances")
    now = facts.now or datetime.now(UTC)
    pages = facts.aws.rds.get_paginator("describe_certificates").paginate()
    certificates = {c.get("CertificateIdentifier"): c for page in pages for c in page.get("Certificates", [])}
    notice = now + timedelta(days=CA_NOTICE_DAYS)
    problems, used = [], set()
    for instance in sorted(facts.instances, key=lambda i: str(i.get("DBInstanceIdentifier"))):
        name, ca = instance.get("DBInstanceIdentifier"), instance.get("CACertificateIdentifier")
        used.add(str(ca))
        certificate = certificates.get(ca)
        if certificate is None:
            problems.append(f"{name}: CA {ca} is not one of the region's certificates")
            continue
        valid_till = _as_time(certificate.get("ValidTill"))
        if valid_till is None:
            problems.append(f"{name}: CA {ca} reports no expiry")
        elif valid_till <= now:
            problems.append(f"{name}: CA {ca} expired on {valid_till:%Y-%m-%d}")
        elif valid_till <= notice:
            problems.append(f"{name}: CA {ca} expires on {valid_till:%Y-%m-%d}, within {CA_NOTICE_DAYS} days")
        server = _as_time((instance.get("CertificateDetails") or {}).get("ValidTill"))
        if server is not None and server <= now:
            problems.append(f"{name}: its server certificate expired on {server:%Y-%m-%d}")
    if problems:
        return failed("; ".join(problems))
    return passed(f"CA {', '.join(sorted(used))} valid beyond {CA_NOTICE_DAYS} days")
