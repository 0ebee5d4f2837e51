"""The bucket SQL exports to (`aws_s3.query_export_to_s3` through a cluster role association with feature s3Export)
holds database data, so it must be encrypted with a customer-managed key, like an RDS export task's bucket.

The bucket is found from the association's role: every `s3:PutObject` resource of the role's inline policies
(`aws.iam.RolePolicy` whose `role` came from that role) names `arn:<partition>:s3:::<bucket>/...`; that bucket, when it
is in the stack, must have default encryption with aws:kms and a customer key. A role whose writes cannot be read
(unknown policy, a wildcard bucket) fails: the rule never passes what it cannot see. A bucket outside the stack
cannot be checked offline and is reported as such.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

from ._base import MANDATORY, StackRule, as_list, depends_on, has_dependency, known, label
from .s3 import BUCKETS, KMS_ALGORITHMS, _encryption_defaults, _key_findings

ASSOCIATION = "aws:rds/clusterRoleAssociation:ClusterRoleAssociation"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def _role_of(association: PolicyResource, resources: list[PolicyResource]) -> PolicyResource | None:
    for role in resources:
        if role.resource_type == ROLE and has_dependency(association, "roleArn") \
                and depends_on(association, "roleArn", role):
            return role
    return None


def _write_resources(document: Any) -> list[str]:
    if isinstance(document, str):
        document = json.loads(document)
    found = []
    for statement in as_list(document.get("Statement") if isinstance(document, Mapping) else None):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        actions = [str(a).lower() for a in as_list(statement.get("Action"))]
        if any(fnmatchcase("s3:putobject", a) for a in actions):
            found += [str(r) for r in as_list(statement.get("Resource"))]
    return found


def _export_buckets(resources: list[PolicyResource], _args: Any) -> Iterator[tuple[str, str | None]]:
    for association in resources:
        if association.resource_type != ASSOCIATION:
            continue
        try:
            feature = association.props.get("featureName")
        except UnknownValueError:
            feature = None
        if str(feature) != "s3Export":
            continue
        role = _role_of(association, resources)
        if role is None:
            yield (f"{label(association)}: its roleArn does not come from a role of this stack, so the bucket it "
                   f"exports to cannot be found; create the role in the stack.", association.urn)
            continue
        targets: list[str] = []
        try:
            for policy in resources:
                if policy.resource_type == ROLE_POLICY and depends_on(policy, "role", role):
                    targets += _write_resources(policy.props.get("policy"))
        except (UnknownValueError, ValueError):
            yield (f"{label(role)} (used by {label(association)}): its policies are not known before deployment, "
                   f"so the export bucket cannot be found.", association.urn)
            continue
        names = {t.split(":::", 1)[1].split("/", 1)[0] for t in targets if ":::" in t}
        if not names or any(ch in n for n in names for ch in "*?"):
            yield (f"{label(role)} (used by {label(association)}) must allow s3:PutObject on one named bucket; it "
                   f"names {sorted(names) or 'none'}.", association.urn)
            continue
        for name in sorted(names):
            buckets = [b for b in resources if b.resource_type in BUCKETS and name in
                       {known(b.props, k) for k in ("bucket", "id")}]
            if not buckets:
                yield (f"{label(association)} exports to bucket '{name}', which is not in this stack, so its "
                       f"encryption cannot be verified.", association.urn)
                continue
            defaults = _encryption_defaults(resources, buckets[0])
            if not defaults:
                yield (f"{label(buckets[0])} holds SQL exports ({label(association)}) but has no default encryption; "
                       f"add a BucketServerSideEncryptionConfiguration with aws:kms and a customer-managed "
                       f"kmsMasterKeyId.", buckets[0].urn)
            for where, default in defaults:
                for finding in _key_findings(where, default):
                    yield finding, buckets[0].urn
                if str(default.get("sseAlgorithm")) not in KMS_ALGORITHMS:
                    break


POLICIES = [
    StackRule(
        "aurora-sql-export-bucket-cmk",
        "The bucket SQL exports to (cluster role association s3Export) must be in the stack and use a "
        "customer-managed key",
        ("Security Hub S3.17",), MANDATORY, (ASSOCIATION, ROLE, ROLE_POLICY, *BUCKETS), _export_buckets),
]
