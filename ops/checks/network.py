"""Where the database can be reached from: public instances, AZ spread, open ingress."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from ops.checks.base import Facts, Outcome, failed, passed

PACK_MODULE = "policies.rules.ingress"
PRIVATE_NAME = "ops.checks._pack_ingress"


def _pack_ingress() -> ModuleType:
    """The policy pack's own ingress reasoning: the very file the gate runs.

    Loaded by its path: importing it as a submodule would run policies/rules/__init__.py, which builds the whole
    pack and pulls in pulumi_policy and pulumi, and ops needs only boto3. When the pack is already imported (in
    the tests, or after verify --policy-config) its module object is reused.
    """
    for name in (PACK_MODULE, PRIVATE_NAME):
        if name in sys.modules:
            return sys.modules[name]
    path = Path(__file__).resolve().parents[2] / "policies" / "rules" / "ingress.py"
    spec = importlib.util.spec_from_file_location(PRIVATE_NAME, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[PRIVATE_NAME] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


ingress = _pack_ingress()
Permission, Contribution, Network = ingress.Permission, ingress.Contribution, ingress.Network


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


def permissions(group: dict[str, Any]) -> list[Permission]:
    """A group's live IpPermissions in the shape the policy pack judges (policies/rules/ingress.py)."""
    return [
        Permission(
            group["GroupId"], p.get("IpProtocol"), p.get("FromPort"), p.get("ToPort"),
            tuple(r.get("CidrIp") for r in p.get("IpRanges", []))
            + tuple(r.get("CidrIpv6") for r in p.get("Ipv6Ranges", [])),
            tuple(r.get("PrefixListId") for r in p.get("PrefixListIds", [])),
        )
        for p in group.get("IpPermissions", [])
    ]


def _traffic(permission: Permission) -> str:
    if ingress.protocol_code(permission.protocol) == "-1":
        return "all traffic"
    return f"{permission.protocol} {permission.from_port}-{permission.to_port}"


def _who(contribution: Contribution, _worlds: Sequence[Network]) -> str:
    permission = contribution.permission
    return f"{permission.where} (allows {', '.join(contribution.sources)} on {_traffic(permission)})"


def prefix_list_entries(facts: Facts, prefix_list: str) -> list[str]:
    """The CIDRs of a managed prefix list (AWS-managed or the customer's), every page, read once per run."""

    def read() -> list[str]:
        pages = facts.aws.ec2.get_paginator("get_managed_prefix_list_entries").paginate(PrefixListId=prefix_list)
        return [entry["Cidr"] for page in pages for entry in page.get("Entries", [])]

    return facts.once("prefix-list", prefix_list, read)


def no_open_db_ingress(facts: Facts) -> Outcome:
    """The union of every group of the cluster (AWS allows what any of them allows) must not open the DB port to
    all of 0.0.0.0/0 or ::/0, in any spelling or split: the policy pack's own reasoning, on live rules."""
    port = int(facts.cluster.get("Port") or 0)
    group_ids = [g["VpcSecurityGroupId"] for g in facts.cluster.get("VpcSecurityGroups", [])]
    if not group_ids:
        return passed("no VPC security groups attached")
    groups = facts.aws.ec2.describe_security_groups(GroupIds=group_ids)["SecurityGroups"]
    found = ingress.exposures([p for group in groups for p in permissions(group)], [port],
                      resolve_prefix_list=lambda pl: prefix_list_entries(facts, pl))
    if found:
        return failed("; ".join(ingress.describe(found, _who)))
    return passed(f"no 0.0.0.0/0 or ::/0 ingress to port {port} in {', '.join(group_ids)}")
