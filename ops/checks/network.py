"""Where the database can be reached from: public instances, AZ spread, open ingress."""

from __future__ import annotations

from typing import Any

from ops.checks.base import Facts, Outcome, failed, passed

OPEN_CIDRS = {"0.0.0.0/0", "::/0"}


def no_public_instances(facts: Facts) -> Outcome:
    public = [i["DBInstanceIdentifier"] for i in facts.instances if i.get("PubliclyAccessible")]
    if public:
        return failed(f"publicly accessible: {', '.join(sorted(public))}")
    return passed(f"none of {len(facts.instances)} instance(s) is publicly accessible")


def multi_az_instances(facts: Facts) -> Outcome:
    zones = sorted({i.get("AvailabilityZone", "?") for i in facts.instances})
    if len(zones) < 2:
        where = zones[0] if zones else "no zone"
        return failed(f"all {len(facts.instances)} instance(s) in {where}")
    return passed(f"{len(facts.instances)} instance(s) across {', '.join(zones)}")


def _covers(permission: dict[str, Any], port: int) -> bool:
    if permission.get("IpProtocol") in ("-1", "all"):
        return True
    if permission.get("IpProtocol") not in ("tcp", "6"):
        return False
    return int(permission.get("FromPort", -1)) <= port <= int(permission.get("ToPort", -1))


def _open_sources(permission: dict[str, Any]) -> list[str]:
    cidrs = [r.get("CidrIp") for r in permission.get("IpRanges", [])]
    cidrs += [r.get("CidrIpv6") for r in permission.get("Ipv6Ranges", [])]
    return [c for c in cidrs if c in OPEN_CIDRS]


def _traffic(permission: dict[str, Any]) -> str:
    if permission.get("IpProtocol") in ("-1", "all"):
        return "all traffic"
    return f"{permission.get('IpProtocol')} {permission.get('FromPort')}-{permission.get('ToPort')}"


def no_open_db_ingress(facts: Facts) -> Outcome:
    port = int(facts.cluster.get("Port") or 0)
    group_ids = [g["VpcSecurityGroupId"] for g in facts.cluster.get("VpcSecurityGroups", [])]
    if not group_ids:
        return passed("no VPC security groups attached")
    groups = facts.aws.ec2.describe_security_groups(GroupIds=group_ids)["SecurityGroups"]
    open_rules = [
        f"{group['GroupId']} allows {source} on {_traffic(permission)}"
        for group in groups
        for permission in group.get("IpPermissions", [])
        if _covers(permission, port)
        for source in _open_sources(permission)
    ]
    if open_rules:
        return failed("; ".join(open_rules))
    return passed(f"no 0.0.0.0/0 or ::/0 ingress to port {port} in {', '.join(group_ids)}")
