"""verify's checks: the policy pack's rules, read back from a live stack's describe APIs.

Each check is a small function ``Facts -> (status, detail)``; the names are stable (kebab-case)
because scripts match on them in ``verify --json``.
"""

from __future__ import annotations

from ops.checks import bastion, keys, network, password, settings, tls
from ops.checks.base import ERROR, FAIL, PASS, SKIP, Check, CheckResult, Facts
from ops.errors import AWS_ERRORS, one_line

CHECKS: list[tuple[str, Check]] = [
    ("storage-encrypted-cmk", keys.storage_encrypted_cmk),
    ("kms-key-rotation", keys.key_rotation),
    ("tls-enforced", tls.tls_enforced),
    ("backup-retention", settings.backup_retention),
    ("deletion-protection", settings.deletion_protection),
    ("iam-auth", settings.iam_auth),
    ("copy-tags-to-snapshot", settings.copy_tags),
    ("log-exports", settings.log_exports),
    ("no-public-instances", network.no_public_instances),
    ("multi-az-instances", network.multi_az_instances),
    ("password-parameter-cmk", password.password_parameter_cmk),
    ("no-open-db-ingress", network.no_open_db_ingress),
    ("bastion-imdsv2", bastion.bastion_imdsv2),
    ("bastion-volumes-encrypted", bastion.bastion_volumes_encrypted),
]


def run_checks(facts: Facts) -> list[CheckResult]:
    """Every check, each isolated: one AccessDenied marks that check ERROR, the rest still run."""
    results = []
    for name, check in CHECKS:
        try:
            status, detail = check(facts)
        except AWS_ERRORS as exc:
            status, detail = ERROR, one_line(exc)
        results.append(CheckResult(name, status, detail))
    return results


__all__ = ["CHECKS", "ERROR", "FAIL", "PASS", "SKIP", "CheckResult", "Facts", "run_checks"]
