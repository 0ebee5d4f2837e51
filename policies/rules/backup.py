"""AWS Backup: every Aurora cluster protected by a backup plan, and backup vaults encrypted with a customer key.

- `aurora-backup-plan` (Security Hub RDS.26, Checkov CKV2_AWS_8): in a production stack (an Environment=production
  tag, read as production-protect reads it; every stack with `allStacks`), a stack rule pairing each `rds/cluster`
  with a `backup/selection` that names it, through a plan of the stack that has at least one rule. A selection names the
  cluster by its ARN in `resources` (property dependency, else the ARN's value, or an ARN pattern with `*` that
  matches it), or by a tag the cluster carries (`selectionTags` STRINGEQUALS); `notResources` that match it take it
  out again. A selection whose plan is outside the stack counts (the plan cannot be seen offline).
- `backup-vault-cmk` (Checkov CKV_AWS_166, Security Hub Backup.1): `backup/vault` sets `kmsKeyArn` to a customer
  key, not AWS Backup's AWS-managed key (`alias/aws/backup`) nor unset (which means that key). For Aurora a
  recovery point is a cluster snapshot under the cluster's own key whatever the vault's (docs/database.md); that the
  cluster is encrypted with a customer key is `aurora-storage-encrypted`'s.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource

from ._base import (
    ADVISORY,
    MANDATORY,
    ResourceRule,
    StackRule,
    as_list,
    aws_managed_key,
    depends_on,
    flag,
    has,
    known,
    known_values,
    label,
)
from ._base import tags as tags_of
from .protection import _production
from .rds import CLUSTER

VAULT = "aws:backup/vault:Vault"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"


def _vault_cmk(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if not has(props, "kmsKeyArn"):
        yield ("kmsKeyArn is not set: AWS Backup then encrypts with its AWS-managed key (alias/aws/backup); set a "
               "customer-managed key of the stack.")
        return
    key = known(props, "kmsKeyArn")
    if isinstance(key, str) and (not key.strip() or aws_managed_key(key)):
        yield f"kmsKeyArn {key!r} is not a customer-managed key; set a customer-managed key of the stack."


def _arn_matches(pattern: Any, arn: Any) -> bool:
    return isinstance(pattern, str) and isinstance(arn, str) and fnmatch.fnmatchcase(arn, pattern.strip())


def _names(selection: PolicyResource, prop: str, cluster: PolicyResource) -> bool:
    """The selection's `prop` names the cluster: an ARN (or pattern) matching the cluster's, or, for a value not
    known before deployment, one computed from the cluster. A dependency alone is not enough: a value computed from
    the cluster can name another ARN (`cluster.arn.apply(lambda _: other)`), and AWS Backup reads the value."""
    arn = known(cluster.props, "arn")
    data = known_values(selection.props)
    if prop not in data:
        return any(k == prop for k in selection.props) and depends_on(selection, prop, cluster)
    items = as_list(data[prop])
    if any(_arn_matches(p, arn) for p in items):
        return True
    return (None in items or not isinstance(arn, str)) and depends_on(selection, prop, cluster)


def _tag_selects(selection: PolicyResource, cluster: PolicyResource) -> bool:
    cluster_tags = tags_of(cluster.props)
    for condition in as_list(known(selection.props, "selectionTags")):
        if not isinstance(condition, Mapping):
            continue
        if str(condition.get("type", "")).upper() == "STRINGEQUALS" and \
                cluster_tags.get(str(condition.get("key"))) == condition.get("value"):
            return True
    return False


def _plan_of(selection: PolicyResource, plans: list[PolicyResource]) -> PolicyResource | None | bool:
    """The plan of the stack the selection belongs to; True when it names a plan outside the stack."""
    linked = next((p for p in plans if depends_on(selection, "planId", p)), None)
    if linked is not None:
        return linked
    value = known(selection.props, "planId")
    by_value = next((p for p in plans if isinstance(value, str) and known(p.props, "id") == value), None)
    if by_value is not None:
        return by_value
    return True if isinstance(value, str) and value.strip() else None


def _backup_plan(resources: list[PolicyResource], args: Any) -> Iterator[tuple[str, str | None]]:
    plans = [r for r in resources if r.resource_type == PLAN]
    selections = [r for r in resources if r.resource_type == SELECTION]
    # Production stacks (an Environment=production tag anywhere, as production-protect reads it), or every stack when
    # the config says so: a development cluster relies on its own continuous backups to save AWS Backup's storage.
    production = flag(args.get_config(), "allStacks") is True or any(_production(r) for r in resources)
    if not production:
        return
    for cluster in resources:
        if cluster.resource_type != CLUSTER:
            continue
        covering = [s for s in selections
                    if (_names(s, "resources", cluster) or _tag_selects(s, cluster))
                    and not _names(s, "notResources", cluster)]
        if not covering:
            yield (f"{label(cluster)} is in no AWS Backup selection (resources naming its ARN, or a selection tag "
                   f"it carries); turn on aurora-platform:database.awsBackup.", cluster.urn)
            continue
        reasons = []
        for selection in covering:
            plan = _plan_of(selection, plans)
            if plan is True:
                break
            if plan is None:
                reasons.append(f"{label(selection)} belongs to no plan")
                continue
            if not [r for r in as_list(known(plan.props, "rules")) if isinstance(r, Mapping)]:
                reasons.append(f"{label(plan)} has no rule")
                continue
            break
        else:
            yield f"{label(cluster)} is selected, but {'; '.join(reasons)}.", cluster.urn


POLICIES = [
    StackRule(
        "aurora-backup-plan", "In production stacks, each Aurora cluster must be protected by an AWS Backup plan",
        ("Security Hub RDS.26", "Checkov CKV2_AWS_8"), ADVISORY, (CLUSTER, PLAN, SELECTION), _backup_plan,
        config={"allStacks": {"type": "boolean", "default": False,
                              "description": "Judge every stack, not only those tagged Environment=production."}}),
    ResourceRule(
        "backup-vault-cmk", "AWS Backup vaults must be encrypted with a customer-managed KMS key",
        ("Checkov CKV_AWS_166", "Security Hub Backup.1"), MANDATORY, (VAULT,), _vault_cmk),
]
