"""Which input changes force the provider to replace a stateful resource, and what a replacement costs.

`pulumi preview` learns "replace" from the provider's Diff; the offline engine has no provider, so the diff of two
preflight reports (preflight/diff.py) uses this table instead. It covers the resource types of this program that
hold data, keys, credentials or the database's configuration. Every entry names the source it was read from:

- pulumi-aws 7.x is bridged from the Terraform AWS provider, and a bridged input replaces the resource exactly when the
  Terraform schema marks it `ForceNew: true` (or a CustomizeDiff calls `ForceNew`). The sources are the provider's
  resource schemas (hashicorp/terraform-provider-aws, `internal/service/<service>/<resource>.go`), read on
  2026-11-27. The `pulumi_aws` Python SDK docstrings say so only for a few inputs ("This argument does not support
  in-place updates" for `masterUsername`), so they are not the primary source.
- pulumi-random is bridged from hashicorp/terraform-provider-random: `RequiresReplace` plan modifiers.

Keys are Pulumi input names (camelCase), as they appear in a preflight report. Only top-level inputs: a nested block
that forces replacement (`restoreToPointInTime`, `rootBlockDevice.encrypted`) is listed by its top-level key, so a
change anywhere in it is reported as a possible replacement (the source says which nested field forces it).

Modelled conditionally: EC2 `userData` replaces the instance only while `userDataReplaceOnChange` is true. Keys are
checked against the installed SDK's inputs (tests/preflight/test_replacement_inputs.py). An ECS task definition is
in the table with `gates=False`: every change of it is a replacement (a new revision, not a loss).
Not modelled (documented in docs/pull-requests.md): other conditional replacements (SSM parameter tier Advanced ->
Standard, `storageType` on non-Aurora engines), provider-computed values the offline engine cannot see, and cascades
through outputs (a replaced KMS key changes its ARN, which replaces the cluster whose `kmsKeyId` refers to it; the
diff flags such dependants as "may be replaced too").
"""

from __future__ import annotations

from dataclasses import dataclass

TF_AWS = "hashicorp/terraform-provider-aws"
TF_RANDOM = "hashicorp/terraform-provider-random"
_CLUSTER = f"{TF_AWS} internal/service/rds/cluster.go (aws_rds_cluster schema)"
_INSTANCE = f"{TF_AWS} internal/service/rds/cluster_instance.go (aws_rds_cluster_instance schema)"
_KEY = f"{TF_AWS} internal/service/kms/key.go (aws_kms_key schema)"
_CPG = f"{TF_AWS} internal/service/rds/cluster_parameter_group.go (aws_rds_cluster_parameter_group schema)"
_ENDPOINT = f"{TF_AWS} internal/service/rds/cluster_endpoint.go (aws_rds_cluster_endpoint schema)"
_PG = f"{TF_AWS} internal/service/rds/parameter_group.go (aws_db_parameter_group schema)"
_SUBNETS = f"{TF_AWS} internal/service/rds/subnet_group.go (aws_db_subnet_group schema)"
_SSM = f"{TF_AWS} internal/service/ssm/parameter.go (aws_ssm_parameter schema)"
_EC2 = f"{TF_AWS} internal/service/ec2/ec2_instance.go (aws_instance schema)"
_LOGS = f"{TF_AWS} internal/service/logs/group.go (aws_cloudwatch_log_group schema)"
_RANDOM = f"{TF_RANDOM} internal/provider/resource_password.go (random_password schema v3)"
_ECR = f"{TF_AWS} internal/service/ecr/repository.go (aws_ecr_repository schema)"
_VAULT = f"{TF_AWS} internal/service/backup/vault.go (aws_backup_vault schema)"
_PLAN = f"{TF_AWS} internal/service/backup/plan.go (aws_backup_plan schema)"
_SELECTION = f"{TF_AWS} internal/service/backup/selection.go (aws_backup_selection schema)"
_LOCK = f"{TF_AWS} internal/service/backup/vault_lock_configuration.go (aws_backup_vault_lock_configuration schema)"
_LB = f"{TF_AWS} internal/service/elbv2/load_balancer.go (aws_lb schema)"
_TG = f"{TF_AWS} internal/service/elbv2/target_group.go (aws_lb_target_group schema)"
_CERT = f"{TF_AWS} internal/service/acm/certificate.go (aws_acm_certificate schema)"
_BUCKET = f"{TF_AWS} internal/service/s3/bucket.go (aws_s3_bucket schema)"
_NACL = f"{TF_AWS} internal/service/ec2/vpc_network_acl.go (aws_network_acl schema)"
_VPCE = f"{TF_AWS} internal/service/ec2/vpc_endpoint.go (aws_vpc_endpoint schema)"
_TASKDEF = f"{TF_AWS} internal/service/ecs/task_definition.go (aws_ecs_task_definition schema)"

# What a replacement costs, from worst to mildest. DATA_LOSS entries are listed first and in bold by the diff.
DATA_LOSS = "data-loss"
CREDENTIALS = "credentials"
OUTAGE = "outage"
CONFIGURATION = "configuration"
RISK_ORDER = {DATA_LOSS: 0, CREDENTIALS: 1, OUTAGE: 2, CONFIGURATION: 3}


@dataclass(frozen=True)
class ForcingInput:
    key: str  # Pulumi input name
    source: str  # where "changing this replaces the resource" was read


@dataclass(frozen=True)
class StatefulType:
    token: str
    label: str
    risk: str
    consequence: str  # what replacing (or deleting) one of these does, in one sentence
    inputs: tuple[ForcingInput, ...]
    # Inputs that force replacement only while another (boolean) input of the new inputs is true.
    conditional: tuple[tuple[ForcingInput, str], ...] = ()
    # False for a type whose every change is a replacement by design (an ECS task definition: a new revision): shown
    # as a replacement, but `--fail-on-replace` does not fail on it, or every container change would need the label.
    gates: bool = True

    def forcing(self, key: str, new_inputs: dict | None = None) -> ForcingInput | None:
        for entry in self.inputs:
            if entry.key == key:
                return entry
        for entry, flag in self.conditional:
            if entry.key == key and (new_inputs or {}).get(flag) is True:
                return entry
        return None


def _forced(source: str, *keys: str, note: str = "") -> tuple[ForcingInput, ...]:
    suffix = f"; {note}" if note else ""
    return tuple(ForcingInput(key, f"{source}: ForceNew{suffix}") for key in keys)


TABLE: dict[str, StatefulType] = {t.token: t for t in (
    StatefulType(
        "aws:rds/cluster:Cluster", "Aurora cluster", DATA_LOSS,
        "A new, empty cluster is created and the old one deleted with its data; only a final snapshot (if taken) "
        "and retained backups survive",
        _forced(_CLUSTER, "availabilityZones", "clusterIdentifier", "clusterIdentifierPrefix",
                "clusterScalabilityType", "databaseName", "dbSubnetGroupName", "dbSystemId", "engine", "engineMode",
                "kmsKeyId", "masterUsername", "snapshotIdentifier", "sourceRegion", "storageEncrypted")
        + _forced(_CLUSTER, "restoreToPointInTime", "s3Import", note="on the nested fields of the block")),
    StatefulType(
        "aws:kms/key:Key", "KMS key", DATA_LOSS,
        "The old key is scheduled for deletion; once the waiting period ends, everything encrypted with it "
        "(cluster storage, snapshots, the password parameter, logs) can no longer be decrypted",
        _forced(_KEY, "customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId")),
    StatefulType(
        "aws:cloudwatch/logGroup:LogGroup", "CloudWatch log group", DATA_LOSS,
        "The old group is deleted with every event in it (flow logs, the database's audit and error logs, the "
        "application's logs); the new group starts empty",
        _forced(_LOGS, "name", "namePrefix")),
    StatefulType(
        "aws:ssm/parameter:Parameter", "SSM parameter (the database password)", CREDENTIALS,
        "The parameter is deleted and written again: readers (ECS tasks, the bastion) fail while it is missing and "
        "its version history is lost",
        _forced(_SSM, "name", "dataType")),
    StatefulType(
        "random:index/randomPassword:RandomPassword", "generated password", CREDENTIALS,
        "A new master password is generated and set on the cluster: every client must pick up the new value",
        tuple(ForcingInput(k, f"{_RANDOM}: RequiresReplace plan modifier") for k in (
            "keepers", "length", "lower", "minLower", "minNumeric", "minSpecial", "minUpper", "number", "numeric",
            "overrideSpecial", "special", "upper"))),
    StatefulType(
        "aws:rds/clusterInstance:ClusterInstance", "Aurora instance", OUTAGE,
        "Replaced (brief outage): instances hold no data, the cluster volume survives; a replaced writer fails "
        "over",
        _forced(_INSTANCE, "availabilityZone", "clusterIdentifier", "customIamInstanceProfile", "dbSubnetGroupName",
                "engine", "identifier", "identifierPrefix")),
    StatefulType(
        "aws:rds/clusterEndpoint:ClusterEndpoint", "Aurora custom endpoint", OUTAGE,
        "Deleted and created again under its name: clients of that DNS name fail to connect until it is back",
        _forced(_ENDPOINT, "clusterEndpointIdentifier", "clusterIdentifier")),
    StatefulType(
        "aws:rds/subnetGroup:SubnetGroup", "DB subnet group", OUTAGE,
        "A new subnet group gets a new name, and the cluster's dbSubnetGroupName forces the cluster to be replaced "
        "with it",
        _forced(_SUBNETS, "name", "namePrefix")),
    StatefulType(
        "aws:rds/clusterParameterGroup:ClusterParameterGroup", "cluster parameter group", CONFIGURATION,
        "A new group is created and the cluster switched to it (static parameters wait for a reboot)",
        _forced(_CPG, "description", "family", "name", "namePrefix")),
    StatefulType(
        "aws:rds/parameterGroup:ParameterGroup", "DB parameter group", CONFIGURATION,
        "A new group is created and the instances switched to it (static parameters wait for a reboot)",
        _forced(_PG, "description", "family", "name", "namePrefix")),
    StatefulType(
        "aws:ec2/instance:Instance", "EC2 instance (the bastion)", OUTAGE,
        "Replaced: open sessions drop and the instance gets a new id; it holds no data",
        _forced(_EC2, "ami", "associatePublicIpAddress", "availabilityZone", "ebsOptimized", "hibernation",
                "hostId", "ipv6AddressCount", "ipv6Addresses", "keyName", "launchTemplate", "placementGroup",
                "privateIp", "securityGroups", "subnetId", "tenancy")
        # The SDK's wire names are plural (`ebsBlockDevices`); pulumi-aws 7 has no cpuCoreCount/cpuThreadsPerCore
        # (they moved into cpuOptions): keys the SDK does not send would never match a report.
        + _forced(_EC2, "rootBlockDevice", "ebsBlockDevices", "ephemeralBlockDevices", "cpuOptions",
                  "privateDnsNameOptions", note="on nested fields of the block (encrypted, kmsKeyId, ...)"),
        conditional=tuple((ForcingInput(key, f"{_EC2}: CustomizeDiff ForceNewIf userDataReplaceOnChange"),
                           "userDataReplaceOnChange") for key in ("userData", "userDataBase64"))),
    # ---- the application image, AWS Backup, the load balancer, the isolated network (added 2026-12-02) ----
    StatefulType(
        "aws:ecr/repository:Repository", "ECR repository (the application image)", DATA_LOSS,
        "A new, empty repository is created and the old one deleted: with forceDelete every image in it is deleted "
        "(ECR refuses to delete a repository holding images otherwise, and `pulumi up` stops with both); a new "
        "name is also a new image URI for the task definitions",
        _forced(_ECR, "name")
        + _forced(_ECR, "encryptionConfigurations", note="on the block and its encryptionType, kmsKey")),
    StatefulType(
        "aws:backup/vault:Vault", "AWS Backup vault", DATA_LOSS,
        "AWS Backup deletes only an empty vault (DeleteBackupVault): with forceDestroy false the old vault's delete "
        "fails while it holds recovery points and `pulumi up` stops with both vaults; with forceDestroy true the "
        "provider first deletes every recovery point in it, and the backups are lost",
        _forced(_VAULT, "name", "kmsKeyArn")),
    StatefulType(
        "aws:s3/bucket:Bucket", "S3 bucket (access logs, exports)", DATA_LOSS,
        "A new bucket is created and the old one deleted: with forceDestroy every object in it (the load balancer's "
        "access logs, the exports) is deleted; S3 refuses to delete a bucket holding objects otherwise",
        _forced(_BUCKET, "bucket", "bucketPrefix", "objectLockEnabled")
        + _forced(_BUCKET, "objectLockConfiguration", note="on its nested objectLockEnabled")),
    StatefulType(
        "aws:lb/loadBalancer:LoadBalancer", "application load balancer", OUTAGE,
        "A new load balancer gets a new DNS name: requests fail until the alias record, the listeners and the "
        "targets follow; enableDeletionProtection refuses the old one's delete until it is turned off",
        _forced(_LB, "customerOwnedIpv4Pool", "internal", "loadBalancerType", "name", "namePrefix")),
    StatefulType(
        "aws:lb/targetGroup:TargetGroup", "load balancer target group", OUTAGE,
        "A new target group: the service's tasks must register in it and pass health checks, and the listener "
        "switch to it; requests fail meanwhile",
        _forced(_TG, "ipAddressType", "name", "namePrefix", "port", "protocol", "protocolVersion", "targetType",
                "vpcId")),
    StatefulType(
        "aws:acm/certificate:Certificate", "ACM certificate", OUTAGE,
        "A new certificate is requested and must validate again (its DNS records) before it is issued; HTTPS fails "
        "if the listener switches to it before then",
        _forced(_CERT, "certificateAuthorityArn", "domainName", "keyAlgorithm", "subjectAlternativeNames",
                "validationMethod", "validationOptions")),
    StatefulType(
        "aws:backup/plan:Plan", "AWS Backup plan", OUTAGE,
        "A new plan gets a new id, which replaces the selection (its planId) too: no backup is scheduled until "
        "both exist again; recovery points already taken stay in the vault",
        _forced(_PLAN, "name")),
    StatefulType(
        "aws:backup/selection:Selection", "AWS Backup selection", OUTAGE,
        "Deleted and created again: a window in which the cluster is assigned to no plan and no backup is taken; "
        "recovery points already taken stay in the vault",
        _forced(_SELECTION, "name", "planId", "iamRoleArn", "notResources", "resources")
        + _forced(_SELECTION, "conditions", "selectionTags", note="on the block and its nested fields")),
    StatefulType(
        "aws:backup/vaultLockConfiguration:VaultLockConfiguration", "AWS Backup vault lock", OUTAGE,
        "The lock is the vault's, so a replacement puts the new lock and then deletes the old one, which removes "
        "the vault's lock; a compliance-mode lock past its changeableForDays can be neither changed nor deleted, "
        "and `pulumi up` fails",
        _forced(_LOCK, "backupVaultName", "changeableForDays", "maxRetentionDays", "minRetentionDays")),
    StatefulType(
        "aws:ec2/vpcEndpoint:VpcEndpoint", "VPC endpoint", OUTAGE,
        "A new endpoint (new id, network interfaces and DNS names): the isolated subnets cannot reach the service "
        "(S3, Lambda) through it until it is available",
        _forced(_VPCE, "serviceName", "vpcEndpointType", "vpcId")),
    StatefulType(
        "aws:ec2/networkAcl:NetworkAcl", "network ACL", CONFIGURATION,
        "A new ACL in the new VPC; deleting the old one first moves any subnet still associated with it to the "
        "VPC's default ACL, which allows all traffic",
        _forced(_NACL, "vpcId")),
    StatefulType(
        "aws:ecs/taskDefinition:TaskDefinition", "ECS task definition", CONFIGURATION,
        "A task definition cannot be changed: every change registers a new revision of the family and "
        "deregisters the old one (kept with skipDestroy); a new revision, not a loss, which the service and the "
        "migration task use from their next run",
        _forced(_TASKDEF, "containerDefinitions", "cpu", "enableFaultInjection", "ephemeralStorage",
                "executionRoleArn", "family", "ipcMode", "memory", "networkMode", "pidMode", "placementConstraints",
                "proxyConfiguration", "requiresCompatibilities", "runtimePlatform", "taskRoleArn", "volumes"),
        gates=False),
)}


def stateful(token: str) -> StatefulType | None:
    return TABLE.get(token)


def forcing_input(token: str, key: str, new_inputs: dict | None = None) -> ForcingInput | None:
    entry = TABLE.get(token)
    return entry.forcing(key, new_inputs) if entry else None
