"""Manual RDS snapshots and snapshot copies: never public, always encrypted with a customer-managed key.

A snapshot (`rds.ClusterSnapshot`, `rds.Snapshot`) has no key of its own: it is encrypted as its source is, so a
stack rule follows `dbClusterIdentifier` / `dbInstanceIdentifier` to the source by value (as the TLS rules follow a
parameter group name). A copy names its key itself (`kmsKeyId`), so a resource rule reads what the program set:
a stack rule would read the copy's outputs, where a key the provider fills in after creation is unknown during a
preview and would pass.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from ._base import MANDATORY, ResourceRule, StackRule, as_list, aws_managed_key, flag, has, label
from .rds import CLUSTER, DB_INSTANCE, customer_key
from .tls import resolve

CLUSTER_SNAPSHOT = "aws:rds/clusterSnapshot:ClusterSnapshot"
CLUSTER_SNAPSHOT_COPY = "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy"
SNAPSHOT = "aws:rds/snapshot:Snapshot"
SNAPSHOT_COPY = "aws:rds/snapshotCopy:SnapshotCopy"
ALL_SNAPSHOTS = (CLUSTER_SNAPSHOT, CLUSTER_SNAPSHOT_COPY, SNAPSHOT, SNAPSHOT_COPY)

PUBLIC = "all"  # the value of the snapshot attribute `restore` that makes a manual snapshot public


def _not_public(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    if not any(k == "sharedAccounts" for k in props):
        return
    try:
        accounts = [str(a).strip() for a in as_list(props["sharedAccounts"])]
    except UnknownValueError:
        # An account list computed from another resource could hold "all"; a public snapshot is not a warning.
        yield "sharedAccounts is not known before deployment, so the rule cannot tell whether it holds 'all'; " \
              "list the account ids directly."
        return
    if any(a.lower() == PUBLIC for a in accounts):
        yield "sharedAccounts includes 'all', which makes the snapshot public; share it with account ids only."


def _copy_encrypted(props: Mapping[str, Any], _args: Any) -> Iterator[str]:
    yield from customer_key(props, "kmsKeyId", "kmsKeyId must name a customer-managed KMS key; without it the copy "
                            "keeps the source's encryption, or none.")


# snapshot type -> (the property naming its source, source type, the source's identifying properties)
SOURCES = {
    CLUSTER_SNAPSHOT: ("dbClusterIdentifier", CLUSTER, ("clusterIdentifier", "id")),
    SNAPSHOT: ("dbInstanceIdentifier", DB_INSTANCE, ("identifier", "id")),
}


def _source_problem(source: PolicyResource) -> str | None:
    """Why a cluster or instance in this stack does not encrypt with a customer key (None when it does)."""
    props = source.props
    try:
        if flag(props, "storageEncrypted") is not True and not has(props, "replicateSourceDb"):
            return "storageEncrypted is not true"
        if not has(props, "kmsKeyId") or not str(props["kmsKeyId"]).strip():
            return "it sets no kmsKeyId, so RDS uses the AWS-managed aws/rds key"
        if aws_managed_key(props["kmsKeyId"]):
            return f"its kmsKeyId {str(props['kmsKeyId']).strip()} is an AWS-managed key"
    except UnknownValueError:
        return None  # a key computed from a key resource: the source's own rule judges it
    return None


def _own_outputs_encrypted(snapshot: PolicyResource) -> bool:
    """A deployed snapshot (a state audit) reports its own encryption; a new one's is unknown until created."""
    try:
        return flag(snapshot.props, "storageEncrypted") is True and has(snapshot.props, "kmsKeyId") \
            and bool(str(snapshot.props["kmsKeyId"]).strip()) and not aws_managed_key(snapshot.props["kmsKeyId"])
    except UnknownValueError:
        return False


def _snapshot_encrypted(resources: list[PolicyResource],
                        _args: StackValidationArgs) -> Iterator[tuple[str, str | None]]:
    for snapshot in resources:
        if snapshot.resource_type not in SOURCES:
            continue
        prop, source_type, keys = SOURCES[snapshot.resource_type]
        kind = label(snapshot)
        what = "cluster" if source_type == CLUSTER else "instance"
        reference = resolve(snapshot, prop, (source_type,), keys, resources)
        if reference.kind == "found":
            source = reference.matches[0]
            problem = _source_problem(source)
            if problem:
                yield (f"{kind} is taken from {label(source)}, which is not encrypted with a customer-managed KMS key "
                       f"({problem}).", snapshot.urn)
            continue
        if _own_outputs_encrypted(snapshot):
            continue
        if reference.kind == "none":
            yield (f"{kind} is taken from {what} '{reference.value}', which is not managed in this stack, so its "
                   f"encryption cannot be verified.", snapshot.urn)
        elif reference.kind == "ambiguous":
            names = ", ".join(label(m) for m in reference.matches)
            yield (f"{kind}: {prop} '{reference.value}' matches {len(reference.matches)} {what}s of this stack "
                   f"({names}), so its encryption cannot be verified; name the {what} directly.", snapshot.urn)
        else:
            yield (f"{kind}: {prop} is not a {what} identifier known before deployment, so its encryption cannot "
                   f"be verified; name the {what} directly.", snapshot.urn)


POLICIES = [
    ResourceRule(
        "rds-snapshot-not-public", "RDS snapshots and snapshot copies must not be shared with all AWS accounts",
        ("Security Hub RDS.1",), MANDATORY, ALL_SNAPSHOTS, _not_public),
    ResourceRule(
        "rds-snapshot-copy-cmk", "RDS snapshot copies must be encrypted with a customer-managed KMS key",
        ("Security Hub RDS.4",), MANDATORY, (CLUSTER_SNAPSHOT_COPY, SNAPSHOT_COPY), _copy_encrypted),
    StackRule(
        "rds-snapshot-encrypted",
        "RDS snapshots must be taken from clusters and instances encrypted with a customer-managed KMS key",
        ("Security Hub RDS.4",), MANDATORY, (CLUSTER_SNAPSHOT, SNAPSHOT, CLUSTER, DB_INSTANCE),
        _snapshot_encrypted),
]
