"""All rules of the pack, grouped by concern. Only relative imports here: this package is imported both as
`rules` (by policies/__main__.py, which the CLI runs from policies/) and as `policies.rules` (in-process)."""

from pulumi_policy import Policy

from . import (
    backup,
    budget,
    coverage,
    ec2,
    ecr,
    ecs,
    elb,
    encryption,
    iam,
    kms,
    nacl,
    network,
    protection,
    rds,
    rds_audit,
    rds_forwarding,
    rds_scaling,
    rds_snapshot,
    rds_sql,
    rds_stack,
    s3,
    secrets,
    secrets_rotation,
    ssm,
    tls,
)
from ._base import RuleInfo

ALL_POLICIES: list[Policy] = [
    *rds.POLICIES,
    *tls.POLICIES,
    *rds_stack.POLICIES,
    *rds_audit.POLICIES,
    *rds_forwarding.POLICIES,
    *rds_scaling.POLICIES,
    *rds_sql.POLICIES,
    *rds_snapshot.POLICIES,
    *backup.POLICIES,
    *kms.POLICIES,
    *ssm.POLICIES,
    *encryption.POLICIES,
    *ec2.POLICIES,
    *network.POLICIES,
    *nacl.POLICIES,
    *ecs.POLICIES,
    *ecr.POLICIES,
    *elb.POLICIES,
    *iam.POLICIES,
    *s3.POLICIES,
    *secrets_rotation.POLICIES,
    *protection.POLICIES,
    *budget.POLICIES,
    *secrets.POLICIES,
    *coverage.POLICIES,
]

# name -> metadata (controls, default level, resource types, config schema) for docs and tests.
RULES: dict[str, RuleInfo] = {p.info.name: p.info for p in ALL_POLICIES}  # type: ignore[attr-defined]

__all__ = ["ALL_POLICIES", "RULES", "RuleInfo"]
