"""AWS Backup for the Aurora cluster (`database.awsBackup`): vault, plan, selection, service role, optional copy to
a vault of another region, and a vault lock.

The vault is encrypted with the database key. For Aurora the choice changes little: AWS Backup does not fully manage
Aurora backups, so a recovery point is a cluster snapshot encrypted with the cluster's own key, whatever the vault's
key (AWS Backup developer guide, "Encryption for backups in AWS Backup"). A dedicated backup key would cost a key a
month and a key policy to maintain while encrypting nothing of Aurora's; the database key keeps one key to rotate,
grant and audit for everything the cluster's data becomes. The copy in the other region is encrypted with that
vault's key (AWS Backup re-encrypts a cross-region copy with the destination's key), which the destination owns.

The service role gets a scoped inline policy: the Aurora statements of AWS's AWSBackupServiceRolePolicyForBackup
(snapshot, tag, copy and expire cluster snapshots; describe and copy into vaults), limited to this cluster, AWS
Backup's own snapshots (`cluster-snapshot:awsbackup:*`) and this stack's vault and the copy vault, instead of the
managed policy's every service and resource. Its trust names backup.amazonaws.com without aws:SourceAccount: AWS
Backup documents those keys for resource policies, not for the role it is passed, and a condition the service does
not send would fail every job (the role can only reach AWS Backup through iam:PassRole in this account anyway).
A copy to a vault of another region also needs the destination key's policy to let this role create grants on it
(kms:CreateGrant, kms:DescribeKey): that key is not the stack's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from .settings.database_backup import AwsBackup


def backup_role_policy(partition: str, region: str, account: str, cluster_arn: str, vault_arn: str,
                       copy_vault_arn: str | None) -> dict:
    snapshots = f"arn:{partition}:rds:*:{account}:cluster-snapshot:awsbackup:*"
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "DescribeAurora", "Effect": "Allow",
         "Action": ["rds:DescribeDBClusters", "rds:DescribeDBClusterSnapshots", "rds:DescribeDBClusterAutomatedBackups",
                    "rds:ListTagsForResource"],
         "Resource": "*"},
        {"Sid": "SnapshotTheCluster", "Effect": "Allow",
         "Action": ["rds:CreateDBClusterSnapshot", "rds:AddTagsToResource"],
         "Resource": [cluster_arn, f"arn:{partition}:rds:{region}:{account}:cluster-snapshot:awsbackup:*"]},
        {"Sid": "CopyAndExpireBackupSnapshots", "Effect": "Allow",
         "Action": ["rds:CopyDBClusterSnapshot", "rds:DeleteDBClusterSnapshot", "rds:AddTagsToResource"],
         "Resource": snapshots},
        {"Sid": "Vaults", "Effect": "Allow", "Action": ["backup:DescribeBackupVault", "backup:CopyIntoBackupVault"],
         "Resource": [vault_arn] + ([copy_vault_arn] if copy_vault_arn else [])}]}


def backup_trust_policy() -> dict:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


class AuroraBackup:
    """Built by the program when `database.awsBackup.enabled`; the vault is protected with the cluster (a vault
    holding recovery points cannot be deleted anyway, and a locked one not even emptied)."""

    def __init__(self, name: str, *, identifier: str, settings: AwsBackup, cluster_arn: pulumi.Input[str],
                 key_arn: pulumi.Input[str], tags: Mapping[str, str], parent: pulumi.Resource | None = None,
                 protect: bool = False):
        opts = pulumi.ResourceOptions(parent=parent)

        def tag(suffix: str) -> dict[str, str]:
            return {**tags, "Name": f"{identifier}-{suffix}"}

        self.vault = aws.backup.Vault(
            f"{name}-vault", name=f"{identifier}-backups"[-50:], kms_key_arn=key_arn, force_destroy=False,
            tags=tag("backups"), opts=pulumi.ResourceOptions(parent=parent, protect=protect))
        self.vault_lock: aws.backup.VaultLockConfiguration | None = None
        lock = settings.vault_lock
        if lock.enabled:
            # Governance mode (no changeable_for_days): removable by whoever may DeleteBackupVaultLockConfiguration.
            # Compliance mode: changeable for changeable_for_days (at least 3, AWS Backup's 72-hour cooling-off),
            # then immutable: no one can shorten it or delete the vault before its last recovery point expires.
            self.vault_lock = aws.backup.VaultLockConfiguration(
                f"{name}-vault-lock", backup_vault_name=self.vault.name,
                min_retention_days=lock.min_retention_days, max_retention_days=lock.max_retention_days,
                changeable_for_days=lock.changeable_for_days,
                # A vault has one lock: created before the old one is deleted (Pulumi's default), the replacement's
                # delete would remove the lock just written and leave the vault unlocked.
                opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(delete_before_replace=True)))

        invoke = pulumi.InvokeOutputOptions(parent=parent)
        self.role = aws.iam.Role(
            f"{name}-backup", assume_role_policy=json.dumps(backup_trust_policy()),
            description=f"AWS Backup for Aurora cluster {identifier}", tags=tag("backup"), opts=opts)
        document = pulumi.Output.all(
            aws.get_partition_output(opts=invoke).partition, aws.get_region_output(opts=invoke).region,
            aws.get_caller_identity_output(opts=invoke).account_id, cluster_arn, self.vault.arn).apply(
            lambda v: json.dumps(backup_role_policy(*v, settings.copy_to_vault_arn)))
        attachment = aws.iam.RolePolicy(f"{name}-backup", role=self.role.id, policy=document, opts=opts)

        copy_actions = []
        if settings.copy_to_vault_arn:
            copy_actions.append(aws.backup.PlanRuleCopyActionArgs(
                destination_vault_arn=settings.copy_to_vault_arn,
                lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(
                    delete_after=settings.copy_retention_days or settings.retention_days)))
        # No cold_storage_after: AWS Backup does not move Aurora recovery points to cold storage.
        self.plan = aws.backup.Plan(
            f"{name}-plan", name=f"{identifier}-daily"[-50:],
            rules=[aws.backup.PlanRuleArgs(
                rule_name="daily", target_vault_name=self.vault.name, schedule=settings.schedule,
                start_window=60, completion_window=480,
                lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=settings.retention_days),
                copy_actions=copy_actions or None,
                recovery_point_tags=dict(tags))],
            tags=tag("daily"),
            # The lock must exist before the first recovery point is written, or that point escapes it.
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[self.vault_lock] if self.vault_lock else []))
        self.selection = aws.backup.Selection(
            f"{name}-selection", name=f"{identifier}-cluster"[-50:], plan_id=self.plan.id, iam_role_arn=self.role.arn,
            resources=[cluster_arn], opts=pulumi.ResourceOptions(parent=parent, depends_on=[attachment]))
        self.vault_name = self.vault.name
        self.plan_id = self.plan.id
